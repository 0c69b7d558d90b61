package ranker

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
)

// reviewedFixture is fixture plus reviews: p01 and p03 share their fans (u1, u2), p05 and p03
// share one (u3), u2 also rated p02 2 (not a co-review); p04 was reviewed recently and often, p02 long ago; p06 has dry-skin outcomes
// with many breakouts, p07 the same volume without any.
func reviewedFixture(t testing.TB) *graph.Projection {
	t.Helper()
	b := fixtureBuilder()
	last := time.Date(2023, 1, 31, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return last.AddDate(0, 0, -n) }
	for _, r := range []struct {
		reviewer, product string
		rating, daysAgo   int
	}{
		{"u1", "p01", 5, 10}, {"u1", "p03", 4, 9},
		{"u2", "p01", 4, 8}, {"u2", "p03", 5, 8}, {"u2", "p02", 2, 8},
		{"u3", "p05", 5, 3}, {"u3", "p03", 4, 3},
		{"u4", "p04", 5, 0}, {"u5", "p04", 4, 1}, {"u6", "p04", 3, 1},
		{"u7", "p02", 5, 60},
	} {
		b.AddReview(r.reviewer, r.product, r.rating, day(r.daysAgo))
	}
	b.AddOutcome(graph.Outcome{ProductID: "p06", Kind: graph.KindSkinType, Attribute: "dry", Count: 20, MeanRating: 4, Effects: map[string]int{"breakout": 6}})
	b.AddOutcome(graph.Outcome{ProductID: "p07", Kind: graph.KindSkinType, Attribute: "dry", Count: 20, MeanRating: 4})
	p, err := b.Build(graph.DataVersion{N: 8})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestNewFamilies(t *testing.T) {
	p := reviewedFixture(t)
	only := func(set func(*Params)) Params {
		params := DefaultParams()
		params.Weights = Weights{}
		set(&params)
		params.HistoryWeights = params.Weights // the same family for every kind of request
		return params
	}
	tests := []struct {
		name    string
		params  Params
		profile Profile
		filter  []string
		// want: the page in order; kind: the reason every scored item must carry.
		want []string
		kind string
		text string // a phrase of the first item's reason of that kind
	}{
		{
			name:    "co-review ranks the liked product's co-reviewed products by cosine",
			params:  only(func(p *Params) { p.Weights.CoReview = 1 }),
			profile: Profile{LikedProducts: []string{"p01"}},
			want:    []string{"p03"}, kind: KindCoReview, // u2 rated p02 2: not a co-review
			text: "2 of the 2 reviewers who rated Product p01 (which you liked) 4 or more also rated it so, as 3 people did in all (co-review cosine 0.82)",
		},
		{
			name:    "co-review sums over liked products",
			params:  only(func(p *Params) { p.Weights.CoReview = 1 }),
			profile: Profile{LikedProducts: []string{"p05", "p01"}},
			want:    []string{"p03"}, kind: KindCoReview, // u2 rated p02 2: not a co-review
			text: "co-review cosine",
		},
		{
			name:   "recent volume without decay counts reviews",
			params: only(func(p *Params) { p.Weights.Recent = 1; p.RecentHalfLifeDays = 0 }),
			want:   []string{"p03", "p04", "p01", "p02", "p05"}, // 3, 3, 2, 2, 1 reviews; ties by id
			kind:   KindPrior,
			text:   "Reviewed 3 times here, the most reviewed product 3 times",
		},
		{
			name:   "recent volume with a half-life prefers recent reviews",
			params: only(func(p *Params) { p.Weights.Recent = 1; p.RecentHalfLifeDays = 2 }),
			want:   []string{"p04", "p03", "p05", "p01", "p02"},
			kind:   KindPrior,
			text:   "counting each review half as much for every 2 days before the latest review (2023-01-31)",
		},
		{
			name:   "linear recent volume over positive reviews only",
			params: only(func(p *Params) { p.Weights.RecentLinear = 1; p.RecentHalfLifeDays = 0; p.RecentMinRating = 4 }),
			want:   []string{"p03", "p01", "p04", "p02", "p05"}, // 3, 2, 2 (u6's 3 stars left out), 1 (u2's 2 left out), 1
			kind:   KindPrior,
			text:   "Rated 4 stars or more 3 times here, the most reviewed product 3 times",
		},
		{
			name:    "peer adverse rates put the product with breakouts among dry skin last",
			params:  only(func(p *Params) { p.Weights.PeerAdverse = 1; p.AdverseSmoothing = 10 }),
			profile: Profile{SkinType: "dry"},
			filter:  []string{"serum"},
			want:    []string{"p07", "p01", "p06"}, // p02 has no skin-type outcome: rate = catalogue's, term 0
			kind:    KindSafety,
			text:    "Reviewers with dry skin reported breakouts or irritation in 0 of 20 reviews",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			req := Request{Profile: tt.profile, Limit: 10, Explain: ExplainFull}
			req.Filters.Categories = tt.filter
			res, err := r.Rank(context.Background(), p, nil, req)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, it := range res.Items {
				if it.Score != 0 {
					got = append(got, it.Product.ID)
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("scored items = %v, want %v", got, tt.want)
			}
			for i, it := range res.Items {
				sum, kinds := 0.0, 0
				for _, w := range it.Why {
					sum += w.Contribution
					if w.Kind == tt.kind {
						kinds++
						if w.Cypher == "" || len(w.Path.Nodes) == 0 {
							t.Errorf("%s: %s reason without path or Cypher: %+v", it.Product.ID, w.Kind, w)
						}
						if i == 0 && !strings.Contains(w.Text, tt.text) {
							t.Errorf("%s: reason %q, want it to contain %q", it.Product.ID, w.Text, tt.text)
						}
					}
				}
				if math.Abs(sum-it.Score) > 1e-9 {
					t.Errorf("%s: score %v != sum of its reasons %v", it.Product.ID, it.Score, sum)
				}
				if it.Score != 0 && kinds == 0 {
					t.Errorf("%s: score %v but no %s reason: %+v", it.Product.ID, it.Score, tt.kind, it.Why)
				}
			}
		})
	}
}

func TestCoReviewPathNamesTheFirstCoReviewer(t *testing.T) {
	p := reviewedFixture(t)
	params := DefaultParams()
	params.HistoryWeights = Weights{CoReview: 1} // the request lists a liked product
	r, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Rank(context.Background(), p, nil, Request{Profile: Profile{LikedProducts: []string{"p05"}}, Limit: 1, Explain: ExplainFull})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 || len(res.Items[0].Why) != 1 {
		t.Fatalf("items = %+v, want p03 with one reason", res.Items)
	}
	w := res.Items[0].Why[0]
	var nodes []string
	for _, n := range w.Path.Nodes {
		nodes = append(nodes, n.Label+":"+n.Value)
	}
	if want := []string{"Product:p05", "Reviewer:u3", "Product:p03"}; !slices.Equal(nodes, want) {
		t.Errorf("path = %v, want %v", nodes, want)
	}
	if want := 1 / math.Sqrt(3); math.Abs(w.Contribution-want) > 1e-12 || w.Evidence["co_reviewers"] != int32(1) {
		t.Errorf("contribution %v, evidence %v; want cosine %v from 1 co-reviewer", w.Contribution, w.Evidence, want)
	}
}

func TestParamsValidateAdverseSmoothing(t *testing.T) {
	p := DefaultParams()
	p.Weights.PeerAdverse, p.AdverseSmoothing = 0.1, 0
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "adverse_smoothing") {
		t.Errorf("err = %v, want adverse_smoothing named", err)
	}
	p.RecentHalfLifeDays = -1
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "recent_half_life_days") {
		t.Errorf("err = %v, want recent_half_life_days named", err)
	}
	p = DefaultParams()
	p.RecentMinRating = 3 // the projection indexes every review and the positive ones only
	if err := p.Validate(); err == nil || !strings.Contains(err.Error(), "recent_min_rating = 3") {
		t.Errorf("err = %v, want recent_min_rating named", err)
	}
}

