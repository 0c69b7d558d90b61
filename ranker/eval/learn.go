package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/skingraph/skingraph/ranker"
)

// The family weights are fitted with a pairwise logistic model (RankNet's loss with a linear
// scorer) on the validation queries: the features of a product are the families' scores at
// unit weight (ranker.Ranker.Scores with one weight 1 and the others 0, every other number of
// the parameters as given), so a fitted weight vector is a weight set of the engine and every
// score stays a sum of its reasons. Weights are kept non-negative (projected gradient) and
// shrunk towards the starting weights (L2), the seed is fixed: the fit is deterministic.
// Hand-written (about 150 lines): gonum's optimize has no bound constraints, and no maintained
// Go learning-to-rank library fits a linear pairwise model with non-negative weights.

// learnFeature is one family weight the learner fits.
type learnFeature struct {
	name  string
	field func(*ranker.Weights) *float64
}

// learnFeatures are the fitted weights of a weight set: concern fit and claims are left as
// they are (the profile and history queries state no concerns), affinity and co-review only
// for requests with history.
func learnFeatures(history bool) []learnFeature {
	out := []learnFeature{}
	for _, w := range weightTunables {
		if w.history && !history {
			continue
		}
		out = append(out, learnFeature{w.name, w.field})
	}
	for k, h := range ranker.RecentScaleDays {
		out = append(out,
			learnFeature{fmt.Sprintf("recent_scales[%g d]", h), func(w *ranker.Weights) *float64 { return &w.RecentScales[k] }},
			learnFeature{fmt.Sprintf("peer_recent_scales[%g d]", h), func(w *ranker.Weights) *float64 { return &w.PeerRecentScales[k] }})
	}
	return out
}

// LearnSettings are the learner's constants.
const (
	learnHardNegatives   = 20  // per query: the best-scored non-relevant products under the start weights
	learnRandomNegatives = 10  // per query: uniformly drawn other eligible products
	learnIterations      = 400 // accelerated projected gradient steps
)

// LearnLambdas are the L2 strengths (towards the start weights, in units where every feature
// difference has unit root mean square) the learner fits with; the caller keeps the one whose
// weights have the best validation objective.
var LearnLambdas = []float64{0.001, 0.01, 0.1}

// Learned is one fit of a weight set.
type Learned struct {
	Lambda  float64
	Pairs   int
	Loss    float64            // the mean pairwise logistic loss at the end (without the L2 term)
	Weights map[string]float64 // the fitted weights by name (learnFeatures)
}

