package eval

import (
	"context"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mathext"

	"github.com/skingraph/skingraph/ranker"
)

// A harm probe prototypes a harm guard on a validation split, like Probe does a candidate
// signal (probe.go): the tuned engine's score minus a guard, for a few guard strengths, and
// both what it costs (NDCG@10, paired z) and what it buys (harm_excess@10 against the
// relevant products' own). Nothing is chosen from it; it says which guard is worth a family
// (docs/EVALUATION.md, round 9).

// HarmProbeResult is one guard at one strength on one task of one validation split.
type HarmProbeResult struct {
	Task, Guard string
	Queries     int
	Relevant    float64 // the relevant products' harm_excess@10 (the goal)
	Base        Metrics // the engine alone
	ByWeight    map[float64]Metrics
	ZByWeight   map[float64]float64 // NDCG@10 gain over its standard error (negative: a cost)
}

func (r HarmProbeResult) String() string {
	var by []string
	for _, w := range slices.Sorted(maps.Keys(r.ByWeight)) {
		m := r.ByWeight[w]
		by = append(by, fmt.Sprintf("%g: ndcg %+.4f (z %.2f) harm_excess %.4f", w, m.NDCG-r.Base.NDCG, r.ZByWeight[w], m.HarmExcess))
	}
	return fmt.Sprintf("%s %s: %d queries, relevant harm_excess %.4f, engine ndcg %.4f harm_excess %.4f; %s",
		r.Task, r.Guard, r.Queries, r.Relevant, r.Base.NDCG, r.Base.HarmExcess, strings.Join(by, "; "))
}

// harmEvidence is a product's train breakout-and-irritation evidence for one skin type.
type harmEvidence struct {
	beta float64 // the catalogue rate over every train review
	// by skin type ("" every reviewer), by product index: reviews and harmful reviews
	n, b map[string][]float64
}

func newHarmEvidence(d *Data, in Input) harmEvidence {
	nP := len(in.Proj.Products)
	h := harmEvidence{n: map[string][]float64{}, b: map[string][]float64{}}
	add := func(st string, x int, bad bool) {
		if h.n[st] == nil {
			h.n[st], h.b[st] = make([]float64, nP), make([]float64, nP)
		}
		h.n[st][x]++
		if bad {
			h.b[st][x]++
		}
	}
	var n, b float64
	for _, r := range in.Train {
		x, ok := in.Proj.ProductIndex(r.ProductID)
		if !ok {
			continue
		}
		bad := IsHarmful(r)
		add("", int(x), bad)
		if r.SkinType != "" {
			add(r.SkinType, int(x), bad)
		}
		n++
		if bad {
			b++
		}
	}
	if n > 0 {
		h.beta = b / n
	}
	return h
}

// rates returns x's rate over every skin type shrunk towards beta with m pseudo-reviews, and
// its rate among st shrunk towards that, with the skin type's counts.
func (h harmEvidence) rates(x int32, st string, m float64) (product, peer, n, b float64) {
	var N, B float64
	if h.n[""] != nil {
		N, B = h.n[""][x], h.b[""][x]
	}
	product = (B + m*h.beta) / (N + m)
	if h.n[st] != nil {
		n, b = h.n[st][x], h.b[st][x]
	}
	peer = (b + m*product) / (n + m)
	return product, peer, n, b
}

// harmGuard is one guard the harm probe tries: h returns, for a query's skin type, h(x) ≥ 0,
// the harm evidence the guard subtracts; scaled says whether the subtracted amount is
// w · max(0, engine score) · h(x) (a share of the score withheld) rather than w · h(x).
type harmGuard struct {
	name    string
	scaled  bool
	weights []float64
	h       func(ev harmEvidence, st string) func(x int32) float64
}

