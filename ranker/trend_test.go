package ranker

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/graph"
)

// TestTrend checks the trend family by hand on typedFixture (every review counts, any rating):
// ages in days p01 {0, 0}, p02 {14 ×4}, p03 {1, 2}.
func TestTrend(t *testing.T) {
	p := typedFixture(t)
	short := map[string]float64{"p01": 2, "p02": 4 * math.Exp2(-14.0/3), "p03": math.Exp2(-1.0/3) + math.Exp2(-2.0/3)}
	long := map[string]float64{"p01": 2, "p02": 4 * math.Exp2(-14.0/30), "p03": math.Exp2(-1.0/30) + math.Exp2(-2.0/30)}
	maxShort, maxLong := short["p01"], long["p02"]
	want := map[string]float64{}
	for id := range short {
		want[id] = 0.5 * (short[id]/maxShort - long[id]/maxLong)
	}
	params := DefaultParams()
	params.Weights = Weights{Trend: 0.5}
	params.HistoryWeights = params.Weights
	r, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	req := Request{Limit: MaxLimit, Explain: ExplainFull}
	res, got := rankTrend(t, r, p, req, nil)
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("trend scores (-want +got):\n%s", diff)
	}
	// p01 rises (all its reviews today), p02 fades (four reviews two weeks ago)
	for _, it := range res.Items {
		switch it.Product.ID {
		case "p01":
			if !strings.Contains(it.Why[0].Text, "Trend, rising: 2 reviews here; counting each half as much for every 3 days before the latest review (2023-01-31) it has 100 % of the largest such volume of any product; for every 30 days, 69 %") {
				t.Errorf("p01: %q", it.Why[0].Text)
			}
		case "p02":
			if !strings.HasPrefix(it.Why[0].Text, "Trend, fading: 4 reviews") {
				t.Errorf("p02: %q", it.Why[0].Text)
			}
		}
	}
	scores, err := r.Scores(context.Background(), p, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	for x, s := range scores {
		if id := p.Products[x].ID; math.Abs(s-want[id]) > 1e-12 {
			t.Errorf("Scores[%s] = %v, want %v", id, s, want[id])
		}
	}
	params.Weights.Trend = -1
	if err := params.Validate(); err == nil || !strings.Contains(err.Error(), "weights.trend = -1") {
		t.Errorf("Validate() = %v, want the negative trend weight named", err)
	}
}

// TestTrendHalfLives checks that the trend reads its half-lives from the parameters of the
// request's kind (Params.TrendShortHalfLifeDays/TrendLongHalfLifeDays without history, the
// History… pair with history), in its scores, its reason and its evidence, and that
// Validate refuses a half-life of 0.
func TestTrendHalfLives(t *testing.T) {
	p := typedFixture(t)
	ages := map[string][]float64{"p01": {0, 0}, "p02": {14, 14, 14, 14}, "p03": {1, 2}}
	volume := func(id string, h float64) float64 {
		v := 0.0
		for _, a := range ages[id] {
			v += math.Exp2(-a / h)
		}
		return v
	}
	params := DefaultParams()
	params.Weights = Weights{Trend: 0.5}
	params.HistoryWeights = params.Weights
	params.TrendShortHalfLifeDays, params.TrendLongHalfLifeDays = 1, 14
	params.HistoryTrendShortHalfLifeDays, params.HistoryTrendLongHalfLifeDays = 7, 60
	r, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name        string
		liked       []string
		short, long float64
	}{
		{"cold start", nil, 1, 14},
		{"with history", []string{"p03"}, 7, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			maxShort, maxLong := 0.0, 0.0
			for id := range ages {
				maxShort, maxLong = max(maxShort, volume(id, tc.short)), max(maxLong, volume(id, tc.long))
			}
			req := Request{Limit: MaxLimit, Explain: ExplainFull}
			req.Profile.LikedProducts = tc.liked
			res, got := rankTrend(t, r, p, req, func(w Why) error {
				if !strings.Contains(w.Text, fmt.Sprintf("every %g days before", tc.short)) || !strings.Contains(w.Text, fmt.Sprintf("for every %g days, ", tc.long)) {
					return fmt.Errorf("want half-lives %g and %g in the text", tc.short, tc.long)
				}
				if w.Evidence["short_half_life_days"] != tc.short || w.Evidence["long_half_life_days"] != tc.long {
					return fmt.Errorf("evidence half-lives %v, %v, want %g, %g", w.Evidence["short_half_life_days"], w.Evidence["long_half_life_days"], tc.short, tc.long)
				}
				return nil
			})
			want := map[string]float64{}
			for _, it := range res.Items {
				id := it.Product.ID
				if v := 0.5 * (volume(id, tc.short)/maxShort - volume(id, tc.long)/maxLong); v != 0 {
					want[id] = v // familyScores skips the products that score 0
				}
			}
			if len(want) < 2 {
				t.Fatalf("%d products ranked, want at least 2", len(want))
			}
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("trend scores (-want +got):\n%s", diff)
			}
		})
	}
	params.HistoryTrendLongHalfLifeDays = 0
	if err := params.Validate(); err == nil || !strings.Contains(err.Error(), "history_trend_long_half_life_days = 0") {
		t.Errorf("Validate() = %v, want the zero half-life named", err)
	}
}

// rankTrend ranks req and returns the result and each product's trend score, failing unless
// every reason it counts is a trend reason that check (if any) accepts.
func rankTrend(t *testing.T, r *Ranker, p *graph.Projection, req Request, check func(Why) error) (Result, map[string]float64) {
	t.Helper()
	res, err := r.Rank(context.Background(), p, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := familyScores(t, res, func(w Why) error {
		if w.Kind != KindPrior || !strings.HasPrefix(w.Text, "Trend, ") {
			return errors.New("want a trend reason")
		}
		if check != nil {
			return check(w)
		}
		return nil
	})
	return res, got
}
