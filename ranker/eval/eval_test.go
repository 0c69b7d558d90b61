package eval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// fixture is a five-product catalogue:
//
//	p1 serum        water, niacinamide        4.5 stars, 100 reviews
//	p2 serum        water, retinol            4.0 stars,  10 reviews
//	p3 moisturizer  water, glycerin           5.0 stars,   2 reviews (dry skin loves it)
//	p4 moisturizer  water, glycerin, niacin.  3.0 stars,  50 reviews
//	p5 cleanser     water, sodium lauryl sulf. unrated
func fixture(t testing.TB) *graph.Projection {
	t.Helper()
	var b graph.ProjectionBuilder
	for _, in := range []string{"water", "niacinamide", "retinol", "glycerin", "sodium lauryl sulfate"} {
		b.AddIngredient(graph.ProjectedIngredient{INCI: in, Name: in, Comedogenic: -1})
	}
	for _, p := range []struct {
		id, cat string
		rating  float64
		reviews int
		ings    []string
	}{
		{"p1", "serum", 4.5, 100, []string{"water", "niacinamide"}},
		{"p2", "serum", 4.0, 10, []string{"water", "retinol"}},
		{"p3", "moisturizer", 5.0, 2, []string{"water", "glycerin"}},
		{"p4", "moisturizer", 3.0, 50, []string{"water", "glycerin", "niacinamide"}},
		{"p5", "cleanser", 0, 0, []string{"water", "sodium lauryl sulfate"}},
	} {
		b.AddProduct(graph.ProjectedProduct{ID: p.id, Name: p.id, Category: p.cat, Price: 20, Rating: p.rating, ReviewCount: p.reviews})
		for k, in := range p.ings {
			b.AddContains(p.id, in, k+1, false)
		}
	}
	b.AddOutcome(graph.Outcome{ProductID: "p3", Kind: graph.KindSkinType, Attribute: "dry", Count: 20, MeanRating: 5, Effects: map[string]int{"hydration": 10}})
	b.AddOutcome(graph.Outcome{ProductID: "p4", Kind: graph.KindSkinType, Attribute: "dry", Count: 20, MeanRating: 2.5, Effects: map[string]int{"breakout": 8}})
	p, err := b.Build(graph.DataVersion{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var day = time.Date(2023, 1, 10, 0, 0, 0, 0, time.UTC)

func rv(author, product string, rating int, skin string, effects ...string) graph.Review {
	return graph.Review{Reviewer: author, ProductID: product, Rating: rating, SkinType: skin, At: day, Effects: effects}
}

// train: u1 (oily) reviewed p1 and p2, u2 (dry) p1 and p3, u3 (oily) p2.
var trainReviews = []graph.Review{
	rv("u1", "p1", 5, "oily"), rv("u1", "p2", 4, "oily"),
	rv("u2", "p1", 5, "dry"), rv("u2", "p3", 2, "dry"),
	rv("u3", "p2", 5, "oily"),
}

func TestScoreQuery(t *testing.T) {
	harm := NewHarmIndex([]graph.Review{rv("x", "b", 5, "oily", "breakout"), rv("y", "c", 1, "dry", "purging")})
	set := func(ids ...string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	idcg2 := 1 + 1/math.Log2(3)
	tests := []struct {
		name   string
		q      Query
		ranked []string
		want   QueryScore
	}{
		{"hits at 1 and 3", Query{Relevant: set("a", "c"), SkinType: "normal"}, []string{"a", "b", "c"},
			QueryScore{NDCG: 1.5 / idcg2, Recall: 1, HR: 1, MRR: 1}},
		{"one hit at 3", Query{Relevant: set("c")}, []string{"a", "b", "c"},
			QueryScore{NDCG: 0.5, Recall: 1, HR: 1, MRR: 1.0 / 3, Harm: 2.0 / 3, HarmRate: 1}},
		{"half recalled at 2", Query{Relevant: set("b", "z"), SkinType: "oily"}, []string{"a", "b"},
			QueryScore{NDCG: (1 / math.Log2(3)) / idcg2, Recall: 0.5, HR: 1, MRR: 0.5, Harm: 0.5, HarmRate: 1}},
		{"no hit, purging rated 1 harms dry skin", Query{Relevant: set("x"), SkinType: "dry"}, []string{"a", "b", "c"},
			QueryScore{Harm: 1.0 / 3, HarmRate: 1}},
		{"hit beyond the cut-off", Query{Relevant: set("k")}, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"},
			QueryScore{Harm: 2.0 / 10, HarmRate: 1}},
		{"empty list", Query{Relevant: set("a")}, nil, QueryScore{}},
	}
	// (Every test review of this index reports harm: every skin type's catalogue rate is 1, so
	// is every product's rate, and none is above it. TestRateHarm has a mixed index.)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScoreQuery(tt.q, tt.ranked, harm)
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
				t.Errorf("ScoreQuery (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRateHarm(t *testing.T) {
	// Dry-skin test reviews: p1 1 harmful of 2, p2 0 of 3, p3 0 of 1 (catalogue rate β = 1/6);
	// oily: p2 1 harmful of 1 (β = 1); p4 reviewed by nobody. m = HarmRateSmoothing = 10.
	harm := NewHarmIndex([]graph.Review{
		rv("a", "p1", 5, "dry", "breakout"), rv("b", "p1", 5, "dry"),
		rv("c", "p2", 5, "dry"), rv("d", "p2", 4, "dry"), rv("e", "p2", 4, "dry"),
		rv("f", "p3", 5, "dry"),
		rv("g", "p2", 1, "oily", "irritation"),
	})
	beta := 1.0 / 6
	r1, r2, r3 := (1+10*beta)/12, (0+10*beta)/13, (0+10*beta)/11
	tests := []struct {
		name       string
		skinType   string
		ranked     []string
		rate       float64
		excess     float64
		anyHarmful float64 // the harm@10, for contrast
	}{
		{"one harmful report in two reviews is above the rate", "dry", []string{"p1"}, r1, 1, 1},
		{"clean products are below it, unreviewed ones at it", "dry", []string{"p2", "p3", "p4"}, (r2 + r3 + beta) / 3, 0, 0},
		{"a mixed list", "dry", []string{"p1", "p2"}, (r1 + r2) / 2, 0.5, 0.5},
		{"the skin type's own rates: all oily reports are harmful", "oily", []string{"p2", "p1"}, 1, 0, 0.5},
		{"no skin type: every reviewer", "", []string{"p2"}, (1 + 10*(2.0/7)) / 14, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ScoreQuery(Query{SkinType: tt.skinType}, tt.ranked, harm)
			if math.Abs(got.HarmRate-tt.rate) > 1e-12 || math.Abs(got.HarmExcess-tt.excess) > 1e-12 || math.Abs(got.Harm-tt.anyHarmful) > 1e-12 {
				t.Errorf("harm rate / excess / harm = %v / %v / %v, want %v / %v / %v", got.HarmRate, got.HarmExcess, got.Harm, tt.rate, tt.excess, tt.anyHarmful)
			}
		})
	}
}

func TestIsHarmful(t *testing.T) {
	tests := []struct {
		r    graph.Review
		want bool
	}{
		{rv("a", "p", 5, "", "breakout"), true},
		{rv("a", "p", 4, "", "improved", "irritation"), true},
		{rv("a", "p", 2, "", "purging"), true},
		{rv("a", "p", 4, "", "purging"), false},
		{rv("a", "p", 1, ""), false},
		{rv("a", "p", 5, "", "hydration", "improved"), false},
	}
	for _, tt := range tests {
		if got := IsHarmful(tt.r); got != tt.want {
			t.Errorf("IsHarmful(rating %d, %v) = %v, want %v", tt.r.Rating, tt.r.Effects, got, tt.want)
		}
	}
}

func TestQueries(t *testing.T) {
	proj := fixture(t)
	test := []graph.Review{
		rv("u1", "p1", 5, "oily"), // already reviewed in train: not relevant in history
		rv("u1", "p4", 4, ""),     // moisturizer
		rv("u1", "p3", 5, "combination"),
		rv("u2", "p2", 3, "dry"),   // not positive
		rv("u4", "p5", 5, "dry"),   // no train review: profile task only
		rv("u4", "nope", 5, "dry"), // unknown product
		rv("u3", "p1", 4, "oily"),
	}
	gotProfile := ProfileQueries(proj, test)
	wantProfile := []Query{
		{Task: TaskProfile, Author: "u1", SkinType: "oily", Category: "moisturizer", Relevant: map[string]bool{"p3": true, "p4": true}},
		{Task: TaskProfile, Author: "u1", SkinType: "oily", Category: "serum", Relevant: map[string]bool{"p1": true}},
		{Task: TaskProfile, Author: "u3", SkinType: "oily", Category: "serum", Relevant: map[string]bool{"p1": true}},
		{Task: TaskProfile, Author: "u4", SkinType: "dry", Category: "cleanser", Relevant: map[string]bool{"p5": true}},
	}
	// u1 states oily once and combination once in test: the tie goes to the first name.
	wantProfile[0].SkinType, wantProfile[1].SkinType = "combination", "combination"
	if diff := cmp.Diff(wantProfile, gotProfile); diff != "" {
		t.Errorf("ProfileQueries (-want +got):\n%s", diff)
	}

	gotHistory := HistoryQueries(proj, trainReviews, test)
	wantHistory := []Query{
		{Task: TaskHistory, Author: "u1", SkinType: "oily", Liked: []string{"p1", "p2"},
			Exclude: map[string]bool{"p1": true, "p2": true}, Relevant: map[string]bool{"p3": true, "p4": true}},
		{Task: TaskHistory, Author: "u3", SkinType: "oily", Liked: []string{"p2"},
			Exclude: map[string]bool{"p2": true}, Relevant: map[string]bool{"p1": true}},
	}
	if diff := cmp.Diff(wantHistory, gotHistory); diff != "" {
		t.Errorf("HistoryQueries (-want +got):\n%s", diff)
	}
}

func TestBaselines(t *testing.T) {
	d := NewData(fixture(t), trainReviews)
	tfidf := NewIngredientTFIDF(d)
	history := Query{Task: TaskHistory, Author: "u9", SkinType: "dry", Liked: []string{"p1"}, Exclude: map[string]bool{"p1": true}}
	tests := []struct {
		name string
		rec  Recommender
		q    Query
		want []string
	}{
		// train counts p1 2, p2 2, p3 1; Sephora's counts break p1/p2 and p4/p5.
		{"popularity", Popularity{d}, Query{}, []string{"p1", "p2", "p3", "p4", "p5"}},
		{"popularity in a category", Popularity{d}, Query{Category: "moisturizer"}, []string{"p3", "p4"}},
		// dry reviewers reviewed p1 and p3 once each; the rest by global popularity.
		{"popularity within dry skin", PopularitySkinType{d}, Query{SkinType: "dry"}, []string{"p1", "p3", "p2", "p4", "p5"}},
		{"popularity within oily skin", PopularitySkinType{d}, Query{SkinType: "oily"}, []string{"p2", "p1", "p3", "p4", "p5"}},
		// C = mean(4.5, 4, 5, 3) = 4.125, m = median(100, 10, 2, 50) = 30:
		// p1 573.75/130 = 4.413, p3 133.75/32 = 4.180, p5 = C, p2 163.75/40 = 4.094, p4 273.75/80 = 3.422.
		{"top rated", TopRated(d), Query{}, []string{"p1", "p3", "p5", "p2", "p4"}},
		// p1's reviewers u1 and u2 also reviewed p2 (|p2| = 2) and p3 (|p3| = 1):
		// sim(p3) = 1/sqrt(2·1) = 0.707 > sim(p2) = 1/sqrt(2·2) = 0.5; then popularity.
		{"item-kNN", ItemKNN{d}, history, []string{"p3", "p2", "p4", "p5"}},
		// p1 is niacinamide only (water has idf 0); p4 shares it: cosine 1/sqrt(2); the rest 0.
		{"ingredient tf-idf, history", tfidf, history, []string{"p4", "p2", "p3", "p5"}},
		// positive train reviews by oily skin: p1 and p2 (twice): query niacinamide + 2·retinol.
		// p2 = 2, p1 = 1, p4 = 1/sqrt(2), p3 and p5 = 0 (popularity).
		{"ingredient tf-idf, oily profile", tfidf, Query{Task: TaskProfile, SkinType: "oily"}, []string{"p2", "p1", "p4", "p3", "p5"}},
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

	q := Query{Task: TaskProfile, Author: "u1", Category: "serum"}
	r1, _ := Random{d}.Recommend(context.Background(), q, K)
	r2, _ := Random{d}.Recommend(context.Background(), q, K)
	if sorted := slices.Sorted(slices.Values(r1)); !slices.Equal(sorted, []string{"p1", "p2"}) || !slices.Equal(r1, r2) {
		t.Errorf("random = %v then %v, want the same permutation of the serums p1, p2", r1, r2)
	}
	if got := d.Baselines(TaskProfile); len(got) != 5 {
		t.Errorf("profile baselines = %d, want 5 (no item-kNN)", len(got))
	}
}

// list is a recommender that returns fixed lists by author (a stand-in for a ranking, not for
// Neo4j).
type list map[string][]string

func (list) Name() string { return "list" }
func (l list) Recommend(_ context.Context, q Query, _ int) ([]string, error) {
	return l[q.Author], nil
}

func TestEvaluate(t *testing.T) {
	harm := NewHarmIndex([]graph.Review{rv("x", "p4", 5, "dry", "irritation")})
	qs := []Query{
		{Author: "a", SkinType: "dry", Relevant: map[string]bool{"p3": true}},
		{Author: "b", SkinType: "dry", Relevant: map[string]bool{"p1": true}, Exclude: map[string]bool{"p2": true}},
		{Author: "c", Relevant: map[string]bool{"p5": true}, Liked: []string{"p1"}},
	}
	rec := list{
		"a": {"p3", "p4"},       // hit at 1, p4 harmful for dry skin: harm 1/2
		"b": {"p2", "p4", "p1"}, // p2 is excluded and dropped: p1 is a hit at 2, harm 1/2
		"c": {"p1", "p5", "p5"}, // p1 is liked and dropped, the duplicate too: hit at 1
	}
	got, err := Evaluate(context.Background(), rec, qs, harm, 5)
	if err != nil {
		t.Fatal(err)
	}
	ndcg2 := 1 / math.Log2(3)
	want := SystemResult{
		Name: "list",
		Overall: Metrics{Queries: 3, NDCG: (1 + ndcg2 + 1) / 3, Recall: 1, HR: 1, MRR: (1 + 0.5 + 1) / 3,
			Coverage: 4.0 / 5, Harm: (0.5 + 0.5 + 0) / 3, HarmRate: (1 + 1 + 1) / 3},
		BySkinType: map[string]Metrics{
			"dry":      {Queries: 2, NDCG: (1 + ndcg2) / 2, Recall: 1, HR: 1, MRR: 0.75, Coverage: 3.0 / 5, Harm: 0.5, HarmRate: 1},
			NoSkinType: {Queries: 1, NDCG: 1, Recall: 1, HR: 1, MRR: 1, Coverage: 1.0 / 5, HarmRate: 1},
		},
		PerQueryNDCG: []float64{1, ndcg2, 1},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
		t.Errorf("Evaluate (-want +got):\n%s", diff)
	}
}

func TestRun(t *testing.T) {
	proj := fixture(t)
	test := []graph.Review{
		rv("d1", "p3", 5, "dry"), // a dry reviewer loves p3, which dry peers rate 5 in the graph
		rv("d2", "p4", 1, "dry", "breakout"),
	}
	rep, err := Run(context.Background(), Input{Proj: proj, Train: trainReviews, Test: test},
		Options{Params: ranker.DefaultParams(), Ablate: true})
	if err != nil {
		t.Fatal(err)
	}
	profile, ok := rep.Task(TaskProfile)
	if !ok || profile.Queries != 1 {
		t.Fatalf("profile task = %+v, want 1 query", profile)
	}
	// Moisturizers are p3 and p4. The engine puts p3 first (dry peers rate it 5, p4 2.5):
	// NDCG 1 and harm 1/2 (p4 broke out a dry tester). Popularity puts p3 first too (one
	// train review against none); top-rated as well (4.180 > 3.422).
	if e := profile.Engine.Overall; e.NDCG != 1 || e.MRR != 1 || e.Harm != 0.5 || e.Coverage != 2.0/5 {
		t.Errorf("engine = %+v, want NDCG 1, MRR 1, harm 0.5, coverage 0.4", e)
	}
	// The relevant product p3 has no harm report: the perfect ranking's harm is 0.
	if profile.RelevantHarm != 0 {
		t.Errorf("relevant harm = %v, want 0", profile.RelevantHarm)
	}
	var names []string
	for _, b := range profile.Baselines {
		names = append(names, b.Name)
	}
	if diff := cmp.Diff([]string{"random", "popularity", "popularity_skin_type", "top_rated", "ingredient_tfidf"}, names); diff != "" {
		t.Errorf("baselines (-want +got):\n%s", diff)
	}
	// One ablation per family whose default weight is on in either weight set, and peer by
	// concern (its attribute weight is on by default).
	on := len(ParamAblations)
	for _, a := range Ablations {
		def := ranker.DefaultParams()
		w, h := def.Weights, def.HistoryWeights
		a.Off(&w)
		a.Off(&h)
		if w != def.Weights || h != def.HistoryWeights {
			on++
		}
	}
	if len(profile.Ablations) != on || on < 6 {
		t.Errorf("ablations = %d, want %d (at least 6)", len(profile.Ablations), on)
	}
	if history, _ := rep.Task(TaskHistory); history.Queries != 0 {
		t.Errorf("history queries = %d, want 0 (no test author has train positives)", history.Queries)
	}
	if concern, ok := rep.Task(TaskConcern); !ok || concern.Queries != 0 {
		t.Errorf("concern task = %+v, want it run with 0 queries (no test review states a concern)", concern)
	}

	js := rep.JSON()
	tasks := js["tasks"].(map[string]any)
	p := tasks[TaskProfile].(map[string]any)
	if p["queries"] != 1 || p["engine"].(map[string]float64)["ndcg@10"] != 1 {
		t.Errorf("json profile = %v", p)
	}
	if _, ok := p["baselines"].(map[string]any)["popularity"].(map[string]float64)["harm@10"]; !ok {
		t.Errorf("json popularity baseline has no harm@10: %v", p["baselines"])
	}
	if js["weights"] != ranker.DefaultParams().Weights {
		t.Errorf("json weights = %v", js["weights"])
	}
}

func TestTune(t *testing.T) {
	proj := fixture(t)
	valid := []graph.Review{rv("d1", "p3", 5, "dry"), rv("o1", "p1", 5, "oily"), rv("u1", "p3", 5, "oily")}
	res, err := Tune(context.Background(), Input{Proj: proj, Train: trainReviews, Test: valid}, ranker.DefaultParams(), 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := res.Params.Validate(); err != nil {
		t.Errorf("tuned params invalid: %v", err)
	}
	if res.Best < res.Start {
		t.Errorf("tuning made it worse: %.4f -> %.4f", res.Start, res.Best)
	}
	if n := len(res.Steps); n > 0 && res.Steps[n-1].Objective != res.Best {
		t.Errorf("last step objective %.4f != best %.4f", res.Steps[n-1].Objective, res.Best)
	}
	// Popularity lists p3 (harmful for nobody here): the harm caps are 0.
	if diff := cmp.Diff(map[string]float64{TaskProfile: 0, TaskHistory: 0}, res.HarmCaps); diff != "" {
		t.Errorf("harm caps (-want +got):\n%s", diff)
	}
	// The bars are the best baseline's figures on the same validation queries.
	for _, task := range []string{TaskProfile, TaskHistory} {
		qs, err := Queries(task, Input{Proj: proj, Train: trainReviews, Test: valid})
		if err != nil {
			t.Fatal(err)
		}
		data := NewData(proj, trainReviews)
		var want Metrics
		for _, b := range data.Baselines(task) {
			r, err := Evaluate(context.Background(), b, qs, NewHarmIndex(valid), data.Catalogue())
			if err != nil {
				t.Fatal(err)
			}
			want.NDCG, want.Recall = max(want.NDCG, r.Overall.NDCG), max(want.Recall, r.Overall.Recall)
		}
		if got := res.BestBaseline[task]; got.NDCG != want.NDCG || got.Recall != want.Recall || want.NDCG == 0 {
			t.Errorf("%s best baseline = %+v, want NDCG %v and recall %v (non-zero)", task, got, want.NDCG, want.Recall)
		}
	}
	// p1 and p3 are harmful for nobody among the validation reviews: relevant harm 0.
	if diff := cmp.Diff(map[string]float64{TaskProfile: 0, TaskHistory: 0}, res.RelevantHarm); diff != "" {
		t.Errorf("relevant harm (-want +got):\n%s", diff)
	}
	if res.ValidationQueries[TaskProfile] != 3 || res.ValidationQueries[TaskHistory] != 1 {
		t.Errorf("validation queries = %v, want profile 3, history 1", res.ValidationQueries)
	}
	if _, err := Tune(context.Background(), Input{Proj: proj, Train: trainReviews}, ranker.DefaultParams(), 1); err == nil {
		t.Error("no validation reviews: want an error")
	}
}

func TestTuneStarts(t *testing.T) {
	base := ranker.DefaultParams()
	starts := TuneStarts(base)
	names := make([]string, len(starts))
	for i, s := range starts {
		names[i] = s.Name
	}
	if diff := cmp.Diff([]string{"defaults", "volume"}, names); diff != "" {
		t.Fatalf("starts (-want +got):\n%s", diff)
	}
	tests := []struct {
		name           string
		got            ranker.Params
		weights        ranker.Weights
		halfLife       float64
		historyWeights ranker.Weights
	}{
		{"defaults", starts[0].Params, base.Weights, base.RecentHalfLifeDays, base.HistoryWeights},
		{"volume: cold start ranks by undecayed recent volume", starts[1].Params,
			ranker.Weights{ConcernFit: base.Weights.ConcernFit, Claim: base.Weights.Claim, Recent: 1}, 0, base.HistoryWeights},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.weights, tt.got.Weights); diff != "" {
				t.Errorf("weights (-want +got):\n%s", diff)
			}
			if tt.got.RecentHalfLifeDays != tt.halfLife {
				t.Errorf("half-life = %v, want %v", tt.got.RecentHalfLifeDays, tt.halfLife)
			}
			if diff := cmp.Diff(tt.historyWeights, tt.got.HistoryWeights); diff != "" {
				t.Errorf("history weights (-want +got):\n%s", diff)
			}
			if err := tt.got.Validate(); err != nil {
				t.Errorf("start does not validate: %v", err)
			}
		})
	}
}

// oneAtATime hides the engine's type from Evaluate, which then ranks one query at a time.
type oneAtATime struct{ *Engine }

// TestEvaluateEngineConcurrently: the engine ranks queries on several goroutines; the figures
// are those of ranking them one at a time, to the bit.
func TestEvaluateEngineConcurrently(t *testing.T) {
	proj := fixture(t)
	skins := []string{"dry", "oily", "", "combination"}
	var qs []Query
	for i := range 300 { // several chunks of 64
		id := proj.Products[i%len(proj.Products)].ID
		qs = append(qs, Query{Author: fmt.Sprint("a", i), SkinType: skins[i%len(skins)], Relevant: map[string]bool{id: true},
			Liked: []string{proj.Products[(i+1)%len(proj.Products)].ID}[:i%2]})
	}
	harm := NewHarmIndex([]graph.Review{rv("x", "p4", 5, "dry", "irritation")})
	eng, err := NewEngine("engine", ranker.DefaultParams(), proj, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Evaluate(context.Background(), eng, qs, harm, len(proj.Products))
	if err != nil {
		t.Fatal(err)
	}
	want, err := Evaluate(context.Background(), oneAtATime{eng}, qs, harm, len(proj.Products))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("concurrent Evaluate (-one at a time +concurrent):\n%s", diff)
	}
	if got.Overall.Queries != 300 || got.Overall.NDCG == 0 {
		t.Errorf("overall %+v: want 300 queries and some hits", got.Overall)
	}
}

// TestTuneFromFeatureCache: the search ranks weight trials from the feature cache
// (fastscore.go); from every start it takes the same steps to the same parameters and
// objective as ranking every trial with the ranker.
func TestTuneFromFeatureCache(t *testing.T) {
	proj := fixture(t)
	valid := []graph.Review{rv("d1", "p3", 5, "dry"), rv("o1", "p1", 5, "oily"), rv("u1", "p3", 5, "oily"),
		rv("u2", "p2", 4, "dry"), rv("o2", "p4", 5, "oily", "breakout"), rv("u3", "p4", 5, "oily")}
	// reviewers who state concerns: concern-task queries, ranked with the concern set
	for _, r := range []graph.Review{rv("c1", "p4", 5, "oily"), rv("c2", "p2", 5, "dry"), rv("c3", "p1", 4, "oily")} {
		r.Concerns = []string{"acne", "dryness"}
		valid = append(valid, r)
	}
	in := Input{Proj: proj, Train: trainReviews, Test: valid}
	base := ranker.DefaultParams()
	starts := []Start{{"scales", ScalesStart(base, 3, 1).Params}}
	for _, s := range TuneStarts(base) {
		starts = append(starts, Start{s.Name, s.Params})
	}
	for _, st := range starts {
		t.Run(st.Name, func(t *testing.T) {
			SlowTuning = true
			slow, err := TuneWith(context.Background(), in, st.Params, 2, nil)
			SlowTuning = false
			if err != nil {
				t.Fatal(err)
			}
			fast, err := TuneWith(context.Background(), in, st.Params, 2, nil)
			if err != nil {
				t.Fatal(err)
			}
			if fast.FastMismatch != "" || fast.FastEvaluations == 0 || fast.FeatureCaches == 0 {
				t.Fatalf("feature cache not used: %d of %d evaluations, %d caches, mismatch %q", fast.FastEvaluations, fast.Evaluations, fast.FeatureCaches, fast.FastMismatch)
			}
			t.Logf("%d steps, %d of %d evaluations from %d feature caches", len(fast.Steps), fast.FastEvaluations, fast.Evaluations, fast.FeatureCaches)
			if slow.FastEvaluations != 0 {
				t.Errorf("SlowTuning: %d evaluations from the feature cache", slow.FastEvaluations)
			}
			if diff := cmp.Diff(slow.Steps, fast.Steps); diff != "" {
				t.Errorf("steps (-ranker +feature cache):\n%s", diff)
			}
			if diff := cmp.Diff(slow.Params, fast.Params); diff != "" {
				t.Errorf("params (-ranker +feature cache):\n%s", diff)
			}
			if slow.Best != fast.Best || slow.Evaluations != fast.Evaluations {
				t.Errorf("objective %v / %v, evaluations %d / %d (ranker / feature cache)", slow.Best, fast.Best, slow.Evaluations, fast.Evaluations)
			}
			if fast.ValidationQueries[TaskConcern] == 0 || fast.Params.ConcernWeights == nil {
				t.Errorf("concern task: %d validation queries, concern set %v: want both (SeparateConcernWeights)", fast.ValidationQueries[TaskConcern], fast.Params.ConcernWeights)
			}
		})
	}
}

// TestTuneConcernSet: with SeparateConcernWeights the search tunes the concern set on the
// concern task and leaves the cold-start set to the profile task: a move of a concern_weights
// coordinate never changes Weights, and the profile part never depends on the concern set.
// Without it, no concern set appears (the behaviour before round 5).
func TestTuneConcernSet(t *testing.T) {
	proj := fixture(t)
	var valid []graph.Review
	for _, r := range []graph.Review{rv("c1", "p4", 5, "oily"), rv("c2", "p2", 5, "dry"), rv("c3", "p1", 4, "oily"), rv("c4", "p3", 5, "dry")} {
		r.Concerns = []string{"acne", "dryness"}
		valid = append(valid, r)
	}
	valid = append(valid, rv("d1", "p3", 5, "dry"), rv("o1", "p1", 5, "oily"))
	in := Input{Proj: proj, Train: trainReviews, Test: valid}
	res, err := TuneWith(context.Background(), in, ranker.DefaultParams(), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Params.ConcernWeights == nil {
		t.Fatal("no concern set after tuning with SeparateConcernWeights")
	}
	for _, st := range res.Steps {
		if st.Param == "weights.concern_fit" || st.Param == "weights.claim" {
			t.Errorf("step %+v: the cold-start concern weights moved though a concern set exists", st)
		}
	}
	// The profile part is the same with the concern set replaced by anything.
	other := res.Params
	other.SetConcernWeights(ranker.Weights{Prior: 1})
	again, err := TuneWith(context.Background(), in, other, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Parts[TaskProfile] != res.Parts[TaskProfile] || again.Parts[TaskHistory] != res.Parts[TaskHistory] {
		t.Errorf("profile / history parts %v / %v with another concern set, want %v / %v", again.Parts[TaskProfile], again.Parts[TaskHistory], res.Parts[TaskProfile], res.Parts[TaskHistory])
	}

	SeparateConcernWeights = false
	defer func() { SeparateConcernWeights = true }()
	one, err := TuneWith(context.Background(), in, ranker.DefaultParams(), 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	if one.Params.ConcernWeights != nil {
		t.Errorf("SeparateConcernWeights false: concern set %+v, want none", *one.Params.ConcernWeights)
	}
}

// TestSignificant: a gain is taken only above MinGainZ standard errors of the mean paired
// per-query difference (hand-computed: differences 1, 0, 1, 0 have mean 0.5, sample variance
// 1/3, standard error √(1/12) = 0.2887; two tasks average their errors: √(2/12)/2 = 0.2041).
func TestSignificant(t *testing.T) {
	defer func(z float64) { MinGainZ = z }(MinGainZ)
	one := [][]float64{{1, 0, 1, 0}}
	zero := [][]float64{{0, 0, 0, 0}}
	tests := []struct {
		name string
		z    float64
		gain float64
		a, b [][]float64
		want bool
	}{
		{"above one error", 1, 0.29, one, zero, true},
		{"below one error", 1, 0.28, one, zero, false},
		{"below two errors", 2, 0.57, one, zero, false},
		{"above two errors", 2, 0.58, one, zero, true},
		{"z 0 takes any gain", 0, 1e-6, one, zero, true},
		{"identical lists: no noise, any gain", 1, 1e-6, one, one, true},
		{"two tasks", 1, 0.205, [][]float64{{1, 0, 1, 0}, {1, 0, 1, 0}}, [][]float64{{0, 0, 0, 0}, {0, 0, 0, 0}}, true},
		{"two tasks, below", 1, 0.203, [][]float64{{1, 0, 1, 0}, {1, 0, 1, 0}}, [][]float64{{0, 0, 0, 0}, {0, 0, 0, 0}}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			MinGainZ = tt.z
			if got := significant(tt.gain, tt.a, tt.b); got != tt.want {
				t.Errorf("significant(%v) with z %v = %v, want %v", tt.gain, tt.z, got, tt.want)
			}
		})
	}
	MinGainZ = 1
	// the profile part gains 0.9, a third of it in the objective: 0.3 against an error of
	// √(1/12)/3 = 0.096; a gain of 0.2 (0.067) is below it
	a := TuneResult{Parts: map[string]float64{TaskProfile: 0.9}, PerQuery: map[string][]float64{TaskProfile: {1, 0, 1, 0}}}
	b := TuneResult{Parts: map[string]float64{TaskProfile: 0}, PerQuery: map[string][]float64{TaskProfile: {0, 0, 0, 0}}}
	c := TuneResult{Parts: map[string]float64{TaskProfile: 0.7}, PerQuery: map[string][]float64{TaskProfile: {0, 0, 0, 0}}}
	if !Better(a, b) || Better(b, a) || !BetterOn(a, b, TaskProfile) || BetterOn(a, b, TaskHistory) {
		t.Errorf("Better: want a better than b on the profile task, not the reverse, not on the history task")
	}
	if BetterOn(a, c, TaskProfile) {
		t.Errorf("BetterOn: a gain of 0.2/3 below one error taken")
	}
}

// TestTuneFixedColdStart: with FixedColdStart the search leaves the start's cold-start set as
// it is (ColdStartEnsemble from WithFixedColdStart, which keeps the former cold-start set as
// the concern set), moves no cold-start weight and gives the profile task the part the
// ensemble alone gives it.
func TestTuneFixedColdStart(t *testing.T) {
	defer func() { FixedColdStart = true }()
	proj := fixture(t)
	valid := []graph.Review{rv("d1", "p3", 5, "dry"), rv("o1", "p1", 5, "oily"), rv("u1", "p3", 5, "oily")}
	in := Input{Proj: proj, Train: trainReviews, Test: valid}
	base := ranker.DefaultParams()

	FixedColdStart = true
	res, err := TuneWith(context.Background(), in, WithFixedColdStart(base), 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.FixedColdStart {
		t.Error("result does not say the cold-start set was fixed")
	}
	if res.Params.Weights != ColdStartEnsemble() {
		t.Errorf("cold-start set %+v, want the ensemble %+v", res.Params.Weights, ColdStartEnsemble())
	}
	for _, st := range res.Steps {
		if strings.HasPrefix(st.Param, "weights.") {
			t.Errorf("step %+v moved the fixed cold-start set", st)
		}
	}
	if res.Params.ConcernWeights == nil {
		t.Fatal("no concern set: the start's cold-start set should have become it")
	}
	if moved := len(res.Steps) > 0; !moved && *res.Params.ConcernWeights != base.Weights {
		t.Errorf("concern set %+v, want the start's cold-start set %+v", *res.Params.ConcernWeights, base.Weights)
	}
	// the ensemble's weights: the 1-30 d half-lives but 30 d, equal
	want := [ranker.NumRecentScales]float64{1, 1, 1, 1, 0}
	if got := ColdStartEnsemble().RecentScales; got != want {
		t.Errorf("ensemble recent_scales %v, want %v", got, want)
	}
	// the profile part is the ensemble's alone, unsearched
	alone := base
	alone.Weights = ColdStartEnsemble()
	alone.SetConcernWeights(base.Weights)
	ens, err := TuneWith(context.Background(), in, alone, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Parts[TaskProfile] != ens.Parts[TaskProfile] {
		t.Errorf("profile part %v, want the ensemble's %v", res.Parts[TaskProfile], ens.Parts[TaskProfile])
	}

	// any cold-start set the start has is left as it is
	kept, err := TuneWith(context.Background(), in, base, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	if kept.Params.Weights != base.Weights {
		t.Errorf("fixed cold start from the defaults: cold-start set moved to %+v", kept.Params.Weights)
	}

	FixedColdStart = false
	searched, err := TuneWith(context.Background(), in, base, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if searched.FixedColdStart || searched.Params.Weights != base.Weights {
		t.Errorf("searched cold start: fixed %v, cold-start set %+v, want false and the start's", searched.FixedColdStart, searched.Params.Weights)
	}
}
