package reviewtext

import (
	"slices"
	"strings"
	"unicode"
)

// Effects reads the effects a reviewer reports in free text (a review's title and body)
// and returns their canonical graph.Effects names, sorted and unique; nil when none is found.
//
// The phrase model is deliberately simple, so that every decision can be read off a table:
//
//  1. The text is lower-cased and split into words (letters and digits; apostrophes are
//     dropped, so "didn't" is "didnt"; hyphens and slashes split words). Sentence and clause
//     punctuation (. , ; : ! ? brackets, line breaks), the words "but", "however", "though",
//     "although", "except", "until", "unless", "yet", "whereas", and "and" before a subject
//     ("and it", "and my", "and i") end a clause.
//  2. The phrases of effectPhrases are looked for at word boundaries. A phrase is a sequence
//     of words; a word ending in "*" matches any word it begins ("irritat*" matches
//     "irritated" and "irritation"); "a|b" matches either; "..." skips up to three words of
//     the same clause ("broke ... out" matches "broke me out" and "broke my skin out").
//  3. The context of a match is read backwards within its clause, over at most three words
//     that are not fillers ("a", "any", "single", "really", "had", "my", "with", ...; the
//     count starts again once after "or"); the first cue word found decides:
//     - a negator ("not", "no", "never", "without", "didnt", "zero", "non", "rarely", ...,
//     but not "not only", "cant wait", "wont stop") negates the match: "didnt break me out",
//     "no irritation", "never broke out", "non-irritating", "doesnt strip or irritate";
//     - for the adverse effects (breakout, irritation, purging), a reducer ("less", "fewer",
//     "helped", "cleared", "calmed", "reduced", "prevents", "hides", ...) makes the match an
//     improvement: "fewer breakouts", "calmed my redness" ("didnt help my redness" is
//     neither: the reducer is itself negated);
//     - for the adverse effects, a context word ("for", "prone", "worried", "thought",
//     "usually", "have", "sensitive", "from", "people", "random", ...) means the phrase names
//     a concern, a habit or a fear, not an outcome: "great for redness", "prone to
//     breakouts", "I was worried it would break me out", "marks from old breakouts";
//     - an improvement after "to" ("hoping to see results", "to improve my wrinkles", but not
//     "it seems to improve") is a hope, not an outcome.
//     A match followed by "free" ("irritation-free") or by a short clause ending on a negator
//     ("but it didnt.") is negated too; an adverse match followed by "gone", "went away",
//     "faded", "subsided", ... is an improvement ("my breakouts are gone"); an adverse match
//     with no cue of its own that follows another one in a list ("no redness, irritation or
//     breakouts") is read like it.
//  4. A negated adverse effect gives nothing, except after "no longer" or "no more" or before
//     "anymore", where it is an improvement ("I dont break out anymore"). A negated
//     improvement is no change ("no difference", "didnt see any results"), except a
//     comparative after "never" ("never been clearer"), which is an improvement. A negated
//     hydration gives nothing ("not moisturizing enough"). Some phrases only mean something
//     negated: "work", "help", "do anything", "notice any change", "effect" give no change
//     when negated ("didnt work", "doesnt do anything", "no effect") and nothing otherwise.
//
// Effects can co-occur: "it purged at first, then my skin cleared" is purging and improved.
// The model reads English only and has no cue for sarcasm and most hypotheticals ("this might
// irritate sensitive skin" is irritation). On purpose it does not count tingling (expected
// with acids) or dryness (the vocabulary has no drying effect) as irritation, nor the bare
// words "acne", "clear", "glow" (concerns, textures and brand names more often than outcomes),
// nor the nouns "moisturizer" and "hydrator".
func Effects(text string) []string {
	if text == "" {
		return nil
	}
	toks := effectTokens(text)
	var found [effectCount]bool
	last := carry{end: -1}
	for i, t := range toks {
		if t == "" {
			continue
		}
		next := last
		for _, p := range effectIndex.candidates(t) {
			end, ok := p.match(toks, i)
			if !ok {
				continue
			}
			e, ok, m := p.rule.judge(toks, i, end, last)
			if ok {
				found[e] = true
			}
			if p.rule.class == classAdverse {
				next = carry{end: max(end, next.end), mode: m}
			}
		}
		last = next
	}
	var out []string
	for e, ok := range found {
		if ok {
			out = append(out, effectNames[e])
		}
	}
	slices.Sort(out)
	return out
}