// harmGuards are the guards of the harm probe (docs/EVALUATION.md, round 9).
func harmGuards() []harmGuard {
	excess := func(m float64) func(ev harmEvidence, st string) func(int32) float64 {
		return func(ev harmEvidence, st string) func(int32) float64 {
			return func(x int32) float64 {
				_, peer, _, _ := ev.rates(x, st, m)
				return max(0, peer-ev.beta) / ev.beta
			}
		}
	}
	// the posterior probability that x's rate among st is above the catalogue's: a Beta
	// prior centred on x's overall shrunk rate with m pseudo-reviews, updated by st's counts
	prob := func(m float64) func(ev harmEvidence, st string) func(int32) float64 {
		return func(ev harmEvidence, st string) func(int32) float64 {
			return func(x int32) float64 {
				product, _, n, b := ev.rates(x, st, m)
				a, c := b+m*product, n-b+m*(1-product)
				return 1 - mathext.RegIncBeta(a, c, ev.beta)
			}
		}
	}
	lin := []float64{0.03, 0.1, 0.3, 1, 3}
	share := []float64{0.1, 0.25, 0.5, 0.75, 1}
	return []harmGuard{
		{"excess_m50", false, lin, excess(50)},
		{"excess_m10", false, lin, excess(10)},
		{"prob_m20", false, lin, prob(20)},
		{"share_excess_m50", true, share, excess(50)},
		{"share_prob_m20", true, share, prob(20)},
		{"share_prob_m50", true, share, prob(50)},
	}
}

// HarmProbe ranks in's test queries (a validation split) with the engine at p minus each
// guard at each strength and reports NDCG@10 and harm_excess@10.
func HarmProbe(ctx context.Context, in Input, p ranker.Params) ([]HarmProbeResult, error) {
	r, err := ranker.New(p)
	if err != nil {
		return nil, err
	}
	d := NewData(in.Proj, in.Train)
	ev := newHarmEvidence(d, in)
	if ev.beta == 0 {
		return nil, nil
	}
	harm := NewHarmIndex(in.Test)
	var out []HarmProbeResult
	err = forEachTask(in, func(task string, qs []Query) error {
		rel, err := Evaluate(ctx, relevantOnly{}, qs, harm, d.Catalogue())
		if err != nil {
			return err
		}
		scores, err := engineScores(ctx, r, in, qs)
		if err != nil {
			return err
		}
		for _, g := range harmGuards() {
			hs := make([]func(int32) float64, len(qs))
			for i, q := range qs {
				if q.SkinType != "" {
					hs[i] = g.h(ev, q.SkinType)
				}
			}
			run := func(w float64) (Metrics, []float64) {
				lists := make([][]string, len(qs))
				for i, q := range qs {
					var f func(int32) float64
					if hs[i] != nil && w != 0 {
						h := hs[i]
						s := scores[i]
						if g.scaled {
							f = func(x int32) float64 { return -max(0, s[x]) * h(x) }
						} else {
							f = func(x int32) float64 { return -h(x) }
						}
					}
					lists[i] = blendList(in, q, scores[i], f, w)
				}
				res := aggregate("engine", qs, lists, harm, d.Catalogue())
				return res.Overall, res.PerQueryNDCG
			}
			base, basePQ := run(0)
			hr := HarmProbeResult{Task: task, Guard: g.name, Queries: len(qs), Relevant: rel.Overall.HarmExcess, Base: base,
				ByWeight: map[float64]Metrics{}, ZByWeight: map[float64]float64{}}
			for _, w := range g.weights {
				m, pq := run(w)
				hr.ByWeight[w], hr.ZByWeight[w] = m, pairedZ(pq, basePQ)
			}
			out = append(out, hr)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// blendList is q's top K by s + w·f (the ranker's order), as product ids.
func blendList(in Input, q Query, s []float64, f func(int32) float64, w float64) []string {
	var top []scored
	for x, v := range s {
		if math.IsNaN(v) || q.Exclude[in.Proj.Products[x].ID] {
			continue
		}
		if f != nil {
			v += w * f(int32(x))
		}
		top = keepTop(top, scored{x, v}, K, byScore)
	}
	ids := make([]string, len(top))
	for i, t := range top {
		ids[i] = in.Proj.Products[t.c].ID
	}
	return ids
}
