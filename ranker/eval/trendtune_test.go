package eval

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/ranker"
)

// TestTrendHalfLifeTunables checks round 10's search of the trend half-lives: the four
// tunables with their fixed grids and the tasks they change, that the search leaves a pair
// alone while no weight set reading it has the trend on, and that Combine takes the history
// pair with the history weights.
func TestTrendHalfLifeTunables(t *testing.T) {
	type grid struct {
		Values []float64
		Task   string
	}
	want := map[string]grid{
		"trend_short_half_life_days":         {[]float64{1, 3, 7}, taskCold},
		"trend_long_half_life_days":          {[]float64{14, 30, 60}, taskCold},
		"history_trend_short_half_life_days": {[]float64{1, 3, 7}, TaskHistory},
		"history_trend_long_half_life_days":  {[]float64{14, 30, 60}, TaskHistory},
	}
	got := map[string]grid{}
	p := ranker.DefaultParams()
	for _, tu := range tunables {
		if _, ok := want[tu.name]; ok {
			got[tu.name] = grid{tu.values(*tu.ptr(&p)), tu.task}
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("trend half-life tunables (-want +got):\n%s", diff)
	}
	// each tunable moves its own field
	for _, tu := range tunables {
		if _, ok := want[tu.name]; !ok {
			continue
		}
		q := ranker.DefaultParams()
		*tu.ptr(&q) = 2
		a := []float64{q.TrendShortHalfLifeDays, q.TrendLongHalfLifeDays, q.HistoryTrendShortHalfLifeDays, q.HistoryTrendLongHalfLifeDays}
		if n := countOf(a, 2); n != 1 {
			t.Errorf("%s set to 2: half-lives %v, want exactly one 2", tu.name, a)
		}
	}

	cold, hist := []string{"trend_short_half_life_days", "trend_long_half_life_days"}, []string{"history_trend_short_half_life_days", "history_trend_long_half_life_days"}
	concernOnly := ranker.DefaultParams()
	concernOnly.SetConcernWeights(ranker.Weights{Trend: 1})
	historyOnly := ranker.DefaultParams()
	historyOnly.HistoryWeights.Trend = 1
	coldOnly := ranker.DefaultParams()
	coldOnly.Weights.Trend = 1
	for _, tc := range []struct {
		name          string
		p             ranker.Params
		coldOff, hOff bool
	}{
		{"no trend", ranker.DefaultParams(), true, true},
		{"cold start", coldOnly, false, true},
		{"concern set (reads the cold-start pair)", concernOnly, false, true},
		{"history", historyOnly, true, false},
	} {
		for _, name := range cold {
			if got := trendHalfLifeOff(name, tc.p); got != tc.coldOff {
				t.Errorf("%s: trendHalfLifeOff(%s) = %v, want %v", tc.name, name, got, tc.coldOff)
			}
		}
		for _, name := range hist {
			if got := trendHalfLifeOff(name, tc.p); got != tc.hOff {
				t.Errorf("%s: trendHalfLifeOff(%s) = %v, want %v", tc.name, name, got, tc.hOff)
			}
		}
	}
	if trendHalfLifeOff("recent_half_life_days", ranker.DefaultParams()) {
		t.Error("trendHalfLifeOff(recent_half_life_days) = true, want false (not a trend half-life)")
	}

	a, b := ranker.DefaultParams(), ranker.DefaultParams()
	a.TrendShortHalfLifeDays, a.HistoryTrendShortHalfLifeDays, a.HistoryTrendLongHalfLifeDays = 1, 1, 14
	b.TrendShortHalfLifeDays, b.HistoryTrendShortHalfLifeDays, b.HistoryTrendLongHalfLifeDays = 7, 7, 60
	c := Combine(a, b)
	if g := []float64{c.TrendShortHalfLifeDays, c.HistoryTrendShortHalfLifeDays, c.HistoryTrendLongHalfLifeDays}; !cmp.Equal(g, []float64{1, 7, 60}) {
		t.Errorf("Combine: cold short, history short, history long = %v, want [1 7 60] (cold's pair, hist's history pair)", g)
	}
}

func countOf(a []float64, v float64) int {
	n := 0
	for _, x := range a {
		if x == v {
			n++
		}
	}
	return n
}
