package eval

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/embedding"
	"github.com/skingraph/skingraph/ranker"
)

// A probe prototypes a candidate signal cheaply, before it is written as a ranker family: the
// engine's own score (the tuned parameters) plus weight × the candidate's value, on the
// validation queries only. A candidate whose best blend does not raise validation NDCG@10 by
// more than MinGainZ standard errors of the paired per-query differences, on both validation
// weeks, is not worth a family (docs/EVALUATION.md, round 6).

// ProbeFeature is one candidate signal: its value for a query's candidate product.
type ProbeFeature struct {
	Name  string
	Tasks []string // the tasks it can act on
	// Weights are the blend weights tried (the value is in [0, 1] or [−1, 1]).
	Weights []float64
	// Value returns the query's value function; nil when the feature says nothing for q.
	Value func(pd *ProbeData, q Query) func(x int32) float64
}

// ProbeResult is one feature on one task of one validation split.
type ProbeResult struct {
	Task, Feature string
	Queries       int
	Base          float64 // the engine's NDCG@10 alone
	// Alone is the NDCG@10 of the feature on its own (the engine's score only breaks its
	// ties; the engine's order for queries the feature says nothing about).
	Alone     float64
	Weight    float64             // the best blend weight (0 when none beats the engine)
	Best      float64             // NDCG@10 at Weight
	Z         float64             // the gain over the standard error of the paired per-query differences
	ByWeight  map[float64]float64 // NDCG@10 by blend weight
	ZByWeight map[float64]float64 // the gain's z by blend weight
}

func (r ProbeResult) String() string {
	ws := slices.Sorted(maps.Keys(r.ByWeight))
	var by []string
	for _, w := range ws {
		by = append(by, fmt.Sprintf("%g: %+.4f (z %.2f)", w, r.ByWeight[w]-r.Base, r.ZByWeight[w]))
	}
	return fmt.Sprintf("%s %s: %d queries, engine %.4f, alone %.4f, best w %g -> %.4f (%+.4f, z %.2f); by weight %s", r.Task, r.Feature, r.Queries, r.Base, r.Alone, r.Weight, r.Best, r.Best-r.Base, r.Z, strings.Join(by, ", "))
}

// ProbeData is what the candidate signals are computed from: the train reviews of the split.
type ProbeData struct {
	*Data
	rating  []float64 // Σ (rating − 3)/2 · 2^(−age/7 d) by product
	first   []float64 // age in days of the product's first train review (−1: none)
	brandOf []int32   // brand index by product
	nBrands int
	tuned   map[string][]TunedBaseline
	cache   map[string][]float64 // the global features' values, by name (Probe runs them one at a time)
	// vecs are the engine's ingredient-graph embeddings (Input.Vecs); review the review-graph
	// embeddings of the projection (embedding.ComputeReviews), computed on first use.
	vecs   ranker.Vectors
	review *embedding.ReviewEmbeddings
	// recent are review-graph embeddings over the positive train reviews weighted by age, by
	// half-life in days
	recent map[float64]*embedding.ReviewEmbeddings
}

// NewProbeData indexes in's train reviews.
func NewProbeData(in Input, tuned map[string][]TunedBaseline) *ProbeData {
	d := NewData(in.Proj, in.Train)
	n := len(in.Proj.Products)
	pd := &ProbeData{Data: d, rating: make([]float64, n), first: make([]float64, n), brandOf: make([]int32, n), tuned: tuned, cache: map[string][]float64{}, vecs: in.Vecs}
	for x := range pd.first {
		pd.first[x] = -1
	}
	for _, r := range in.Train {
		x, ok := in.Proj.ProductIndex(r.ProductID)
		if !ok {
			continue
		}
		age := d.latest.Sub(r.At).Hours() / 24
		pd.rating[x] += float64(r.Rating-3) / 2 * math.Exp2(-age/7)
		pd.first[x] = max(pd.first[x], age)
	}
	brands := map[string]int32{}
	for x, p := range in.Proj.Products {
		b, ok := brands[p.Brand]
		if !ok {
			b = int32(len(brands))
			brands[p.Brand] = b
		}
		pd.brandOf[x] = b
	}
	pd.nBrands = len(brands)
	return pd
}

