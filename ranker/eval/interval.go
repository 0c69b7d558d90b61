package eval

import (
	"math/rand/v2"
	"slices"
)

// GoalRatio is issue 15's goal by task: the engine's NDCG@10 over the best baseline's.
var GoalRatio = map[string]float64{TaskProfile: 1.02, TaskHistory: 1.10, TaskConcern: 1.10}

// RatioResamples is how many bootstrap resamples RatioCI draws.
const RatioResamples = 2000

// RatioCI is the uncertainty of one system's mean over another's on the same queries (the
// engine's NDCG@10 over the best baseline's): the 95 % paired bootstrap percentile interval of
// the ratio, and the share of resamples at or above a goal. The test queries are a sample of
// the people who will ask; the interval says how far another sample of the same size could
// move the ratio, not how far another choice of weights could (that is the selection noise of
// docs/EVALUATION.md, on top of it).
type RatioCI struct {
	Ratio  float64 `json:"ratio"`
	Lo     float64 `json:"ci95_lo"`
	Hi     float64 `json:"ci95_hi"`
	Goal   float64 `json:"goal"`
	AtGoal float64 `json:"share_at_goal"` // the share of resamples whose ratio is >= Goal
}

// BootstrapRatio is RatioCI of mean(a) / mean(b), where a[i] and b[i] are two systems'
// figures on query i: RatioResamples draws of len(a) queries with replacement (the same
// draw for both systems, so the interval is paired), from a PCG source seeded by seed. A
// draw whose b sums to 0 has no ratio and is left out. ok is false with fewer than 2
// queries, unequal lengths, or b summing to 0.
func BootstrapRatio(a, b []float64, goal float64, seed uint64) (RatioCI, bool) {
	n := len(a)
	if n < 2 || len(b) != n {
		return RatioCI{}, false
	}
	var sa, sb float64
	for i := range n {
		sa, sb = sa+a[i], sb+b[i]
	}
	if sb == 0 {
		return RatioCI{}, false
	}
	out := RatioCI{Ratio: sa / sb, Goal: goal}
	rng := rand.New(rand.NewPCG(seed, uint64(n)))
	ratios := make([]float64, 0, RatioResamples)
	atGoal := 0
	for range RatioResamples {
		var ra, rb float64
		for range n {
			q := rng.IntN(n)
			ra, rb = ra+a[q], rb+b[q]
		}
		if rb == 0 {
			continue
		}
		r := ra / rb
		ratios = append(ratios, r)
		if r >= goal {
			atGoal++
		}
	}
	if len(ratios) == 0 {
		return RatioCI{}, false
	}
	slices.Sort(ratios)
	out.Lo, out.Hi = quantile(ratios, 0.025), quantile(ratios, 0.975)
	out.AtGoal = float64(atGoal) / float64(len(ratios))
	return out, true
}

// quantile is the q-quantile of sorted xs, interpolated linearly between order statistics.
func quantile(xs []float64, q float64) float64 {
	pos := q * float64(len(xs)-1)
	i := int(pos)
	if i >= len(xs)-1 {
		return xs[len(xs)-1]
	}
	f := pos - float64(i)
	return xs[i]*(1-f) + xs[i+1]*f
}

// AgainstBest is the engine's NDCG@10 over the best baseline's (BestBaseline; inPeriod leaves
// out the baselines that read data written after the test period), with its RatioCI against
// the task's GoalRatio, from the per-query NDCG@10 of both on the task's queries. ok is false
// when there is no baseline or the interval cannot be drawn.
func (t TaskReport) AgainstBest(inPeriod bool) (best SystemResult, ci RatioCI, ok bool) {
	best, _ = t.BestBaseline(inPeriod)
	if best.Name == "" {
		return best, RatioCI{}, false
	}
	ci, ok = BootstrapRatio(t.Engine.PerQueryNDCG, best.PerQueryNDCG, GoalRatio[t.Task], ratioSeed(t.Task))
	return best, ci, ok
}

// ratioSeed fixes the bootstrap's draws per task, so that a report is reproducible.
func ratioSeed(task string) uint64 { return uint64(15_000 + slices.Index(Tasks, task)) }
