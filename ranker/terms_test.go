package ranker

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/sourcegraph/conc"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loadgen"
)

// termsRequests are bench's request mix, each also with a liked and a disliked product half
// the time (history requests have weights and a population of their own).
func termsRequests(p *graph.Projection, n int, seed uint64) []Request {
	rng := rand.New(rand.NewPCG(seed, 5))
	reqs := make([]Request, n)
	for i := range reqs {
		reqs[i] = toRankerRequest(loadgen.RandomRequest(rng, "none"))
		if rng.IntN(2) == 0 {
			reqs[i].Profile.LikedProducts = []string{p.Products[rng.IntN(len(p.Products))].ID}
			reqs[i].Profile.DislikedProducts = []string{p.Products[rng.IntN(len(p.Products))].ID}
		}
		switch i % 5 {
		case 0:
			reqs[i].Filters = Filters{} // every product a candidate
		case 1:
			reqs[i].Filters.Brands = []string{p.Products[rng.IntN(len(p.Products))].Brand, p.Products[rng.IntN(len(p.Products))].Brand}
		}
	}
	return reqs
}

// TestEveryScoreIsTheSumOfItsReasons: with the families precomputed per attribute
// (terms.go), every product's score (not only the first page's) equals the sum of the
// reasons explain enumerates path by path, for the request mix of bench over a gen catalogue
// with reviews of every skin attribute, under two weight sets; and Rank reports the counts
// and the excluded products plan.eligible gives product by product.
func TestEveryScoreIsTheSumOfItsReasons(t *testing.T) {
	p := genProjection(t, 1500, 12000, func(l *graph.Load) {
		for i := range l.Products {
			l.Products[i].OutOfStock = i%37 == 0 // some out of stock: excluded with a reason
		}
	})
	nonDefault := DefaultParams()
	nonDefault.Weights.Safety, nonDefault.Weights.Claim, nonDefault.Weights.PeerVolume = 1.7, 0.6, 0.05
	nonDefault.HistoryWeights = nonDefault.Weights
	nonDefault.HistoryWeights.ConcernFit, nonDefault.HistoryWeights.CoReview = 0.4, 1.3
	nonDefault.AttrWeight.SkinTone, nonDefault.AttrWeight.Concern = 0.45, 0.3
	nonDefault.LikedPopulationScale = 0.6
	for name, params := range map[string]Params{"default": DefaultParams(), "non-default": nonDefault} {
		t.Run(name, func(t *testing.T) {
			r, err := New(params)
			if err != nil {
				t.Fatal(err)
			}
			checked, withExclusions, nonZero := 0, 0, map[string]int{}
			for _, req := range termsRequests(p, 24, 3) {
				scores, err := r.Scores(context.Background(), p, nil, req)
				if err != nil {
					t.Fatal(err)
				}
				res, err := r.Rank(context.Background(), p, nil, req)
				if err != nil {
					t.Fatal(err)
				}
				buf := getBuffers(len(p.Products), len(p.Ingredients))
				pl := compile(p, nil, r.params, req, buf, r.ingredientsFor(p))
				pl.priors = r.priorsFor(pl)
				eligible, excluded := 0, 0
				var firstExcluded, gotExcluded []string
				for x := range scores {
					ok, ex := pl.eligible(int32(x))
					eligible += b2i(ok)
					excluded += b2i(ex)
					if ex && len(firstExcluded) < MaxExclusions {
						firstExcluded = append(firstExcluded, p.Products[x].ID)
					}
				}
				for _, e := range res.Excluded {
					gotExcluded = append(gotExcluded, e.ProductID)
				}
				// Rank's selection pass inlines plan.eligible: the counts and the excluded
				// products listed must be plan.eligible's, product by product
				if res.Total != eligible || res.ExcludedCount != excluded {
					t.Errorf("request %+v %+v: Rank counted %d eligible, %d excluded; plan.eligible %d, %d", req.Profile, req.Filters, res.Total, res.ExcludedCount, eligible, excluded)
				}
				if d := cmp.Diff(firstExcluded, gotExcluded); d != "" {
					t.Errorf("request %+v: the excluded products listed differ (-plan.eligible +Rank):\n%s", req.Profile, d)
				}
				if excluded > 0 {
					withExclusions++
				}
				for x, s := range scores {
					if math.IsNaN(s) {
						continue
					}
					sum := 0.0
					for _, w := range pl.explain(int32(x), true) {
						sum += w.Contribution
						if w.Contribution != 0 {
							nonZero[w.Kind]++
						}
					}
					if math.Abs(sum-s) > 1e-9 {
						t.Fatalf("profile %+v, product %s: score %.15g, sum of its reasons %.15g", req.Profile, p.Products[x].ID, s, sum)
					}
					checked++
				}
				putBuffers(buf)
			}
			for _, k := range []string{KindConcernFit, KindClaim, KindPeer, KindSafety, KindPrior} {
				if nonZero[k] == 0 {
					t.Errorf("no product has a non-zero %s reason: the requests do not exercise it", k)
				}
			}
			if withExclusions < 20 {
				t.Errorf("only %d requests exclude a product: the exclusion counts are barely exercised", withExclusions)
			}
			if checked < 10_000 {
				t.Errorf("only %d scores checked", checked)
			}
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestTermsComputedConcurrentlyAgree: requests racing on a new projection (each computing the
// attribute terms it finds missing) rank exactly as the same requests one by one.
func TestTermsComputedConcurrentlyAgree(t *testing.T) {
	p := syntheticProjection(t, 4000, 11)
	reqs := termsRequests(p, 32, 8)
	for i := range reqs {
		reqs[i].Explain = ExplainSummary
	}
	sequential, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	want := make([]Result, len(reqs))
	for i, req := range reqs {
		if want[i], err = sequential.Rank(context.Background(), p, nil, req); err != nil {
			t.Fatal(err)
		}
		want[i].Elapsed = 0
	}
	racing, _ := New(DefaultParams())
	got := make([]Result, len(reqs))
	errs := make([]error, len(reqs))
	var wg conc.WaitGroup
	for i, req := range reqs {
		wg.Go(func() {
			got[i], errs[i] = racing.Rank(context.Background(), p, nil, req)
			got[i].Elapsed = 0
		})
	}
	wg.Wait()
	for i := range reqs {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if d := cmp.Diff(want[i], got[i]); d != "" {
			t.Errorf("request %d (%s) differs when racing (-one by one +racing):\n%s", i, fmt.Sprint(reqs[i].Profile), d)
		}
	}
}

// TestPrepareComputesEveryTerm: after Prepare, every kind's priors and every skin type's,
// tone's and concern's terms are ready, and ranking on them gives what a ranker that
// computes them on demand gives.
func TestPrepareComputesEveryTerm(t *testing.T) {
	p := syntheticProjection(t, 3000, 4)
	params := DefaultParams()
	concernSet := params.Weights
	concernSet.ConcernFit, concernSet.Claim = 2.5, 0.9
	params.SetConcernWeights(concernSet)
	prepared, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	prepared.Prepare(context.Background(), p)
	for kind := range prepared.priorCache {
		pri := prepared.priorCache[kind].Load()
		if pri == nil || pri.proj != p {
			t.Fatalf("kind %d: no priors for the projection", kind)
		}
		for slot := range pri.terms.bases {
			if !pri.terms.bases[slot].done.Load() {
				t.Errorf("kind %d: the base vector of slot %d is not ready", kind, slot)
			}
		}
		for a, o := range pri.terms.attrs {
			if !o.done.Load() {
				t.Errorf("kind %d: the terms of %v are not ready", kind, a)
			}
		}
	}
	onDemand, _ := New(params)
	for i, req := range termsRequests(p, 24, 6) {
		got, err := prepared.Rank(context.Background(), p, nil, req)
		if err != nil {
			t.Fatal(err)
		}
		want, err := onDemand.Rank(context.Background(), p, nil, req)
		if err != nil {
			t.Fatal(err)
		}
		got.Elapsed, want.Elapsed = 0, 0
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("request %d ranks differently when prepared (-on demand +prepared):\n%s", i, d)
		}
	}
}
