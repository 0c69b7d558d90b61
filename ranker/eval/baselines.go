package eval

import (
	"cmp"
	"context"
	"hash/fnv"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// Data is what the baselines learn from: the projection (catalogue, ingredient lists,
// Sephora's ratings and review counts) and the train reviews. The engine sees the same: its
// projection holds the catalogue and the train reviews' outcomes.
type Data struct {
	proj *graph.Projection
	// trainCount and trainByType count train reviews per product index, overall and by the
	// reviewer's skin type.
	trainCount  []float64
	trainByType map[string][]float64
	// popRank is each product's position in the global popularity order (train reviews, then
	// Sephora's review count, then id): the tie-break of every baseline.
	popRank []int32
	// reviewersOf lists the train reviewers of each product, itemsOf the products of each
	// train reviewer (indices), for item-kNN.
	reviewersOf [][]int32
	itemsOf     [][]int32
	// positivesByType counts positive train reviews per skin type ("" = every reviewer) and
	// product, the seeds of the ingredient baseline for profile queries.
	positivesByType map[string]map[int32]float64
	// revs are the train reviews of products in proj (strong.go's baselines weigh them by
	// age); latest is the time of the latest one, the origin of their ages.
	revs   []trainReview
	latest time.Time
	// posReviewersOf and posItemsOf are reviewersOf and itemsOf over positive reviews only.
	posReviewersOf [][]int32
	posItemsOf     [][]int32
	// memo caches per-setting precomputations (EASE^R's matrix), keyed by the setting.
	memo map[string]any
	mu   sync.Mutex
}

// trainReview is one train review, by product and reviewer index.
type trainReview struct {
	x, u     int32
	ageDays  float64
	positive bool
	skinType string
}

// NewData indexes the train reviews of products in proj.
func NewData(proj *graph.Projection, train []graph.Review) *Data {
	n := len(proj.Products)
	d := &Data{proj: proj, trainCount: make([]float64, n), trainByType: map[string][]float64{},
		reviewersOf: make([][]int32, n), posReviewersOf: make([][]int32, n), positivesByType: map[string]map[int32]float64{"": {}},
		memo: map[string]any{}}
	reviewer := map[string]int32{}
	seen, seenPos := map[[2]int32]bool{}, map[[2]int32]bool{}
	for _, r := range train {
		if _, ok := proj.ProductIndex(r.ProductID); ok && r.At.After(d.latest) {
			d.latest = r.At
		}
	}
	for _, r := range train {
		x, ok := proj.ProductIndex(r.ProductID)
		if !ok {
			continue
		}
		d.trainCount[x]++
		if r.SkinType != "" {
			if d.trainByType[r.SkinType] == nil {
				d.trainByType[r.SkinType] = make([]float64, n)
			}
			d.trainByType[r.SkinType][x]++
		}
		if r.Rating >= PositiveRating {
			d.positivesByType[""][x]++
			if r.SkinType != "" {
				if d.positivesByType[r.SkinType] == nil {
					d.positivesByType[r.SkinType] = map[int32]float64{}
				}
				d.positivesByType[r.SkinType][x]++
			}
		}
		u, ok := reviewer[r.Reviewer]
		if !ok {
			u = int32(len(d.itemsOf))
			reviewer[r.Reviewer] = u
			d.itemsOf = append(d.itemsOf, nil)
			d.posItemsOf = append(d.posItemsOf, nil)
		}
		if !seen[[2]int32{u, x}] {
			seen[[2]int32{u, x}] = true
			d.itemsOf[u] = append(d.itemsOf[u], x)
			d.reviewersOf[x] = append(d.reviewersOf[x], u)
		}
		if r.Rating >= PositiveRating && !seenPos[[2]int32{u, x}] {
			seenPos[[2]int32{u, x}] = true
			d.posItemsOf[u] = append(d.posItemsOf[u], x)
			d.posReviewersOf[x] = append(d.posReviewersOf[x], u)
		}
		d.revs = append(d.revs, trainReview{x: x, u: u, ageDays: d.latest.Sub(r.At).Hours() / 24,
			positive: r.Rating >= PositiveRating, skinType: r.SkinType})
	}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		return cmp.Or(cmp.Compare(d.trainCount[b], d.trainCount[a]),
			cmp.Compare(proj.Products[b].ReviewCount, proj.Products[a].ReviewCount), cmp.Compare(a, b))
	})
	d.popRank = make([]int32, n)
	for pos, x := range order {
		d.popRank[x] = int32(pos)
	}
	return d
}

// Catalogue returns the number of products recommendations can come from.
func (d *Data) Catalogue() int { return len(d.proj.Products) }