// LearnWeights fits the weight set that ranks task's queries (Params.Weights for the profile
// task, Params.HistoryWeights for the history task) on in (a validation split: in.Test are the
// validation reviews), starting from and shrunk towards base, once per lambda. It returns base
// with the fitted weights, one per lambda, in the order of lambdas.
func LearnWeights(ctx context.Context, in Input, base ranker.Params, task string, lambdas []float64) ([]ranker.Params, []Learned, error) {
	history := task == TaskHistory
	set := func(p *ranker.Params) *ranker.Weights {
		if history {
			return &p.HistoryWeights
		}
		return &p.Weights
	}
	feats := learnFeatures(history)
	F := len(feats)
	rankers := make([]*ranker.Ranker, F)
	w0 := make([]float64, F)
	for j, f := range feats {
		p := base
		*set(&p) = ranker.Weights{}
		*f.field(set(&p)) = 1
		if f.name == "peer_adverse" && p.AdverseSmoothing == 0 {
			p.AdverseSmoothing = 1
		}
		r, err := ranker.New(p)
		if err != nil {
			return nil, nil, fmt.Errorf("eval: learn %s: %w", f.name, err)
		}
		rankers[j] = r
		w0[j] = *f.field(set(&base))
	}
	qs, err := Queries(task, in)
	if err != nil {
		return nil, nil, err
	}
	rng := rand.New(rand.NewPCG(15, 2023))
	var diffs [][]float64 // one per pair: f(positive) − f(negative)
	cols := make([][]float64, F)
	for qi, q := range qs {
		if qi%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, nil, err
			}
		}
		req := Request(q, K)
		for j, r := range rankers {
			s, err := r.Scores(ctx, in.Proj, in.Vecs, req)
			if err != nil {
				return nil, nil, fmt.Errorf("eval: learn: %w", err)
			}
			cols[j] = s
		}
		var pos, cand []int32
		start := map[int32]float64{}
		for x := range in.Proj.Products {
			if math.IsNaN(cols[0][x]) || q.Exclude[in.Proj.Products[x].ID] {
				continue
			}
			if q.Relevant[in.Proj.Products[x].ID] {
				pos = append(pos, int32(x))
				continue
			}
			s := 0.0
			for j := range F {
				s += w0[j] * cols[j][x]
			}
			start[int32(x)] = s
			cand = append(cand, int32(x))
		}
		if len(pos) == 0 || len(cand) == 0 {
			continue
		}
		slices.SortFunc(cand, func(a, b int32) int {
			if start[a] != start[b] {
				if start[a] > start[b] {
					return -1
				}
				return 1
			}
			return int(a - b)
		})
		negs := slices.Clone(cand[:min(learnHardNegatives, len(cand))])
		if rest := cand[len(negs):]; len(rest) > 0 {
			for range learnRandomNegatives {
				negs = append(negs, rest[rng.IntN(len(rest))])
			}
		}
		for _, p := range pos {
			for _, n := range negs {
				d := make([]float64, F)
				for j := range F {
					d[j] = cols[j][p] - cols[j][n]
				}
				diffs = append(diffs, d)
			}
		}
	}
	if len(diffs) == 0 {
		return nil, nil, fmt.Errorf("eval: learn: no validation pair for the %s task", task)
	}
	// Scale every feature to unit root mean square difference.
	scale := make([]float64, F)
	for _, d := range diffs {
		for j, v := range d {
			scale[j] += v * v
		}
	}
	for j := range scale {
		scale[j] = math.Sqrt(scale[j] / float64(len(diffs)))
		if scale[j] == 0 {
			scale[j] = 1
		}
	}
	var outP []ranker.Params
	var outL []Learned
	for _, lambda := range lambdas {
		u0 := make([]float64, F)
		for j := range F {
			u0[j] = w0[j] * scale[j]
		}
		u, loss := fitPairwise(diffs, scale, u0, lambda)
		p := base
		ws := *set(&p)
		l := Learned{Lambda: lambda, Pairs: len(diffs), Loss: loss, Weights: map[string]float64{}}
		for j, f := range feats {
			// rounded to 4 significant digits: the printed weights reproduce the run
			v := roundSig(u[j]/scale[j], 4)
			*f.field(&ws) = min(v, 100)
			l.Weights[f.name] = *f.field(&ws)
		}
		*set(&p) = ws
		if p.Validate() != nil {
			continue
		}
		outP, outL = append(outP, p), append(outL, l)
	}
	return outP, outL, nil
}

// fitPairwise minimises mean log(1 + exp(−u·d̃)) + λ/2 ‖u − u0‖² over u ≥ 0, with d̃ = d / scale,
// by accelerated projected gradient (FISTA) from u0; it returns u and the final mean loss.
func fitPairwise(diffs [][]float64, scale, u0 []float64, lambda float64) ([]float64, float64) {
	F := len(u0)
	// the logistic loss's Hessian is at most 0.25·E[d̃ d̃ᵀ], whose trace is F
	step := 1 / (0.25*float64(F) + lambda)
	u, y, prev := slices.Clone(u0), slices.Clone(u0), slices.Clone(u0)
	grad := make([]float64, F)
	t := 1.0
	lossAt := func(v []float64, g []float64) float64 {
		clear(g)
		loss := 0.0
		for _, d := range diffs {
			m := 0.0
			for j := range F {
				m += v[j] * d[j] / scale[j]
			}
			// log(1 + e^−m), stably; its derivative in m is −σ(−m)
			if m > 0 {
				loss += math.Log1p(math.Exp(-m))
			} else {
				loss += -m + math.Log1p(math.Exp(m))
			}
			s := 1 / (1 + math.Exp(m))
			for j := range F {
				g[j] -= s * d[j] / scale[j]
			}
		}
		n := float64(len(diffs))
		for j := range F {
			g[j] = g[j]/n + lambda*(v[j]-u0[j])
		}
		return loss / n
	}
	for range learnIterations {
		lossAt(y, grad)
		copy(prev, u)
		for j := range F {
			u[j] = max(0, y[j]-step*grad[j])
		}
		tNext := (1 + math.Sqrt(1+4*t*t)) / 2
		for j := range F {
			y[j] = u[j] + (t-1)/tNext*(u[j]-prev[j])
		}
		t = tNext
	}
	return u, lossAt(u, grad)
}

// roundSig rounds v to n significant digits.
func roundSig(v float64, n int) float64 {
	if v == 0 {
		return 0
	}
	p := math.Pow(10, float64(n)-math.Ceil(math.Log10(math.Abs(v))))
	return math.Round(v*p) / p
}
