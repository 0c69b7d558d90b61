package ranker

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// typedFixture is fixture plus reviews that state skin types: p01 has two positive reviews
// today (oily, dry), p02 four oily ones 14 days ago, p03 a dry one yesterday and a 3-star
// oily one (not positive) two days ago.
func typedFixture(t testing.TB) *graph.Projection {
	t.Helper()
	b := fixtureBuilder()
	last := time.Date(2023, 1, 31, 0, 0, 0, 0, time.UTC)
	day := func(n int) time.Time { return last.AddDate(0, 0, -n) }
	for _, r := range []struct {
		reviewer, product, skin string
		rating, daysAgo         int
	}{
		{"u1", "p01", "oily", 5, 0}, {"u2", "p01", "dry", 4, 0},
		{"u3", "p02", "oily", 4, 14}, {"u4", "p02", "oily", 5, 14}, {"u5", "p02", "oily", 4, 14}, {"u6", "p02", "oily", 4, 14},
		{"u7", "p03", "dry", 5, 1}, {"u8", "p03", "oily", 3, 2},
	} {
		b.AddTypedReview(r.reviewer, r.product, r.rating, day(r.daysAgo), r.skin)
	}
	p, err := b.Build(graph.DataVersion{N: 9})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestRecentScales(t *testing.T) {
	p := typedFixture(t)
	scales := func(k int, peer bool) Params {
		params := DefaultParams()
		params.Weights = Weights{}
		if peer {
			params.Weights.PeerRecentScales[k] = 1
		} else {
			params.Weights.RecentScales[k] = 1
		}
		params.HistoryWeights = params.Weights
		return params
	}
	tests := []struct {
		name    string
		params  Params
		profile Profile
		want    map[string]float64 // score of every scored product
		order   []string
		kind    string
		text    string // a phrase of the first item's reason
	}{
		{
			name: "1-day half-life: today's two reviews lead",
			// p01 2, p03 2^-1, p02 4·2^-14; max 2
			params: scales(0, false),
			want:   map[string]float64{"p01": 1, "p03": 0.25, "p02": 2 * math.Exp2(-14)},
			order:  []string{"p01", "p03", "p02"}, kind: KindPrior,
			text: "2 reviews rated 4 stars or more here; counting each half as much for every 1 days before the latest review (2023-01-31), 2.00, against 2.00",
		},
		{
			name: "30-day half-life: the four older reviews lead",
			// p02 4·2^(-14/30), p01 2, p03 2^(-1/30)
			params: scales(4, false),
			want: map[string]float64{"p02": 1, "p01": 2 / (4 * math.Exp2(-14.0/30)),
				"p03": math.Exp2(-1.0/30) / (4 * math.Exp2(-14.0/30))},
			order: []string{"p02", "p01", "p03"}, kind: KindPrior,
			text: "4 reviews rated 4 stars or more here",
		},
		{
			name: "peer recency counts only the profile's skin type, positive reviews",
			// oily: p01 1 (u1), p02 4·2^-14, p03 0 (u8's 3 stars left out)
			params: scales(0, true), profile: Profile{SkinType: "oily"},
			want:  map[string]float64{"p01": 1, "p02": 4 * math.Exp2(-14)},
			order: []string{"p01", "p02"}, kind: KindPeer,
			text: "1 reviewer rated it 4 stars or more, people with oily skin; counting each half as much for every 1 days",
		},
		{
			name:   "peer recency needs a skin type",
			params: scales(0, true),
			want:   map[string]float64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.params)
			if err != nil {
				t.Fatal(err)
			}
			res, err := r.Rank(context.Background(), p, nil, Request{Profile: tt.profile, Limit: 10, Explain: ExplainFull})
			if err != nil {
				t.Fatal(err)
			}
			got, order := familyScores(t, res, ofKind(tt.kind))
			for id, score := range got {
				want, ok := tt.want[id]
				if !ok || math.Abs(score-want) > 1e-12 {
					t.Errorf("%s: score %v, want %v (listed %v)", id, score, want, ok)
				}
			}
			if len(order) != len(tt.want) || (tt.order != nil && !slices.Equal(order, tt.order)) {
				t.Fatalf("scored = %v, want %v", order, tt.order)
			}
			if tt.text != "" && !strings.Contains(res.Items[0].Why[0].Text, tt.text) {
				t.Errorf("first reason %q, want it to contain %q", res.Items[0].Why[0].Text, tt.text)
			}
		})
	}
}

func TestRecentScalesValidate(t *testing.T) {
	p := DefaultParams()
	p.HistoryWeights.PeerRecentScales[2] = -1
	err := p.Validate()
	if err == nil || !strings.Contains(err.Error(), "history_weights.peer_recent_scales[2] (half-life 7 d) = -1") {
		t.Fatalf("Validate() = %v, want the negative peer_recent_scales[2] named", err)
	}
}

// TestScoresMatchRank: Scores gives every ranked product the score Rank gives it, and NaN to
// the products the request leaves out.
func TestScoresMatchRank(t *testing.T) {
	p := typedFixture(t)
	params := DefaultParams()
	params.Weights.RecentScales = [NumRecentScales]float64{1, 0, 0.5, 0, 0.2}
	params.Weights.PeerRecentScales = [NumRecentScales]float64{0, 1, 0, 0, 0.3}
	r, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Profile: Profile{SkinType: "oily", DislikedProducts: []string{"p02"}}, Limit: MaxLimit}
	res, err := r.Rank(context.Background(), p, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	scores, err := r.Scores(context.Background(), p, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, it := range res.Items {
		x := slices.IndexFunc(p.Products, func(q graph.ProjectedProduct) bool { return q.ID == it.Product.ID })
		if scores[x] != it.Score {
			t.Errorf("%s: Scores %v, Rank %v", it.Product.ID, scores[x], it.Score)
		}
		seen++
	}
	nan := 0
	for _, s := range scores {
		if math.IsNaN(s) {
			nan++
		}
	}
	if seen+nan != len(p.Products) || nan == 0 {
		t.Errorf("%d ranked + %d left out, want %d products with p02 left out", seen, nan, len(p.Products))
	}
}
