package eval

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// TestFitPairwise: on pairs where feature 0 always favours the positive, feature 1 is noise
// and feature 2 always favours the negative, the fit puts weight on feature 0, none on
// feature 2 (the bound), and the same weights every run.
func TestFitPairwise(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var diffs [][]float64
	for range 200 {
		diffs = append(diffs, []float64{0.5 + rng.Float64(), rng.Float64()*2 - 1, -0.2 - rng.Float64()})
	}
	scale := []float64{1, 1, 1}
	u, loss := fitPairwise(diffs, scale, []float64{0, 0, 0}, 0.001)
	if u[0] <= 1 || u[2] != 0 || u[1] > u[0]/4 {
		t.Errorf("weights %v: want a large weight on feature 0, little on the noise, none on feature 2", u)
	}
	if loss >= 0.693 {
		t.Errorf("loss %v, want below log 2 (the loss at zero weights)", loss)
	}
	again, _ := fitPairwise(diffs, scale, []float64{0, 0, 0}, 0.001)
	if diff := cmp.Diff(u, again); diff != "" {
		t.Errorf("not deterministic (-first +second):\n%s", diff)
	}
	// a strong L2 keeps the weights at the start
	held, _ := fitPairwise(diffs, scale, []float64{0.3, 0.3, 0.3}, 1e6)
	for j, v := range held {
		if v < 0.2999 || v > 0.3001 {
			t.Errorf("lambda 1e6: weight %d = %v, want 0.3", j, v)
		}
	}
}

// TestLearnWeights: on the fixture's validation split the learner returns one valid weight
// set per lambda, each with every fitted weight non-negative, the other numbers unchanged,
// and LearnAndRefine never makes the validation objective worse.
func TestLearnWeights(t *testing.T) {
	proj := fixture(t)
	valid := []graph.Review{rv("d1", "p3", 5, "dry"), rv("o1", "p1", 5, "oily"), rv("u1", "p3", 5, "oily")}
	in := Input{Proj: proj, Train: trainReviews, Test: valid}
	base := ranker.DefaultParams()
	for _, task := range []string{TaskProfile, TaskHistory} {
		ps, ls, err := LearnWeights(context.Background(), in, base, task, LearnLambdas)
		if err != nil {
			t.Fatalf("%s: %v", task, err)
		}
		if len(ps) != len(LearnLambdas) || len(ls) != len(LearnLambdas) {
			t.Fatalf("%s: %d fits, want %d", task, len(ps), len(LearnLambdas))
		}
		for i, p := range ps {
			if err := p.Validate(); err != nil {
				t.Errorf("%s lambda %g: %v", task, ls[i].Lambda, err)
			}
			if p.Smoothing != base.Smoothing || p.RecentHalfLifeDays != base.RecentHalfLifeDays {
				t.Errorf("%s: the learner moved a number that is not a weight", task)
			}
			if task == TaskProfile && p.HistoryWeights != base.HistoryWeights || task == TaskHistory && p.Weights != base.Weights {
				t.Errorf("%s: the learner moved the other kind of request's weights", task)
			}
			if ls[i].Pairs == 0 {
				t.Errorf("%s: no pairs", task)
			}
		}
		again, _, err := LearnWeights(context.Background(), in, base, task, LearnLambdas)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ps[0].Weights, again[0].Weights); diff != "" {
			t.Errorf("%s: not deterministic (-first +second):\n%s", task, diff)
		}
	}
	defer func() { FixedColdStart = true }()
	for _, fixed := range []bool{false, true} {
		FixedColdStart = fixed
		from := base
		if fixed {
			from = WithFixedColdStart(base)
		}
		start, err := Tune(context.Background(), in, from, 1)
		if err != nil {
			t.Fatal(err)
		}
		got, trials, err := LearnAndRefine(context.Background(), in, start, nil, 1)
		if err != nil {
			t.Fatal(err)
		}
		want := 2 * len(LearnLambdas) // a fit per lambda for each weight set
		if fixed {
			want = len(LearnLambdas) // the history set's only: the cold-start set is fixed
			for _, tr := range trials {
				if tr.Task == TaskProfile {
					t.Errorf("fixed cold start: the learner fitted the cold-start set")
				}
			}
			if got.Params.Weights != ColdStartEnsemble() {
				t.Errorf("fixed cold start: the cold-start set moved to %+v", got.Params.Weights)
			}
		}
		if got.Best < start.Best || len(trials) != want {
			t.Errorf("fixed cold start %v: objective %.4f -> %.4f with %d trials, want no worse and %d trials", fixed, start.Best, got.Best, len(trials), want)
		}
	}
}

