package loader

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/skingraph/skingraph/graph"
)

// maxLine bounds one JSON Lines record.
const maxLine = 4 << 20

// decodeJSONL calls fn for every non-empty line of r decoded strictly into a fresh T (unknown
// fields are errors). Decoding errors are recorded in verr with the line number; fn records
// its own validation errors. Reading stops early once verr holds maxErrors entries.
func decodeJSONL[T any](r io.Reader, verr *graph.ValidationError, fn func(line int, v *T)) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line := 0
	for sc.Scan() {
		line++
		raw := bytes.TrimSpace(sc.Bytes())
		if line == 1 {
			raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // a UTF-8 byte-order mark
		}
		if len(raw) == 0 {
			continue
		}
		var v T
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			verr.Add(line, jsonErrorField(err), jsonErrorMessage(err))
		} else if dec.More() {
			verr.Add(line, "", "more than one JSON value on the line")
		} else {
			fn(line, &v)
		}
		if len(verr.Fields) >= maxErrors {
			return nil
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			verr.Add(line+1, "", fmt.Sprintf("line longer than %d bytes", maxLine))
			return nil
		}
		return fmt.Errorf("read: %w", err)
	}
	return nil
}

func jsonErrorField(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Field
	}
	msg := err.Error()
	if f, ok := strings.CutPrefix(msg, "json: unknown field "); ok {
		return strings.Trim(f, `"`)
	}
	return ""
}

func jsonErrorMessage(err error) string {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return fmt.Sprintf("must be a JSON %s, not %s", jsonKind(te.Type.Kind().String()), te.Value)
	}
	if strings.HasPrefix(err.Error(), "json: unknown field ") {
		return "unknown field"
	}
	return "not valid JSON: " + strings.TrimPrefix(err.Error(), "json: ")
}

func jsonKind(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	}
	return "number"
}

// checkVocab records an error unless term is the canonical spelling of a vocabulary entry; it
// returns the canonical name (the alias resolved) so that callers may accept aliases.
func checkVocab(verr *graph.ValidationError, line int, field string, v *graph.Vocabulary, term string) string {
	name, ok := v.Canonical(term)
	if !ok {
		msg := fmt.Sprintf("unknown %s %q", v.Kind(), clip(term))
		if s := v.Suggest(term); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		verr.Add(line, field, msg)
	}
	return name
}

// clip shortens a value quoted in an error message to its first 64 bytes (whole runes), so
// that an answer naming bad rows stays small whatever the rows held.
func clip(s string) string {
	const n = 64
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

// checkUnit records an error unless x is in [0,1].
func checkUnit(verr *graph.ValidationError, line int, field string, x float64) {
	if x < 0 || x > 1 {
		verr.Add(line, field, fmt.Sprintf("must be between 0 and 1, got %g", x))
	}
}

// keyLines remembers the line each record key was first seen on, to name duplicates.
type keyLines map[string]int

// claim records key at line; it reports a missing key or a duplicate in verr under field.
func (k keyLines) claim(verr *graph.ValidationError, line int, field, key string) {
	switch {
	case key == "":
		verr.Add(line, field, "required")
	case k[key] > 0:
		verr.Add(line, field, fmt.Sprintf("duplicate of line %d", k[key]))
	default:
		k[key] = line
	}
}

// recordKeys remembers the line and a content hash of each record key, so that a record
// repeated as it is can be skipped while a key repeated with other values is refused.
type recordKeys map[string]recordSeen

type recordSeen struct {
	line int
	sum  [16]byte
}

// claim records key at line with the record's content; it reports a missing key or a
// duplicate key with different values in verr under field, and returns true when the record
// repeats an earlier one exactly (the caller skips it).
func (k recordKeys) claim(verr *graph.ValidationError, line int, field, key string, rec any) bool {
	if key == "" {
		verr.Add(line, field, "required")
		return false
	}
	b, err := json.Marshal(rec)
	if err != nil {
		panic(fmt.Sprintf("loader: hash of an unmarshalable record: %v", err))
	}
	full := sha256.Sum256(b)
	var sum [16]byte
	copy(sum[:], full[:])
	prev, dup := k[key]
	switch {
	case !dup:
		k[key] = recordSeen{line: line, sum: sum}
		return false
	case prev.sum == sum:
		return true
	default:
		verr.Add(line, field, fmt.Sprintf("duplicate of line %d with different values", prev.line))
		return false
	}
}
