package datasets_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/skingraph/skingraph/graph"
)

// The record types mirror the documented format of ingredients.jsonl (see INGREDIENTS.md).
// Numbers are pointers so that a missing or null value is told apart from zero.

type ingredientTreat struct {
	Concern  string   `json:"concern"`
	Efficacy *float64 `json:"efficacy"`
	Evidence string   `json:"evidence"`
	Source   string   `json:"source"`
}

type ingredientAggravation struct {
	Kind     string   `json:"kind"`
	Target   string   `json:"target"`
	Severity *float64 `json:"severity"`
	Reason   string   `json:"reason"`
	Source   string   `json:"source"`
}

type ingredientConflict struct {
	INCI     string   `json:"inci"`
	Severity *float64 `json:"severity"`
	Reason   string   `json:"reason"`
	Source   string   `json:"source"`
}

type ingredientRecord struct {
	INCI        string                  `json:"inci"`
	Name        string                  `json:"name"`
	Aliases     []string                `json:"aliases"`
	Functions   []string                `json:"functions"`
	Comedogenic *int                    `json:"comedogenic"`
	Treats      []ingredientTreat       `json:"treats"`
	Aggravates  []ingredientAggravation `json:"aggravates"`
	Conflicts   []ingredientConflict    `json:"conflicts"`
	Source      string                  `json:"source"`

	line int // 1-based line number in the file
}

// ingredientFields are the keys every line must carry (comedogenic may be null, lists may be empty).
var ingredientFields = []string{
	"inci", "name", "aliases", "functions", "comedogenic", "treats", "aggravates", "conflicts", "source",
}

const minIngredients = 150

