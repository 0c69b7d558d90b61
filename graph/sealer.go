package graph

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// DataKeySize is the size of a data key in bytes (AES-256).
const DataKeySize = 32

// DataKey is one key of a KeyRing: an id (1-16 letters or digits, stored beside every record
// it sealed) and its secret.
type DataKey struct {
	ID     string
	Secret []byte
}

// KeyRing seals and opens personal data (stored profiles and events) with AES-256-GCM. The
// newest key (the last one given) seals; every key opens what it sealed, so records sealed
// under an older key stay readable until they are re-sealed (key rotation). The secrets never
// leave it.
type KeyRing struct {
	aeads   map[string]cipher.AEAD
	ids     []string
	current string
}

// ErrSealed says a sealed record could not be opened: a key id the ring does not hold, or a
// record that was altered or moved to another node (the node's id is authenticated with it).
var ErrSealed = errors.New("sealed record cannot be opened")

// NewKeyRing returns a ring over keys; the last one seals. Ids must be unique.
func NewKeyRing(keys []DataKey) (*KeyRing, error) {
	if len(keys) == 0 {
		return nil, errors.New("graph: a key ring needs at least one data key")
	}
	r := &KeyRing{aeads: map[string]cipher.AEAD{}}
	for i, k := range keys {
		if !validKeyID(k.ID) {
			return nil, fmt.Errorf("graph: data key %d: id %q: want 1 to 16 letters or digits", i+1, k.ID)
		}
		if len(k.Secret) != DataKeySize {
			return nil, fmt.Errorf("graph: data key %s: want %d bytes (64 hex digits), got %d", k.ID, DataKeySize, len(k.Secret))
		}
		if _, dup := r.aeads[k.ID]; dup {
			return nil, fmt.Errorf("graph: data key id %s given twice", k.ID)
		}
		block, err := aes.NewCipher(k.Secret)
		if err != nil {
			return nil, fmt.Errorf("graph: data key %s: %w", k.ID, err)
		}
		aead, err := cipher.NewGCM(block)
		if err != nil {
			return nil, fmt.Errorf("graph: data key %s: %w", k.ID, err)
		}
		r.aeads[k.ID] = aead
		r.ids = append(r.ids, k.ID)
	}
	r.current = keys[len(keys)-1].ID
	return r, nil
}

func validKeyID(id string) bool {
	if id == "" || len(id) > 16 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Current is the id of the key that seals.
func (r *KeyRing) Current() string { return r.current }

// IDs are the ids of every key, oldest first.
func (r *KeyRing) IDs() []string { return append([]string(nil), r.ids...) }

// String never shows a secret.
func (r *KeyRing) String() string {
	return fmt.Sprintf("KeyRing{keys: %s, current: %s, secrets: ****}", strings.Join(r.ids, ","), r.current)
}

// Seal encrypts plaintext under the current key, authenticating aad with it (the record's
// kind and id: a sealed value copied onto another node does not open). The result is
// "<key id>:<base64 of nonce and ciphertext>".
func (r *KeyRing) Seal(plaintext, aad []byte) (string, error) {
	aead := r.aeads[r.current]
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("graph: seal: %w", err)
	}
	out := aead.Seal(nonce, nonce, plaintext, aad)
	return r.current + ":" + base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value Seal made with the same aad; ErrSealed when it cannot.
func (r *KeyRing) Open(sealed string, aad []byte) ([]byte, error) {
	id, body, ok := strings.Cut(sealed, ":")
	aead, known := r.aeads[id]
	if !ok || !known {
		return nil, fmt.Errorf("%w: unknown data key id %q", ErrSealed, id)
	}
	raw, err := base64.RawStdEncoding.DecodeString(body)
	if err != nil || len(raw) < aead.NonceSize() {
		return nil, fmt.Errorf("%w: malformed (key %s)", ErrSealed, id)
	}
	plain, err := aead.Open(nil, raw[:aead.NonceSize()], raw[aead.NonceSize():], aad)
	if err != nil {
		return nil, fmt.Errorf("%w: authentication failed (key %s)", ErrSealed, id)
	}
	return plain, nil
}

// SealedKeyID is the id of the key a sealed value was made under.
func SealedKeyID(sealed string) string {
	id, _, _ := strings.Cut(sealed, ":")
	return id
}

// Vault holds what the store needs to keep personal data private: the Pseudonymizer that
// makes the opaque tags records are found by (owner, subject, event id), the KeyRing that
// seals their content, and the caps on the evidence events may give.
type Vault struct {
	Tags *Pseudonymizer
	Keys *KeyRing
	Caps EvidenceCaps
}
