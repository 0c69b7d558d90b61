package eval

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// timedReviews: the latest review is on day; ages in days in brackets.
//
//	u1 (oily): p1 5★ [4], p2 4★ [0]
//	u2 (dry):  p1 5★ [4], p3 2★ [0]
//	u3 (oily): p2 5★ [2]
var timedReviews = []graph.Review{
	{Reviewer: "u1", ProductID: "p1", Rating: 5, SkinType: "oily", At: day.AddDate(0, 0, -4)},
	{Reviewer: "u1", ProductID: "p2", Rating: 4, SkinType: "oily", At: day},
	{Reviewer: "u2", ProductID: "p1", Rating: 5, SkinType: "dry", At: day.AddDate(0, 0, -4)},
	{Reviewer: "u2", ProductID: "p3", Rating: 2, SkinType: "dry", At: day},
	{Reviewer: "u3", ProductID: "p2", Rating: 5, SkinType: "oily", At: day.Add(-48 * time.Hour)},
}

func TestStrongBaselines(t *testing.T) {
	d := NewData(fixture(t), timedReviews)
	h2 := Setting{HalfLife: 2}
	h2pos := Setting{HalfLife: 2, Positive: true}
	hist := func(ids ...string) Query {
		ex := map[string]bool{}
		for _, id := range ids {
			ex[id] = true
		}
		return Query{Task: TaskHistory, Exclude: ex}
	}
	tests := []struct {
		name string
		rec  Recommender
		q    Query
		want []string
	}{
		// h = 2: p1 2·2^-2 = 0.5, p2 1 + 2^-1 = 1.5, p3 1; p4, p5 0 (popularity order).
		{"recency, all reviews", recency{d: d, s: h2}, Query{}, []string{"p2", "p3", "p1", "p4", "p5"}},
		// positive only: p3's 2★ review does not count; p3 ties p4 and p5 at 0, first by popularity.
		{"recency, positive reviews", recency{d: d, s: h2pos}, Query{}, []string{"p2", "p1", "p3", "p4", "p5"}},
		// dry reviewers: p1 0.25, p3 1; the rest by popularity (p1 and p2 have 2 train reviews,
		// Sephora's 100 reviews put p1 first).
		{"recency within dry skin", recency{d: d, s: h2, bySkinType: true}, Query{SkinType: "dry"}, []string{"p3", "p1", "p2", "p4", "p5"}},
		// no skin type: every reviewer.
		{"recency within no skin type", recency{d: d, s: h2, bySkinType: true}, Query{}, []string{"p2", "p3", "p1", "p4", "p5"}},
		// λ = 1: G = XᵀX + I = [[3,1,1],[1,3,0],[1,0,2]]; B (exact fractions) has row p2
		// (p1 1/3, p3 −1/8) and row p3 (p1 1/2, p2 −1/5): a negative weight ranks below 0.
		{"EASE^R from p2", ease{d: d, s: Setting{Lambda: 1}}, hist("p2"), []string{"p1", "p4", "p5", "p3"}},
		{"EASE^R from p3", ease{d: d, s: Setting{Lambda: 1}}, hist("p3"), []string{"p1", "p4", "p5", "p2"}},
		// from p1 (deg 2), through u1 and u2 (deg 2 each): p2 and p3 get 1/2 · 1/2 each; β = 0
		// ties them (popularity: p2 first), β = 1 divides by deg 2 and 1.
		{"RP3beta beta 0", rp3beta{d: d, s: Setting{Alpha: 1}}, hist("p1"), []string{"p2", "p3", "p4", "p5"}},
		{"RP3beta beta 1", rp3beta{d: d, s: Setting{Alpha: 1, Beta: 1}}, hist("p1"), []string{"p3", "p2", "p4", "p5"}},
		// sim(p1, p2) = 1/(√(2·2) + 1) = 1/3, sim(p1, p3) = 1/(√2 + 1) = 0.41; one neighbour: p3.
		{"item-kNN shrunk", itemKNNShrunk{d: d, s: Setting{Shrink: 1, Neighbours: 1}}, hist("p1"), []string{"p3", "p2", "p4", "p5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.rec.Recommend(context.Background(), tt.q, K)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%s (-want +got):\n%s", tt.rec.Name(), diff)
			}
		})
	}
}