// effect is an index into effectNames.
type effect int

const (
	effImproved effect = iota
	effNoChange
	effBreakout
	effIrritation
	effPurging
	effHydration
	effectCount
)

// effectNames are the canonical graph.Effects names, by effect.
var effectNames = [effectCount]string{"improved", "no-change", "breakout", "irritation", "purging", "hydration"}

// phraseClass says what a phrase means plain and negated.
type phraseClass int

const (
	classAdverse     phraseClass = iota // breakout, irritation, purging: reducers make it an improvement
	classHydration                      // hydration; negated, nothing
	classImproved                       // improvement; negated, no change
	classNoChange                       // no change; negated, nothing
	classNegatedOnly                    // nothing; negated, no change ("didnt work")
)

type phraseRule struct {
	class  phraseClass
	effect effect // the effect of a plain match, for classAdverse, classHydration, classImproved and classNoChange
}

// effectPhrases is the phrase table: rule, phrases. Words are written as the tokenizer
// produces them: lower case, no apostrophes.
var effectPhrases = []struct {
	rule    phraseRule
	phrases []string
}{
	{phraseRule{classAdverse, effBreakout}, []string{
		"break|breaks|breaking ... out", "broke|broken ... out", "breakout*",
		"pimple|pimples", "zit|zits", "whitehead*", "clog|clogs|clogged|clogging ... pore|pores",
		"pore|pores ... clogged|clogging|congested", "clogged|congested skin",
		"red|little|tiny|small|white|itchy bumps", "milia", "comedones", "gave me acne", "caused acne", "more acne", "worse acne",
		"acne ... worse", "acne flare*",
	}},
	{phraseRule{classAdverse, effIrritation}, []string{
		"irritat*", "burn|burns|burned|burning", "sting|stings|stinging",
		"itch|itchy|itching|itchiness|itched", "rash|rashes", "redness", "hives", "welts",
		"reaction|reactions", "inflamed", "swollen|swelling", "dermatitis",
		"turned red", "went red", "red and ... irritated",
	}},
	{phraseRule{classAdverse, effPurging}, []string{"purg*"}},
	{phraseRule{classHydration, effHydration}, []string{
		"hydrating|hydrated|hydration|hydrates",
		"moisturizes|moisturized|moisturizing|moisturises|moisturised|moisturising",
		"plump*", "dewy", "supple", "quenched", "nourished|nourishing",
		"no longer dry", "not dry", "not as dry", "less dry", "no more dry", "dry patches ... gone",
	}},
	{phraseRule{classImproved, effImproved}, []string{
		"improv*", "cleared", "clearer", "clear skin", "clearing", "fade|faded|fades|fading",
		"smoother", "brighter", "firmer", "difference", "results", "evened", "evens out",
		"more even", "diminish*", "reduced", "works wonders", "worked wonders", "game changer",
		"transformed", "changed my skin", "saved my skin", "skin ... better", "less visible",
	}},
	{phraseRule{classNoChange, effNoChange}, []string{
		"did|does|do nothing", "nothing changed", "nothing happened", "same as before",
		"waste of money", "no change|changes", "no ... change|changes",
	}},
	{phraseRule{classNegatedOnly, effNoChange}, []string{
		"work|works|worked|working", "help|helps|helped|helping",
		"do|does|did|doing anything", "notice|noticed|see|saw anything",
		"notice|noticed|see|saw|seen ... change|changes", "effect|effects",
	}},
}

