package inci

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokenKind says what a token of a label is.
type tokenKind int

const (
	tokItem     tokenKind = iota // text between two separators
	tokSentence                  // a sentence ended: full stop before a capital, or a line break
	tokMayOpen                   // a bracket opening a may-contain section: "[+/- ..."
	tokMayClose                  // the bracket closing it
)

// token is one piece of a label as cut by scan.
type token struct {
	kind tokenKind
	text string
}

// scan cuts a label into tokens in one pass. Separators count only outside brackets, so "Aqua
// (Water, Eau)" and "Iron Oxides (CI 77491, CI 77492)" stay single items; a bracket whose
// content starts with a may-contain marker ("[+/- Mica, CI 77891]") is not a group but a
// section, and brackets without a partner are plain text. A comma between two digits ("1,2-
// Hexanediol") is part of a name.
func scan(s string) []token {
	match := matchBrackets(s)
	var toks []token
	start, depth := 0, 0
	flush := func(end int) {
		if t := strings.TrimSpace(s[start:end]); t != "" {
			toks = append(toks, token{kind: tokItem, text: t})
		}
	}
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		next := i + size
		switch {
		case (r == '(' || r == '[') && match[i] > i:
			if depth == 0 && mayBracket(s, i, match[i]) {
				flush(i)
				toks = append(toks, token{kind: tokMayOpen})
				start = next
			} else {
				depth++
			}
		case (r == ')' || r == ']') && match[i] >= 0 && match[i] < i:
			if depth > 0 {
				depth--
			} else {
				flush(i)
				toks = append(toks, token{kind: tokMayClose})
				start = next
			}
		case depth > 0:
		case r == ',' && locantEnd(s, i) && next < len(s) && isDigit(s[next]):
			// "1,2-Hexanediol", "3a,4,5,6,7,7a-Hexahydro-...": one name.
		case r == ',' && locant(s[start:i]) && nextIsDigit(s, next):
			// "1, 2-Hexanediol": a misprint of one name, not two items.
		case r == '\n' || r == '\r':
			flush(i)
			toks = append(toks, token{kind: tokSentence})
			start = next
		case r == '.' && sentenceEnd(s, i):
			flush(i)
			toks = append(toks, token{kind: tokSentence})
			start = next
		case isSeparator(r):
			flush(i)
			start = next
		}
		i = next
	}
	flush(len(s))
	return toks
}

// isSeparator reports whether r separates items of a list.
func isSeparator(r rune) bool {
	switch r {
	case ',', ';', '•', '·', '●', '▪', '◦', '|', '，', '；', '、':
		return true
	}
	return false
}

// matchBrackets returns, for each byte of s that is a round or square bracket with a partner,
// the index of the partner, and -1 everywhere else. A pair whose content holds a line break is
// not matched: a group never spans lines, and this keeps one stray bracket from swallowing the
// rest of a label.
func matchBrackets(s string) []int {
	match := make([]int, len(s))
	var stack []int
	lastBreak := -1
	for i := 0; i < len(s); i++ {
		match[i] = -1
		switch c := s[i]; c {
		case '\n', '\r':
			lastBreak = i
		case '(', '[':
			stack = append(stack, i)
		case ')', ']':
			open := byte('(')
			if c == ']' {
				open = '['
			}
			if k := len(stack) - 1; k >= 0 && s[stack[k]] == open {
				if stack[k] > lastBreak {
					match[stack[k]], match[i] = i, stack[k]
				}
				stack = stack[:k]
			}
		}
	}
	return match
}

// mayBracket reports whether the group s[i..j] opens a may-contain section: its content starts
// with a marker and goes on after it ("[+/- Mica]", but not "(+/-)").
func mayBracket(s string, i, j int) bool {
	content := s[i+1 : j]
	// A marker is short: folding a bounded prefix keeps nested brackets linear.
	prefix := content[:min(len(content), 64)]
	f := foldASCII(prefix)
	end, ok := matchMay(f, skipSpace(f, 0))
	return ok && strings.TrimSpace(content[end:]) != ""
}

// abbreviations end with a full stop that does not end a sentence: "Hypericum Perforatum
// (St. John's Wort)", "Rosa Canina var. ...".
var abbreviations = map[string]bool{
	"st": true, "sp": true, "spp": true, "ssp": true, "subsp": true, "var": true, "cv": true,
	"no": true, "vit": true, "dr": true, "fl": true, "oz": true, "inc": true, "ltd": true,
	"approx": true, "f.i.l": true, "fil": true,
}

// sentenceEnd reports whether the full stop at s[i] ends a sentence: it is followed by the end
// of the text, by a footnote marker, or by a space and something other than a lower-case
// letter, an opening bracket or a comma; it does not sit between two digits ("0.5%") and does
// not end a known abbreviation.
func sentenceEnd(s string, i int) bool {
	j := i + 1
	if j < len(s) && (s[j] == '*' || strings.HasPrefix(s[j:], "†")) {
		return true
	}
	for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
		j++
	}
	if j == len(s) {
		return true
	}
	if j == i+1 {
		return false // "Dr.Jart", "0.5", "Denat.,"
	}
	r, _ := utf8.DecodeRuneInString(s[j:])
	if unicode.IsLower(r) || r == '(' || r == ',' || r == ';' || r == ')' || r == ']' {
		return false
	}
	w := i
	for w > 0 && (isLetter(s[w-1]) || s[w-1] == '.') {
		w--
	}
	return !abbreviations[strings.ToLower(s[w:i])]
}

// locant reports whether item is one or two digits, the start of a name such as "1,2-...".
func locant(item string) bool {
	item = strings.TrimSpace(item)
	if len(item) == 0 || len(item) > 2 {
		return false
	}
	for i := 0; i < len(item); i++ {
		if !isDigit(item[i]) {
			return false
		}
	}
	return true
}

// locantEnd reports whether s[:i] ends with a locant such as "2" or "3a".
func locantEnd(s string, i int) bool {
	switch {
	case i > 0 && isDigit(s[i-1]):
		return true
	case i > 1 && isLetter(s[i-1]) && isDigit(s[i-2]):
		return i == 2 || !isLetter(s[i-3])
	}
	return false
}

// nextIsDigit reports whether the first non-space byte of s at or after i is a digit.
func nextIsDigit(s string, i int) bool {
	for i < len(s) && s[i] == ' ' {
		i++
	}
	return i < len(s) && isDigit(s[i])
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
