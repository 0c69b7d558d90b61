package reviewtext

import (
	"slices"
	"strings"
)

// Concerns reads the skin concerns a reviewer says they have, or had, from free text
// (a review's title and body) and returns their canonical graph.Concerns names, sorted and
// unique; nil when none is found. Sephora reviews state a skin type and tone but no
// concerns; their texts do ("my acne", "my dark spots", "fine lines", "my redness").
//
// The model is a phrase table plus three readings of the clause around a match, in the
// tokens of Effects (lower-cased words; punctuation, "but", "however", ... and "and"
// before a subject end a clause):
//
//  1. concernPhrases are looked for at word boundaries ("dark spots", "fine lines",
//     "wrinkle*", "breakouts", "rosacea", "dry patches", ...). Words that name a skin type
//     ("oily skin", "dry skin") or an outcome verb ("broke me out") are not concerns.
//  2. The match must be the reviewer's: the clause has a first-person word ("my", "i", "im",
//     "ive", "me", "mine") before or right after the match, or the concern is followed by
//     "prone" ("acne-prone"). "Great for acne" or "if you have dark spots" state no concern of
//     the reviewer's; a clause with "you" or "if" before the match is never read as personal.
//  3. A negator ("not", "no", "dont", "never", "without", ...) among the three words before
//     the match, fillers skipped (the negators of Effects), denies the concern ("I dont
//     have acne", "not acne prone", "no redness"), except "no more", "no longer" and a match
//     followed by "anymore", which say the reviewer had it ("no more breakouts", "my skin is
//     not dull anymore"). A cause verb before the match ("caused", "gave me", "made",
//     "left") makes it an outcome of the product, not a concern the reviewer came with
//     ("it caused redness", "gave me dry patches"): those are effects (Effects).
//
// Measured on loader/testdata/concerns.tsv (hand-written, TestConcernsFixture). It reads
// English only, has no cue for sarcasm, and takes "my" literally ("my mom's wrinkles" is
// aging).
func Concerns(text string) []string {
	if text == "" {
		return nil
	}
	toks := effectTokens(text)
	found := map[string]bool{}
	for i := range toks {
		if toks[i] == "" {
			continue
		}
		for _, p := range concernIndex[toks[i]] {
			end, ok := matchElems(p.elems, toks, i)
			if !ok {
				continue
			}
			if concernStated(toks, i, end) {
				found[p.concern] = true
			}
		}
	}
	if len(found) == 0 {
		return nil
	}
	out := make([]string, 0, len(found))
	for c := range found {
		out = append(out, c)
	}
	slices.Sort(out)
	return out
}

// concernPhrases map phrases (Effects' phrase syntax: "a|b" alternatives, "x*" a
// word's beginning) to graph.Concerns names.
var concernPhrases = []struct{ phrase, concern string }{
	{"acne", "acne"}, {"breakouts", "acne"}, {"blemish*", "acne"}, {"pimple*", "acne"},
	{"zit|zits", "acne"}, {"cystic", "acne"}, {"whitehead*", "acne"},
	{"fine lines", "aging"}, {"wrinkle*", "aging"}, {"crows feet", "aging"}, {"sagging", "aging"},
	{"loss of firmness", "aging"}, {"laugh|smile lines", "aging"}, {"mature skin", "aging"},
	{"aging skin", "aging"}, {"forehead lines", "aging"},
	{"dark spot|spots", "hyperpigmentation"}, {"hyperpigment*", "hyperpigmentation"},
	{"pigmentation", "hyperpigmentation"}, {"sun|age spots", "hyperpigmentation"},
	{"melasma", "hyperpigmentation"}, {"discoloration", "hyperpigmentation"},
	{"uneven skin tone", "hyperpigmentation"}, {"uneven tone", "hyperpigmentation"},
	{"acne scars|marks", "hyperpigmentation"}, {"post inflammatory", "hyperpigmentation"}, {"pih", "hyperpigmentation"},
	{"redness", "redness"}, {"rosacea", "redness"}, {"flushing", "redness"}, {"red patches|cheeks", "redness"},
	{"dry patches", "dryness"}, {"dryness", "dryness"}, {"flaky|flakiness|flakes", "dryness"},
	{"dehydrated", "dehydration"}, {"dehydration", "dehydration"},
	{"dull|dullness", "dullness"}, {"lack of radiance", "dullness"},
	{"pores", "pores"}, {"blackheads", "pores"}, {"congestion|congested", "pores"},
	{"texture", "texture"}, {"bumpy", "texture"}, {"rough patches", "texture"}, {"rough skin", "texture"},
	{"dark circles", "dark-circles"}, {"under eye|undereye circles", "dark-circles"},
	{"oiliness", "oiliness"}, {"excess oil", "oiliness"}, {"shiny|shine", "oiliness"}, {"oily t zone", "oiliness"},
	{"puffiness", "puffiness"}, {"puffy", "puffiness"}, {"under eye|undereye bags", "puffiness"},
}