// Cue words of the context rules; see Effects.
var (
	negators = wordSet(`not no never nor without zero non none neither barely hardly rarely
		seldom cannot doesnot didnot isnot
		didnt dont doesnt isnt wasnt arent werent havent hasnt hadnt wont wouldnt couldnt
		cant shouldnt aint nothing`)
	reducers = wordSet(`less fewer reduce reduces reduced reducing reduction help helps helped
		helping cleared clear clears clearing heal heals healed healing calm calms calmed
		calming soothe soothes soothed soothing minimize minimizes minimized minimise
		minimised diminish diminished fade fades faded prevent prevents prevented preventing
		treat treats treated treating fight fights fighting control controls controlled
		combat combats eliminate eliminated eliminates rid stopped stops decrease decreased
		lessen lessened improve improved improves improving difference improvement better
		results tame tamed clean cleans cleaned cleaning cleanse cleanses cleansing unclog
		unclogs unclogged remove removes removed removing extract extracts extracted purify
		purifies purifying draw draws drew pull pulls pulled shrink shrinks shrunk flatten
		flattens flattened wipe wipes wiped tone tones toned hide hides hid cover covers
		covered conceal conceals concealed erase erases erased kept keeps neutralize neutralizes neutralized decreases relieve relieves relieved`)
	reducersAfter = wordSet(`gone disappeared cleared faded subsided reduced calmed healed
		decreased vanished away down improved better less existent nonexistent dwindled`)
	contexts = wordSet(`for prone against worried worry afraid scared nervous fear feared
		hesitant concerned expecting expected thought usually normally tend tends typically
		have has having struggle struggles struggled struggling suffer suffers suffered
		suffering deal deals dealing sensitive rosacea if sometimes often usually normally
		typically products everything anything from post on people peoples others some
		occasional random hormonal recent when whenever usual thinking figured assumed over trying try by`)
	fillers = wordSet(`a an the any single really even at all much too very so of my me had
		get got gets experience experienced notice noticed see saw seen cause caused give
		gave given make made would might will could one bit little slightest ever with up
		is are was were been be did do does major minor new literally also your to acne i im
		am ive id you youre`)
	clauseWords = wordSet(`but however though although except until unless yet whereas`)
	notNegating = wordSet(`only wait stop sure`) // "not only", "cant wait", "wont stop", "not sure why"
	listWords   = wordSet(`or and nor skin pores face out in to`)
	subjects    = wordSet(`i it my this that then now she he they we its im ive id`)
	afterFill   = wordSet(`is are was were has have had been completely totally almost all
		basically pretty much mostly quickly non on in my skin face`)
)

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(s) {
		m[w] = true
	}
	return m
}

// effectTokens lower-cases text and splits it into words, with "" marking a clause boundary.
func effectTokens(text string) []string {
	toks := make([]string, 0, len(text)/5+1)
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			w := b.String()
			b.Reset()
			if clauseWords[w] {
				toks = append(toks, "")
				return
			}
			toks = append(toks, w)
		}
	}
	boundary := func() {
		flush()
		if n := len(toks); n > 0 && toks[n-1] != "" {
			toks = append(toks, "")
		}
	}
	for _, r := range text {
		switch {
		case r == '\'' || r == '\u2019' || r == '\u2018' || r == '`' || r == '\u02bc' || r == '\u00b4':
			// dropped: "didn't" -> "didnt" (before the letters: U+02BC is a letter)
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			b.WriteRune(unicode.ToLower(r))
		case r == ' ' || r == '\t' || r == '-' || r == '/' || r == '&' || r == '+' || r == '*' ||
			r == '\u2010' || r == '\u2011' || r == '#' || r == '@' || r == '%' || r == '$':
			flush()
		default:
			boundary()
		}
	}
	flush()
	// "and" before a subject ends a clause: "I used it for a week and it broke me out".
	for i := 0; i+1 < len(toks); i++ {
		if toks[i] == "and" && subjects[toks[i+1]] {
			toks[i] = ""
		}
	}
	return toks
}

// mode is how the context of a match reads it.
type mode int

const (
	modePlain   mode = iota
	modeNegated      // "no irritation"
	modeReduced      // "less irritation"
	modeContext      // "for irritation"
)

// carry is the last adverse match, whose mode carries over a list of adverse phrases: "no
// redness, irritation or breakouts", "didnt clog my pores or make me break out".
type carry struct {
	end  int // index after the match; -1 before the first
	mode mode
}

// maxListGap bounds the words between two adverse phrases of one list.
const maxListGap = 6

// listed reports whether the words between the previous adverse match and start only join
// the two (commas, "or", "and", "nor", fillers).
func (c carry) listed(toks []string, start int) bool {
	if c.end < 0 || c.end > start || start-c.end > maxListGap {
		return false
	}
	for _, w := range toks[c.end:start] {
		if w != "" && !listWords[w] && !fillers[w] {
			return false
		}
	}
	return true
}

