package cypher_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

var eventAt = time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)

// testVault is a vault with a fixed pseudonym key and the given data keys (hex ids t1, t2,
// ... with secrets made from them), the last of which seals.
func testVault(t testing.TB, keyIDs ...string) *graph.Vault {
	t.Helper()
	pseudo, err := graph.NewPseudonymizer([]byte("a cypher test key of at least 32 characters"))
	if err != nil {
		t.Fatal(err)
	}
	if len(keyIDs) == 0 {
		keyIDs = []string{"t1"}
	}
	var keys []graph.DataKey
	for _, id := range keyIDs {
		keys = append(keys, graph.DataKey{ID: id, Secret: []byte(fmt.Sprintf("%-32s", "secret of "+id))})
	}
	ring, err := graph.NewKeyRing(keys)
	if err != nil {
		t.Fatal(err)
	}
	return &graph.Vault{Tags: pseudo, Keys: ring}
}

// vaultStore is a clean store with a test vault.
func vaultStore(t testing.TB) *cypher.Store {
	t.Helper()
	store := neo4jtest.Store(t)
	store.SetVault(testVault(t))
	return store
}

// putProfile stores a consented profile under a pseudonym.
func putProfile(t *testing.T, store *cypher.Store, id string, p graph.SkinProfile) {
	t.Helper()
	if _, _, err := store.PutProfile(context.Background(), graph.StoredProfile{ID: id, Profile: p, UpdatedAt: eventAt}); err != nil {
		t.Fatalf("PutProfile %s: %v", id, err)
	}
}

// writeOne writes one group of events and fails the test on any refusal.
func writeOne(t *testing.T, store *cypher.Store, events ...graph.Event) graph.EventResult {
	t.Helper()
	res, errs, err := store.WriteEvents(context.Background(), [][]graph.Event{events})
	if err != nil {
		t.Fatalf("WriteEvents: %v", err)
	}
	if errs[0] != nil {
		t.Fatalf("WriteEvents refused the group: %v", errs[0])
	}
	return res[0]
}

func refresh(t *testing.T, store *cypher.Store) (int, graph.DataVersion) {
	t.Helper()
	n, v, err := store.RefreshStaleOutcomes(context.Background())
	if err != nil {
		t.Fatalf("RefreshStaleOutcomes: %v", err)
	}
	return n, v
}

func outcomes(t *testing.T, store *cypher.Store) []graph.Outcome {
	t.Helper()
	o, err := store.Outcomes(context.Background())
	if err != nil {
		t.Fatalf("Outcomes: %v", err)
	}
	return o
}

func ev(id, typ, product, profile string, rating int, effect string) graph.Event {
	return graph.Event{ID: id, Type: typ, ProductID: product, ProfileID: profile, Rating: rating, Effect: effect, At: eventAt, AtGiven: true}
}

var oilyMedium = graph.SkinProfile{SkinType: "oily", SkinTone: "medium", Concerns: []string{"aging"}}

func TestWriteEventsIsIdempotent(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	putProfile(t, store, "profile-x", oilyMedium)
	batch := []graph.Event{
		ev("e1", graph.EventView, "p1", "", 0, ""),
		ev("e2", graph.EventView, "p1", "profile-x", 0, ""),
		ev("e3", graph.EventPurchase, "p2", "", 0, ""),
		ev("e4", graph.EventRating, "p1", "profile-x", 1, ""),
		ev("e5", graph.EventEffect, "p1", "profile-x", 0, "breakout"),
	}
	before := outcomes(t, store)
	_, v0 := refresh(t, store)

	if got := writeOne(t, store, batch...); got != (graph.EventResult{Created: 5}) {
		t.Errorf("first write = %+v, want 5 created", got)
	}
	n, v1 := refresh(t, store)
	if n != 1 || v1.N != v0.N+1 {
		t.Errorf("refresh after the first write: %d products, version %d -> %d; want 1 product and a bump", n, v0.N, v1.N)
	}
	after := outcomes(t, store)
	if cmp.Equal(before, after) {
		t.Errorf("outcomes did not change after a rating and an effect event")
	}
	counts, err := store.ProductEventCounts(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"view": 2, "rating": 1, "effect": 1}, counts); diff != "" {
		t.Errorf("p1 counters (-want +got):\n%s", diff)
	}

	// The same batch again, in a new transaction: nothing changes, no version bump.
	if got := writeOne(t, store, batch...); got != (graph.EventResult{Duplicates: 5}) {
		t.Errorf("second write = %+v, want 5 duplicates", got)
	}
	n, v2 := refresh(t, store)
	if n != 0 || v2.N != v1.N {
		t.Errorf("refresh after the replay: %d products, version %d -> %d; want nothing", n, v1.N, v2.N)
	}
	if diff := cmp.Diff(after, outcomes(t, store)); diff != "" {
		t.Errorf("outcomes changed on a replay (-want +got):\n%s", diff)
	}
	again, _ := store.ProductEventCounts(ctx, "p1")
	if diff := cmp.Diff(counts, again); diff != "" {
		t.Errorf("counters changed on a replay (-want +got):\n%s", diff)
	}
}

