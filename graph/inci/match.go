package inci

import (
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Bytes that foldASCII writes for what is not plain ASCII.
const (
	filler  = 0x01 // the second and later bytes of a multi-byte character
	plusMin = 0x02 // '±'
	other   = 0x03 // a character with no ASCII form
)

// foldASCII returns a copy of s, byte for byte the same length, in which each character is
// replaced by its lower-case ASCII base letter ("É" -> "e", "：" -> ":", "’" -> "'") followed by
// filler bytes for the rest of its encoding. Indexes into the result are indexes into s, which
// lets the marker and label matchers work on folded text and cut the original.
func foldASCII(s string) string {
	b := make([]byte, len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		b[i] = foldByte(r)
		for k := 1; k < size; k++ {
			b[i+k] = filler
		}
		i += size
	}
	return string(b)
}

// foldByte returns the ASCII form of r used by foldASCII.
func foldByte(r rune) byte {
	switch {
	case r < utf8.RuneSelf:
		c := byte(r)
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		return c
	case r == '±':
		return plusMin
	case unicode.IsSpace(r):
		return ' '
	}
	if t, ok := special[unicode.ToLower(r)]; ok && len(t) > 0 {
		return t[0]
	}
	d := norm.NFKD.String(string(r))
	if d == "" {
		return other
	}
	if c := d[0]; c < utf8.RuneSelf {
		return foldByte(rune(c))
	}
	return other
}

// skipSpace returns the index of the first byte of f at or after i that is neither a space nor
// a filler.
func skipSpace(f string, i int) int {
	for i < len(f) && (f[i] == ' ' || f[i] == filler) {
		i++
	}
	return i
}

// matchPhrase matches phrase (lower-case ASCII, single spaces) at f[i:]: each space in phrase
// matches one or more spaces, filler bytes are skipped, and a phrase ending in a letter must not
// run on into another letter or digit. It returns the index after the match.
func matchPhrase(f string, i int, phrase string) (int, bool) {
	for k := 0; k < len(phrase); k++ {
		for i < len(f) && f[i] == filler {
			i++
		}
		if phrase[k] == ' ' {
			if i >= len(f) || f[i] != ' ' {
				return 0, false
			}
			i = skipSpace(f, i)
			continue
		}
		if i >= len(f) || f[i] != phrase[k] {
			return 0, false
		}
		i++
	}
	for i < len(f) && f[i] == filler {
		i++
	}
	if isWordByte(phrase[len(phrase)-1]) && i < len(f) && isWordByte(f[i]) {
		return 0, false
	}
	return i, true
}

// matchAny returns the end of the first phrase of phrases that matches at f[i:].
func matchAny(f string, i int, phrases []string) (int, bool) {
	for _, p := range phrases {
		if end, ok := matchPhrase(f, i, p); ok {
			return end, true
		}
	}
	return 0, false
}

// wordStart reports whether a word may start at f[i]: it is the first byte or follows a byte
// that is not part of a word.
func wordStart(f string, i int) bool {
	for i > 0 && f[i-1] == filler {
		i--
	}
	return i == 0 || !isWordByte(f[i-1])
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == other
}