// judge decides what the match toks[start:end] reports, by the rules of Effects, and
// how its context reads it.
func (r phraseRule) judge(toks []string, start, end int, last carry) (effect, bool, mode) {
	adverse := r.class == classAdverse
	cue, at := cueBefore(toks, start, adverse)
	m := modePlain
	switch {
	case cue == cueNegator || followedByNegation(toks, end):
		m = modeNegated
	case cue == cueContext, r.class == classImproved && purpose(toks, start):
		m = modeContext
	case cue == cueReducer:
		if negatorNear(toks, at) {
			return 0, false, modeContext // "didnt help my breakouts": the negated "help" says no change
		}
		m = modeReduced
	case adverse && reducedAfter(toks, end):
		m = modeReduced
	case adverse && cue == cueNone && last.listed(toks, start):
		m = last.mode
	}
	switch m {
	case modeContext:
		return 0, false, m
	case modeNegated:
		switch r.class {
		case classAdverse:
			if noLonger(toks, at, end) {
				return effImproved, true, m
			}
			return 0, false, m
		case classImproved:
			if cue == cueNegator && neverBetter(toks, at, start) {
				return effImproved, true, m
			}
			return effNoChange, true, m
		case classNegatedOnly:
			return effNoChange, true, m
		}
		return 0, false, m
	case modeReduced:
		return effImproved, true, m
	}
	if r.class == classNegatedOnly {
		return 0, false, m
	}
	return r.effect, true, m
}

// purpose reports an infinitive of purpose or hope before an improvement: "to improve my
// wrinkles", "hoping to see results" (but not "it seems to improve").
func purpose(toks []string, start int) bool {
	for i := start - 1; i >= 0 && i >= start-4; i-- {
		switch w := toks[i]; {
		case w == "to":
			return i == 0 || !factualTo[toks[i-1]]
		case !purposeFill[w]:
			return false
		}
	}
	return false
}

var (
	purposeFill = wordSet(`see notice seeing noticing start get any some a an the more much real`)
	factualTo   = wordSet(`seems seemed seem appears appeared appear started starting begun began
		helps helped managed continues continued`)
)

// neverBetter reports "never been clearer", "never looked smoother": a negated comparative
// that says the best ever.
func neverBetter(toks []string, neg, start int) bool {
	return toks[neg] == "never" && start-neg <= 3 && strings.HasSuffix(toks[start], "er")
}

type cueKind int

const (
	cueNone cueKind = iota
	cueNegator
	cueReducer
	cueContext
)

// cueWindow is how many non-filler words before a match are read for a cue.
const cueWindow = 3

// cueBefore returns the first cue found reading backwards from toks[start] within its clause,
// and its index. The window starts again once after an "or". Reducers and context words count only for adverse effects (adverse true).
func cueBefore(toks []string, start int, adverse bool) (cueKind, int) {
	n, extended := 0, false
	for i := start - 1; i >= 0 && n < cueWindow; i-- {
		w := toks[i]
		switch {
		case w == "":
			return cueNone, -1
		case (w == "or" || w == "nor") && !extended:
			n, extended = 0, true // "doesnt strip my skin or irritate it": read on past "or"
			continue
		case negators[w] && !(i+1 < len(toks) && notNegating[toks[i+1]]):
			return cueNegator, i
		case adverse && reducers[w]:
			return cueReducer, i
		case adverse && contexts[w]:
			return cueContext, i
		case fillers[w]:
			continue
		}
		n++
	}
	return cueNone, -1
}

// negatorNear reports whether one of the two words before toks[i] negates it.
func negatorNear(toks []string, i int) bool {
	for j := i - 1; j >= 0 && j >= i-2; j-- {
		if toks[j] == "" {
			return false
		}
		if negators[toks[j]] {
			return true
		}
	}
	return false
}

// followedByNegation reports "irritation free" after a match, and a short clause after it
// that ends on a negator: "I was afraid it would break me out, but it didnt."
func followedByNegation(toks []string, end int) bool {
	if end < len(toks) && toks[end] == "free" {
		return true
	}
	if end >= len(toks) || toks[end] != "" {
		return false
	}
	for j := end + 1; j < len(toks) && j <= end+3; j++ {
		w := toks[j]
		if w == "" {
			return false
		}
		if negators[w] {
			return j+1 == len(toks) || toks[j+1] == ""
		}
	}
	return false
}

