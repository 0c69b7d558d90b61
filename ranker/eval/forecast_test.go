package eval

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

func TestNonNegativeLeastSquares(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var xs [][]float64
	for range 50 {
		xs = append(xs, []float64{rng.Float64(), rng.Float64(), rng.Float64()})
	}
	target := func(f func(x []float64) float64) []float64 {
		var ys []float64
		for _, x := range xs {
			ys = append(ys, f(x))
		}
		return ys
	}
	tests := []struct {
		name  string
		ys    []float64
		want  []float64 // exactly, when not nil
		zero  []int     // columns that must get 0
		exact bool      // residual 0
	}{
		{"exact and positive", target(func(x []float64) float64 { return 2*x[0] + 0.5*x[2] + 3 }), []float64{2, 0, 0.5}, nil, true},
		// ordinary least squares would give x[1] a negative weight: it gets 0, the others stay positive
		{"a negative column", target(func(x []float64) float64 { return 2*x[0] - x[1] }), nil, []int{1}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, rss, ok := nonNegativeLeastSquares(xs, tt.ys)
			if !ok {
				t.Fatal("no fit")
			}
			for c, v := range tt.want {
				if math.Abs(w[c]-v) > 1e-9 {
					t.Errorf("w = %v, want %v", w, tt.want)
				}
			}
			for _, c := range tt.zero {
				if w[c] != 0 {
					t.Errorf("w[%d] = %v, want 0", c, w[c])
				}
			}
			for c, v := range w {
				if v < 0 {
					t.Errorf("w[%d] = %v < 0", c, v)
				}
			}
			if tt.exact != (rss < 1e-12) {
				t.Errorf("residual sum of squares %v, want exact %v", rss, tt.exact)
			}
		})
	}
}

func TestFitRecentScales(t *testing.T) {
	start := time.Date(2023, 1, 2, 0, 0, 0, 0, time.UTC)
	var reviews []graph.Review
	add := func(product string, day, rating int) {
		reviews = append(reviews, graph.Review{ID: fmt.Sprintf("r%d", len(reviews)), Reviewer: fmt.Sprintf("u%d", len(reviews)),
			ProductID: product, Rating: rating, At: start.AddDate(0, 0, day)})
	}
	// a steady seller, a product in a two-week burst, a slow one, and negative reviews that
	// must not count
	for d := range 40 {
		add("steady", d, 5)
		if d >= 10 && d < 24 {
			add("burst", d, 4)
			add("burst", d, 5)
		}
		if d%7 == 0 {
			add("slow", d, 5)
		}
		add("hated", d, 1)
	}
	f, err := FitRecentScales(reviews, 7)
	if err != nil {
		t.Fatal(err)
	}
	// days Jan 9 .. Feb 4: 7 days of reviews before each and 7 after, in a 40-day span
	if f.Days != 40-2*7+1 {
		t.Errorf("days = %d, want %d", f.Days, 40-2*7+1)
	}
	// every day the three products with positive reviews are rows ("hated" has none)
	if f.Rows != 3*f.Days {
		t.Errorf("rows = %d, want %d", f.Rows, 3*f.Days)
	}
	if m := slices.Max(f.Weights[:]); m != 1 {
		t.Errorf("weights %v: want the largest 1", f.Weights)
	}
	for k, v := range f.Weights {
		if v < 0 {
			t.Errorf("weight %d = %v < 0", k, v)
		}
	}
	// the bursts' start and end cannot be foreseen, the steady and slow sellers can
	if f.R2 <= 0 || f.R2 > 1 {
		t.Errorf("R2 = %v, want a fit that explains part of the target", f.R2)
	}
	again, err := FitRecentScales(reviews, 7)
	if err != nil || again != f {
		t.Errorf("not deterministic: %+v then %+v (%v)", f, again, err)
	}
	// the fitted set ranks like the ranker would read it: a valid cold-start set
	p := ranker.DefaultParams()
	p.Weights = ranker.Weights{RecentScales: f.Weights}
	if err := p.Validate(); err != nil {
		t.Errorf("fitted weights invalid: %v", err)
	}

	for _, tt := range []struct {
		name    string
		reviews []graph.Review
		horizon int
		want    string
	}{
		{"no horizon", reviews, 0, "horizon 0 days"},
		{"no positive review", reviews[len(reviews)-1:], 7, "no positive review"},
		{"too short", reviews[:12], 7, "too few to fit"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FitRecentScales(tt.reviews, tt.horizon)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestChooseForecastTooFewToFit: when a validation split's train reviews are too few to fit
// the forecaster on (the fixture's, all on one day), the ensemble stays and the figures are the
// tuned parameters' own.
func TestChooseForecastTooFewToFit(t *testing.T) {
	proj := fixture(t)
	valid := []graph.Review{rv("d1", "p3", 5, "dry"), rv("o1", "p1", 5, "oily"), rv("u1", "p3", 5, "oily")}
	in := Input{Proj: proj, Train: trainReviews, Test: valid}
	best := WithFixedColdStart(ranker.DefaultParams())
	choice, figures, err := ChooseForecast(context.Background(), []Split{{In: in}}, best, 7)
	if err != nil {
		t.Fatal(err)
	}
	if choice.Chosen || len(choice.Fits) != 0 || choice.HorizonDays != 7 {
		t.Errorf("choice %+v: want the ensemble, no fit, horizon 7", choice)
	}
	want, err := TuneWith(context.Background(), in, best, 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(figures) != 1 || figures[0].Parts[TaskProfile] != want.Parts[TaskProfile] || figures[0].Params.Weights != ColdStartEnsemble() {
		t.Errorf("figures %+v: want the ensemble's, profile part %v", figures, want.Parts[TaskProfile])
	}
	if len(choice.EnsembleParts) != 1 || choice.EnsembleParts[0] != want.Parts[TaskProfile] {
		t.Errorf("ensemble parts %v, want [%v]", choice.EnsembleParts, want.Parts[TaskProfile])
	}
}
