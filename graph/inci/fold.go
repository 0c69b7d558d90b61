package inci

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// fold returns s in the form every key is built from: valid UTF-8, NFKC, lower-case, accents
// and other diacritics removed, typographic quotes and dashes turned into ASCII, footnote and
// trademark signs dropped, control characters turned into spaces, whitespace runs collapsed to
// one space and trimmed. Letters with no ASCII form (Greek, Hangul, ...) are kept.
func fold(s string) string {
	s = strings.ToValidUTF8(s, "")
	s = strings.Map(dropSigns, s)
	if !isASCII(s) {
		s = norm.NFKC.String(s)
		s = strings.Map(dropSigns, s) // "﹡" is '*' only after NFKC
	}
	s = strings.ToLower(s)
	if !isASCII(s) {
		s = norm.NFD.String(s)
		s = strings.Map(dropMark, s)
		s = norm.NFC.String(s)
		s = foldSpecial(s)
	}
	return collapseSpace(s)
}

// dropSigns removes the signs that decorate a name on a label without being part of it: footnote
// markers (including the 'Ψ' some brands use), trademark signs and superscript digits (which
// NFKC would turn into plain digits).
func dropSigns(r rune) rune {
	switch r {
	case '*', '†', '‡', '§', '¶', '®', '©', '™', '℠', 'Ψ', 'ψ',
		'¹', '²', '³', '⁰', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹':
		return -1
	}
	return r
}

// dropMark removes non-spacing combining marks (the accents left over by NFD).
func dropMark(r rune) rune {
	if unicode.Is(unicode.Mn, r) {
		return -1
	}
	return r
}

// special maps the lower-case letters and punctuation that NFD does not decompose to ASCII,
// and spells out the Greek letters of chemical names ("β-glucan" -> "beta-glucan").
var special = map[rune]string{
	'ø': "o", 'æ': "ae", 'œ': "oe", 'ß': "ss", 'đ': "d", 'ð': "d", 'þ': "th", 'ł': "l",
	'ı': "i", 'ħ': "h", 'ŀ': "l", 'ĸ': "k", 'ŋ': "n", 'ſ': "s",
	'‘': "'", '’': "'", '‚': "'", '‛': "'", '′': "'", '`': "'", '´': "'",
	'“': `"`, '”': `"`, '„': `"`, '‟': `"`, '″': `"`,
	'‐': "-", '‑': "-", '‒': "-", '–': "-", '—': "-", '―': "-", '−': "-",
	'•': " ", '·': " ", '●': " ", '▪': " ", '◦': " ",
	'⁄': "/", '∕': "/", '¬': "",
	'α': "alpha", 'β': "beta", 'γ': "gamma", 'δ': "delta", 'ω': "omega",
}

// foldSpecial applies the special table.
func foldSpecial(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if t, ok := special[r]; ok {
			b.WriteString(t)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// collapseSpace turns control characters and backslashes (labels write "Water\Aqua") into spaces
// and slashes, drops invisible format characters (zero-width spaces, soft hyphens, byte-order
// marks), collapses whitespace runs to one space and trims the ends.
func collapseSpace(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\\':
			r = '/'
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = b.Len() > 0
			continue
		case unicode.Is(unicode.Cf, r):
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isASCII reports whether s holds only ASCII bytes.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
