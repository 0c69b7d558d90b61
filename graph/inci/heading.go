package inci

import "strings"

// Limits of a heading: "Step 1 Dr.Jart Collagen 1000 ppm Ampoule" is about as long as they get.
const (
	maxHeadingLen   = 100 // bytes
	maxHeadingWords = 12
)

// heading reads a heading at t[i:] (f is t folded): a short text outside brackets ending with a
// colon, as in "Cleanser: Water, ..." or "Capri Eau de Parfum: Alcohol Denat., ...". It returns
// the heading without the colon and the index after the colon. The colon is looked for in the
// first maxHeadingLen bytes only, so the cost per item is bounded.
func heading(t, f string, i int) (string, int, bool) {
	limit := min(len(f), i+maxHeadingLen+1)
	depth := 0
	for k := i; k < limit; k++ {
		switch f[k] {
		case '(', '[':
			depth++
		case ')', ']':
			if depth > 0 {
				depth--
			}
		case ':':
			if depth > 0 {
				continue
			}
			if k > i && isDigit(f[k-1]) && k+1 < len(f) && isDigit(f[k+1]) {
				return "", 0, false // a time or a ratio, "1:1"
			}
			h, ok := headingText(t[i:k])
			return h, k + 1, ok
		}
	}
	return "", 0, false
}

// headingSuffixes are label words that end some headings and are dropped from them:
// "Cleanser Ingredients:" is the heading "Cleanser".
var headingSuffixes = []string{
	" ingredients list", " ingredient list", " ingredients", " ingredient", " inci",
}

// headingText checks and tidies the text before a heading's colon. It must be at most
// maxHeadingLen bytes and maxHeadingWords words, hold a letter, and be neither a label
// ("Ingredients"), nor a may-contain marker, nor part of an address ("https").
func headingText(s string) (string, bool) {
	s = strings.Trim(s, " \t'\"-–—•>")
	f := foldASCII(s)
	for _, l := range sectionLabels {
		if strings.HasSuffix(f, " "+l) {
			return "", false // "Octocrylene 10% Inactive Ingredients:" ends a section
		}
	}
	for _, suf := range headingSuffixes {
		if strings.HasSuffix(f, suf) {
			s = strings.Trim(s[:len(s)-len(suf)], " \t-–—")
			f = foldASCII(s)
			break
		}
	}
	if s == "" || len(s) > maxHeadingLen || len(strings.Fields(s)) > maxHeadingWords {
		return "", false
	}
	if !strings.ContainsFunc(f, func(r rune) bool { return r >= 'a' && r <= 'z' }) {
		return "", false
	}
	if e, ok := matchLabel(f, 0, labels); ok && e == len(f) {
		return "", false
	}
	if _, _, ok := findMay(f, 0); ok {
		return "", false
	}

	if strings.HasSuffix(f, "http") || strings.HasSuffix(f, "https") || strings.HasPrefix(f, "www") {
		return "", false
	}
	return s, true
}
