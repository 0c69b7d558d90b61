package eval

import (
	"cmp"
	"slices"

	"github.com/skingraph/skingraph/graph"
)

// Task names, as they appear in reports.
const (
	TaskProfile = "profile"
	TaskHistory = "history"
	// TaskConcern is the profile task restricted to authors whose test reviews state skin
	// concerns (reviewtext.Concerns), with those concerns in the profile.
	TaskConcern = "concern"
)

// Tasks are every task, in report order.
var Tasks = []string{TaskProfile, TaskHistory, TaskConcern}

// PositiveRating is the lowest rating that counts as a positive review.
const PositiveRating = 4

// NoSkinType is the skin-type group of queries whose author stated none.
const NoSkinType = "unknown"

// Query is one evaluation query: a profile, what to leave out, and the products that count as
// hits.
type Query struct {
	Task     string
	Author   string // pseudonymous reviewer id
	SkinType string // "" when the author stated none
	SkinTone string
	Concerns []string        // concern task: the concerns the author states in test, sorted
	Category string          // profile task: the category filter; "" for every category
	Liked    []string        // history task: the author's positive train products, sorted
	Exclude  map[string]bool // products that must not be recommended (reviewed in train)
	Relevant map[string]bool // the author's positive test products (never excluded)
}

// Group is the skin-type group a query is reported in.
func (q Query) Group() string {
	if q.SkinType == "" {
		return NoSkinType
	}
	return q.SkinType
}

// ProfileQueries builds the profile-task queries from the test reviews: one per (author,
// category) with a positive review of a product of that category in proj. The author's skin
// type and tone are the ones they state most often in the test reviews (ties by name).
// Reviews of products outside proj, or of products without a category, are ignored.
func ProfileQueries(proj *graph.Projection, test []graph.Review) []Query {
	type key struct{ author, category string }
	rel := map[key]map[string]bool{}
	for _, r := range test {
		x, ok := proj.ProductIndex(r.ProductID)
		if !ok || r.Rating < PositiveRating {
			continue
		}
		cat := proj.Products[x].Category
		if cat == "" {
			continue
		}
		k := key{r.Reviewer, cat}
		if rel[k] == nil {
			rel[k] = map[string]bool{}
		}
		rel[k][r.ProductID] = true
	}
	attrs := authorAttributes(test)
	qs := make([]Query, 0, len(rel))
	for k, items := range rel {
		a := attrs[k.author]
		qs = append(qs, Query{Task: TaskProfile, Author: k.author, SkinType: a.skinType, SkinTone: a.skinTone,
			Category: k.category, Relevant: items})
	}
	sortQueries(qs)
	return qs
}

// ConcernQueries builds the concern-task queries: the profile task's queries of authors who
// state at least one skin concern in their test reviews (graph.Review.Concerns), each with
// every concern they state there.
func ConcernQueries(proj *graph.Projection, test []graph.Review) []Query {
	concerns := map[string]map[string]bool{}
	for _, r := range test {
		for _, c := range r.Concerns {
			addTo(concerns, r.Reviewer, c)
		}
	}
	var qs []Query
	for _, q := range ProfileQueries(proj, test) {
		cs := concerns[q.Author]
		if len(cs) == 0 {
			continue
		}
		q.Task = TaskConcern
		for c := range cs {
			q.Concerns = append(q.Concerns, c)
		}
		slices.Sort(q.Concerns)
		qs = append(qs, q)
	}
	return qs
}

// HistoryQueries builds the history-task queries: one per author with a positive train review
// and a positive test review of products in proj. Liked is the author's positive train
// products; Exclude every product they reviewed in train; Relevant their positive test
// products that are not excluded (authors left with none get no query). Skin type and tone
// are the ones the author states most often in train, else in test.
func HistoryQueries(proj *graph.Projection, train, test []graph.Review) []Query {
	liked := map[string]map[string]bool{}
	reviewed := map[string]map[string]bool{}
	for _, r := range train {
		if _, ok := proj.ProductIndex(r.ProductID); !ok {
			continue
		}
		addTo(reviewed, r.Reviewer, r.ProductID)
		if r.Rating >= PositiveRating {
			addTo(liked, r.Reviewer, r.ProductID)
		}
	}
	rel := map[string]map[string]bool{}
	for _, r := range test {
		if _, ok := proj.ProductIndex(r.ProductID); !ok || r.Rating < PositiveRating {
			continue
		}
		if liked[r.Reviewer] == nil || reviewed[r.Reviewer][r.ProductID] {
			continue
		}
		addTo(rel, r.Reviewer, r.ProductID)
	}
	trainAttrs, testAttrs := authorAttributes(train), authorAttributes(test)
	qs := make([]Query, 0, len(rel))
	for author, items := range rel {
		a := trainAttrs[author]
		if a.skinType == "" {
			a.skinType = testAttrs[author].skinType
		}
		if a.skinTone == "" {
			a.skinTone = testAttrs[author].skinTone
		}
		l := make([]string, 0, len(liked[author]))
		for id := range liked[author] {
			l = append(l, id)
		}
		slices.Sort(l)
		qs = append(qs, Query{Task: TaskHistory, Author: author, SkinType: a.skinType, SkinTone: a.skinTone,
			Liked: l, Exclude: reviewed[author], Relevant: items})
	}
	sortQueries(qs)
	return qs
}