// noLonger reports "no longer", "no more" after the negator at index neg, or "anymore" (or
// "any more") just after the match.
func noLonger(toks []string, neg, end int) bool {
	if neg >= 0 && neg+1 < len(toks) && (toks[neg+1] == "longer" || toks[neg+1] == "more") {
		return true
	}
	for j := end; j < len(toks) && j < end+4; j++ {
		if toks[j] == "" {
			return false
		}
		if toks[j] == "anymore" || toks[j] == "any" && j+1 < len(toks) && toks[j+1] == "more" {
			return true
		}
	}
	return false
}

// reducedAfter reports "my breakouts are gone", "the redness went down" after a match.
func reducedAfter(toks []string, end int) bool {
	n := 0
	for j := end; j < len(toks) && n < 2; j++ {
		w := toks[j]
		if w == "" {
			return false
		}
		if reducersAfter[w] {
			return w != "away" && w != "down" || j > end && (toks[j-1] == "went" || toks[j-1] == "go" || toks[j-1] == "going" || toks[j-1] == "gone")
		}
		if afterFill[w] || w == "went" || w == "go" || w == "going" {
			continue
		}
		n++
	}
	return false
}

// phrase is one compiled entry of effectPhrases.
type phrase struct {
	elems []phraseElem
	rule  phraseRule
}

type phraseElem struct {
	words    map[string]bool // alternatives matched whole
	prefixes []string        // alternatives matched as a word's beginning
	gap      bool            // "...": up to maxGap words of the same clause
}

const maxGap = 3

func (e phraseElem) matches(w string) bool {
	if e.words[w] {
		return true
	}
	for _, p := range e.prefixes {
		if strings.HasPrefix(w, p) {
			return true
		}
	}
	return false
}

// match reports whether the phrase matches toks at i, and where the match ends.
func (p *phrase) match(toks []string, i int) (int, bool) {
	return matchElems(p.elems, toks, i)
}

func matchElems(elems []phraseElem, toks []string, i int) (int, bool) {
	if len(elems) == 0 {
		return i, true
	}
	e := elems[0]
	if e.gap {
		for skip := 0; skip <= maxGap; skip++ {
			if end, ok := matchElems(elems[1:], toks, i+skip); ok {
				return end, true
			}
			if i+skip >= len(toks) || toks[i+skip] == "" {
				break
			}
		}
		return 0, false
	}
	if i >= len(toks) || toks[i] == "" || !e.matches(toks[i]) {
		return 0, false
	}
	return matchElems(elems[1:], toks, i+1)
}

// phraseIndex finds the phrases that may start at a word: by the word itself, or by one of
// its beginnings for phrases that start with a prefix.
type phraseIndex struct {
	exact   map[string][]*phrase
	prefix  map[string][]*phrase
	minPref int
	maxPref int
}

func (x *phraseIndex) candidates(w string) []*phrase {
	out := x.exact[w]
	if len(x.prefix) == 0 {
		return out
	}
	copied := false
	for l := x.minPref; l <= x.maxPref && l <= len(w); l++ {
		if ps := x.prefix[w[:l]]; len(ps) > 0 {
			if !copied {
				out = append([]*phrase(nil), out...)
				copied = true
			}
			out = append(out, ps...)
		}
	}
	return out
}

var effectIndex = compilePhrases()

func compilePhrases() *phraseIndex {
	x := &phraseIndex{exact: map[string][]*phrase{}, prefix: map[string][]*phrase{}, minPref: 1 << 30}
	for _, group := range effectPhrases {
		for _, text := range group.phrases {
			p := &phrase{rule: group.rule}
			for _, f := range strings.Fields(text) {
				if f == "..." {
					p.elems = append(p.elems, phraseElem{gap: true})
					continue
				}
				e := phraseElem{words: map[string]bool{}}
				for _, alt := range strings.Split(f, "|") {
					if pre, ok := strings.CutSuffix(alt, "*"); ok {
						e.prefixes = append(e.prefixes, pre)
					} else {
						e.words[alt] = true
					}
				}
				p.elems = append(p.elems, e)
			}
			first := p.elems[0]
			if first.gap {
				panic("loader: effect phrase starts with a gap: " + text)
			}
			for w := range first.words {
				x.exact[w] = append(x.exact[w], p)
			}
			for _, pre := range first.prefixes {
				x.prefix[pre] = append(x.prefix[pre], p)
				x.minPref = min(x.minPref, len(pre))
				x.maxPref = max(x.maxPref, len(pre))
			}
		}
	}
	return x
}
