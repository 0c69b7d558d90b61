package graph

import (
	"math"
	"time"

	"gonum.org/v1/gonum/stat/distuv"
)

// The figures of an experiment. A recommendation answer's items are counted when the client
// reports them: an impression is one (recommendation id, product) pair that an attributed
// event (view, click, add_to_cart, purchase) names, counted once whatever and however many
// events name it, on the day of its first event (UTC). Each action is counted at most once per
// impression, so that every rate below is a proportion of impressions:
//
//	CTR             clicks / impressions
//	add-to-cart     add_to_cart / impressions
//	conversion      purchases / impressions

// AttributionCounts are the counts of one variant (on one day, or in all).
type AttributionCounts struct {
	Impressions int64
	Views       int64
	Clicks      int64
	AddToCarts  int64
	Purchases   int64
}

// Add adds o to c.
func (c *AttributionCounts) Add(o AttributionCounts) {
	c.Impressions += o.Impressions
	c.Views += o.Views
	c.Clicks += o.Clicks
	c.AddToCarts += o.AddToCarts
	c.Purchases += o.Purchases
}

// VariantDay is the counts of one variant of an experiment on one day.
type VariantDay struct {
	Variant string
	Day     time.Time // midnight UTC
	AttributionCounts
}

// Proportion is a rate of successes in trials with its Wilson score interval at 95 %.
type Proportion struct {
	Successes, Trials int64
	Rate              float64 // 0 when there are no trials
	Low, High         float64 // the interval; 0 and 1 when there are no trials
}

// z95 is the standard normal quantile of 0.975.
var z95 = distuv.UnitNormal.Quantile(0.975)

// Wilson returns x successes in n trials with their Wilson score interval at 95 %.
func Wilson(x, n int64) Proportion {
	p := Proportion{Successes: x, Trials: n, Low: 0, High: 1}
	if n <= 0 {
		return p
	}
	nf, ph, z2 := float64(n), float64(x)/float64(n), z95*z95
	p.Rate = ph
	den := 1 + z2/nf
	centre := (ph + z2/(2*nf)) / den
	half := z95 * math.Sqrt(ph*(1-ph)/nf+z2/(4*nf*nf)) / den
	p.Low, p.High = math.Max(0, centre-half), math.Min(1, centre+half)
	return p
}

// Comparison is a two-proportion z-test of a variant's rate against the control's.
type Comparison struct {
	Diff float64 // the variant's rate minus the control's
	Z    float64
	P    float64 // two-sided p-value; 1 when the test cannot be made (no trials, or no variance)
}

// CompareProportions tests b against control a with the pooled two-proportion z-test.
func CompareProportions(a, b Proportion) Comparison {
	c := Comparison{Diff: b.Rate - a.Rate, P: 1}
	if a.Trials == 0 || b.Trials == 0 {
		return c
	}
	pool := float64(a.Successes+b.Successes) / float64(a.Trials+b.Trials)
	se := math.Sqrt(pool * (1 - pool) * (1/float64(a.Trials) + 1/float64(b.Trials)))
	if se == 0 {
		return c
	}
	c.Z = c.Diff / se
	c.P = 2 * distuv.UnitNormal.CDF(-math.Abs(c.Z))
	return c
}