// loadIngredients reads ingredients.jsonl strictly: one JSON object per line, no unknown or
// missing fields, no trailing data, no blank lines.
func loadIngredients(t *testing.T) []ingredientRecord {
	t.Helper()
	data, err := os.ReadFile("ingredients.jsonl")
	if err != nil {
		t.Fatalf("read ingredients.jsonl: %v", err)
	}
	if !utf8.Valid(data) {
		t.Fatalf("ingredients.jsonl: not valid UTF-8")
	}
	if bytes.Contains(data, []byte("\r")) {
		t.Fatalf("ingredients.jsonl: carriage return found; use LF line endings")
	}
	if len(data) == 0 || data[len(data)-1] != '\n' {
		t.Fatalf("ingredients.jsonl: file must end with a newline")
	}
	lines := bytes.Split(data[:len(data)-1], []byte("\n"))
	recs := make([]ingredientRecord, 0, len(lines))
	for i, raw := range lines {
		n := i + 1
		if len(bytes.TrimSpace(raw)) == 0 {
			t.Errorf("line %d: blank line", n)
			continue
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(raw, &keys); err != nil {
			t.Errorf("line %d: not a JSON object: %v", n, err)
			continue
		}
		for _, k := range ingredientFields {
			if _, ok := keys[k]; !ok {
				t.Errorf("line %d: field %q: missing", n, k)
			}
		}
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.DisallowUnknownFields()
		var rec ingredientRecord
		if err := dec.Decode(&rec); err != nil {
			t.Errorf("line %d: decode: %v", n, err)
			continue
		}
		if dec.More() {
			t.Errorf("line %d: trailing data after the JSON object", n)
			continue
		}
		rec.line = n
		recs = append(recs, rec)
	}
	if t.Failed() {
		t.FailNow()
	}
	return recs
}

// canonicalKey reports why s is not a canonical ingredient key, or "" when it is: lower case,
// ASCII, no parentheses, single spaces, trimmed, no trailing punctuation.
func canonicalKey(s string) string {
	switch {
	case s == "":
		return "empty"
	case s != strings.TrimSpace(s):
		return "leading or trailing space"
	case s != strings.ToLower(s):
		return "not lower case"
	case strings.ContainsAny(s, "()[]{}"):
		return "contains brackets"
	case strings.Contains(s, "  "):
		return "contains a double space"
	case strings.ContainsAny(s, "\t\n\r"):
		return "contains a tab or newline"
	case strings.ContainsAny(s[len(s)-1:], ".,;:/-"):
		return "trailing punctuation"
	}
	for _, r := range s {
		if r > 127 {
			return "non-ASCII character " + string(r)
		}
	}
	return ""
}

// inClosedList checks that term is itself a canonical name of v (not merely an alias).
func inClosedList(v *graph.Vocabulary, term string) bool {
	c, ok := v.Canonical(term)
	return ok && c == term
}

func unit(p *float64) (string, bool) {
	if p == nil {
		return "missing", false
	}
	if *p < 0 || *p > 1 {
		return fmt.Sprintf("%v outside [0,1]", *p), false
	}
	return "", true
}

func TestIngredientsFileShape(t *testing.T) {
	recs := loadIngredients(t)
	if len(recs) < minIngredients {
		t.Errorf("ingredients.jsonl: %d entries, want at least %d", len(recs), minIngredients)
	}
	firstLine := map[string]int{}
	for i, r := range recs {
		if prev, dup := firstLine[r.INCI]; dup {
			t.Errorf("line %d: field inci: %q duplicates line %d", r.line, r.INCI, prev)
		} else {
			firstLine[r.INCI] = r.line
		}
		if i > 0 && recs[i-1].INCI >= r.INCI {
			t.Errorf("line %d: field inci: %q not sorted after %q (line %d)", r.line, r.INCI, recs[i-1].INCI, recs[i-1].line)
		}
	}
}

func TestIngredientsEntries(t *testing.T) {
	recs := loadIngredients(t)
	keys := map[string]bool{}
	for _, r := range recs {
		keys[r.INCI] = true
	}
	aliasLine := map[string]int{}
	for _, r := range recs {
		n := r.line
		if why := canonicalKey(r.INCI); why != "" {
			t.Errorf("line %d: field inci: %q is not canonical: %s", n, r.INCI, why)
		}
		if strings.TrimSpace(r.Name) == "" {
			t.Errorf("line %d: field name: empty", n)
		}
		if strings.TrimSpace(r.Source) == "" {
			t.Errorf("line %d: field source: empty", n)
		}
		if r.Aliases == nil || r.Functions == nil || r.Treats == nil || r.Aggravates == nil || r.Conflicts == nil {
			t.Errorf("line %d: list fields must be arrays, not null", n)
		}
		for j, a := range r.Aliases {
			if why := canonicalKey(a); why != "" {
				t.Errorf("line %d: field aliases[%d]: %q is not canonical: %s", n, j, a, why)
			}
			if a == r.INCI {
				t.Errorf("line %d: field aliases[%d]: %q repeats the entry's own inci", n, j, a)
			} else if keys[a] {
				t.Errorf("line %d: field aliases[%d]: %q collides with another entry's inci", n, j, a)
			}
			if prev, dup := aliasLine[a]; dup {
				t.Errorf("line %d: field aliases[%d]: %q already an alias on line %d", n, j, a, prev)
			} else {
				aliasLine[a] = n
			}
		}
		seenFn := map[string]bool{}
		for j, f := range r.Functions {
			if f == "" || f != strings.ToLower(strings.TrimSpace(f)) {
				t.Errorf("line %d: field functions[%d]: %q must be a non-empty lower-case name", n, j, f)
			}
			if seenFn[f] {
				t.Errorf("line %d: field functions[%d]: %q repeated", n, j, f)
			}
			seenFn[f] = true
		}
		if c := r.Comedogenic; c != nil && (*c < 0 || *c > 5) {
			t.Errorf("line %d: field comedogenic: %d outside 0..5", n, *c)
		}

		for j, tr := range r.Treats {
			if !inClosedList(graph.Concerns, tr.Concern) {
				t.Errorf("line %d: field treats[%d].concern: %q is not one of %v", n, j, tr.Concern, graph.Concerns.Names())
			}
			if why, ok := unit(tr.Efficacy); !ok {
				t.Errorf("line %d: field treats[%d].efficacy: %s", n, j, why)
			}
			if !inClosedList(graph.Evidence, tr.Evidence) {
				t.Errorf("line %d: field treats[%d].evidence: %q is not one of %v", n, j, tr.Evidence, graph.Evidence.Names())
			}
			if strings.TrimSpace(tr.Source) == "" {
				t.Errorf("line %d: field treats[%d].source: empty", n, j)
			}
		}

		aggr := map[string]bool{}
		for j, a := range r.Aggravates {
			var v *graph.Vocabulary
			switch a.Kind {
			case "sensitivity":
				v = graph.Sensitivities
			case "skin_type":
				v = graph.SkinTypes
			case "concern":
				v = graph.Concerns
			default:
				t.Errorf("line %d: field aggravates[%d].kind: %q is not one of [concern sensitivity skin_type]", n, j, a.Kind)
			}
			if v != nil && !inClosedList(v, a.Target) {
				t.Errorf("line %d: field aggravates[%d].target: %q is not one of %v", n, j, a.Target, v.Names())
			}
			key := a.Kind + ":" + a.Target
			if aggr[key] {
				t.Errorf("line %d: field aggravates[%d]: %s listed twice", n, j, key)
			}
			aggr[key] = true
			if why, ok := unit(a.Severity); !ok {
				t.Errorf("line %d: field aggravates[%d].severity: %s", n, j, why)
			}
			if strings.TrimSpace(a.Reason) == "" {
				t.Errorf("line %d: field aggravates[%d].reason: empty", n, j)
			}
			if strings.TrimSpace(a.Source) == "" {
				t.Errorf("line %d: field aggravates[%d].source: empty", n, j)
			}
		}
		// Documented consistency rules.
		if c := r.Comedogenic; c != nil && *c >= 3 && !aggr["concern:acne"] {
			t.Errorf("line %d: field aggravates: comedogenic %d but no concern:acne aggravation", n, *c)
		}
		if aggr["sensitivity:essential-oils"] && !aggr["sensitivity:fragrance"] {
			t.Errorf("line %d: field aggravates: essential oil must also aggravate sensitivity:fragrance", n)
		}

		seenC := map[string]bool{}
		for j, c := range r.Conflicts {
			switch {
			case c.INCI == r.INCI:
				t.Errorf("line %d: field conflicts[%d].inci: entry conflicts with itself", n, j)
			case !keys[c.INCI]:
				t.Errorf("line %d: field conflicts[%d].inci: %q is not an entry of the file", n, j, c.INCI)
			}
			if seenC[c.INCI] {
				t.Errorf("line %d: field conflicts[%d].inci: %q listed twice", n, j, c.INCI)
			}
			seenC[c.INCI] = true
			if why, ok := unit(c.Severity); !ok {
				t.Errorf("line %d: field conflicts[%d].severity: %s", n, j, why)
			}
			if strings.TrimSpace(c.Reason) == "" {
				t.Errorf("line %d: field conflicts[%d].reason: empty", n, j)
			}
			if strings.TrimSpace(c.Source) == "" {
				t.Errorf("line %d: field conflicts[%d].source: empty", n, j)
			}
		}
	}
}

func TestIngredientsConflictsSymmetric(t *testing.T) {
	recs := loadIngredients(t)
	byKey := map[string]ingredientRecord{}
	for _, r := range recs {
		byKey[r.INCI] = r
	}
	for _, r := range recs {
		for j, c := range r.Conflicts {
			other, ok := byKey[c.INCI]
			if !ok {
				continue // reported by TestIngredientsEntries
			}
			var back *ingredientConflict
			for k := range other.Conflicts {
				if other.Conflicts[k].INCI == r.INCI {
					back = &other.Conflicts[k]
					break
				}
			}
			switch {
			case back == nil:
				t.Errorf("line %d: field conflicts[%d]: %q -> %q has no reverse entry on line %d", r.line, j, r.INCI, c.INCI, other.line)
			case c.Severity != nil && back.Severity != nil && *c.Severity != *back.Severity:
				t.Errorf("line %d: field conflicts[%d].severity: %v but the reverse on line %d says %v", r.line, j, *c.Severity, other.line, *back.Severity)
			}
		}
	}
}
