package graph

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sort"
)

// MinPseudonymKey is the shortest key a Pseudonymizer accepts, in bytes.
const MinPseudonymKey = 16

// Pseudonymizer turns the ids clients know people by into pseudonyms: a keyed hash
// (HMAC-SHA-256) of the id. Without the key, a pseudonym cannot be linked back to the id,
// not even by hashing guessed ids. The key never leaves it.
type Pseudonymizer struct {
	key []byte
}

// NewPseudonymizer returns a Pseudonymizer with the given key (at least MinPseudonymKey bytes).
func NewPseudonymizer(key []byte) (*Pseudonymizer, error) {
	if len(key) < MinPseudonymKey {
		return nil, errors.New("graph: a pseudonym key needs at least 16 bytes")
	}
	return &Pseudonymizer{key: append([]byte(nil), key...)}, nil
}

// Pseudonym returns the pseudonym of id in namespace ns ("profile", "sephora"): ns, a dash
// and the hex of the first 128 bits of HMAC-SHA-256(key, id). Namespaces keep the same id of
// two sources apart.
func (p *Pseudonymizer) Pseudonym(ns, id string) string {
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte(id))
	return ns + "-" + hex.EncodeToString(mac.Sum(nil)[:16])
}

// String never shows the key.
func (p *Pseudonymizer) String() string { return "Pseudonymizer{key: ****}" }

func sortStrings(s []string) { sort.Strings(s) }

// Fingerprint identifies the key without revealing it: the first 64 bits (hex) of the HMAC
// of a fixed label. A graph records it to notice being written under another key.
func (p *Pseudonymizer) Fingerprint() string {
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte("skingraph pseudonym key fingerprint v1"))
	return hex.EncodeToString(mac.Sum(nil)[:8])
}
