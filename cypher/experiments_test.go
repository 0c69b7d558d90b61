package cypher_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

// TestExperimentsStoredAndCounted: an experiment is stored with revision 1 and its audit
// fields, carried by the projection; an overlapping one is a conflict, one naming an unknown
// rule names the field, a stale revision is ErrStale; attributed events are counted per
// variant and day in the events' transaction: one impression per (recommendation, product),
// each action once per impression, nothing for an unknown experiment.
func TestExperimentsStoredAndCounted(t *testing.T) {
	ctx := context.Background()
	store := vaultStore(t)
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	in := graph.Experiment{Name: "Peers first", From: at, Until: at.Add(14 * 24 * time.Hour), Variants: []graph.Variant{
		{Name: "control", Share: 50}, {Name: "peers", Share: 50, Weights: map[string]float64{"peer_rating": 2}}}}
	e, v1, err := store.CreateExperiment(ctx, in, "key-a", at)
	if err != nil {
		t.Fatal(err)
	}
	if e.Revision != 1 || e.CreatedBy != "key-a" || !e.CreatedAt.Equal(at) || e.ID == "" {
		t.Fatalf("created %+v", e)
	}
	got, err := store.Experiment(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("read back (-created +read):\n%s", diff)
	}
	p, err := store.Project(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if p.Version.N != v1.N || len(p.Experiments) != 1 || p.Experiments[0].Variants[1].Weights["peer_rating"] != 2 {
		t.Errorf("projection at %d carries %+v; want the experiment at %d", p.Version.N, p.Experiments, v1.N)
	}

	overlapping := in
	overlapping.From = at.Add(13 * 24 * time.Hour)
	overlapping.Until = time.Time{}
	if _, _, err := store.CreateExperiment(ctx, overlapping, "key-a", at); !errors.Is(err, graph.ErrConflict) {
		t.Errorf("overlapping experiment: %v, want ErrConflict", err)
	}
	later := overlapping
	later.From = in.Until
	later.Variants = []graph.Variant{{Name: "control", Share: 50}, {Name: "b", Share: 50, RuleIDs: []string{"rule_nope"}}}
	_, _, err = store.CreateExperiment(ctx, later, "key-a", at)
	var verr *graph.ValidationError
	if !errors.As(err, &verr) || len(verr.Fields) != 1 || verr.Fields[0].Field != "variants[1].rule_ids[0]" {
		t.Errorf("unknown rule: %v, want a field error on variants[1].rule_ids[0]", err)
	}
	if _, _, err := store.UpdateExperiment(ctx, graph.Experiment{ID: e.ID, Name: "x", Variants: in.Variants}, 2, "key-b", at); !errors.Is(err, graph.ErrStale) {
		t.Errorf("update of revision 2: %v, want ErrStale", err)
	}
	if v, _ := store.DataVersion(ctx); v.N != v1.N {
		t.Errorf("refused writes moved the data version %d -> %d", v1.N, v.N)
	}

	// Attributed events.
	recID := func(b byte, variant string) string { return graph.RecommendationID([12]byte{b}, e.ID, variant) }
	ctl, peers := recID(1, "control"), recID(2, "peers")
	day1, day2 := at.Add(time.Hour), at.Add(25*time.Hour)
	attributed := func(id, typ, product, rec string, when time.Time) graph.Event {
		x, v, ok := graph.ParseRecommendationID(rec)
		if !ok {
			t.Fatalf("%s is not a recommendation id", rec)
		}
		return graph.Event{ID: id, Type: typ, ProductID: product, RecommendationID: rec, Position: 1, Experiment: x, Variant: v, At: when, AtGiven: true}
	}
	writeOne(t, store,
		attributed("a1", graph.EventView, "p1", ctl, day1),
		attributed("a2", graph.EventView, "p2", ctl, day1),
		attributed("a3", graph.EventClick, "p1", ctl, day1),
		attributed("a4", graph.EventClick, "p1", ctl, day1),   // a second click of the same item
		attributed("b1", graph.EventClick, "p1", peers, day1), // a click without a view: an impression
		attributed("x1", graph.EventView, "p1", graph.RecommendationID([12]byte{3}, "exp_00000000000000ff", "control"), day1),
	)
	writeOne(t, store,
		attributed("b2", graph.EventAddToCart, "p1", peers, day2), // counted on the impression's day
		attributed("b3", graph.EventPurchase, "p1", peers, day2),
		attributed("b4", graph.EventView, "p2", peers, day2),
	)
	days, err := store.ExperimentDays(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	d1, d2 := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	want := []graph.VariantDay{
		{Variant: "control", Day: d1, AttributionCounts: graph.AttributionCounts{Impressions: 2, Views: 2, Clicks: 1}},
		{Variant: "peers", Day: d1, AttributionCounts: graph.AttributionCounts{Impressions: 1, Clicks: 1, AddToCarts: 1, Purchases: 1}},
		{Variant: "peers", Day: d2, AttributionCounts: graph.AttributionCounts{Impressions: 1, Views: 1}},
	}
	if diff := cmp.Diff(want, days); diff != "" {
		t.Errorf("experiment days (-want +got):\n%s", diff)
	}

	// Deleting the experiment takes its figures.
	if _, err := store.DeleteExperiment(ctx, e.ID, 1); err != nil {
		t.Fatal(err)
	}
	if days, _ := store.ExperimentDays(ctx, e.ID); len(days) != 0 {
		t.Errorf("after the delete: %+v", days)
	}
}

// TestAttributionCountsConcurrentWriters: two writers (two replicas' event flushes) counting
// into the same experiment day, and both reporting the same item, lose no count and count no
// action twice.
func TestAttributionCountsConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	store := vaultStore(t)
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	e, _, err := store.CreateExperiment(ctx, graph.Experiment{Name: "c", Variants: []graph.Variant{{Name: "control", Share: 50}, {Name: "b", Share: 50}}}, "", at)
	if err != nil {
		t.Fatal(err)
	}
	shared := graph.RecommendationID([12]byte{0xff}, e.ID, "b")
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				rec := graph.RecommendationID([12]byte{byte(w), byte(i)}, e.ID, "b")
				batch := []graph.Event{
					{ID: fmt.Sprintf("w%d-%d-v", w, i), Type: graph.EventView, ProductID: "p1", RecommendationID: rec, Experiment: e.ID, Variant: "b", At: at, AtGiven: true},
					{ID: fmt.Sprintf("w%d-%d-c", w, i), Type: graph.EventClick, ProductID: "p1", RecommendationID: shared, Experiment: e.ID, Variant: "b", At: at, AtGiven: true},
				}
				if _, gerrs, err := store.WriteEvents(ctx, [][]graph.Event{batch}); err != nil || gerrs[0] != nil {
					errs[w] = fmt.Errorf("%v %v", err, gerrs)
					return
				}
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	days, err := store.ExperimentDays(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := []graph.VariantDay{{Variant: "b", Day: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC),
		AttributionCounts: graph.AttributionCounts{Impressions: 21, Views: 20, Clicks: 1}}}
	if diff := cmp.Diff(want, days); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
}
