// Package auth holds the API keys: their roles, how they are made, stored (hashed) and
// checked (in constant time), and their per-key request rates.
//
// A key given to a client looks like "sg_<id>_<secret>". The server keeps only the id, the
// role, a name, the SHA-256 of the secret and the rate, one key a line in a keys file:
//
//	# id        role          sha256(secret)                                                    name      rate/s  burst
//	3f9a1c2e  app           5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8  shop-web  50      100
//
// Lines starting with # and blank lines are ignored; rate and burst are optional (the role's
// defaults apply). A last field tenant=NAME names the key's tenant: profiles and event ids
// are scoped to it, so keys of one tenant share them and keys of two tenants see nothing of
// each other's. A line without it is its own tenant, named by the key id (so old lines keep
// working and no two such keys share personal data):
//
//	3f9a1c2e  app  5e88...42d8  shop-web  50  100  tenant=shop
//	7b1d22aa  app  9f86...0f00  shop-ios  tenant=shop
package auth

import (
	"bufio"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Role is what a key may do.
type Role string

// The roles. Every role may read the catalogue and ask for recommendations; merchandisers
// also load data, analysts also run Cypher, admins may do everything.
const (
	RoleApp          Role = "app"
	RoleMerchandiser Role = "merchandiser"
	RoleAnalyst      Role = "analyst"
	RoleAdmin        Role = "admin"
)

// Roles lists the roles in a stable order.
var Roles = []Role{RoleApp, RoleMerchandiser, RoleAnalyst, RoleAdmin}

// ParseRole returns the role named s.
func ParseRole(s string) (Role, error) {
	for _, r := range Roles {
		if string(r) == s {
			return r, nil
		}
	}
	return "", fmt.Errorf("unknown role %q (want app, merchandiser, analyst or admin)", s)
}

// defaultRates are the requests per second (and burst) a role's keys get when their line
// names none.
var defaultRates = map[Role][2]float64{
	RoleApp:          {200, 400},
	RoleMerchandiser: {20, 40},
	RoleAnalyst:      {10, 20},
	RoleAdmin:        {50, 100},
}

// Key is one stored key: never the secret, only its hash.
type Key struct {
	ID    string
	Role  Role
	Hash  [sha256.Size]byte
	Name  string
	Rate  float64 // requests per second
	Burst int
	// Tenant is the tenant the line names ("" when it names none: see TenantOrID).
	Tenant string
	lineNo int
}

// TenantOrID is the key's tenant: the one its line names, or else its own id.
func (k Key) TenantOrID() string {
	if k.Tenant == "" {
		return k.ID
	}
	return k.Tenant
}

// Ring is the set of keys the server accepts. The zero Ring accepts none.
type Ring struct {
	byID map[string]Key
}

// Len is the number of keys.
func (r *Ring) Len() int { return len(r.byID) }

// Keys returns the keys (for rate limiters and logs; they hold no secret).
func (r *Ring) Keys() []Key {
	out := make([]Key, 0, len(r.byID))
	for _, k := range r.byID {
		out = append(out, k)
	}
	return out
}

// ErrUnknownKey says the presented key is not one of the ring's (or is malformed).
var ErrUnknownKey = errors.New("unknown or malformed API key")

// Verify returns the key that token ("sg_<id>_<secret>") belongs to. The secret's hash is
// compared in constant time; malformed tokens and unknown ids fail the same way.
func (r *Ring) Verify(token string) (Key, error) {
	id, secret, ok := split(token)
	if !ok {
		return Key{}, ErrUnknownKey
	}
	k, found := r.byID[id]
	sum := sha256.Sum256([]byte(secret))
	if !found {
		// Compare anyway so unknown ids cost the same as wrong secrets.
		subtle.ConstantTimeCompare(sum[:], make([]byte, sha256.Size))
		return Key{}, ErrUnknownKey
	}
	if subtle.ConstantTimeCompare(sum[:], k.Hash[:]) != 1 {
		return Key{}, ErrUnknownKey
	}
	return k, nil
}

func split(token string) (id, secret string, ok bool) {
	rest, ok := strings.CutPrefix(token, "sg_")
	if !ok {
		return "", "", false
	}
	id, secret, ok = strings.Cut(rest, "_")
	if !ok || id == "" || len(secret) < 16 {
		return "", "", false
	}
	return id, secret, true
}

// LineError names a bad line of a keys file.
type LineError struct {
	Line   int
	Reason string
}

func (e *LineError) Error() string { return fmt.Sprintf("keys file line %d: %s", e.Line, e.Reason) }

// Parse reads a keys file. Every bad line is reported (errors.Join of *LineError).
func Parse(r io.Reader) (*Ring, error) {
	ring := &Ring{byID: map[string]Key{}}
	var errs []error
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, err := parseLine(line)
		if err != nil {
			errs = append(errs, &LineError{Line: n, Reason: err.Error()})
			continue
		}
		k.lineNo = n
		if prev, dup := ring.byID[k.ID]; dup {
			errs = append(errs, &LineError{Line: n, Reason: fmt.Sprintf("key id %s already on line %d", k.ID, prev.lineNo)})
			continue
		}
		ring.byID[k.ID] = k
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read keys file: %w", err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return ring, nil
}

func parseLine(line string) (Key, error) {
	f := strings.Fields(line)
	tenant := ""
	if n := len(f); n > 0 {
		if t, ok := strings.CutPrefix(f[n-1], "tenant="); ok {
			if !validTenant(t) {
				return Key{}, fmt.Errorf("tenant %q: want 1 to 64 letters, digits, '.', '_' or '-'", t)
			}
			tenant, f = t, f[:n-1]
		}
	}
	if len(f) != 4 && len(f) != 6 {
		return Key{}, fmt.Errorf("want 'id role sha256 name [rate burst] [tenant=NAME]', got %d fields", len(f))
	}
	k := Key{ID: f[0], Name: f[3], Tenant: tenant}
	if !validID(k.ID) {
		return Key{}, fmt.Errorf("id %q: want 4 to 32 letters or digits", k.ID)
	}
	role, err := ParseRole(f[1])
	if err != nil {
		return Key{}, err
	}
	k.Role = role
	h, err := hex.DecodeString(f[2])
	if err != nil || len(h) != sha256.Size {
		return Key{}, errors.New("hash: want the 64 hex digits of a SHA-256 (never the key itself)")
	}
	copy(k.Hash[:], h)
	def := defaultRates[role]
	k.Rate, k.Burst = def[0], int(def[1])
	if len(f) == 6 {
		rate, err := strconv.ParseFloat(f[4], 64)
		if err != nil || rate <= 0 {
			return Key{}, fmt.Errorf("rate %q: want requests per second above 0", f[4])
		}
		burst, err := strconv.Atoi(f[5])
		if err != nil || burst < 1 {
			return Key{}, fmt.Errorf("burst %q: want a whole number of at least 1", f[5])
		}
		k.Rate, k.Burst = rate, burst
	}
	return k, nil
}

func validID(id string) bool {
	if len(id) < 4 || len(id) > 32 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func validTenant(t string) bool {
	if t == "" || len(t) > 64 {
		return false
	}
	for _, c := range t {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// NewInTenant is New with a tenant=NAME field on the line ("" names none: the key is its own
// tenant).
func NewInTenant(role Role, name, tenant string) (token, line string, err error) {
	if tenant != "" && !validTenant(tenant) {
		return "", "", fmt.Errorf("tenant %q: want 1 to 64 letters, digits, '.', '_' or '-'", tenant)
	}
	token, line, err = New(role, name)
	if err == nil && tenant != "" {
		line += " tenant=" + tenant
	}
	return token, line, err
}

// New makes a key for role: the token to give the client (shown once) and the line to add
// to the keys file (which holds only the secret's hash).
func New(role Role, name string) (token, line string, err error) {
	if _, err := ParseRole(string(role)); err != nil {
		return "", "", err
	}
	if name == "" || strings.ContainsAny(name, " \t\r\n#") {
		return "", "", fmt.Errorf("name %q: want one word", name)
	}
	idb := make([]byte, 4)
	sec := make([]byte, 24)
	if _, err := rand.Read(idb); err != nil {
		return "", "", fmt.Errorf("random key id: %w", err)
	}
	if _, err := rand.Read(sec); err != nil {
		return "", "", fmt.Errorf("random key secret: %w", err)
	}
	id := hex.EncodeToString(idb)
	secret := base64.RawURLEncoding.EncodeToString(sec)
	sum := sha256.Sum256([]byte(secret))
	return "sg_" + id + "_" + secret, fmt.Sprintf("%s %s %s %s", id, role, hex.EncodeToString(sum[:]), name), nil
}
