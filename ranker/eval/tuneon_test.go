package eval

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// twoWeeks are two validation splits over the fixture, each with profile, history (u1-u3
// reviewed in train) and concern queries, whose relevant products differ.
func twoWeeks(t *testing.T) (a, b Split) {
	t.Helper()
	proj := fixture(t)
	week := func(rs []graph.Review, concerned ...graph.Review) []graph.Review {
		for _, r := range concerned {
			r.Concerns = []string{"acne", "dryness"}
			rs = append(rs, r)
		}
		return rs
	}
	va := week([]graph.Review{rv("d1", "p3", 5, "dry"), rv("o1", "p1", 5, "oily"), rv("u1", "p3", 5, "oily"),
		rv("u2", "p2", 4, "dry"), rv("o2", "p4", 5, "oily", "breakout"), rv("u3", "p4", 5, "oily")},
		rv("c1", "p4", 5, "oily"), rv("c2", "p2", 5, "dry"), rv("c3", "p1", 4, "oily"))
	vb := week([]graph.Review{rv("d2", "p2", 5, "dry"), rv("o3", "p4", 4, "oily"), rv("u1", "p4", 5, "oily"),
		rv("u2", "p4", 5, "dry", "irritation"), rv("d3", "p1", 5, "dry"), rv("u3", "p3", 4, "oily")},
		rv("c4", "p3", 5, "dry"), rv("c5", "p1", 5, "oily"), rv("c6", "p2", 4, "dry"))
	return Split{In: Input{Proj: proj, Train: trainReviews, Test: va}}, Split{In: Input{Proj: proj, Train: trainReviews, Test: vb}}
}

// TestTuneOnPooled: the search on two validation splits maximises the mean of both splits'
// objectives (each split's parts as TuneWith computes them on it alone), reports the first
// split's figures as TuneWith does, treats the splits alike (their order changes nothing but
// which one is reported), and takes the same steps from the feature caches (one per split)
// as with the ranker.
func TestTuneOnPooled(t *testing.T) {
	a, b := twoWeeks(t)
	ctx := context.Background()
	base := ranker.DefaultParams()
	SlowTuning = true
	slow, err := TuneOn(ctx, []Split{a, b}, base, 2)
	SlowTuning = false
	if err != nil {
		t.Fatal(err)
	}
	res, err := TuneOn(ctx, []Split{a, b}, base, 2)
	if err != nil {
		t.Fatal(err)
	}
	if res.SearchSplits != 2 || res.FeatureCaches < 2 || res.FastEvaluations == 0 || res.FastMismatch != "" {
		t.Fatalf("search splits %d, %d feature caches, %d of %d evaluations from them, mismatch %q: want 2 splits, a cache per split",
			res.SearchSplits, res.FeatureCaches, res.FastEvaluations, res.Evaluations, res.FastMismatch)
	}
	t.Logf("%d steps, %d rejected, searched objective %.4f -> %.4f", len(res.Steps), res.Rejected, res.SearchedStart, res.Searched)
	if diff := cmp.Diff(slow.Steps, res.Steps); diff != "" {
		t.Errorf("steps (-ranker +feature caches):\n%s", diff)
	}
	if diff := cmp.Diff(slow.Params, res.Params); diff != "" {
		t.Errorf("params (-ranker +feature caches):\n%s", diff)
	}

	// the searched objective is the mean of the two splits' objectives at the chosen params
	onA, err := TuneWith(ctx, a.In, res.Params, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	onB, err := TuneWith(ctx, b.In, res.Params, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []TuneResult{onA, onB} {
		for _, task := range Tasks {
			if r.ValidationQueries[task] == 0 {
				t.Fatalf("no %s query on a split: %v", task, r.ValidationQueries)
			}
		}
	}
	if want := (onA.Best + onB.Best) / 2; math.Abs(res.Searched-want) > 1e-9 {
		t.Errorf("searched objective %v, want the mean of the splits' %v and %v = %v", res.Searched, onA.Best, onB.Best, want)
	}
	if math.Abs(res.Best-onA.Best) > 1e-9 || onA.SearchSplits != 1 || onA.Searched != onA.Best {
		t.Errorf("reported objective %v, want the first split's %v (one split: searched %v over %d splits)", res.Best, onA.Best, onA.Searched, onA.SearchSplits)
	}
	approx := cmpopts.EquateApprox(0, 1e-9)
	if diff := cmp.Diff(onA.Parts, res.Parts, approx); diff != "" {
		t.Errorf("reported parts (-first split alone +pooled search):\n%s", diff)
	}

	// the other order: the same search, the other split reported
	swapped, err := TuneOn(ctx, []Split{b, a}, base, 2)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(res.Steps, swapped.Steps, approx); diff != "" {
		t.Errorf("steps (-a,b +b,a):\n%s", diff)
	}
	if diff := cmp.Diff(res.Params, swapped.Params); diff != "" {
		t.Errorf("params (-a,b +b,a):\n%s", diff)
	}
	if math.Abs(swapped.Best-onB.Best) > 1e-9 {
		t.Errorf("swapped: reported objective %v, want the now first split's %v", swapped.Best, onB.Best)
	}
}

// TestTuneOnNoSplit: no split is an error, not an empty result.
func TestTuneOnNoSplit(t *testing.T) {
	if _, err := TuneOn(context.Background(), nil, ranker.DefaultParams(), 1); err == nil {
		t.Error("TuneOn with no split: want an error")
	}
}