// top returns the k candidates of q with the highest score, ties broken by global popularity.
func (d *Data) top(q Query, k int, score func(x int32) float64) []string {
	type cand struct {
		x int32
		s float64
	}
	if k <= 0 {
		return nil
	}
	liked := map[string]bool{}
	for _, id := range q.Liked {
		liked[id] = true
	}
	// the k best by (score descending, popularity rank ascending: a total order, as popRank
	// is a permutation), kept sorted by insertion: the same list as sorting every candidate
	order := func(a, b cand) int {
		return cmp.Or(cmp.Compare(b.s, a.s), cmp.Compare(d.popRank[a.x], d.popRank[b.x]))
	}
	cands := make([]cand, 0, k+1)
	for x := range d.proj.Products {
		p := &d.proj.Products[x]
		if (q.Category != "" && p.Category != q.Category) || q.Exclude[p.ID] || liked[p.ID] {
			continue
		}
		cands = keepTop(cands, cand{int32(x), score(int32(x))}, k, order)
	}
	out := make([]string, 0, k)
	for _, c := range cands[:min(k, len(cands))] {
		out = append(out, d.proj.Products[c.x].ID)
	}
	return out
}

// Baselines returns every baseline of a task, in report order.
func (d *Data) Baselines(task string) []Recommender {
	recs := []Recommender{Random{d}, Popularity{d}, PopularitySkinType{d}, TopRated(d)}
	if task == TaskHistory {
		recs = append(recs, ItemKNN{d})
	}
	return append(recs, NewIngredientTFIDF(d))
}

// Random ranks the candidates in a random order that depends only on the query and the
// product id (an FNV-1a hash), so every run gives the same lists.
type Random struct{ d *Data }

// Name implements Recommender.
func (Random) Name() string { return "random" }

// Recommend implements Recommender.
func (r Random) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	return r.d.top(q, k, func(x int32) float64 {
		h := fnv.New64a()
		h.Write([]byte(q.Task + "\x00" + q.Author + "\x00" + q.Category + "\x00" + r.d.proj.Products[x].ID))
		return float64(h.Sum64() >> 11)
	}), nil
}

// Popularity ranks by the number of train reviews (then Sephora's review count, then id).
type Popularity struct{ d *Data }

// Name implements Recommender.
func (Popularity) Name() string { return "popularity" }

// Recommend implements Recommender.
func (p Popularity) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	return p.d.top(q, k, func(int32) float64 { return 0 }), nil
}

// PopularitySkinType ranks by the number of train reviews by reviewers of the query's skin
// type (global popularity for a query without one), ties by global popularity.
type PopularitySkinType struct{ d *Data }

// Name implements Recommender.
func (PopularitySkinType) Name() string { return "popularity_skin_type" }

// Recommend implements Recommender.
func (p PopularitySkinType) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	counts := p.d.trainByType[q.SkinType]
	return p.d.top(q, k, func(x int32) float64 {
		if counts == nil {
			return 0
		}
		return counts[x]
	}), nil
}

// topRated ranks by the Bayesian average of Sephora's product rating: (n·r + m·C)/(n + m),
// n the product's review count, C the mean rating and m the median review count of the
// rated products.
type topRated struct {
	d     *Data
	score []float64
}

// TopRated returns the Bayesian top-rated baseline.
func TopRated(d *Data) Recommender {
	var ratings, counts []float64
	for _, p := range d.proj.Products {
		if p.ReviewCount > 0 && p.Rating > 0 {
			ratings = append(ratings, p.Rating)
			counts = append(counts, float64(p.ReviewCount))
		}
	}
	c, m := mean(ratings), median(counts)
	t := topRated{d: d, score: make([]float64, len(d.proj.Products))}
	for x, p := range d.proj.Products {
		n := float64(p.ReviewCount)
		if p.Rating == 0 {
			n = 0
		}
		t.score[x] = c
		if n+m > 0 {
			t.score[x] = (n*p.Rating + m*c) / (n + m)
		}
	}
	return t
}

// Name implements Recommender.
func (topRated) Name() string { return "top_rated" }

// Recommend implements Recommender.
func (t topRated) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	return t.d.top(q, k, func(x int32) float64 { return t.score[x] }), nil
}

// ItemKNN scores a candidate by the sum of its cosine similarities to the liked products in
// the train reviewer-product matrix (binary: reviewed or not): co-reviews / sqrt(n_x · n_l).
// Candidates no liked product shares a reviewer with tie at 0 and fall back to popularity.
type ItemKNN struct{ d *Data }

// Name implements Recommender.
func (ItemKNN) Name() string { return "item_knn" }

// Recommend implements Recommender.
func (b ItemKNN) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	d := b.d
	score := map[int32]float64{}
	for _, id := range q.Liked {
		l, ok := d.proj.ProductIndex(id)
		if !ok || len(d.reviewersOf[l]) == 0 {
			continue
		}
		co := map[int32]float64{}
		for _, u := range d.reviewersOf[l] {
			for _, x := range d.itemsOf[u] {
				if x != l {
					co[x]++
				}
			}
		}
		nl := float64(len(d.reviewersOf[l]))
		for x, c := range co {
			score[x] += c / math.Sqrt(nl*float64(len(d.reviewersOf[x])))
		}
	}
	return d.top(q, k, func(x int32) float64 { return score[x] }), nil
}

func mean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s / float64(len(v))
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
