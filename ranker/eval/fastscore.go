package eval

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"reflect"
	"runtime"
	"sync"

	"golang.org/x/sync/errgroup"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// The coordinate search spends most of its trials on family weights, and a product's score is
// linear in them (score = Σ weight × the family's score at unit weight: the invariant every
// family keeps, ranker/doc.go). So the search ranks a trial of new weights without the ranker:
// once per setting of the other numbers (half-lives, smoothing, attribute weights, ...), it
// keeps each validation query's eligible products and every family's score at unit weight
// (ranker.Ranker.Scores, the ranker's own sum), and a trial is a dot product per product and a
// top-k selection with the ranker's order (score descending, then product id). The first use of
// each setting is checked against the ranker (the objective of the current best parameters,
// both ways); on any difference the search goes back to the ranker for the rest of the run.

// weightFeature is one family weight of a weight set.
type weightFeature struct {
	name  string
	field func(*ranker.Weights) *float64
}

// weightFeatures are every family weight of a weight set; the multi-scale ones only when
// scales is set (the search moves them only from a start that uses them).
func weightFeatures(scales bool) []weightFeature {
	out := []weightFeature{
		{"concern_fit", func(w *ranker.Weights) *float64 { return &w.ConcernFit }},
		{"claim", func(w *ranker.Weights) *float64 { return &w.Claim }},
	}
	for _, w := range weightTunables {
		out = append(out, weightFeature{w.name, w.field})
	}
	if scales {
		for k, h := range ranker.RecentScaleDays {
			out = append(out,
				weightFeature{fmt.Sprintf("recent_scales[%g d]", h), func(w *ranker.Weights) *float64 { return &w.RecentScales[k] }},
				weightFeature{fmt.Sprintf("peer_recent_scales[%g d]", h), func(w *ranker.Weights) *float64 { return &w.PeerRecentScales[k] }})
		}
	}
	return out
}

// structureOf is p without its family weights: the numbers a feature cache is built for.
func structureOf(p ranker.Params) ranker.Params {
	p.Weights, p.HistoryWeights = ranker.Weights{}, ranker.Weights{}
	if p.ConcernWeights != nil { // whether there is a concern set is structure, its weights are not
		p.ConcernWeights = &ranker.Weights{}
	}
	return p
}

// sameStructure says whether a and b differ in family weights only.
func sameStructure(a, b ranker.Params) bool {
	return reflect.DeepEqual(structureOf(a), structureOf(b))
}

// queryFeatures is one query's candidates and their unit-weight family scores.
type queryFeatures struct {
	history bool      // ranked with HistoryWeights (a liked product the projection knows)
	concern bool      // ranked with ConcernSet() (no history, a concern the graph knows)
	cands   []int32   // the eligible products, ascending
	skip    []bool    // parallel to cands: in the query's Exclude (dropped after ranking)
	limit   int       // the Limit of Request(q, K)
	f       []float64 // len(cands) × len(features), row-major
}

// featureCache holds the unit-weight scores of every validation query for one structure.
type featureCache struct {
	proj      *graph.Projection
	features  []weightFeature
	usable    []bool // a unit weight of the family validates (else its weight cannot move here)
	structure ranker.Params
	tasks     [][]queryFeatures // parallel to the search's tasks and their queries
}

// newFeatureCache computes the unit-weight scores of every family of features for every query
// (tasks[i] are one task's queries), with every other number as in base.
func newFeatureCache(ctx context.Context, in Input, base ranker.Params, tasks [][]Query, scales bool) (*featureCache, error) {
	fc := &featureCache{proj: in.Proj, features: weightFeatures(scales), structure: structureOf(base)}
	F := len(fc.features)
	fc.usable = make([]bool, F)
	rankers := make([]*ranker.Ranker, F)
	for j, f := range fc.features {
		p := structureOf(base)
		*f.field(&p.Weights), *f.field(&p.HistoryWeights) = 1, 1
		if p.ConcernWeights != nil {
			*f.field(concernWeights(&p)) = 1
		}
		if p.Validate() != nil {
			continue // e.g. peer_adverse with adverse_smoothing 0: no trial can switch it on
		}
		r, err := ranker.New(p)
		if err != nil {
			return nil, err
		}
		rankers[j], fc.usable[j] = r, true
	}
	fc.tasks = make([][]queryFeatures, len(tasks))
	for ti, qs := range tasks {
		out := make([]queryFeatures, len(qs))
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(min(runtime.GOMAXPROCS(0), 8))
		const chunk = 32
		for lo := 0; lo < len(qs); lo += chunk {
			hi := min(lo+chunk, len(qs))
			g.Go(func() error {
				for i := lo; i < hi; i++ {
					qf, err := fc.query(gctx, in, rankers, qs[i])
					if err != nil {
						return fmt.Errorf("eval: feature cache: query %d (%s %s): %w", i, qs[i].Task, qs[i].Author, err)
					}
					out[i] = qf
				}
				return nil
			})
		}
		if err := g.Wait(); err != nil {
			return nil, err
		}
		fc.tasks[ti] = out
	}
	return fc, nil
}

