package eval

import (
	"context"
	"math"
	"reflect"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/ranker"
)

// meanWeights is the element-wise mean of ws, every float64 field and every element of every
// float64 array field (computed by reflection, independently of the tunables BagParams walks).
func meanWeights(t *testing.T, ws []ranker.Weights) ranker.Weights {
	t.Helper()
	var out ranker.Weights
	o := reflect.ValueOf(&out).Elem()
	for f := range o.NumField() {
		field := o.Field(f)
		switch field.Kind() {
		case reflect.Float64:
			sum := 0.0
			for _, w := range ws {
				sum += reflect.ValueOf(w).Field(f).Float()
			}
			field.SetFloat(sum / float64(len(ws)))
		case reflect.Array:
			for k := range field.Len() {
				sum := 0.0
				for _, w := range ws {
					sum += reflect.ValueOf(w).Field(f).Index(k).Float()
				}
				field.Index(k).SetFloat(sum / float64(len(ws)))
			}
		default:
			t.Fatalf("ranker.Weights field %s of kind %s: the test does not average it", o.Type().Field(f).Name, field.Kind())
		}
	}
	return out
}

// TestBagSearch: the bagged search on the two validation weeks of the fixture takes the mean
// of the per-resample searches' weight sets (each resample's search recomputed here on its
// own, the mean computed field by field), votes the other parameters, is the same run after
// run and at any concurrency, and with no resample is the full-data search's result itself.
func TestBagSearch(t *testing.T) {
	a, b := twoWeeks(t)
	splits := []Split{a, b}
	ctx := context.Background()
	base := ranker.DefaultParams()
	search := func(ctx context.Context, sp []Split) (ranker.Params, error) {
		r, err := TuneOn(ctx, sp, base, 2)
		return r.Params, err
	}
	full, err := TuneOn(ctx, splits, base, 2)
	if err != nil {
		t.Fatal(err)
	}
	seed := func(i, s int) int64 { return BagSeed(1, s, i) }
	for _, tt := range []struct {
		name        string
		b, parallel int
	}{
		{"no bag", 0, 1},
		{"one resample", 1, 1},
		{"three resamples", 3, 1},
		{"three resamples, two at once", 3, 2},
		{"five resamples, three at once", 5, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			BagConcurrency = tt.parallel
			defer func() { BagConcurrency = 1 }()
			got, err := Bag(ctx, splits, full.Params, tt.b, seed, search)
			if err != nil {
				t.Fatal(err)
			}
			if tt.b == 0 {
				if diff := cmp.Diff(full.Params, got.Params); diff != "" {
					t.Errorf("no bag: params (-full-data search +bag):\n%s", diff)
				}
				if len(got.Resamples) != 0 || len(got.Spread) != 0 {
					t.Errorf("no bag: %d resamples, %d spread rows, want none", len(got.Resamples), len(got.Spread))
				}
				return
			}
			// each resample's search, recomputed here
			var want []ranker.Params
			for i := 1; i <= tt.b; i++ {
				sp := []Split{a, b}
				for s := range sp {
					sp[s].Bootstrap, sp[s].Seed = true, BagSeed(1, s, i)
				}
				r, err := TuneOn(ctx, sp, base, 2)
				if err != nil {
					t.Fatal(err)
				}
				want = append(want, r.Params)
			}
			if diff := cmp.Diff(want, got.Resamples); diff != "" {
				t.Errorf("the resamples' searches (-recomputed +bag):\n%s", diff)
			}
			approx := cmpopts.EquateApprox(0, 1e-12)
			for _, set := range []struct {
				name string
				of   func(ranker.Params) ranker.Weights
			}{
				{"weights", func(p ranker.Params) ranker.Weights { return p.Weights }},
				{"history_weights", func(p ranker.Params) ranker.Weights { return p.HistoryWeights }},
				{"concern_weights", func(p ranker.Params) ranker.Weights { return p.ConcernSet() }},
			} {
				var ws []ranker.Weights
				for _, p := range want {
					ws = append(ws, set.of(p))
				}
				if diff := cmp.Diff(meanWeights(t, ws), set.of(got.Params), approx); diff != "" {
					t.Errorf("%s (-mean of the resamples' +bag):\n%s", set.name, diff)
				}
			}
			var halfLives []float64
			for _, p := range want {
				halfLives = append(halfLives, p.RecentHalfLifeDays)
			}
			if v := vote(halfLives, full.Params.RecentHalfLifeDays); got.Params.RecentHalfLifeDays != v {
				t.Errorf("recent half-life %v, want the vote of %v (full-data search %v): %v", got.Params.RecentHalfLifeDays, halfLives, full.Params.RecentHalfLifeDays, v)
			}
			again, err := Bag(ctx, splits, full.Params, tt.b, seed, search)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got.Params, again.Params); diff != "" {
				t.Errorf("a second run (-first +second):\n%s", diff)
			}
			for _, s := range got.Spread {
				t.Logf("spread %s", s)
			}
		})
	}
}