// normalised is v / max |v| (v itself when every value is 0).
func normalised(v []float64) []float64 {
	m := 0.0
	for _, a := range v {
		m = max(m, math.Abs(a))
	}
	out := make([]float64, len(v))
	if m == 0 {
		return out
	}
	for i, a := range v {
		out[i] = a / m
	}
	return out
}

func (pd *ProbeData) vol(h float64, positive bool) []float64 {
	return normalised(pd.decayed(Setting{HalfLife: h, Positive: positive}, ""))
}

func constant(v []float64) func(Query) func(int32) float64 {
	return func(Query) func(int32) float64 { return func(x int32) float64 { return v[x] } }
}

var (
	probeSigned   = []float64{-1, -0.3, -0.1, -0.03, 0.03, 0.1, 0.3, 1}
	probePositive = []float64{0.01, 0.03, 0.1, 0.3, 1, 3}
	probeTasks    = []string{TaskProfile, TaskHistory, TaskConcern}
	// probeCosine are the blend weights of the embedding features (cosines, mostly in a narrow
	// band: smaller weights than the others)
	probeCosine = []float64{0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1}
)

// ProbeFeatures are round 6's candidates and round 8's embeddings (docs/EVALUATION.md).
func ProbeFeatures() []ProbeFeature {
	return append(probeRound6(), probeEmbeddings()...)
}

func probeRound6() []ProbeFeature {
	global := func(name string, weights []float64, f func(pd *ProbeData) []float64) ProbeFeature {
		return ProbeFeature{Name: name, Tasks: probeTasks, Weights: weights, Value: func(pd *ProbeData, q Query) func(int32) float64 {
			v, ok := pd.cache[name]
			if !ok {
				v = f(pd)
				pd.cache[name] = v
			}
			return func(x int32) float64 { return v[x] }
		}}
	}
	return []ProbeFeature{
		// trend: short half-life volume against the long one (both over their maxima)
		global("trend_3_30", probeSigned, func(pd *ProbeData) []float64 {
			a, b := pd.vol(3, false), pd.vol(30, false)
			out := make([]float64, len(a))
			for x := range a {
				out[x] = a[x] - b[x]
			}
			return out
		}),
		// velocity: decayed volume at 3 days over (the one at 30 days + 1)
		global("velocity_3_30", probeSigned, func(pd *ProbeData) []float64 {
			a, b := pd.decayed(Setting{HalfLife: 3}, ""), pd.decayed(Setting{HalfLife: 30}, "")
			out := make([]float64, len(a))
			for x := range a {
				out[x] = a[x] / (b[x] + 1)
			}
			return normalised(out)
		}),
		// launch: the 7-day volume of products first reviewed lately, 2^(−age of the first
		// review / 14 d)
		global("launch_7", probePositive, func(pd *ProbeData) []float64 {
			v := pd.decayed(Setting{HalfLife: 7}, "")
			out := make([]float64, len(v))
			for x := range v {
				if pd.first[x] >= 0 {
					out[x] = v[x] * math.Exp2(-pd.first[x]/14)
				}
			}
			return normalised(out)
		}),
		// youth alone: 2^(−age of the first review / 14 d), 0 without a review
		global("youth", probeSigned, func(pd *ProbeData) []float64 {
			out := make([]float64, len(pd.first))
			for x, a := range pd.first {
				if a >= 0 {
					out[x] = math.Exp2(-a / 14)
				}
			}
			return out
		}),
		// rating-weighted decayed volume: Σ (rating − 3)/2 · 2^(−age/7 d)
		global("rating_weighted_7", probeSigned, func(pd *ProbeData) []float64 { return normalised(pd.rating) }),
		// the brand's other products' 7-day volume (a campaign)
		global("brand_recent_7", probeSigned, func(pd *ProbeData) []float64 {
			v := pd.decayed(Setting{HalfLife: 7}, "")
			byBrand := make([]float64, pd.nBrands)
			for x, a := range v {
				byBrand[pd.brandOf[x]] += a
			}
			out := make([]float64, len(v))
			for x, a := range v {
				out[x] = byBrand[pd.brandOf[x]] - a
			}
			return normalised(out)
		}),
		// decayed positive volume within the query's skin type, 3 days
		{Name: "skin_recent_3", Tasks: probeTasks, Weights: probePositive, Value: func(pd *ProbeData, q Query) func(int32) float64 {
			if q.SkinType == "" {
				return nil
			}
			v, ok := pd.cache["skin "+q.SkinType]
			if !ok {
				v = normalised(pd.decayed(Setting{HalfLife: 3, Positive: true}, q.SkinType))
				pd.cache["skin "+q.SkinType] = v
			}
			return func(x int32) float64 { return v[x] }
		}},
		// brand affinity: the share of the author's liked products of x's brand
		{Name: "brand_liked", Tasks: []string{TaskHistory}, Weights: probePositive, Value: func(pd *ProbeData, q Query) func(int32) float64 {
			count := make([]float64, pd.nBrands)
			n := 0.0
			for _, id := range q.Liked {
				if x, ok := pd.proj.ProductIndex(id); ok {
					count[pd.brandOf[x]]++
					n++
				}
			}
			if n == 0 {
				return nil
			}
			return func(x int32) float64 { return count[pd.brandOf[x]] / n }
		}},
		// item-item without the co-review path: the tuned ease baseline's full row, over its
		// largest absolute value among the catalogue
		{Name: "ease_full", Tasks: []string{TaskHistory}, Weights: probePositive, Value: func(pd *ProbeData, q Query) func(int32) float64 {
			var s Setting
			found := false
			for _, t := range pd.tuned[TaskHistory] {
				if t.Name == "ease" {
					s, found = t.Setting, true
				}
			}
			if !found {
				return nil
			}
			m, err := ease{d: pd.Data, s: s}.model()
			if err != nil || m.b == nil {
				return nil
			}
			score := make([]float64, len(pd.proj.Products))
			for _, i := range pd.history(q, s.Positive) {
				if ii, ok := m.index[i]; ok {
					for j, v := range m.b.RawRowView(ii) {
						score[m.items[j]] += v
					}
				}
			}
			score = normalised(score)
			return func(x int32) float64 { return score[x] }
		}},
	}
}

