package inci

import (
	"html"
	"strings"
)

// List is one ingredient list of a product. Most products have one; kits, palettes and
// multi-step sets have one per part, each under its heading.
type List struct {
	Heading     string  // "" for a single unheaded list; otherwise the variant or kit heading without the colon, e.g. "Cleanser"
	Ingredients []Entry // in label order, one entry per key
}

// Entry is one ingredient of a List.
type Entry struct {
	Key           string // canonical key, e.g. "butyrospermum parkii butter"; always Key(Name)
	Name          string // the name as printed, trimmed, e.g. "Butyrospermum Parkii (Shea) Butter"
	Position      int    // 1-based position within its list (may-contain entries continue the numbering)
	Concentration string // e.g. "10%" when the label says "Niacinamide 10%" or "Niacinamide (10%)", else ""
	MayContain    bool   // true for entries after "May Contain", "+/-" or "[+/-" markers
}

// Parse reads the ingredient text of a label into lists. It never fails: what it cannot read as
// an ingredient (notes, marketing text, lot codes) is left out, and it returns nil when nothing
// is left. The work is linear in the length of raw. The rules are described in the package
// documentation.
func (n *Normalizer) Parse(raw string) []List {
	p := parser{n: n, first: true}
	raw = strings.ToValidUTF8(raw, "")
	if strings.Contains(raw, "&") {
		raw = html.UnescapeString(raw) // "&bull;", "&amp;", "&#39;" from scraped pages
	}
	for _, t := range scan(raw) {
		switch t.kind {
		case tokSentence:
			p.first, p.skip = true, false
		case tokMayOpen:
			p.may = true
		case tokMayClose:
			p.may = false
		case tokItem:
			p.item(t.text)
		}
	}
	return p.result()
}

// Keys returns the unique keys of all lists of raw in first-seen order.
func (n *Normalizer) Keys(raw string) []string {
	return uniqueKeys(n.Parse(raw))
}

// uniqueKeys returns the keys of lists, each once, in first-seen order.
func uniqueKeys(lists []List) []string {
	var keys []string
	seen := make(map[string]bool)
	for _, l := range lists {
		for _, e := range l.Ingredients {
			if !seen[e.Key] {
				seen[e.Key] = true
				keys = append(keys, e.Key)
			}
		}
	}
	return keys
}

// parser holds the state of one Parse call.
type parser struct {
	n       *Normalizer
	lists   []List
	open    bool            // the last list takes further entries
	seen    map[string]bool // keys of the last list
	may     bool            // entries are may-contain entries
	skip    bool            // the rest of the sentence is a note
	first   bool            // the next item is the first of its sentence
	entries int             // entries added to any list
}

// item reads one item: labels, may-contain markers and headings at its start, then one
// ingredient, or several when a marker or section label sits in the middle of it.
func (p *parser) item(t string) {
	f := foldASCII(t)
	i := skipBullets(f, 0)
	first := p.first
	p.first = false
	if p.skip || i == len(f) {
		return
	}
	if isNote(t[i:], f[i:], first && p.entries > 0) {
		p.skip = true
		return
	}
	i, ok := p.prefixes(t, f, i)
	if !ok {
		return
	}
	// Markers and section labels in the middle: "Methicone May Contain: CI 77491". Each search
	// result is kept until passed, so the item is scanned a bounded number of times.
	mayS, mayE, mayOK := findMay(f, i)
	labS, labE, labOK := findSectionLabel(f, i)
	for mayOK || labOK {
		if labOK && (!mayOK || labS < mayS) {
			p.ingredient(t[i:labS])
			p.may, i = false, labE
		} else {
			p.ingredient(t[i:mayS])
			p.may, i = true, mayE
		}
		if mayOK && mayS < i {
			mayS, mayE, mayOK = findMay(f, i)
		}
		if labOK && labS < i {
			labS, labE, labOK = findSectionLabel(f, i)
		}
	}
	if k, ok := footnoteCut(f, i); ok {
		p.ingredient(t[i:k])
		p.skip = true
		return
	}
	p.ingredient(t[i:])
}

// prefixes consumes the labels, may-contain markers and headings that start the item t (f
// folded) at i, and returns where the rest starts. It returns false when the rest of the
// sentence is to be dropped ("Free of: ...").
func (p *parser) prefixes(t, f string, i int) (int, bool) {
	for i < len(f) {
		if _, ok := matchLabel(f, i, exclusionLabels); ok {
			p.skip = true
			return i, false
		}
		if e, ok := matchLabel(f, i, labels); ok {
			p.may, i = false, skipBullets(f, e)
			continue
		}
		if e, ok := matchMay(f, i); ok {
			p.may, i = true, skipBullets(f, e)
			continue
		}
		if h, e, ok := heading(t, f, i); ok {
			p.startList(h)
			i = skipBullets(f, e)
			continue
		}
		break
	}
	return i, true
}

// ingredient adds one ingredient name to the current list, unless it is a note, a lot code,
// empty, or a key the list already has.
func (p *parser) ingredient(name string) {
	name = trimName(name)
	f := foldASCII(name)
	for _, and := range []string{"and ", "& "} {
		if strings.HasPrefix(f, and) { // the last item of "Water, Glycerin, and Squalane"
			name = trimName(name[len(and):])
			f = foldASCII(name)
		}
	}
	if name == "" {
		return
	}
	if isCode(f) {
		return
	}
	if isProse(f) {
		p.skip = true
		return
	}
	key, conc := p.n.key(name)
	if key == "" {
		return
	}
	if !p.open {
		p.lists = append(p.lists, List{})
		p.open, p.seen = true, make(map[string]bool)
	}
	if p.seen[key] {
		return
	}
	p.seen[key] = true
	l := &p.lists[len(p.lists)-1]
	l.Ingredients = append(l.Ingredients, Entry{
		Key:           key,
		Name:          name,
		Position:      len(l.Ingredients) + 1,
		Concentration: conc,
		MayContain:    p.may,
	})
	p.entries++
}

// startList starts a list under heading h. A heading right after another one, before any
// ingredient, is joined to it: "Kit: Step 1: ..." gives "Kit - Step 1".
func (p *parser) startList(h string) {
	p.may = false
	if p.open {
		if l := &p.lists[len(p.lists)-1]; len(l.Ingredients) == 0 {
			l.Heading = joinHeadings(l.Heading, h)
			return
		}
	}
	p.lists = append(p.lists, List{Heading: h})
	p.open, p.seen = true, make(map[string]bool)
}

// joinHeadings joins two headings with " - ". When the result would be longer than twice
// the longest heading, only b is kept, which bounds the work on a run of headings.
func joinHeadings(a, b string) string {
	if a == "" || len(a)+len(b)+3 > 2*maxHeadingLen {
		return b
	}
	return a + " - " + b
}

// result returns the lists that have at least one entry, or nil.
func (p *parser) result() []List {
	var out []List
	for _, l := range p.lists {
		if len(l.Ingredients) > 0 {
			out = append(out, l)
		}
	}
	return out
}

// trimName trims spaces, list punctuation and bullets around a name, keeping what is printed as
// part of it (footnote stars, the full stop of "Alcohol Denat.").
func trimName(s string) string {
	s = strings.TrimLeft(s, " \t-–—•·:,;>/")
	return strings.TrimRight(s, " \t-–—:,;/")
}