// TestEventOutcomesMatchReviews checks the aggregate arithmetic: a rating event and an
// effect event of an oily profile are one more oily report (one profile counts once per
// product), rated, with the effect; effect events alone, on an attribute nobody rated, make
// no outcome.
func TestEventOutcomesMatchReviews(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	putProfile(t, store, "profile-x", oilyMedium)
	writeOne(t, store, ev("e1", graph.EventRating, "p1", "profile-x", 1, ""), ev("e2", graph.EventEffect, "p1", "profile-x", 0, "breakout"))
	refresh(t, store)
	var oily graph.Outcome
	for _, o := range outcomes(t, store) {
		if o.ProductID == "p1" && o.Kind == graph.KindSkinType && o.Attribute == "oily" {
			oily = o
		}
	}
	// Reviews of p1 by oily skin: 5 (recommended, improved) and 3 (breakout, purging); the
	// profile adds one report: a rating of 1 with a breakout.
	want := graph.Outcome{ProductID: "p1", Kind: graph.KindSkinType, Attribute: "oily", Count: 3, MeanRating: 3,
		RecommendRate: 0.5, Effects: map[string]int{"improved": 1, "breakout": 2, "purging": 1}}
	if diff := cmp.Diff(want, oily, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("p1 oily outcome (-want +got):\n%s", diff)
	}

	before := outcomes(t, store)
	putProfile(t, store, "profile-dry", graph.SkinProfile{SkinType: "dry"})
	writeOne(t, store, ev("e3", graph.EventEffect, "p2", "profile-dry", 0, "irritation"))
	if n, _ := refresh(t, store); n != 1 {
		t.Fatalf("refreshed %d products, want 1", n)
	}
	if diff := cmp.Diff(before, outcomes(t, store), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("an effect alone made an outcome without a rating (-want +got):\n%s", diff)
	}
}

func TestWriteEventsRefusesGroups(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	putProfile(t, store, "profile-x", oilyMedium)
	writeOne(t, store, ev("known", graph.EventRating, "p1", "", 4, ""))

	tests := []struct {
		name      string
		group     []graph.Event
		wantErr   error
		wantField []string
	}{
		{"unknown product", []graph.Event{ev("a1", graph.EventView, "p1", "", 0, ""), ev("a2", graph.EventView, "nope", "", 0, "")},
			graph.ErrInvalid, []string{"events[1].product_id"}},
		{"profile without consent", []graph.Event{ev("b1", graph.EventRating, "p1", "profile-unknown", 5, "")},
			graph.ErrInvalid, []string{"events[0].profile_id"}},
		{"same id, other content", []graph.Event{ev("c1", graph.EventView, "p2", "", 0, ""), ev("known", graph.EventRating, "p1", "", 2, "")},
			graph.ErrConflict, []string{"events[1].id"}},
		{"conflict with an earlier group of the flush", []graph.Event{ev("good-1", graph.EventClick, "p1", "", 0, "")},
			graph.ErrConflict, []string{"events[0].id"}},
	}
	// One flush: a good group first, then every refused group; only the good one is written.
	good := []graph.Event{ev("good-1", graph.EventView, "p2", "profile-x", 0, "")}
	groups := [][]graph.Event{good}
	for _, tt := range tests {
		groups = append(groups, tt.group)
	}
	res, errs, err := store.WriteEvents(ctx, groups)
	if err != nil {
		t.Fatalf("WriteEvents: %v", err)
	}
	if errs[0] != nil || res[0].Created != 1 {
		t.Fatalf("good group: %+v, %v", res[0], errs[0])
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := errs[i+1]
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error = %v, want %v", err, tt.wantErr)
			}
			var fields []graph.FieldError
			var verr *graph.ValidationError
			var cerr *graph.ConflictError
			switch {
			case errors.As(err, &verr):
				fields = verr.Fields
			case errors.As(err, &cerr):
				fields = cerr.Fields
			}
			var got []string
			for _, f := range fields {
				got = append(got, f.Field)
			}
			if diff := cmp.Diff(tt.wantField, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
			if res[i+1] != (graph.EventResult{}) {
				t.Errorf("refused group has a result: %+v", res[i+1])
			}
		})
	}
	counts, err := store.ProductEventCounts(ctx, "p2")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int64{"view": 1}, counts); diff != "" {
		t.Errorf("p2 counters: only the good group's view (-want +got):\n%s", diff)
	}
}

