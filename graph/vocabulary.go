package graph

import (
	"sort"
	"strings"
)

// Vocabulary is a closed list of canonical names with the aliases users and data sources write
// for them. Canonical names are lower-case kebab-case ("dark-circles").
type Vocabulary struct {
	kind    string
	names   []string
	aliases map[string]string // normalised alias or name -> canonical name
}

// NewVocabulary builds a vocabulary of the given kind ("concern", ...) from canonical names and
// an alias table (alias -> canonical name). It panics on an alias to an unknown name: the
// tables are program constants.
func NewVocabulary(kind string, names []string, aliases map[string]string) *Vocabulary {
	v := &Vocabulary{kind: kind, aliases: make(map[string]string, len(names)+len(aliases))}
	for _, n := range names {
		v.names = append(v.names, n)
		v.aliases[foldTerm(n)] = n
	}
	sort.Strings(v.names)
	for a, n := range aliases {
		if _, ok := v.aliases[foldTerm(n)]; !ok {
			panic("graph: alias " + a + " points to unknown " + kind + " " + n)
		}
		v.aliases[foldTerm(a)] = n
	}
	return v
}

// Kind names what the vocabulary lists, e.g. "concern".
func (v *Vocabulary) Kind() string { return v.kind }

// Names returns the canonical names, sorted.
func (v *Vocabulary) Names() []string { return append([]string(nil), v.names...) }

// Canonical returns the canonical name for a name or alias, ignoring case, spaces, hyphens and
// underscores, and whether it is known.
func (v *Vocabulary) Canonical(term string) (string, bool) {
	n, ok := v.aliases[foldTerm(term)]
	return n, ok
}

// Suggest returns the known name closest to term (by edit distance), for "did you mean" hints,
// or "" when nothing is close.
func (v *Vocabulary) Suggest(term string) string {
	if len(term) > maxSuggestLen {
		return "" // no entry is near; and the edit distance would cost len(term) per alias
	}
	t := foldTerm(term)
	best, bestD := "", 1<<30
	for alias, name := range v.aliases {
		d := editDistance(t, alias)
		if d < bestD || (d == bestD && name < best) {
			best, bestD = name, d
		}
	}
	if bestD > max(2, len(t)/3) {
		return ""
	}
	return best
}

// index returns the position of a canonical name in Names().
func (v *Vocabulary) index(name string) (int8, bool) {
	i := sort.SearchStrings(v.names, name)
	if i == len(v.names) || v.names[i] != name {
		return 0, false
	}
	return int8(i), true
}

// maxSuggestLen is the longest term Suggest considers; vocabulary entries are a few words.
const maxSuggestLen = 64

// foldTerm lower-cases a term and drops spaces, hyphens, underscores and slashes so that
// "Dark Circles", "dark-circles" and "dark_circles" compare equal.
func foldTerm(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(strings.TrimSpace(s)) {
		switch r {
		case ' ', '-', '_', '/', '.':
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// editDistance is the Levenshtein distance between a and b, over bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// SkinTypes are the skin types of a profile. Sensitive skin is a Sensitivity, not a type.
var SkinTypes = NewVocabulary("skin type",
	[]string{"dry", "oily", "combination", "normal"},
	map[string]string{"combo": "combination", "mixed": "combination"})

// Concerns are the skin concerns a profile can name and an ingredient or product can treat.
var Concerns = NewVocabulary("concern",
	[]string{
		"acne", "aging", "dark-circles", "dryness", "dullness", "hyperpigmentation",
		"oiliness", "pores", "puffiness", "redness", "texture", "dehydration",
	},
	map[string]string{
		"acne/blemishes": "acne", "blemishes": "acne", "breakouts": "acne", "spots": "acne",
		"anti-aging": "aging", "antiaging": "aging", "fine lines": "aging", "wrinkles": "aging",
		"fine lines/wrinkles": "aging", "loss of firmness": "aging", "firmness": "aging", "elasticity": "aging",
		"dark spots": "hyperpigmentation", "uneven skin tone": "hyperpigmentation", "pigmentation": "hyperpigmentation",
		"discoloration": "hyperpigmentation", "melasma": "hyperpigmentation", "sun spots": "hyperpigmentation",
		"dullness/uneven texture": "dullness", "radiance": "dullness", "brightening": "dullness",
		"uneven texture": "texture", "rough texture": "texture",
		"large pores": "pores", "enlarged pores": "pores", "shine": "oiliness", "excess oil": "oiliness",
		"dark circles": "dark-circles", "under-eye circles": "dark-circles",
		"puffy eyes": "puffiness", "rosacea": "redness", "flushing": "redness",
		"dry skin": "dryness", "flakiness": "dryness", "dehydrated skin": "dehydration",
	})

// SkinTones are the skin tones reviewers and profiles declare (Sephora's scale, kebab-case).
var SkinTones = NewVocabulary("skin tone",
	[]string{
		"porcelain", "fair", "fair-light", "light", "light-medium", "medium", "medium-tan",
		"tan", "olive", "deep", "dark", "rich", "ebony",
	},
	map[string]string{"fairlight": "fair-light", "lightmedium": "light-medium", "mediumtan": "medium-tan"})

// Sensitivities are what a profile can declare itself sensitive to. An ingredient that
// aggravates a declared sensitivity excludes the product from the profile's recommendations.
var Sensitivities = NewVocabulary("sensitivity",
	[]string{"fragrance", "essential-oils", "alcohol", "sulfates", "lanolin", "nut-oils"},
	map[string]string{
		"perfume": "fragrance", "parfum": "fragrance", "scent": "fragrance",
		"essential oil": "essential-oils", "drying alcohol": "alcohol", "alcohol denat": "alcohol",
		"sls": "sulfates", "sulphates": "sulfates", "tree nuts": "nut-oils", "nuts": "nut-oils",
	})

// Categories are the product categories of the catalogue.
var Categories = NewVocabulary("category",
	[]string{
		"cleanser", "toner", "serum", "moisturizer", "sunscreen", "eye-care", "mask",
		"exfoliant", "treatment", "face-oil", "lip-care", "mist",
	},
	map[string]string{
		"moisturiser": "moisturizer", "cream": "moisturizer", "face cream": "moisturizer",
		"spf": "sunscreen", "sun care": "sunscreen", "eye cream": "eye-care", "face wash": "cleanser",
		"essence": "toner", "peel": "exfoliant", "oil": "face-oil", "spot treatment": "treatment",
		"face mist": "mist", "lip balm": "lip-care", "face mask": "mask",
	})

// Effects are the outcomes a reviewer can report about a product.
var Effects = NewVocabulary("effect",
	[]string{"improved", "no-change", "breakout", "irritation", "purging", "hydration"},
	map[string]string{"nochange": "no-change", "broke out": "breakout", "irritated": "irritation"})

// Evidence levels rank how well an ingredient claim is supported; Confidence is the weight the
// ranker gives each.
var Evidence = NewVocabulary("evidence level",
	[]string{"clinical", "in-vitro", "expert-consensus"},
	map[string]string{"in vitro": "in-vitro", "expert": "expert-consensus", "consensus": "expert-consensus"})
