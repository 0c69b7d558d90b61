package inci

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseSephora reads an ingredients value of the Sephora data set: a Python list literal whose
// elements are whole lists, headings alone ("Cleanser:"), or pieces of one list that the
// scraper cut apart. Elements are grouped before they are parsed:
//
//   - a heading-only element (a short text ending with ':' that is not a label or marker) labels
//     the elements after it; consecutive headings are joined ("Kit - Step 1");
//   - an element is glued to the one before when that one does not end with a full stop (it
//     ends with a comma, a may-contain marker or in the middle of a name), or when it starts
//     with a lower-case letter, a may-contain marker or a footnote;
//   - any other element starts a list of its own.
//
// Glued elements are joined on line breaks, or on a space or nothing where the cut fell inside
// a name (see glue).
//
// Each group is read with Parse; its heading goes to the lists that have none of their own.
// Label-only elements ("Ingredients:") are skipped. A value that is not a Python list literal
// is read with Parse as it is.
func (n *Normalizer) ParseSephora(s string) []List {
	elems, err := ParsePythonList(s)
	if err != nil {
		return n.Parse(s)
	}
	var out []List
	for _, g := range groupElements(elems) {
		for _, l := range n.Parse(joinParts(g.parts)) {
			if l.Heading == "" {
				l.Heading = g.heading
			}
			out = append(out, l)
		}
	}
	return out
}

// group is a run of Sephora elements read as one text.
type group struct {
	heading string
	parts   []string // the elements, to be joined by joinParts
}

// groupElements applies the grouping rules of ParseSephora.
func groupElements(elems []string) []group {
	var groups []group
	for _, e := range elems {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		f := foldASCII(e)
		if end, ok := matchLabel(f, 0, labels); ok && end == len(f) {
			continue
		}
		var last *group
		if len(groups) > 0 {
			last = &groups[len(groups)-1]
		}
		if h, ok := headingOnly(e, f); ok {
			if last != nil && len(last.parts) == 0 {
				last.heading = joinHeadings(last.heading, h)
			} else {
				groups = append(groups, group{heading: h})
			}
			continue
		}
		if last != nil && (len(last.parts) == 0 || continues(last.parts[len(last.parts)-1], e, f)) {
			last.parts = append(last.parts, e)
			continue
		}
		groups = append(groups, group{parts: []string{e}})
	}
	return groups
}

// headingOnly reports whether the element e (f folded) is a heading alone, "Hey, Honey:", and
// returns it without the colon.
func headingOnly(e, f string) (string, bool) {
	body, ok := strings.CutSuffix(strings.TrimRight(e, " \t"), ":")
	if !ok {
		return "", false
	}
	if _, ok := matchMay(f, skipSpace(f, 0)); ok {
		return "", false
	}
	return headingText(body)
}

// continues reports whether element e (f folded) carries on the element before it.
func continues(before, e, f string) bool {
	before = strings.TrimRight(before, " \t")
	if !strings.HasSuffix(before, ".") {
		return true // a list ends with a full stop; "Silica," or "Tetra-Di-T-Butyl" goes on
	}
	r, _ := utf8.DecodeRuneInString(e)
	if unicode.IsLower(r) || startsWithMarker(e) {
		return true
	}
	_, ok := matchMay(f, skipSpace(f, 0))
	return ok
}

// joinParts joins the elements of a group with glue.
func joinParts(parts []string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteString(glue(parts[i-1], p))
		}
		b.WriteString(p)
	}
	return b.String()
}

// glue returns what goes between two elements of a group. Usually a line break, which ends a
// sentence but not a list. But the scraper also cut lists in the middle of names: a list
// chunk (an element with a comma) that ends in a letter, digit or bracket goes on with a space
// ("..., Pentylene", "Glycol, ..."), one that ends in a hyphen or a digit and comma goes on
// with nothing ("Tetra-Di-", "T-Butyl ..."; "1,", "2-Hexanediol").
func glue(prev, next string) string {
	if next == "" || prev == "" {
		return "\n"
	}
	last, first := prev[len(prev)-1], next[0]
	tail := strings.TrimRight(foldASCII(prev[max(0, len(prev)-40):]), " :")
	if strings.HasSuffix(tail, "contain") || strings.HasSuffix(tail, "+/-") {
		return "\n"
	}
	switch {
	case last == ',' && len(prev) >= 2 && isDigit(prev[len(prev)-2]) && isDigit(first):
		return ""
	case !strings.Contains(prev, ","):
		return "\n"
	case last == '-' && isLetter(first):
		return ""
	case (isLetter(last) || isDigit(last) || last == ')' || last == ']') && (isLetter(first) || isDigit(first)):
		return " "
	}
	return "\n"
}