func TestLikedPopulationScale(t *testing.T) {
	p := reviewedFixture(t)
	familySums := func(scale float64, liked []string) map[string]float64 {
		t.Helper()
		params := DefaultParams()
		params.Weights.PeerRating, params.HistoryWeights.PeerRating, params.LikedPopulationScale = 1, 1, scale
		r, err := New(params)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Rank(context.Background(), p, nil, Request{Profile: Profile{SkinType: "oily", LikedProducts: liked}, Limit: 10, Explain: ExplainFull})
		if err != nil {
			t.Fatal(err)
		}
		sums := map[string]float64{}
		for _, it := range res.Items {
			if it.Product.ID != "p04" {
				continue
			}
			for _, w := range it.Why {
				sums[w.Kind] += w.Contribution
			}
		}
		return sums
	}
	full := familySums(1, []string{"p05"})
	if full[KindPeer] == 0 || full[KindPrior] == 0 {
		t.Fatalf("p04 has no peer or prior contribution to scale: %v", full)
	}
	tests := []struct {
		name  string
		scale float64
		liked []string
		want  float64 // the factor on the peer and prior families
	}{
		{"liked products scale the population families", 0.25, []string{"p05"}, 0.25},
		{"scale 0 switches them off", 0, []string{"p05"}, 0},
		{"without liked products nothing changes", 0.25, nil, 1},
		{"unknown liked products count as none", 0.25, []string{"nope"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			base := full
			if len(tt.liked) == 0 || tt.liked[0] == "nope" {
				base = familySums(1, nil)
			}
			got := familySums(tt.scale, tt.liked)
			for _, kind := range []string{KindPeer, KindPrior} {
				if want := tt.want * base[kind]; math.Abs(got[kind]-want) > 1e-12 {
					t.Errorf("%s = %v, want %v (%v × %v)", kind, got[kind], want, tt.want, base[kind])
				}
			}
			if math.Abs(got[KindSafety]-base[KindSafety]) > 1e-12 {
				t.Errorf("safety = %v, want %v unscaled", got[KindSafety], base[KindSafety])
			}
		})
	}
}