// TestTuneBaselines checks that each baseline keeps the first grid point with the best
// validation NDCG@10: a dry author who goes on to like p3 is served it first by every
// half-life when counting all dry reviews (p3's is the newest), by none with positive ones.
func TestTuneBaselines(t *testing.T) {
	d := NewData(fixture(t), timedReviews)
	qs := []Query{{Task: TaskProfile, Author: "u9", SkinType: "dry", Relevant: map[string]bool{"p3": true}}}
	got, err := TuneBaselines(context.Background(), d, TaskProfile, qs, NewHarmIndex(nil))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("tuned %d baselines for the profile task, want 2 (the history ones need history)", len(got))
	}
	st := got[1]
	if st.Name != "recent_popularity_skin_type" || st.Describe != "half-life 0.5 d, all reviews" || st.Validation.NDCG != 1 || st.Tried != 24 {
		t.Errorf("tuned = %+v, want recent_popularity_skin_type at half-life 0.5 d, all reviews, NDCG 1, 24 tried", st)
	}
}

func TestRecencyStart(t *testing.T) {
	base := ranker.DefaultParams()
	st := RecencyStart(base, 3, 7, true)
	want := ranker.Weights{ConcernFit: base.Weights.ConcernFit, Claim: base.Weights.Claim, RecentLinear: 1}
	if diff := cmp.Diff(want, st.Params.Weights); diff != "" {
		t.Errorf("weights (-want +got):\n%s", diff)
	}
	if st.Params.RecentHalfLifeDays != 3 || st.Params.HistoryRecentHalfLifeDays != 7 || st.Params.RecentMinRating != 4 || st.Params.HistoryWeights.CoReview != base.HistoryWeights.CoReview {
		t.Errorf("start = %+v, want half-lives 3 and 7 and the default co-review weight", st.Params)
	}
	if err := st.Params.Validate(); err != nil {
		t.Errorf("start does not validate: %v", err)
	}
}

