package ranker

import (
	"fmt"
)

// TrendShortDays and TrendLongDays are the default half-lives, in days, of the trend family
// (Weights.Trend): a product's share of the short-term review volume against its share of
// the long-term one. Params.TrendShortHalfLifeDays and TrendLongHalfLifeDays (and their
// History… pair) set them; they were fixed at these values before round 10.
const (
	TrendShortDays = 3.0
	TrendLongDays  = 30.0
)

// trendTerms holds, for one projection, the largest short- and long-term review volumes of
// any product and each product's trend, v_s/max v_s − v_l/max v_l (nil when Weights.Trend is 0).
type trendTerms struct {
	maxShort, maxLong float64
	value             []float64
}

// trendVolumes are x's review volumes, every review (any rating) counted 2^(−age/h) at the
// short and the long half-life, in the order of its review ages.
func (pl *plan) trendVolumes(x int32) (short, long float64, n int) {
	ages := pl.proj.ReviewAges(x)
	short, _ = scaleVolume(ages, nil, -1, pl.params.TrendShortHalfLifeDays)
	long, _ = scaleVolume(ages, nil, -1, pl.params.TrendLongHalfLifeDays)
	return short, long, len(ages)
}

// computeTrend fills tt for the projection when the weight set uses the trend family.
func (pl *plan) computeTrend(tt *trendTerms) {
	if pl.params.Weights.Trend == 0 {
		return
	}
	n := len(pl.proj.Products)
	short, long := make([]float64, n), make([]float64, n)
	for x := range n {
		short[x], long[x], _ = pl.trendVolumes(int32(x))
		tt.maxShort, tt.maxLong = max(tt.maxShort, short[x]), max(tt.maxLong, long[x])
	}
	tt.value = make([]float64, n)
	for x := range n {
		tt.value[x] = trendValue(short[x], long[x], tt.maxShort, tt.maxLong)
	}
}

// trendValue is v_s/max v_s − v_l/max v_l, each part 0 when its maximum is 0.
func trendValue(short, long, maxShort, maxLong float64) float64 {
	return share(short, maxShort) - share(long, maxLong)
}

// share is v / m, 0 when m is 0 (every volume underflows to 0 when the reviews are years old).
func share(v, m float64) float64 {
	if m > 0 {
		return v / m
	}
	return 0
}

// trendWhy explains x's trend (kind prior): rising when its share of the last days' reviews
// is above its share of the last months', fading when below.
func (pl *plan) trendWhy(x int32, productNode NodeRef, add func(Why)) {
	w := pl.params.Weights.Trend
	if w == 0 || pl.priors == nil || pl.priors.trend.value == nil {
		return
	}
	tt := &pl.priors.trend
	short, long, n := pl.trendVolumes(x)
	if n == 0 {
		return
	}
	t := trendValue(short, long, tt.maxShort, tt.maxLong)
	if t == 0 {
		return
	}
	latest := pl.proj.LastReviewAt().UTC().Format("2006-01-02")
	way := "rising"
	if t < 0 {
		way = "fading"
	}
	s, l := share(short, tt.maxShort), share(long, tt.maxLong)
	add(Why{
		Kind: KindPrior, Contribution: pl.population * w * t,
		Text: fmt.Sprintf("Trend, %s: %s here; counting each half as much for every %g days before the latest review (%s) it has %.0f %% of the largest such volume of any product; for every %g days, %.0f %%",
			way, plural(n, "review"), pl.params.TrendShortHalfLifeDays, latest, 100*s, pl.params.TrendLongHalfLifeDays, 100*l),
		Path:   Path{Nodes: []NodeRef{productNode}},
		Cypher: trendCypher(quote(pl.proj.Products[x].ID), pl.params.TrendShortHalfLifeDays, pl.params.TrendLongHalfLifeDays),
		Evidence: map[string]any{"reviews": n, "short_half_life_days": pl.params.TrendShortHalfLifeDays, "long_half_life_days": pl.params.TrendLongHalfLifeDays,
			"short_volume": short, "long_volume": long, "max_short_volume": tt.maxShort, "max_long_volume": tt.maxLong,
			"trend": t, "latest_review": latest},
	})
}

// trendCypher is the query that reads product id's (a quoted literal) trend volumes from its
// REVIEWED edges: the review count and the volumes at both half-lives (days).
func trendCypher(id string, short, long float64) string {
	return fmt.Sprintf(`MATCH path = (x:Product {id: %s})
CALL () { MATCH (:Reviewer)-[r:REVIEWED]->(:Product) RETURN max(r.at) AS latest }
CALL (x, latest) {
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(x)
  WITH latest.epochSeconds - r.at.epochSeconds AS age ORDER BY age
  WITH collect(age) AS ages
  RETURN size(ages) AS reviews,
         reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / %g)) AS short_volume,
         reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / %g)) AS long_volume
}
RETURN path, reviews, short_volume, long_volume`, id, short, long)
}
