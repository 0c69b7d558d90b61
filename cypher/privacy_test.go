package cypher_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// rawRead runs a query on the test server with its own driver, as an analyst's read-only
// query would, and returns the records.
func rawRead(t *testing.T, query string) []*neo4j.Record {
	t.Helper()
	ctx := context.Background()
	db := neo4jtest.Server(t)
	driver, err := neo4j.NewDriverWithContext(db.URI, neo4j.BasicAuth(db.Username, db.Password, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer driver.Close(ctx)
	res, err := neo4j.ExecuteQuery(ctx, driver, query, nil, neo4j.EagerResultTransformer,
		neo4j.ExecuteQueryWithReadersRouting())
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return res.Records
}

// personalFixture stores two profiles and their events (ratings, effects, views) about p1
// and p2, and refreshes the outcomes.
func personalFixture(t *testing.T, store *cypher.Store) {
	t.Helper()
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	putProfile(t, store, "profile-x", graph.SkinProfile{SkinType: "oily", SkinTone: "medium", Concerns: []string{"aging"},
		Sensitivities: []string{"fragrance"}, AvoidIngredients: []string{"Secret Avoided Extract"}})
	putProfile(t, store, "profile-y", graph.SkinProfile{SkinType: "dry", SkinTone: "fair", Concerns: []string{"dryness"}})
	writeOne(t, store,
		ev("x-rating-1", graph.EventRating, "p1", "profile-x", 4, ""),
		ev("x-effect-1", graph.EventEffect, "p1", "profile-x", 0, "breakout"),
		ev("x-view-1", graph.EventView, "p2", "profile-x", 0, ""),
		ev("y-rating-1", graph.EventRating, "p2", "profile-y", 2, ""),
		ev("anon-1", graph.EventPurchase, "p2", "", 0, ""))
	refresh(t, store)
}

// TestPersonalDataIsSealed reads every Profile and Event node with a raw Cypher query, as an
// analyst could: their properties are only opaque tags, key ids, random revs and sealed
// values; no skin attribute, product id, rating, effect or client id appears in them, not
// even inside the sealed values' bytes; and no relationship links them to anything.
func TestPersonalDataIsSealed(t *testing.T) {
	store := vaultStore(t)
	personalFixture(t, store)

	recs := rawRead(t, `MATCH (n) WHERE n:Profile OR n:Event RETURN labels(n)[0] AS label, properties(n) AS props`)
	if len(recs) != 7 {
		t.Fatalf("%d Profile and Event nodes, want 7 (2 profiles, 5 events)", len(recs))
	}
	allowed := map[string]map[string]bool{
		"Profile": {"id": true, "sealed": true, "key": true, "rev": true, "consent": true},
		"Event":   {"id": true, "sealed": true, "key": true, "rev": true, "owner": true, "subject": true},
	}
	tag := regexp.MustCompile(`^[0-9a-f]{32}$`)
	profileID := regexp.MustCompile(`^profile-[xy]$`) // the pseudonyms this test chose
	plaintext := []string{"oily", "dry", "medium", "fair", "aging", "dryness", "fragrance", "Secret Avoided", "breakout",
		"rating", "effect", "view", "purchase", "p1", "p2", "x-rating", "y-rating", "anon-1", "profile-x", "profile-y", "2025-04-01"}
	for _, r := range recs {
		label := r.Values[0].(string)
		props := r.Values[1].(map[string]any)
		for k, v := range props {
			if !allowed[label][k] {
				t.Errorf("%s node has property %s = %v: only tags, key ids, revs and sealed values may be stored", label, k, v)
				continue
			}
			switch k {
			case "id":
				if label == "Event" && !tag.MatchString(v.(string)) || label == "Profile" && !profileID.MatchString(v.(string)) {
					t.Errorf("%s id %q is not an opaque tag", label, v)
				}
			case "owner", "subject":
				if !tag.MatchString(v.(string)) {
					t.Errorf("%s %s %q is not an opaque tag", label, k, v)
				}
			case "key":
				if v != "t1" {
					t.Errorf("%s key %v, want t1", label, v)
				}
			case "sealed":
				id, body, ok := strings.Cut(v.(string), ":")
				raw, err := base64.RawStdEncoding.DecodeString(body)
				if !ok || id != "t1" || err != nil || len(raw) < 40 {
					t.Errorf("%s sealed value %.40q is not t1:<base64>", label, v)
				}
				for _, p := range plaintext {
					// Words of 5 bytes or more: shorter ones turn up in random bytes by chance.
					if len(p) >= 5 && bytes.Contains(raw, []byte(p)) {
						t.Errorf("%s sealed value holds %q in plaintext", label, p)
					}
				}
			}
		}
	}
	if rels := rawRead(t, `MATCH (n)-[r]-() WHERE n:Profile OR n:Event RETURN count(r)`); rels[0].Values[0].(int64) != 0 {
		t.Errorf("%d relationships touch Profile or Event nodes, want none", rels[0].Values[0])
	}
	// The same through the explorer's own read path.
	tab, err := store.Explore(context.Background(), cypher.Query{Text: `
		MATCH (n) WHERE n:Profile OR n:Event
		UNWIND keys(n) AS k
		WITH n[k] AS v WHERE v IS :: STRING AND (v CONTAINS 'breakout' OR v CONTAINS 'medium' OR v CONTAINS 'rating' OR v CONTAINS 'x-view-1')
		RETURN count(*) AS n`, Limit: 1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if n := tab.Rows[0][0].(int64); n != 0 {
		t.Errorf("the explorer finds %d plaintext personal values", n)
	}
	if n, err := store.UnsealedPersonalData(context.Background()); err != nil || n != 0 {
		t.Errorf("UnsealedPersonalData = %d, %v; want 0", n, err)
	}
	// And the store still reads them back.
	exp, err := store.ExportProfile(context.Background(), "profile-x")
	if err != nil || exp.Profile.Profile.SkinType != "oily" || len(exp.Events) != 3 || exp.Profile.Profile.AvoidIngredients[0] != "Secret Avoided Extract" {
		t.Errorf("export = %+v, %v", exp, err)
	}
}

// TestResealPersonalData rotates the data key: with a new key added, every record is
// re-sealed under it in batches, after which the old key can be dropped and everything still
// opens; the outcomes are unchanged.
func TestResealPersonalData(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	personalFixture(t, store)
	before := outcomes(t, store)
	exported, err := store.ExportProfile(ctx, "profile-x")
	if err != nil {
		t.Fatal(err)
	}
	keysOf := func() map[string]int64 {
		t.Helper()
		m, err := store.PersonalDataKeys(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if diff := cmp.Diff(map[string]int64{"t1": 7}, keysOf()); diff != "" {
		t.Fatalf("keys before the rotation (-want +got):\n%s", diff)
	}

	store.SetVault(testVault(t, "t1", "t2")) // t2 seals now; t1 still opens
	n, err := store.ResealPersonalData(ctx, 2)
	if err != nil || n != 7 {
		t.Fatalf("ResealPersonalData = %d, %v; want 7 records", n, err)
	}
	if diff := cmp.Diff(map[string]int64{"t2": 7}, keysOf()); diff != "" {
		t.Errorf("keys after the rotation (-want +got):\n%s", diff)
	}
	if n, err := store.ResealPersonalData(ctx, 2); err != nil || n != 0 {
		t.Errorf("second ResealPersonalData = %d, %v; want nothing to do", n, err)
	}

	store.SetVault(testVault(t, "t2")) // t1 retired
	again, err := store.ExportProfile(ctx, "profile-x")
	if err != nil {
		t.Fatalf("export under the new key alone: %v", err)
	}
	if diff := cmp.Diff(exported, again); diff != "" {
		t.Errorf("export after the rotation (-before +after):\n%s", diff)
	}
	if _, err := store.ReadSnapshot(ctx); err != nil {
		t.Errorf("snapshot under the new key alone: %v", err)
	}
	// Refresh every product from the re-sealed events: the same aggregates.
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-2")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := store.WriteEvents(ctx, [][]graph.Event{{ev("z-1", graph.EventRating, "p1", "profile-y", 3, "")}}); err != nil {
		t.Fatal(err)
	}
	refresh(t, store)
	if _, err := store.EraseProfile(ctx, "profile-y"); err != nil {
		t.Fatal(err)
	}
	putProfile(t, store, "profile-y", graph.SkinProfile{SkinType: "dry", SkinTone: "fair", Concerns: []string{"dryness"}})
	writeOne(t, store, ev("y-rating-1", graph.EventRating, "p2", "profile-y", 2, ""))
	refresh(t, store)
	if diff := cmp.Diff(before, outcomes(t, store), cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("outcomes after the rotation (-before +after):\n%s", diff)
	}

	// A record under a key the ring lacks is not silently skipped.
	store.SetVault(testVault(t, "t3"))
	if _, err := store.ExportProfile(ctx, "profile-x"); !errors.Is(err, graph.ErrUnavailable) || !errors.Is(err, graph.ErrSealed) {
		t.Errorf("export without the sealing key = %v, want ErrUnavailable and ErrSealed", err)
	}
}

// TestEventIDsArePerTenant: two tenants may use the same event id; within a tenant an id is
// idempotent and a different content conflicts; a tenant's profile is unknown to another.
func TestEventIDsArePerTenant(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatal(err)
	}
	in := func(tenant string, e graph.Event) graph.Event { e.Tenant, e.Source = tenant, "key-"+tenant; return e }
	a := in("a", ev("same-id", graph.EventView, "p1", "", 0, ""))
	b := in("b", ev("same-id", graph.EventClick, "p2", "", 0, ""))
	res, errs, err := store.WriteEvents(ctx, [][]graph.Event{{a}, {b}})
	if err != nil || errs[0] != nil || errs[1] != nil || res[0].Created != 1 || res[1].Created != 1 {
		t.Fatalf("same id in two tenants: %+v, %v, %v", res, errs, err)
	}
	res, errs, err = store.WriteEvents(ctx, [][]graph.Event{{a}, {in("b", ev("same-id", graph.EventPurchase, "p2", "", 0, ""))}})
	if err != nil || errs[0] != nil || res[0].Duplicates != 1 || !errors.Is(errs[1], graph.ErrConflict) {
		t.Errorf("replay in a, other content in b: %+v, %v, %v; want a duplicate and a conflict", res, errs, err)
	}
	// The tenants' pseudonyms differ, so a profile id of tenant a is unknown to tenant b.
	tags := store.Vault().Tags
	pa, pb := tags.TenantPseudonym("profile", "a", "alice"), tags.TenantPseudonym("profile", "b", "alice")
	if pa == pb {
		t.Fatal("one pseudonym for two tenants")
	}
	putProfile(t, store, pa, oilyMedium)
	_, errs, err = store.WriteEvents(ctx, [][]graph.Event{{in("b", ev("b-rating", graph.EventRating, "p1", pb, 5, ""))}})
	if err != nil || !errors.Is(errs[0], graph.ErrInvalid) {
		t.Errorf("event of tenant b naming its alice, who only has a profile in a: %v, %v; want ErrInvalid", errs, err)
	}

	// A snapshot carries both tenants' same-id events; a restore seals them again under
	// another data key, with the same tags, and recomputes the same outcomes.
	writeOne(t, store, in("a", ev("a-rating", graph.EventRating, "p1", pa, 2, "")))
	refresh(t, store)
	snap, err := store.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Events) != 3 || snap.Events[1].Tenant != "a" || snap.Events[2].Tenant != "b" || snap.Events[2].ID != "same-id" {
		t.Fatalf("snapshot events: %+v", snap.Events)
	}
	if err := store.Wipe(ctx); err != nil {
		t.Fatal(err)
	}
	store.SetVault(testVault(t, "t1", "t9"))
	if err := store.RestoreSnapshot(ctx, snap); err != nil {
		t.Fatalf("RestoreSnapshot: %v", err)
	}
	again, err := store.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(snap, again, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("snapshot after the restore (-before +after):\n%s", diff)
	}
	if keys, _ := store.PersonalDataKeys(ctx); keys["t9"] != 4 {
		t.Errorf("records by key after the restore: %v; want 4 under t9", keys)
	}
	res, errs, err = store.WriteEvents(ctx, [][]graph.Event{{a}, {b}})
	if err != nil || res[0].Duplicates != 1 || res[1].Duplicates != 1 {
		t.Errorf("replays after the restore: %+v, %v, %v; want duplicates", res, errs, err)
	}
}

// TestEvidenceCannotBeStuffed is issue 21's finding 2 at the store: one profile sends 400
// rating events of 5 for one product, in one request, and counts as one report; a key that
// makes 30 profiles to rate it counts only its cap per period; the outcome's numbers are those
// of honest reports.
func TestEvidenceCannotBeStuffed(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	v := store.Vault()
	v.Caps = graph.EvidenceCaps{Period: time.Hour, PerSource: 3}
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatal(err)
	}
	oily := func() graph.Outcome {
		t.Helper()
		for _, o := range outcomes(t, store) {
			if o.ProductID == "p2" && o.Kind == graph.KindSkinType && o.Attribute == "oily" {
				return o
			}
		}
		return graph.Outcome{}
	}
	before := oily()

	putProfile(t, store, "profile-stuffer", graph.SkinProfile{SkinType: "oily"})
	flood := make([]graph.Event, 400)
	for i := range flood {
		flood[i] = ev(fmt.Sprintf("stuff-%03d", i), graph.EventRating, "p2", "profile-stuffer", 5, "")
		flood[i].At = eventAt.Add(time.Duration(i) * time.Second)
		flood[i].Source = "key-m"
	}
	flood[399].Rating = 4 // the latest rating is the one that counts
	if got := writeOne(t, store, flood...); got.Created != 400 {
		t.Fatalf("flood: %+v", got)
	}
	refresh(t, store)
	one := oily()
	wantCount := before.Count + 1
	wantMean := (before.MeanRating*float64(before.Count) + 4) / float64(wantCount)
	if one.Count != wantCount || !approxEqual(one.MeanRating, wantMean) {
		t.Errorf("after 400 ratings of one profile: count %d, mean %.3f; want %d and %.3f (one report, its latest rating)",
			one.Count, one.MeanRating, wantCount, wantMean)
	}

	// 30 profiles of one key, each rating 5: only 3 count in the period.
	var sybils []graph.Event
	for i := range 30 {
		id := fmt.Sprintf("profile-sybil-%02d", i)
		putProfile(t, store, id, graph.SkinProfile{SkinType: "oily"})
		e := ev("sybil-"+id, graph.EventRating, "p2", id, 5, "")
		e.Source = "key-s"
		sybils = append(sybils, e)
	}
	writeOne(t, store, sybils...)
	refresh(t, store)
	capped := oily()
	if capped.Count != wantCount+3 {
		t.Errorf("after 30 profiles of one key: count %d, want %d (3 per key, product and period)", capped.Count, wantCount+3)
	}

	// Another key's profile still counts.
	putProfile(t, store, "profile-honest", graph.SkinProfile{SkinType: "oily"})
	e := ev("honest-1", graph.EventRating, "p2", "profile-honest", 1, "")
	e.Source = "key-h"
	writeOne(t, store, e)
	refresh(t, store)
	if got := oily(); got.Count != capped.Count+1 {
		t.Errorf("a report of another key: count %d, want %d", got.Count, capped.Count+1)
	}
}

func approxEqual(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

// BenchmarkRefreshSealedEvidence measures the outcome refresh of a product that holds 10,000
// sealed rating events of 1,000 profiles: each iteration records one more rating and refreshes
// (the refresh opens every event of the product in Go).
func BenchmarkRefreshSealedEvidence(b *testing.B) {
	store := neo4jtest.Store(b)
	store.SetVault(testVault(b))
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		b.Fatal(err)
	}
	for i := range 1000 {
		id := fmt.Sprintf("profile-%04d", i)
		if _, _, err := store.PutProfile(ctx, graph.StoredProfile{ID: id, Profile: graph.SkinProfile{SkinType: "oily", Concerns: []string{"acne"}}, UpdatedAt: eventAt}); err != nil {
			b.Fatal(err)
		}
	}
	var batch []graph.Event
	for i := range 10000 {
		batch = append(batch, ev(fmt.Sprintf("r-%05d", i), graph.EventRating, "p1", fmt.Sprintf("profile-%04d", i%1000), 1+i%5, ""))
		if len(batch) == 500 {
			if _, _, err := store.WriteEvents(ctx, [][]graph.Event{batch}); err != nil {
				b.Fatal(err)
			}
			batch = nil
		}
	}
	if _, _, err := store.RefreshStaleOutcomes(ctx); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, _, err := store.WriteEvents(ctx, [][]graph.Event{{ev(fmt.Sprintf("more-%d", i), graph.EventRating, "p1", "profile-0001", 4, "")}}); err != nil {
			b.Fatal(err)
		}
		if n, _, err := store.RefreshStaleOutcomes(ctx); err != nil || n != 1 {
			b.Fatalf("refresh: %d, %v", n, err)
		}
	}
}