func TestConcernQueries(t *testing.T) {
	test := []graph.Review{
		{Reviewer: "a", ProductID: "p3", Rating: 5, SkinType: "dry", Concerns: []string{"dryness"}, At: day},
		{Reviewer: "a", ProductID: "p1", Rating: 4, SkinType: "dry", Concerns: []string{"acne"}, At: day},
		{Reviewer: "b", ProductID: "p1", Rating: 5, SkinType: "oily", At: day}, // states none: no query
	}
	got := ConcernQueries(fixture(t), test)
	want := []Query{
		{Task: TaskConcern, Author: "a", SkinType: "dry", Concerns: []string{"acne", "dryness"}, Category: "moisturizer", Relevant: map[string]bool{"p3": true}},
		{Task: TaskConcern, Author: "a", SkinType: "dry", Concerns: []string{"acne", "dryness"}, Category: "serum", Relevant: map[string]bool{"p1": true}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("concern queries (-want +got):\n%s", diff)
	}
	if !affects(TaskProfile, TaskConcern, false) || affects(TaskConcern, TaskProfile, false) || affects(TaskHistory, TaskConcern, false) {
		t.Error("affects without a concern set: cold-start weights must reach the concern task, concern-only parameters only it")
	}
	if affects(TaskProfile, TaskConcern, true) || affects(TaskConcern, TaskProfile, true) || !affects(taskCold, TaskConcern, true) || !affects(taskCold, TaskProfile, true) || affects(taskCold, TaskHistory, true) {
		t.Error("affects with a concern set: the cold-start weights reach the profile task only, the concern set the concern task only, the shared half-life both")
	}
}

// TestReplicaStart: the replica start ranks exactly as the recent_popularity baseline it
// copies (cold start: linear recent volume over the baseline's half-life and reviews), for
// every query of a catalogue with timed reviews; its history weights are the multi-scale
// volume nearest the history recency baseline's half-life.
func TestReplicaStart(t *testing.T) {
	var b graph.ProjectionBuilder
	src := fixture(t)
	for _, p := range src.Products {
		b.AddProduct(p)
	}
	reviews := append(slices.Clone(timedReviews),
		graph.Review{Reviewer: "u4", ProductID: "p4", Rating: 4, SkinType: "oily", At: day.AddDate(0, 0, -1)},
		graph.Review{Reviewer: "u5", ProductID: "p4", Rating: 5, SkinType: "dry", At: day.AddDate(0, 0, -9)},
		graph.Review{Reviewer: "u5", ProductID: "p5", Rating: 1, SkinType: "dry", At: day.AddDate(0, 0, -1)})
	for _, r := range reviews {
		b.AddTypedReview(r.Reviewer, r.ProductID, r.Rating, r.At, r.SkinType)
	}
	b.AddClaim("p5", "acne") // the least reviewed product claims a concern of the concern queries
	proj, err := b.Build(graph.DataVersion{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	d := NewData(proj, reviews)
	var qs []Query
	for i, cat := range []string{"", "serum", "moisturizer", "cleanser"} {
		qs = append(qs, Query{Task: TaskProfile, Author: fmt.Sprint("q", i), SkinType: "dry", Category: cat, Relevant: map[string]bool{"p1": true}},
			// a concern query: the baseline reads no concern, nor does the replica
			Query{Task: TaskConcern, Author: fmt.Sprint("c", i), SkinType: "dry", Concerns: []string{"acne", "dryness"}, Category: cat, Relevant: map[string]bool{"p1": true}})
	}
	for _, setting := range []Setting{{HalfLife: 2, Positive: true}, {HalfLife: 2}, {HalfLife: 30}, {HalfLife: 0.5, Positive: true}} {
		tuned := map[string][]TunedBaseline{
			TaskProfile: {{Name: "recent_popularity", Setting: setting}},
			TaskHistory: {{Name: "recent_popularity_skin_type", Setting: Setting{HalfLife: 1, Positive: true}}, {Name: "recent_popularity", Setting: Setting{HalfLife: 7}}},
		}
		tuned[TaskHistory][0].Validation.NDCG = 0.3
		tuned[TaskHistory][1].Validation.NDCG = 0.2
		st, ok := ReplicaStart(ranker.DefaultParams(), tuned)
		if !ok {
			t.Fatal("no replica start")
		}
		if err := st.Params.Validate(); err != nil {
			t.Fatal(err)
		}
		var wantHistory ranker.Weights
		wantHistory.PeerRecentScales[0] = 1 // 1 day, by skin type: the better history recency baseline
		if diff := cmp.Diff(wantHistory, st.Params.HistoryWeights); diff != "" {
			t.Errorf("history weights (-want +got):\n%s", diff)
		}
		eng, err := NewEngine("replica", st.Params, proj, nil)
		if err != nil {
			t.Fatal(err)
		}
		base := TunedRecommenders(d, tuned[TaskProfile])[0]
		for _, q := range qs {
			want, err := base.Recommend(context.Background(), q, K)
			if err != nil {
				t.Fatal(err)
			}
			got, err := eng.Recommend(context.Background(), q, K)
			if err != nil {
				t.Fatal(err)
			}
			if len(want) == 0 {
				t.Fatalf("%+v: the baseline recommends nothing", q)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("setting %+v, category %q (-recent_popularity +replica):\n%s", setting, q.Category, diff)
			}
		}
	}
	if _, ok := ReplicaStart(ranker.DefaultParams(), nil); ok {
		t.Error("replica start without tuned baselines")
	}
}