func TestScalesStart(t *testing.T) {
	for _, tt := range []struct {
		h    float64
		want int
	}{{0.5, 0}, {1, 0}, {2, 1}, {5, 2}, {10, 3}, {14, 3}, {21, 4}, {30, 4}, {60, 4}, {0, 4}} {
		if got := nearestScale(tt.h); got != tt.want {
			t.Errorf("nearestScale(%g) = %d, want %d", tt.h, got, tt.want)
		}
	}
	st := ScalesStart(ranker.DefaultParams(), 14, 1)
	want := ranker.Weights{ConcernFit: 1, Claim: 0.15}
	want.RecentScales[3] = 1
	if diff := cmp.Diff(want, st.Params.Weights); diff != "" {
		t.Errorf("cold-start weights (-want +got):\n%s", diff)
	}
	if st.Params.HistoryWeights.RecentScales[0] != 1 || st.Params.HistoryWeights.CoReview != 1 || !usesScales(st.Params) {
		t.Errorf("history weights %+v: want co-review and the 1-day scale", st.Params.HistoryWeights)
	}
}

func TestItemItemStartAndCombine(t *testing.T) {
	tuned := map[string][]TunedBaseline{
		TaskProfile: {{Name: "recent_popularity", Setting: Setting{HalfLife: 14, Positive: true}}},
		TaskHistory: {
			{Name: "recent_popularity", Setting: Setting{HalfLife: 3}, Validation: Metrics{NDCG: 0.20}},
			{Name: "recent_popularity_skin_type", Setting: Setting{HalfLife: 1, Positive: true}, Validation: Metrics{NDCG: 0.25}},
			{Name: "ease", Setting: Setting{Lambda: 30, Positive: true}, Validation: Metrics{NDCG: 0.30}},
		},
	}
	st, ok := ItemItemStart(ranker.DefaultParams(), tuned)
	if !ok {
		t.Fatal("ItemItemStart: not ok with every baseline tuned")
	}
	want := ranker.Weights{ConcernFit: 1, Claim: 0.15, ItemItem: 1}
	want.PeerRecentScales[0] = 1 // recent_popularity_skin_type was the better recency baseline, 1 d
	if diff := cmp.Diff(want, st.Params.HistoryWeights); diff != "" {
		t.Errorf("history weights (-want +got):\n%s", diff)
	}
	if st.Params.ItemItemLambda != 30 || st.Params.Weights.RecentScales[3] != 1 || st.Name != "item_item" {
		t.Errorf("start %q: λ %g, cold-start scales %v; want item_item, ease's λ 30 and the 14-day scale", st.Name, st.Params.ItemItemLambda, st.Params.Weights.RecentScales)
	}
	if _, ok := ItemItemStart(ranker.DefaultParams(), map[string][]TunedBaseline{TaskProfile: tuned[TaskProfile]}); ok {
		t.Error("ItemItemStart without history baselines: ok, want false")
	}

	cold := ranker.DefaultParams()
	cold.Smoothing = 77
	got := Combine(cold, st.Params)
	if got.Smoothing != 77 || got.Weights != cold.Weights || got.HistoryWeights != st.Params.HistoryWeights || got.ItemItemLambda != 30 ||
		got.HistoryRecentHalfLifeDays != st.Params.HistoryRecentHalfLifeDays {
		t.Errorf("Combine = %+v: want cold's shared numbers and weights, the other's history weights, half-life and λ", got)
	}
}
