package inci

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

func TestParsePythonList(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"empty list", "[]", []string{}},
		{"empty list with spaces", " [ ] \n", []string{}},
		{"one element", "['Water, Glycerin, Niacinamide.']", []string{"Water, Glycerin, Niacinamide."}},
		{
			"headings and lists",
			"['Cleanser:', 'Water, Glycerin', 'Moisturizer:', 'Water, Squalane']",
			[]string{"Cleanser:", "Water, Glycerin", "Moisturizer:", "Water, Squalane"},
		},
		{"double quotes", `["Cire d'abeille", 'Water']`, []string{"Cire d'abeille", "Water"}},
		{"escaped quotes", `['Cire d\'abeille', "say \"hi\""]`, []string{"Cire d'abeille", `say "hi"`}},
		{"escaped backslash", `['Water\\Aqua\\Eau']`, []string{`Water\Aqua\Eau`}},
		{"control escapes", `['a\nb\tc\r']`, []string{"a\nb\tc\r"}},
		{"hex and unicode escapes", `['caf\xe9', '\u00e9t\u00e9', '\U0001F600']`, []string{"café", "été", "😀"}},
		{"octal escape", `['\101\0']`, []string{"A\x00"}},
		{"unknown escape kept", `['50\% off \q']`, []string{`50\% off \q`}},
		{"bad hex escape kept", `['\xZZ']`, []string{`\xZZ`}},
		{"line continuation", "['a\\\nb']", []string{"ab"}},
		{"raw string", `[r'a\nb']`, []string{`a\nb`}},
		{"unicode prefix", `[u'Water']`, []string{"Water"}},
		{"adjacent literals", `['Water, ' "Glycerin"]`, []string{"Water, Glycerin"}},
		{"trailing comma", "['a', 'b',]", []string{"a", "b"}},
		{"empty strings", "['', '']", []string{"", ""}},
		{"non-ASCII kept", "['Eau de rosé']", []string{"Eau de rosé"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePythonList(tt.in)
			if err != nil {
				t.Fatalf("ParsePythonList(%q) error: %v", tt.in, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePythonList(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParsePythonListErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"not a list", "Water, Glycerin"},
		{"unterminated list", "['a'"},
		{"unterminated string", "['a]"},
		{"missing comma", "['a' 'b' x]"},
		{"number element", "[1, 2]"},
		{"nested list", "[['a']]"},
		{"text after the list", "['a'] x"},
		{"line break in a string", "['a\nb']"},
		{"backslash at the end", `['a\`},
		{"python none", "None"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParsePythonList(tt.in)
			if err == nil {
				t.Fatalf("ParsePythonList(%q) = %q, want an error", tt.in, got)
			}
			if !errors.Is(err, graph.ErrInvalid) {
				t.Errorf("ParsePythonList(%q) error %v does not wrap graph.ErrInvalid", tt.in, err)
			}
		})
	}
}
