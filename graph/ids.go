package graph

import (
	"fmt"
	"unicode"
	"unicode/utf8"
)

// MaxProductIDLen bounds a product id, in characters (as JSON Schema's maxLength counts).
const MaxProductIDLen = 128

// CheckProductID says what is wrong with a product id, or returns nil: an id is 1 to
// MaxProductIDLen characters of UTF-8 text, without control characters (NUL, newline, ...) and
// without '/' (ids are path segments of the API and of the Cypher in why[].cypher).
func CheckProductID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("required")
	case utf8.RuneCountInString(id) > MaxProductIDLen:
		return fmt.Errorf("must hold at most %d characters, got %d", MaxProductIDLen, utf8.RuneCountInString(id))
	case !utf8.ValidString(id):
		return fmt.Errorf("must be UTF-8 text")
	}
	for _, r := range id {
		if unicode.IsControl(r) || r == '/' || r == utf8.RuneError {
			return fmt.Errorf("must not hold control characters or '/', got %q", id)
		}
	}
	return nil
}