func addTo(m map[string]map[string]bool, k, v string) {
	if m[k] == nil {
		m[k] = map[string]bool{}
	}
	m[k][v] = true
}

type attributes struct{ skinType, skinTone string }

// authorAttributes returns, per author, the skin type and tone they state most often (ties
// broken by name, so the result does not depend on review order).
func authorAttributes(reviews []graph.Review) map[string]attributes {
	types, tones := map[string]map[string]int{}, map[string]map[string]int{}
	count := func(m map[string]map[string]int, author, v string) {
		if v == "" {
			return
		}
		if m[author] == nil {
			m[author] = map[string]int{}
		}
		m[author][v]++
	}
	for _, r := range reviews {
		count(types, r.Reviewer, r.SkinType)
		count(tones, r.Reviewer, r.SkinTone)
	}
	most := func(c map[string]int) string {
		best, n := "", 0
		for v, k := range c {
			if k > n || (k == n && v < best) {
				best, n = v, k
			}
		}
		return best
	}
	out := map[string]attributes{}
	for a, c := range types {
		at := out[a]
		at.skinType = most(c)
		out[a] = at
	}
	for a, c := range tones {
		at := out[a]
		at.skinTone = most(c)
		out[a] = at
	}
	return out
}

func sortQueries(qs []Query) {
	slices.SortFunc(qs, func(a, b Query) int {
		return cmp.Or(cmp.Compare(a.Author, b.Author), cmp.Compare(a.Category, b.Category))
	})
}

// HarmIndex says which products a test reviewer of each skin type reported harm with, and
// at what rate.
type HarmIndex struct {
	bySkinType map[string]map[string]bool
	any        map[string]bool
	// rates holds, by skin type ("" for every reviewer), the shrunk adverse rate of each
	// product with test reviews of that skin type (HarmRateSmoothing); products without any
	// have the skin type's catalogue rate, base[skin type].
	rates map[string]map[string]float64
	base  map[string]float64
}

// HarmRateSmoothing is the number of pseudo-reviews at the skin type's catalogue rate that a
// product's adverse rate among the reviewers of that skin type is shrunk with in the
// rate-based harm: (b + m·β_t) / (n + m). With 10, one bad report out of one review reads as
// a rate of about 1/11 + β_t, not 100 %.
const HarmRateSmoothing = 10

// IsHarmful reports whether a review reports harm: a breakout or irritation (rash, itching,
// burning and redness read as irritation), or purging with a rating of 2 or less.
func IsHarmful(r graph.Review) bool {
	for _, e := range r.Effects {
		switch e {
		case "breakout", "irritation":
			return true
		case "purging":
			if r.Rating <= 2 {
				return true
			}
		}
	}
	return false
}

// NewHarmIndex indexes the harmful test reviews by the reviewer's skin type.
func NewHarmIndex(test []graph.Review) HarmIndex {
	h := HarmIndex{bySkinType: map[string]map[string]bool{}, any: map[string]bool{},
		rates: map[string]map[string]float64{}, base: map[string]float64{}}
	type counts struct{ n, bad float64 }
	by := map[string]map[string]*counts{} // skin type ("" = every reviewer) -> product -> counts
	total := map[string]*counts{}
	count := func(st string, r graph.Review, harmful bool) {
		if by[st] == nil {
			by[st], total[st] = map[string]*counts{}, &counts{}
		}
		c := by[st][r.ProductID]
		if c == nil {
			c = &counts{}
			by[st][r.ProductID] = c
		}
		c.n++
		total[st].n++
		if harmful {
			c.bad++
			total[st].bad++
		}
	}
	for _, r := range test {
		harmful := IsHarmful(r)
		count("", r, harmful)
		if r.SkinType != "" {
			count(r.SkinType, r, harmful)
		}
		if !harmful {
			continue
		}
		h.any[r.ProductID] = true
		if r.SkinType != "" {
			addTo(h.bySkinType, r.SkinType, r.ProductID)
		}
	}
	const m = HarmRateSmoothing
	for st, products := range by {
		beta := total[st].bad / total[st].n
		h.base[st] = beta
		rates := make(map[string]float64, len(products))
		for id, c := range products {
			rates[id] = (c.bad + m*beta) / (c.n + m)
		}
		h.rates[st] = rates
	}
	return h
}

// Rate returns product id's adverse rate among the test reviewers of skin type skinType
// (every reviewer when skinType is ""), shrunk with HarmRateSmoothing pseudo-reviews towards
// that skin type's catalogue rate; a product they did not review has the catalogue rate.
func (h HarmIndex) Rate(skinType, id string) float64 {
	if r, ok := h.rates[skinType][id]; ok {
		return r
	}
	return h.base[skinType]
}

// Excess reports whether product id's Rate for skinType is above that skin type's catalogue
// rate: its reviewers of that skin type reported harm more often than that skin type's
// reviewers did on average, after shrinkage (a product they did not review is not).
func (h HarmIndex) Excess(skinType, id string) bool {
	return h.Rate(skinType, id) > h.base[skinType]+1e-12
}

// Harmful reports whether product id was reported harmful by a test reviewer of skin type
// skinType; for a query without a skin type, by any test reviewer.
func (h HarmIndex) Harmful(skinType, id string) bool {
	if skinType == "" {
		return h.any[id]
	}
	return h.bySkinType[skinType][id]
}
