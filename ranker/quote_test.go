package ranker

import "testing"

func TestQuoteWritesCypherStringLiterals(t *testing.T) {
	tests := []struct{ in, want string }{
		{"P123", `'P123'`},
		{"", `''`},
		{"Crème de la Mer", `'Crème de la Mer'`},
		{"L'Oréal", `'L\'Oréal'`},
		{`back\slash`, `'back\\slash'`},
		{"two\nlines\tand\rreturn", `'two\nlines\tand\rreturn'`},
		{"bell\x07", `'bell\u0007'`},
		{"bad \xff byte", "'bad \uFFFD byte'"},
	}
	for _, tt := range tests {
		if got := quote(tt.in); got != tt.want {
			t.Errorf("quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
