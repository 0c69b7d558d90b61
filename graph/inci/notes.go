package inci

import "strings"

// Notes are the sentences printed after the list: footnotes ("*Certified Organic", "**From
// natural origin"), disclaimers ("Please be aware that ingredient lists may change...") and
// lot codes ("(F.I.L. B260371/2)"). They are recognised by these heuristics and dropped, each
// with the rest of its sentence:
//
//   - an item starting with a footnote marker ('*', '†', '‡') that opens a sentence after some
//     ingredients were read ("Potassium Sorbate. *Organic."), or that holds a note phrase, or
//     is one or two words starting with a note word ("*Organic", "**Wildcrafted");
//   - footnote text glued to the last name of a list: "Tocopherol *Organic";
//   - prose: an item of more than eight words outside brackets, or of three or more words
//     with a function word ("the", "is", "please", "our", ...), or holding a note phrase
//     ("may change", "packaging", ...), or of at most four words holding a weak note phrase
//     ("certified organic", "natural origin", ...);
//   - lot codes: see isCode.

// notePhrases mark an item as a note wherever they appear in it (outside brackets).
var notePhrases = []string{
	"please", "may change", "subject to change", "packaging", "up-to-date", "up to date",
	"most current", "ingredient list", "ingredients list",
}

// weakNotePhrases mark a footnote-marked item as a note, and an unmarked one when it is short
// ("Certified organic ingredients"), but not a name such as "Certified Organic Rice Extract".
var weakNotePhrases = []string{
	"certified organic", "organic farming", "organic agriculture", "organic ingredient",
	"organically grown", "natural origin", "naturally derived", "fair trade", "fairtrade",
	"ecocert",
}

// noteWords start a short footnote: "*Organic", "**Wildcrafted", "*Natural".
var noteWords = map[string]bool{
	"organic": true, "certified": true, "natural": true, "naturally": true, "wildcrafted": true,
	"wild": true, "from": true, "of": true, "ingredient": true, "ingredients": true,
	"derived": true, "exfoliant": true, "biodynamic": true, "vegan": true, "sustainably": true,
}

// functionWords never occur in an INCI name but are common in sentences.
var functionWords = map[string]bool{
	"the": true, "is": true, "are": true, "please": true, "our": true, "your": true, "you": true,
	"we": true, "this": true, "that": true, "be": true, "been": true, "will": true, "can": true,
	"was": true, "were": true, "for": true, "to": true, "which": true, "may": true, "it": true,
	"has": true, "have": true, "not": true, "all": true, "any": true, "these": true,
}

// isNote reports whether the item t (f folded) is a footnote. first is true when the item opens
// a sentence after some ingredients were read.
func isNote(t, f string, first bool) bool {
	if !startsWithMarker(t) {
		return false
	}
	if first || hasPhrase(f, notePhrases) || hasPhrase(f, weakNotePhrases) {
		return true
	}
	words := outsideWords(strings.TrimLeft(f, "*"))
	return len(words) > 0 && len(words) <= 2 && noteWords[words[0]]
}

func startsWithMarker(t string) bool {
	return strings.HasPrefix(t, "*") || strings.HasPrefix(t, "†") || strings.HasPrefix(t, "‡") ||
		strings.HasPrefix(t, "(*)")
}

// isProse reports whether the name f (folded) is a sentence rather than an ingredient.
func isProse(f string) bool {
	words := outsideWords(f)
	if len(words) > 8 || hasPhrase(f, notePhrases) {
		return true
	}
	if len(words) <= 4 && hasPhrase(f, weakNotePhrases) {
		return true
	}
	if len(words) >= 3 {
		for _, w := range words {
			if functionWords[w] {
				return true
			}
		}
	}
	return false
}

// hasPhrase reports whether f (folded) holds one of phrases at a word start outside brackets.
func hasPhrase(f string, phrases []string) bool {
	depth := 0
	for i := 0; i < len(f); i++ {
		switch c := f[i]; {
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			if depth > 0 {
				depth--
			}
		case depth > 0 || !isWordByte(c) || !wordStart(f, i):
		default:
			if _, ok := matchAny(f, i, phrases); ok {
				return true
			}
		}
	}
	return false
}

// outsideWords returns the words of f (folded) that are outside brackets, with surrounding
// punctuation removed.
func outsideWords(f string) []string {
	var b strings.Builder
	depth := 0
	for i := 0; i < len(f); i++ {
		switch c := f[i]; {
		case c == '(' || c == '[':
			depth++
			b.WriteByte(' ')
		case c == ')' || c == ']':
			if depth > 0 {
				depth--
			}
			b.WriteByte(' ')
		case depth == 0 && c != filler:
			b.WriteByte(c)
		}
	}
	var words []string
	for _, w := range strings.Fields(b.String()) {
		if w = strings.Trim(w, ".,;:!?*'\"-"); w != "" {
			words = append(words, w)
		}
	}
	return words
}

// footnoteCut finds footnote text glued to a name, as in "Tocopherol *Organic": a space, one or
// more '*' and a letter, after some text. It returns where the name ends.
func footnoteCut(f string, i int) (int, bool) {
	text := false
	for k := i; k < len(f)-1; k++ {
		if f[k] != '*' || k == i || f[k-1] != ' ' || !text {
			text = text || f[k] != ' ' && f[k] != '*'
			continue
		}
		j := k
		for j < len(f) && f[j] == '*' {
			j++
		}
		if j < len(f) && f[j] >= 'a' && f[j] <= 'z' {
			return k, true
		}
	}
	return 0, false
}

// isCode reports whether f (folded) is a lot or formula code rather than an ingredient: it
// mentions "F.I.L." ("(F.I.L. B260371/2)", "Code F.I.L N70013647/1") or is one letter and five
// or more digits with a slash suffix ("B218007/1").
func isCode(f string) bool {
	if strings.Contains(f, "f.i.l") {
		return true
	}
	f = strings.Trim(f, "()[] .")
	head, tail, ok := strings.Cut(f, "/")
	if !ok || len(tail) > 2 || len(head) < 6 || !isLetter(head[0]) {
		return false
	}
	digits := strings.TrimSpace(head[1:])
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return false
		}
	}
	return len(digits) >= 5
}

// skipBullets returns the index of the first byte of f at or after i that is not a space or a
// bullet-like dash ("- Cleanser:", "-Mini Retinol Serum:", "> Water").
func skipBullets(f string, i int) int {
	for i < len(f) && (f[i] == ' ' || f[i] == filler || f[i] == '-' || f[i] == '>' || f[i] == '~') {
		i++
	}
	return i
}
