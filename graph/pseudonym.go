package graph

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
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

// Tag is an opaque keyed tag of a record's key parts under a kind ("event", "owner",
// "subject"): the hex of the first 128 bits of HMAC-SHA-256 over the kind and the parts,
// each length-prefixed so that no two lists of parts make the same input. Tags let the
// store find records (a profile's events, a product's events, an event id of a tenant)
// without storing what they are of; without the key nobody can compute or invert them.
func (p *Pseudonymizer) Tag(kind string, parts ...string) string {
	mac := hmac.New(sha256.New, p.key)
	var n [4]byte
	for _, s := range append([]string{"skingraph tag v1", kind}, parts...) {
		binary.BigEndian.PutUint32(n[:], uint32(len(s)))
		mac.Write(n[:])
		mac.Write([]byte(s))
	}
	return hex.EncodeToString(mac.Sum(nil)[:16])
}

// TenantPseudonym is the pseudonym of a client's id within a tenant: ns, a dash and a tag of
// (tenant, id). Two tenants naming a profile alike get two unrelated pseudonyms, so one
// tenant can neither find nor guess another's profiles.
func (p *Pseudonymizer) TenantPseudonym(ns, tenant, id string) string {
	return ns + "-" + p.Tag("pseudonym", ns, tenant, id)
}

// DeriveKey derives a secret for another purpose (label) from the pseudonym key: the
// HMAC-SHA-256 of the label. A deployment that configures no data keys seals under one
// derived this way.
func (p *Pseudonymizer) DeriveKey(label string) []byte {
	mac := hmac.New(sha256.New, p.key)
	mac.Write([]byte("skingraph derived key v1\x00" + label))
	return mac.Sum(nil)
}