func TestExportAndEraseProfile(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	eventsOf := map[string][]graph.Event{
		"profile-x": {ev("x1", graph.EventRating, "p1", "profile-x", 1, ""), ev("x2", graph.EventEffect, "p1", "profile-x", 0, "irritation"),
			ev("x3", graph.EventRating, "p2", "profile-x", 2, ""), ev("x4", graph.EventView, "p2", "profile-x", 0, "")},
		"profile-y": {ev("y1", graph.EventRating, "p1", "profile-y", 5, ""), ev("y2", graph.EventEffect, "p1", "profile-y", 0, "improved")},
	}
	profiles := map[string]graph.SkinProfile{
		"profile-x": oilyMedium,
		"profile-y": {SkinType: "dry", SkinTone: "fair", Concerns: []string{"aging", "dryness"}},
	}
	setup := func(store *cypher.Store, ids ...string) {
		t.Helper()
		if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
			t.Fatalf("WriteLoad: %v", err)
		}
		for _, id := range ids {
			putProfile(t, store, id, profiles[id])
			writeOne(t, store, eventsOf[id]...)
		}
		refresh(t, store)
	}

	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	beforeEvents := outcomes(t, store)
	setup(store, "profile-y", "profile-x")
	withEvents := outcomes(t, store)
	if cmp.Equal(beforeEvents, withEvents) {
		t.Fatal("events did not change the outcomes")
	}

	exp, err := store.ExportProfile(ctx, "profile-x")
	if err != nil {
		t.Fatalf("ExportProfile: %v", err)
	}
	if exp.Profile.ID != "profile-x" || !cmp.Equal(exp.Profile.Profile, oilyMedium) || !exp.Profile.ConsentedAt.Equal(eventAt) {
		t.Errorf("exported profile = %+v", exp.Profile)
	}
	var ids []string
	for _, e := range exp.Events {
		ids = append(ids, e.ID)
		if e.SkinType != "oily" || !e.At.Equal(eventAt) {
			t.Errorf("exported event %+v: want the profile's skin type and the event time", e)
		}
	}
	if diff := cmp.Diff([]string{"x1", "x2", "x3", "x4"}, ids); diff != "" {
		t.Errorf("exported events (-want +got):\n%s", diff)
	}

	v0, _ := store.DataVersion(ctx)
	erased, err := store.EraseProfile(ctx, "profile-x")
	if err != nil || !erased {
		t.Fatalf("EraseProfile = %v, %v; want true", erased, err)
	}
	afterErase := outcomes(t, store)
	if v1, _ := store.DataVersion(ctx); v1.N != v0.N+1 {
		t.Errorf("erase: version %d -> %d, want one bump", v0.N, v1.N)
	}
	if _, err := store.ExportProfile(ctx, "profile-x"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("export after erase: %v, want ErrNotFound", err)
	}
	counts, _ := store.ProductEventCounts(ctx, "p2")
	if len(counts) != 0 {
		t.Errorf("p2 counters after erase = %v, want none", counts)
	}
	if erased, err := store.EraseProfile(ctx, "profile-x"); err != nil || erased {
		t.Errorf("second erase = %v, %v; want false, nil", erased, err)
	}
	if cmp.Equal(afterErase, withEvents) {
		t.Error("erase did not change the outcomes")
	}

	// A fresh graph loaded without profile-x has exactly the same aggregates.
	fresh := vaultStore(t)
	setup(fresh, "profile-y")
	if diff := cmp.Diff(outcomes(t, fresh), afterErase, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("outcomes after erase differ from a fresh load without the profile (-fresh +erased):\n%s", diff)
	}
	// And erasing the last profile brings back the outcomes of the reviews alone.
	if _, err := fresh.EraseProfile(ctx, "profile-y"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(beforeEvents, outcomes(t, fresh), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("outcomes after erasing every profile differ from the reviews' (-want +got):\n%s", diff)
	}
}
