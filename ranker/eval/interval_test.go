package eval

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestBootstrapRatio(t *testing.T) {
	noisy := func(n int, seed uint64, scale float64) (a, b []float64) {
		rng := rand.New(rand.NewPCG(seed, 1))
		for range n {
			x := rng.Float64()
			a, b = append(a, x*1.1+scale*(rng.Float64()-0.5)), append(b, x)
		}
		return a, b
	}
	a1, b1 := noisy(400, 1, 0.2)
	a2, b2 := noisy(400, 1, 1.0)
	tests := []struct {
		name         string
		a, b         []float64
		goal         float64
		ok           bool
		ratio        float64 // the point ratio, exactly
		lo, hi       float64 // the interval, exactly, when both > 0
		atGoal       float64 // the share at goal, exactly, when >= 0
		checkBetween bool    // else lo <= ratio <= hi only
	}{
		// the same figures on every query: every resample's ratio is 1
		{"equal", []float64{0.2, 0.5, 0, 1}, []float64{0.2, 0.5, 0, 1}, 1.02, true, 1, 1, 1, 0, false},
		// twice as good on every query: 2 in every resample, always at the goal
		{"twice", []float64{0.4, 1, 0.2}, []float64{0.2, 0.5, 0.1}, 1.10, true, 2, 2, 2, 1, false},
		{"one query", []float64{1}, []float64{1}, 1, false, 0, 0, 0, 0, false},
		{"lengths differ", []float64{1, 1}, []float64{1}, 1, false, 0, 0, 0, 0, false},
		{"baseline all zero", []float64{1, 0.5}, []float64{0, 0}, 1, false, 0, 0, 0, 0, false},
		{"noisy", a1, b1, 1.10, true, -1, -1, -1, -1, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := BootstrapRatio(tt.a, tt.b, tt.goal, 7)
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v", ok, tt.ok)
			}
			if !ok {
				return
			}
			if tt.ratio >= 0 && math.Abs(got.Ratio-tt.ratio) > 1e-12 {
				t.Errorf("ratio = %v, want %v", got.Ratio, tt.ratio)
			}
			if tt.lo > 0 && (math.Abs(got.Lo-tt.lo) > 1e-12 || math.Abs(got.Hi-tt.hi) > 1e-12) {
				t.Errorf("interval [%v, %v], want [%v, %v]", got.Lo, got.Hi, tt.lo, tt.hi)
			}
			if tt.atGoal >= 0 && got.AtGoal != tt.atGoal {
				t.Errorf("share at goal %v, want %v", got.AtGoal, tt.atGoal)
			}
			if !(got.Lo <= got.Ratio && got.Ratio <= got.Hi) || got.Goal != tt.goal {
				t.Errorf("%+v: want lo <= ratio <= hi and goal %v", got, tt.goal)
			}
			if tt.checkBetween && (got.Lo >= got.Hi || got.AtGoal <= 0 || got.AtGoal >= 1) {
				t.Errorf("noisy: %+v, want a proper interval and a share at goal strictly between 0 and 1", got)
			}
			again, _ := BootstrapRatio(tt.a, tt.b, tt.goal, 7)
			if again != got {
				t.Errorf("not reproducible: %+v then %+v", got, again)
			}
		})
	}
	// more noise on the same queries: a wider interval
	narrow, _ := BootstrapRatio(a1, b1, 1.1, 7)
	wide, _ := BootstrapRatio(a2, b2, 1.1, 7)
	if wide.Hi-wide.Lo <= narrow.Hi-narrow.Lo {
		t.Errorf("interval with more noise [%v, %v] not wider than [%v, %v]", wide.Lo, wide.Hi, narrow.Lo, narrow.Hi)
	}
	// about 1.1 in truth; the resamples centre on the point ratio: about half are at or above it
	mid, _ := BootstrapRatio(a1, b1, narrow.Ratio, 7)
	if mid.AtGoal < 0.35 || mid.AtGoal > 0.65 || math.Abs(narrow.Ratio-1.1) > 0.02 {
		t.Errorf("noisy ratio %v, share at or above it %v: want about 1.1 and a share near one half", narrow.Ratio, mid.AtGoal)
	}
}

func TestQuantile(t *testing.T) {
	xs := []float64{1, 2, 3, 4, 5}
	for _, tt := range []struct{ q, want float64 }{{0, 1}, {0.5, 3}, {1, 5}, {0.125, 1.5}, {0.975, 4.9}} {
		if got := quantile(xs, tt.q); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("quantile(%v) = %v, want %v", tt.q, got, tt.want)
		}
	}
}