// Probe blends each feature with the engine's score at p on in's test queries (a validation
// split) and reports, per task, the best blend weight and its gain.
func Probe(ctx context.Context, in Input, p ranker.Params, tuned map[string][]TunedBaseline, feats []ProbeFeature) ([]ProbeResult, error) {
	r, err := ranker.New(p)
	if err != nil {
		return nil, err
	}
	pd := NewProbeData(in, tuned)
	var out []ProbeResult
	for _, task := range Tasks {
		qs, err := Queries(task, in)
		if err != nil {
			return nil, err
		}
		scores, err := engineScores(ctx, r, in, qs)
		if err != nil {
			return nil, err
		}
		for _, f := range feats {
			if !slices.Contains(f.Tasks, task) {
				continue
			}
			vals := make([]func(int32) float64, len(qs))
			for i, q := range qs {
				vals[i] = f.Value(pd, q)
			}
			per := func(w float64) []float64 {
				out := make([]float64, len(qs))
				for i, q := range qs {
					out[i] = blendNDCG(in.Proj, q, scores[i], vals[i], w)
				}
				return out
			}
			base := per(0)
			alone := make([]float64, len(qs))
			for i, q := range qs {
				tie := make([]float64, len(scores[i]))
				for x, v := range scores[i] {
					tie[x] = 1e-6 * v
				}
				alone[i] = blendNDCG(in.Proj, q, tie, vals[i], 1)
			}
			res := ProbeResult{Task: task, Feature: f.Name, Queries: len(qs), Base: mean(base), Alone: mean(alone), Best: mean(base), ByWeight: map[float64]float64{}, ZByWeight: map[float64]float64{}}
			for _, w := range f.Weights {
				got := per(w)
				m := mean(got)
				res.ByWeight[w], res.ZByWeight[w] = m, pairedZ(got, base)
				if m > res.Best {
					res.Best, res.Weight, res.Z = m, w, pairedZ(got, base)
				}
			}
			out = append(out, res)
		}
	}
	return out, nil
}

// pairedZ is mean(a − b) over its standard error.
func pairedZ(a, b []float64) float64 {
	n := float64(len(a))
	if n < 2 {
		return 0
	}
	m := 0.0
	for i := range a {
		m += a[i] - b[i]
	}
	m /= n
	ss := 0.0
	for i := range a {
		d := a[i] - b[i] - m
		ss += d * d
	}
	se := math.Sqrt(ss / (n - 1) / n)
	if se == 0 {
		return 0
	}
	return m / se
}

