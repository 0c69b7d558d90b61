package eval

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/skingraph/skingraph/ranker"
)

// Bagged search (round 11, docs/EVALUATION.md): the coordinate search on one validation period
// picks weights that vary a lot between equally good fits (±0.1 per cell, rounds 3-7). Bag runs
// the search B times, each on a bootstrap resample of the validation queries, and averages the
// B chosen weight sets element-wise: an average of weight sets is a weight set (every score
// stays a sum of contributions), and the spread of the B sets measures the selection noise.

// Resample draws len(qs) queries from qs with replacement (a bootstrap resample), from a
// random source seeded by seed and the task (each task of a split draws its own stream): the
// same seed gives the same draw. The drawn queries keep qs's order of first index, so a
// resample of a sorted query list is sorted the same way.
func Resample(qs []Query, seed int64, task string) []Query {
	if len(qs) == 0 {
		return nil
	}
	stream := uint64(slices.Index(Tasks, task) + 1)
	rng := rand.New(rand.NewPCG(uint64(seed), stream))
	idx := make([]int, len(qs))
	for i := range idx {
		idx[i] = rng.IntN(len(qs))
	}
	slices.Sort(idx)
	out := make([]Query, len(qs))
	for i, j := range idx {
		out[i] = qs[j]
	}
	return out
}

// BagSeed is the seed of resample b (1-based) of validation split s (0 the validation split,
// 1 the week before it) in evaluation window w (1-based): 1000·w + 100·s + b, fixed so that a
// run is reproducible and every resample draws its own queries.
func BagSeed(w, s, b int) int64 { return int64(1000*w + 100*s + b) }

// Resampled returns splits with each split's validation queries resampled (Split.Bootstrap),
// split s seeded by seed(s).
func Resampled(splits []Split, seed func(s int) int64) []Split {
	out := slices.Clone(splits)
	for s := range out {
		out[s].Bootstrap, out[s].Seed = true, seed(s)
	}
	return out
}

// BagSpread is one tunable parameter's values over the resamples' searches and the value the
// bag chose: their mean for a family weight, else the value chosen most often (BagParams).
type BagSpread struct {
	Param    string
	Values   []float64 // resample by resample
	Min, Max float64
	Chosen   float64
	Mean     bool // Chosen is the mean (a family weight), not a vote
}

// String is "param chosen [min, max] (v1 v2 ...)".
func (s BagSpread) String() string {
	vs := make([]string, len(s.Values))
	for i, v := range s.Values {
		vs[i] = fmt.Sprintf("%.4g", v)
	}
	how := "vote"
	if s.Mean {
		how = "mean"
	}
	return fmt.Sprintf("%s %.4g (%s) [%.4g, %.4g] (%s)", s.Param, s.Chosen, how, s.Min, s.Max, strings.Join(vs, " "))
}

// weightTunable says whether tunable name is a family weight (of one of the three weight sets),
// which the bag averages; the others (half-lives, the item-item λ, smoothing, the popularity
// share, the attribute weights: values of small fixed grids or shared by the weight sets) are
// voted on.
func weightTunable(name string) bool {
	return strings.HasPrefix(name, "weights.") || strings.HasPrefix(name, "history_weights.") || strings.HasPrefix(name, "concern_weights.")
}

// BagParams combines the parameters the resamples' searches chose (rs) into one set: full's
// (the search on the whole validation queries), with every family weight of every weight set
// replaced by its mean over rs, and every other tunable parameter by the value chosen most
// often in rs; when several values tie for most often, full's value if it is one of them, else
// the median of rs's values (the lower middle one for an even count). Parameters the search
// does not move are full's. spread lists every tunable parameter whose values differ between
// the resamples or whose chosen value differs from full's, in the search's order.
func BagParams(full ranker.Params, rs []ranker.Params) (ranker.Params, []BagSpread, error) {
	if len(rs) == 0 {
		return full, nil, nil
	}
	out := full
	if full.ConcernWeights != nil {
		out.SetConcernWeights(*full.ConcernWeights) // out's own copy
	}
	rs = slices.Clone(rs)
	var spread []BagSpread
	for _, t := range tunables {
		if !movable(t.name, full) {
			continue
		}
		s := BagSpread{Param: t.name, Mean: weightTunable(t.name)}
		for i := range rs {
			s.Values = append(s.Values, *t.ptr(&rs[i]))
		}
		s.Min, s.Max = slices.Min(s.Values), slices.Max(s.Values)
		fullV := *t.ptr(&full)
		if s.Mean {
			sum := 0.0
			for _, v := range s.Values {
				sum += v
			}
			s.Chosen = sum / float64(len(s.Values))
		} else {
			s.Chosen = vote(s.Values, fullV)
		}
		*t.ptr(&out) = s.Chosen
		if s.Min != s.Max || s.Chosen != fullV {
			spread = append(spread, s)
		}
	}
	if err := out.Validate(); err != nil {
		return ranker.Params{}, nil, fmt.Errorf("eval: bag: the averaged parameters: %w", err)
	}
	return out, spread, nil
}

// vote is the value of vs chosen most often; on a tie, def when it is among the most chosen,
// else the median of vs (the lower middle one for an even count).
func vote(vs []float64, def float64) float64 {
	count := map[float64]int{}
	top := 0
	for _, v := range vs {
		count[v]++
		top = max(top, count[v])
	}
	var modes []float64
	for v, c := range count {
		if c == top {
			modes = append(modes, v)
		}
	}
	if len(modes) == 1 {
		return modes[0]
	}
	if slices.Contains(modes, def) {
		return def
	}
	sorted := slices.Sorted(slices.Values(vs))
	return sorted[(len(sorted)-1)/2]
}

// BagResult is what Bag chose and why.
type BagResult struct {
	Params    ranker.Params   // BagParams of the resamples' searches
	Resamples []ranker.Params // each resample's search's choice, resample by resample
	Spread    []BagSpread
	// set by the caller (skingraph eval): the number of resamples, the full-data search's
	// choice and the searched objective (TuneResult.Searched) of it and of Params on the whole
	// validation queries
	B                      int
	Full                   ranker.Params
	FullSearched, Searched float64
}

// BagConcurrency is how many resamples' searches Bag runs at once (each ranks on the feature
// caches of its own resample; with the ranker, each search's engine runs use up to GOMAXPROCS
// goroutines themselves).
var BagConcurrency = 1

// Bag runs search on b bootstrap resamples of splits' validation queries (resample i, 1-based,
// split s seeded by seed(i, s)) and combines the b chosen parameter sets with BagParams around
// full, the search's choice on the whole queries. search is the whole selection whose noise the
// bag averages (in skingraph eval, every winning start's coordinate search and their join);
// it must depend on nothing but its splits. b = 0 returns full unchanged.
func Bag(ctx context.Context, splits []Split, full ranker.Params, b int, seed func(i, s int) int64,
	search func(context.Context, []Split) (ranker.Params, error)) (BagResult, error) {
	if b <= 0 {
		return BagResult{Params: full}, nil
	}
	rs := make([]ranker.Params, b)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(BagConcurrency, 1))
	for i := range b {
		g.Go(func() error {
			p, err := search(gctx, Resampled(splits, func(s int) int64 { return seed(i+1, s) }))
			if err != nil {
				return fmt.Errorf("eval: bag: resample %d: %w", i+1, err)
			}
			rs[i] = p
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return BagResult{}, err
	}
	p, spread, err := BagParams(full, rs)
	if err != nil {
		return BagResult{}, err
	}
	return BagResult{Params: p, Resamples: rs, Spread: spread}, nil
}