func TestWeightsByRequestKind(t *testing.T) {
	p := reviewedFixture(t)
	// Cold-start requests rank by peer rating only, requests with history by the prior only:
	// which families explain a score says which weight set was used.
	params := DefaultParams()
	params.Weights = Weights{PeerRating: 1}
	params.HistoryWeights = Weights{Prior: 1}
	tests := []struct {
		name  string
		liked []string
		want  []string // the families with a non-zero contribution somewhere in the page
	}{
		{"cold start uses Weights", nil, []string{KindPeer}},
		{"a known liked product uses HistoryWeights", []string{"p05"}, []string{KindPrior}},
		{"unknown liked products are a cold start", []string{"nope"}, []string{KindPeer}},
	}
	rank := func(t *testing.T, r *Ranker, liked []string) Result {
		t.Helper()
		res, err := r.Rank(context.Background(), p, nil, Request{Profile: Profile{SkinType: "oily", LikedProducts: liked}, Limit: 10, Explain: ExplainFull})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	// One ranker serves every kind of request in turn (its per-projection caches must keep
	// the kinds apart); each result must equal that of a fresh ranker.
	shared, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	for _, round := range []int{1, 2} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("%s/round-%d", tt.name, round), func(t *testing.T) {
				fresh, err := New(params)
				if err != nil {
					t.Fatal(err)
				}
				got, want := rank(t, shared, tt.liked), rank(t, fresh, tt.liked)
				if len(got.Items) == 0 || len(got.Items) != len(want.Items) {
					t.Fatalf("%d items, fresh ranker %d", len(got.Items), len(want.Items))
				}
				for i := range got.Items {
					if got.Items[i].Product.ID != want.Items[i].Product.ID || got.Items[i].Score != want.Items[i].Score {
						t.Errorf("item %d = %s %v, fresh ranker %s %v", i, got.Items[i].Product.ID, got.Items[i].Score, want.Items[i].Product.ID, want.Items[i].Score)
					}
				}
				nonZero := map[string]bool{}
				for _, it := range got.Items {
					for _, w := range it.Why {
						if w.Contribution != 0 {
							nonZero[w.Kind] = true
						}
					}
				}
				var kinds []string
				for k := range nonZero {
					kinds = append(kinds, k)
				}
				slices.Sort(kinds)
				if diff := cmp.Diff(tt.want, kinds); diff != "" {
					t.Errorf("families with a contribution (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestValidateHistoryWeights(t *testing.T) {
	tests := []struct {
		name string
		set  func(*Params)
		want string
	}{
		{"negative history weight", func(p *Params) { p.HistoryWeights.CoReview = -1 }, "history_weights.co_review"},
		{"history adverse without smoothing", func(p *Params) { p.Weights.PeerAdverse, p.HistoryWeights.PeerAdverse, p.AdverseSmoothing = 0, 0.1, 0 }, "history_weights.peer_adverse"},
		{"cold-start weight", func(p *Params) { p.Weights.Prior = math.NaN() }, "weights.prior"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := DefaultParams()
			tt.set(&p)
			err := p.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %s named", err, tt.want)
			}
		})
	}
}

func TestHalfLifeByRequestKind(t *testing.T) {
	p := reviewedFixture(t)
	params := DefaultParams()
	params.Weights, params.HistoryWeights = Weights{Recent: 1}, Weights{Recent: 1}
	params.RecentHalfLifeDays, params.HistoryRecentHalfLifeDays = 0, 2
	r, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		liked []string
		want  float64 // the half-life the recent-volume reasons state
	}{
		{"cold start", nil, 0},
		{"with history", []string{"p05"}, 2},
		{"cold start again (the caches keep the kinds apart)", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Rank(context.Background(), p, nil, Request{Profile: Profile{LikedProducts: tt.liked}, Limit: 10, Explain: ExplainFull})
			if err != nil {
				t.Fatal(err)
			}
			seen := 0
			for _, it := range res.Items {
				for _, w := range it.Why {
					if h, ok := w.Evidence["half_life_days"]; ok {
						seen++
						if h != tt.want {
							t.Errorf("%s: half_life_days = %v, want %v", it.Product.ID, h, tt.want)
						}
					}
				}
			}
			if seen == 0 {
				t.Fatalf("no recent-volume reason in %d items", len(res.Items))
			}
		})
	}
}