// TestBagResample: a bootstrap resample has as many queries as the split, drawn from them,
// the same for a seed and task, and another draw for another seed or task; a resampled
// split's search ranks the drawn queries (their count is the split's).
func TestBagResample(t *testing.T) {
	a, _ := twoWeeks(t)
	qs, err := Queries(TaskProfile, a.In)
	if err != nil {
		t.Fatal(err)
	}
	if len(qs) < 4 {
		t.Fatalf("%d profile queries in the fixture: too few to resample", len(qs))
	}
	authors := func(qs []Query) []string {
		var out []string
		for _, q := range qs {
			out = append(out, q.Author)
		}
		return out
	}
	orig := authors(qs)
	one := authors(Resample(qs, 7, TaskProfile))
	if len(one) != len(qs) {
		t.Fatalf("resample of %d queries has %d", len(qs), len(one))
	}
	for _, au := range one {
		if !slices.Contains(orig, au) {
			t.Errorf("resample holds %q, not a query of the split %v", au, orig)
		}
	}
	if diff := cmp.Diff(one, authors(Resample(qs, 7, TaskProfile))); diff != "" {
		t.Errorf("the same seed drew other queries (-first +second):\n%s", diff)
	}
	differs := func(x []string) bool { return !slices.Equal(x, one) }
	if !differs(authors(Resample(qs, 8, TaskProfile))) && !differs(authors(Resample(qs, 9, TaskProfile))) {
		t.Errorf("seeds 7, 8 and 9 drew the same queries %v", one)
	}
	if !differs(authors(Resample(qs, 7, TaskHistory))) && !differs(authors(Resample(qs, 7, TaskConcern))) {
		t.Errorf("every task drew the same queries for seed 7: %v", one)
	}
	if slices.Equal(one, orig) {
		t.Errorf("seed 7 drew the split's queries unchanged (%v): want a draw with replacement", orig)
	}
	if Resample(nil, 7, TaskProfile) != nil {
		t.Error("a resample of no query: want none")
	}
	r, err := TuneOn(context.Background(), Resampled([]Split{a}, func(int) int64 { return 7 }), ranker.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := TuneOn(context.Background(), []Split{a}, ranker.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.ValidationQueries[TaskProfile] != len(qs) || math.IsNaN(r.Best) {
		t.Errorf("resampled search: %d profile queries (want %d), objective %v", r.ValidationQueries[TaskProfile], len(qs), r.Best)
	}
	if len(r.PerQuery[TaskProfile]) != len(qs) {
		t.Errorf("resampled search ranked %d profile queries, want %d", len(r.PerQuery[TaskProfile]), len(qs))
	}
	t.Logf("objective at the defaults: split %.4f, resample %.4f", plain.Best, r.Best)
}

// TestBagParams: family weights are averaged, the other tunable parameters voted (ties to the
// full-data search's value, else the median), parameters the search does not move kept.
func TestBagParams(t *testing.T) {
	full := ranker.DefaultParams()
	full.RecentHalfLifeDays, full.Smoothing = 7, 10
	with := func(recent, trend, halfLife, smoothing float64) ranker.Params {
		p := full
		p.Weights.Recent, p.Weights.Trend, p.RecentHalfLifeDays, p.Smoothing = recent, trend, halfLife, smoothing
		p.HistoryWeights.RecentScales[1] = recent * 2
		return p
	}
	for _, tt := range []struct {
		name                                      string
		rs                                        []ranker.Params
		recent, trend, scale, halfLife, smoothing float64
	}{
		{"mean and majority", []ranker.Params{with(1, 0, 3, 10), with(2, 0.3, 3, 30), with(6, 0, 14, 30)}, 3, 0.1, 6, 3, 30},
		{"three-way tie keeps the full-data value", []ranker.Params{with(0, 0, 3, 1), with(0, 0, 7, 3), with(3, 0, 14, 100)}, 1, 0, 2, 7, 3},
		{"three-way tie without it takes the median", []ranker.Params{with(1, 1, 1, 1), with(2, 1, 30, 3), with(3, 1, 14, 100)}, 2, 1, 4, 14, 3},
		{"two-way tie takes the lower middle", []ranker.Params{with(2, 0, 1, 1), with(4, 0, 3, 3)}, 3, 0, 6, 1, 1},
		{"one resample is its own choice", []ranker.Params{with(0.5, 2, 30, 100)}, 0.5, 2, 1, 30, 100},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, spread, err := BagParams(full, tt.rs)
			if err != nil {
				t.Fatal(err)
			}
			want := full
			want.Weights.Recent, want.Weights.Trend, want.RecentHalfLifeDays, want.Smoothing = tt.recent, tt.trend, tt.halfLife, tt.smoothing
			want.HistoryWeights.RecentScales[1] = tt.scale
			if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("params (-want +got):\n%s", diff)
			}
			var names []string
			for _, s := range spread {
				names = append(names, s.Param)
				if s.Min > s.Chosen+1e-12 && s.Mean || s.Max < s.Chosen-1e-12 && s.Mean {
					t.Errorf("%s: mean %v outside [%v, %v]", s.Param, s.Chosen, s.Min, s.Max)
				}
			}
			if !slices.Contains(names, "weights.recent") || !slices.Contains(names, "recent_half_life_days") {
				t.Errorf("spread rows %v: want weights.recent and recent_half_life_days among them", names)
			}
		})
	}
	if got, spread, err := BagParams(full, nil); err != nil || spread != nil || !reflect.DeepEqual(got, full) {
		t.Errorf("no resample: %v, spread %v: want the full-data params unchanged", err, spread)
	}
}