// blendNDCG is q's NDCG@10 of the ranking by s + w·f (the ranker's order: score descending,
// then index; excluded products dropped).
func blendNDCG(proj *graph.Projection, q Query, s []float64, f func(int32) float64, w float64) float64 {
	var top []scored
	for x, v := range s {
		if math.IsNaN(v) || q.Exclude[proj.Products[x].ID] {
			continue
		}
		if f != nil && w != 0 {
			v += w * f(int32(x))
		}
		top = keepTop(top, scored{x, v}, K, func(a, b scored) int { return cmp.Or(cmp.Compare(b.s, a.s), cmp.Compare(a.c, b.c)) })
	}
	ids := make([]string, len(top))
	for i, t := range top {
		ids[i] = proj.Products[t.c].ID
	}
	return ScoreQuery(q, ids, HarmIndex{}).NDCG
}

// ReviewEmbeddingSeed seeds the review-graph embeddings of the probe (any fixed seed: the
// result is deterministic).
const ReviewEmbeddingSeed = 20261207

// reviewVecs returns the review-graph embeddings of the projection, computed once; nil when
// they cannot be computed.
func (pd *ProbeData) reviewVecs() *embedding.ReviewEmbeddings {
	if pd.review == nil {
		e, err := embedding.ComputeReviews(context.Background(), pd.proj, embedding.Options{Seed: ReviewEmbeddingSeed})
		if err != nil {
			return nil
		}
		pd.review = e
	}
	return pd.review
}

// recentVecs returns the review-graph embeddings over the positive train reviews, each edge
// weighted 2^(−age/h days) (embedding.ComputeReviewEdges), computed once per h; nil when they
// cannot be computed. (A prototype: the projection keeps no age per reviewer and product.)
func (pd *ProbeData) recentVecs(h float64) *embedding.ReviewEmbeddings {
	if e, ok := pd.recent[h]; ok {
		return e
	}
	var edges []embedding.ReviewEdge
	for _, r := range pd.revs {
		if r.positive {
			edges = append(edges, embedding.ReviewEdge{Reviewer: strconv.Itoa(int(r.u)), Product: r.x, Weight: math.Exp2(-r.ageDays / h)})
		}
	}
	e, err := embedding.ComputeReviewEdges(context.Background(), pd.proj, edges, embedding.Options{Seed: ReviewEmbeddingSeed})
	if err != nil {
		e = nil
	}
	if pd.recent == nil {
		pd.recent = map[float64]*embedding.ReviewEmbeddings{}
	}
	pd.recent[h] = e
	return e
}

// centroidCosine returns the cosine of every product's vector (vec) to the weighted centroid
// Σ weight(y)·vec(y) of the n products, by product; nil when the centroid is zero.
func centroidCosine(vec func(int32) []float32, n int, weight func(int32) float64) []float64 {
	var sum []float64
	for y := range int32(n) {
		w := weight(y)
		v := vec(y)
		if w == 0 || v == nil {
			continue
		}
		if sum == nil {
			sum = make([]float64, len(v))
		}
		for k, a := range v {
			sum[k] += w * float64(a)
		}
	}
	if sum == nil {
		return nil
	}
	c := make([]float32, len(sum))
	for k, a := range sum {
		c[k] = float32(a)
	}
	if embedding.Cosine(c, c) == 0 {
		return nil
	}
	out := make([]float64, n)
	for x := range int32(n) {
		out[x] = embedding.Cosine(vec(x), c)
	}
	return out
}