// TestAdverseExcess: the harm demotion penalises only the product whose dry-skin adverse rate
// is above the catalogue's, by its relative excess. The fixture's skin-type outcomes hold 160
// reviews and 19 adverse reports (p01 1 of 50, p04 12 of 40, p05 0 of 30, p06 6 of 20, p07 0
// of 20): β = 19/160. With 10 pseudo-reviews p06's rate is (6 + 10β)/30 overall and
// (6 + 10·that)/30 among dry skin, so its term is −2 · (rate − β)/β; p07's and p01's rates are
// below β: 0, not a bonus.
func TestAdverseExcess(t *testing.T) {
	p := reviewedFixture(t)
	params := DefaultParams()
	params.Weights = Weights{AdverseExcess: 2}
	params.AdverseSmoothing = 10
	r, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Profile: Profile{SkinType: "dry"}, Limit: 10, Explain: ExplainFull}
	req.Filters.Categories = []string{"serum"}
	res, err := r.Rank(context.Background(), p, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, it := range res.Items {
		got[it.Product.ID] = it.Score
		sum := 0.0
		for _, w := range it.Why {
			sum += w.Contribution
		}
		if math.Abs(sum-it.Score) > 1e-12 {
			t.Errorf("%s: score %v != sum of its reasons %v", it.Product.ID, it.Score, sum)
		}
	}
	beta := 19.0 / 160
	rate := (6 + 10*(6+10*beta)/30) / 30
	want := map[string]float64{"p01": 0, "p02": 0, "p07": 0, "p06": -2 * (rate - beta) / beta}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
		t.Errorf("scores (-want +got):\n%s", diff)
	}
	params.AdverseSmoothing = 0
	if err := params.Validate(); err == nil || !strings.Contains(err.Error(), "weights.adverse_excess = 2") {
		t.Errorf("Validate() without smoothing = %v, want weights.adverse_excess named", err)
	}
}