type concernPhrase struct {
	elems   []phraseElem
	concern string
}

// concernIndex finds the phrases by their first word (no phrase starts with a prefix).
var concernIndex = func() map[string][]concernPhrase {
	idx := map[string][]concernPhrase{}
	for _, cp := range concernPhrases {
		var elems []phraseElem
		for _, w := range strings.Fields(cp.phrase) {
			e := phraseElem{words: map[string]bool{}}
			for _, alt := range strings.Split(w, "|") {
				if p, ok := strings.CutSuffix(alt, "*"); ok {
					e.prefixes = append(e.prefixes, p)
				} else {
					e.words[alt] = true
				}
			}
			elems = append(elems, e)
		}
		p := concernPhrase{elems: elems, concern: cp.concern}
		for w := range elems[0].words {
			idx[w] = append(idx[w], p)
		}
		for _, pre := range elems[0].prefixes {
			// first-word prefixes: index the common inflections
			for _, suf := range []string{"", "s", "es", "ed", "ing", "ation", "ations", "ented"} {
				idx[pre+suf] = append(idx[pre+suf], p)
			}
		}
	}
	return idx
}()

var (
	firstPerson  = wordSet(`my i im ive id me mine myself`)
	notPersonal  = wordSet(`you youre your if anyone someone people those`)
	causeVerbs   = wordSet(`caused causes cause gave gives give made makes make left leaves leave created creates triggered triggers`)
	concernFills = wordSet(`a an the any single really even at all much too very so of my me had have has get got
		is are was were been be am im ive did do does from with such real bad severe stubborn little some those these
		mild minor major old new visible deep skin under eye undereye`)
)

// concernStated reads the clause of a concern phrase at toks[start:end].
func concernStated(toks []string, start, end int) bool {
	lo := start
	for lo > 0 && toks[lo-1] != "" {
		lo--
	}
	hi := end
	for hi < len(toks) && toks[hi] != "" {
		hi++
	}
	personal := end < len(toks) && toks[end] == "prone"
	for _, w := range toks[lo:start] {
		if notPersonal[w] {
			return false
		}
		if firstPerson[w] {
			personal = true
		}
	}
	for _, w := range toks[end:min(hi, end+4)] {
		if firstPerson[w] {
			personal = true
		}
	}
	if !personal {
		return false
	}
	// the three words before the match, fillers skipped: a negator denies it, a cause verb
	// makes it an outcome.
	anymore := false
	for _, w := range toks[end:hi] {
		if w == "anymore" {
			anymore = true
		}
	}
	seen := 0
	for k := start - 1; k >= lo && seen < 3; k-- {
		w := toks[k]
		switch {
		case causeVerbs[w]:
			return false
		case negators[w]:
			if anymore {
				return true
			}
			if k+1 < start && (toks[k+1] == "more" || toks[k+1] == "longer") {
				return true
			}
			return false
		case concernFills[w]:
			continue
		}
		seen++
	}
	return true
}