// probeEmbeddings are round 8's candidates: the cosine of a candidate to the products the
// query's author liked (history) or to the products liked by reviewers of the query's skin
// type in the train period (every task), over the review-graph embeddings (reviewer-product
// FastRP), the ingredient-graph embeddings the affinity family uses, their mean, or review-graph
// embeddings whose edges are the positive train reviews weighted 2^(−age/h), h = 3 or 14 days.
func probeEmbeddings() []ProbeFeature {
	type space struct {
		name string
		vec  func(pd *ProbeData) func(int32) []float32
	}
	review := func(pd *ProbeData) func(int32) []float32 {
		if e := pd.reviewVecs(); e != nil {
			return e.Product
		}
		return nil
	}
	ingredient := func(pd *ProbeData) func(int32) []float32 {
		if pd.vecs == nil {
			return nil
		}
		return pd.vecs.Product
	}
	recent := func(h float64) func(pd *ProbeData) func(int32) []float32 {
		return func(pd *ProbeData) func(int32) []float32 {
			if e := pd.recentVecs(h); e != nil {
				return e.Product
			}
			return nil
		}
	}
	spaces := []space{{"review", review}, {"ingredient", ingredient}, {"review_recent3", recent(3)}, {"review_recent14", recent(14)}}
	// liked: Σ over the author's liked products (weight 1 each)
	liked := func(pd *ProbeData, q Query, vec func(int32) []float32) []float64 {
		if vec == nil {
			return nil
		}
		w := make(map[int32]float64)
		for _, x := range pd.history(q, true) {
			w[x] = 1
		}
		if len(w) == 0 {
			return nil
		}
		return centroidCosine(vec, len(pd.proj.Products), func(x int32) float64 { return w[x] })
	}
	// likedMax: the largest cosine to one of the author's liked products
	likedMax := func(pd *ProbeData, q Query, vec func(int32) []float32) []float64 {
		hist := pd.history(q, true)
		if vec == nil || len(hist) == 0 {
			return nil
		}
		out := make([]float64, len(pd.proj.Products))
		for x := range int32(len(out)) {
			out[x] = -1
			for _, l := range hist {
				out[x] = max(out[x], embedding.Cosine(vec(x), vec(l)))
			}
		}
		return out
	}
	// skin: Σ over products of their positive train reviews by the query's skin type (every
	// reviewer without one), each 2^(−age/h) (h = 0: 1)
	skin := func(h float64) func(pd *ProbeData, q Query, vec func(int32) []float32) []float64 {
		return func(pd *ProbeData, q Query, vec func(int32) []float32) []float64 {
			if vec == nil {
				return nil
			}
			w := pd.decayed(Setting{HalfLife: h, Positive: true}, q.SkinType)
			return centroidCosine(vec, len(pd.proj.Products), func(x int32) float64 { return w[x] })
		}
	}
	kinds := []struct {
		name  string
		tasks []string
		f     func(pd *ProbeData, q Query, vec func(int32) []float32) []float64
		// byQuery: the value depends on the query beyond its skin type (not cached)
		byQuery bool
	}{
		{"liked", []string{TaskHistory}, liked, true},
		{"liked_max", []string{TaskHistory}, likedMax, true},
		{"skin_7", probeTasks, skin(7), false},
		{"skin_all", probeTasks, skin(0), false},
	}
	// values returns the feature's values for q, cached by skin type unless byQuery.
	values := func(pd *ProbeData, name string, byQuery bool, q Query, f func() []float64) func(int32) float64 {
		v, ok := pd.cache[name+" "+q.SkinType]
		if byQuery || !ok {
			v = f()
			if !byQuery {
				pd.cache[name+" "+q.SkinType] = v
			}
		}
		if v == nil {
			return nil
		}
		return func(x int32) float64 { return v[x] }
	}
	var out []ProbeFeature
	for _, k := range kinds {
		for _, s := range spaces {
			name := "emb_" + s.name + "_" + k.name
			out = append(out, ProbeFeature{Name: name, Tasks: k.tasks, Weights: probeCosine,
				Value: func(pd *ProbeData, q Query) func(int32) float64 {
					return values(pd, name, k.byQuery, q, func() []float64 { return k.f(pd, q, s.vec(pd)) })
				}})
		}
		// the mean of the two cosines
		name := "emb_blend_" + k.name
		out = append(out, ProbeFeature{Name: name, Tasks: k.tasks, Weights: probeCosine,
			Value: func(pd *ProbeData, q Query) func(int32) float64 {
				return values(pd, name, k.byQuery, q, func() []float64 {
					a, b := k.f(pd, q, review(pd)), k.f(pd, q, ingredient(pd))
					if a == nil || b == nil {
						return nil
					}
					out := make([]float64, len(a))
					for x := range a {
						out[x] = (a[x] + b[x]) / 2
					}
					return out
				})
			}})
	}
	return out
}

// engineScores is the engine's score of every product for each query, in query order: what
// the probes blend their candidates and guards with.
func engineScores(ctx context.Context, r *ranker.Ranker, in Input, qs []Query) ([][]float64, error) {
	scores := make([][]float64, len(qs))
	for i, q := range qs {
		var err error
		if scores[i], err = r.Scores(ctx, in.Proj, in.Vecs, Request(q, K)); err != nil {
			return nil, err
		}
	}
	return scores, nil
}