// query computes one query's candidates and features.
func (fc *featureCache) query(ctx context.Context, in Input, rankers []*ranker.Ranker, q Query) (queryFeatures, error) {
	req := Request(q, K)
	qf := queryFeatures{limit: req.Limit}
	for _, id := range q.Liked {
		if _, ok := in.Proj.ProductIndex(id); ok {
			qf.history = true
		}
	}
	for _, c := range req.Profile.Concerns { // as the ranker decides (ranker.Params.ForRequest)
		if _, ok := graph.AttrOf(graph.AttrConcern, c); ok && !qf.history {
			qf.concern = true
		}
	}
	F := len(rankers)
	for j, r := range rankers {
		if r == nil {
			continue
		}
		s, err := r.Scores(ctx, in.Proj, in.Vecs, req)
		if err != nil {
			return queryFeatures{}, err
		}
		if qf.cands == nil {
			qf.cands = make([]int32, 0, 64)
			for x, v := range s {
				if !math.IsNaN(v) {
					qf.cands = append(qf.cands, int32(x))
					qf.skip = append(qf.skip, q.Exclude[in.Proj.Products[x].ID])
				}
			}
			qf.f = make([]float64, len(qf.cands)*F)
		}
		for c, x := range qf.cands {
			qf.f[c*F+j] = s[x]
		}
	}
	return qf, nil
}

// weightVector is w's value of each feature.
func (fc *featureCache) weightVector(w ranker.Weights) []float64 {
	out := make([]float64, len(fc.features))
	for j, f := range fc.features {
		out[j] = *f.field(&w)
	}
	return out
}

// covers says whether p's non-zero weights are all among the cache's usable features.
func (fc *featureCache) covers(p ranker.Params) bool {
	all := weightFeatures(true)
	known := map[string]bool{}
	for j, f := range fc.features {
		known[f.name] = fc.usable[j]
	}
	for _, w := range []ranker.Weights{p.Weights, p.HistoryWeights, p.ConcernSet()} {
		for _, f := range all {
			if *f.field(&w) != 0 && !known[f.name] {
				return false
			}
		}
	}
	return true
}

// lists ranks task ti's queries with p's weights: each query's top K product ids after its
// excluded products are dropped, as Engine.Recommend returns them.
func (fc *featureCache) lists(ti int, p ranker.Params) [][]string {
	// the non-zero weights of each set, by feature
	type term struct {
		j int
		w float64
	}
	terms := func(w ranker.Weights) []term {
		var out []term
		for j, v := range fc.weightVector(w) {
			if v != 0 {
				out = append(out, term{j, v})
			}
		}
		return out
	}
	cold, hist, conc := terms(p.Weights), terms(p.HistoryWeights), terms(p.ConcernSet())
	F := len(fc.features)
	qfs := fc.tasks[ti]
	out := make([][]string, len(qfs))
	rank := func(lo, hi int) {
		var top []scored
		for i := lo; i < hi; i++ {
			qf := qfs[i]
			w := cold
			switch {
			case qf.history:
				w = hist
			case qf.concern:
				w = conc
			}
			top = top[:0]
			for c := range qf.cands {
				row := qf.f[c*F : (c+1)*F]
				s := 0.0
				for _, t := range w {
					s += t.w * row[t.j]
				}
				top = keepTop(top, scored{c, s}, qf.limit, byScore)
			}
			ids := make([]string, 0, K)
			for _, t := range top {
				if len(ids) == K {
					break
				}
				if !qf.skip[t.c] {
					ids = append(ids, fc.proj.Products[qf.cands[t.c]].ID)
				}
			}
			out[i] = ids
		}
	}
	// two halves side by side (each list in its slot: the same lists as one at a time)
	if mid := len(qfs) / 2; mid >= 64 && runtime.GOMAXPROCS(0) > 1 {
		var wg sync.WaitGroup
		wg.Go(func() { rank(0, mid) })
		rank(mid, len(qfs))
		wg.Wait()
	} else {
		rank(0, len(qfs))
	}
	return out
}

// scored is a candidate (its position in the query's cands) and its score.
type scored struct {
	c int
	s float64
}

// byScore is the ranker's order: score descending, then product index ascending (cands are
// ascending, so the position orders like the index).
func byScore(a, b scored) int { return cmp.Or(cmp.Compare(b.s, a.s), cmp.Compare(a.c, b.c)) }
