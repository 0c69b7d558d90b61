package cypher_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

var efficacyAt = time.Date(2025, 4, 1, 9, 0, 0, 0, time.UTC)

// efficacyClaims are three claims on the fixture catalogue: one TREATS weight, one per skin
// type, one on a product.
func efficacyClaims() []graph.EfficacyClaim {
	d := time.Date(2024, 5, 6, 0, 0, 0, 0, time.UTC)
	return []graph.EfficacyClaim{
		{SubjectType: graph.SubjectIngredient, Subject: "niacinamide", Concern: "pores", EffectSize: 0.55, SampleSize: 50,
			Evidence: "clinical", Source: "Study A", Date: d},
		{SubjectType: graph.SubjectIngredient, Subject: "retinol", Concern: "aging", SkinType: "dry", EffectSize: 0.4, SampleSize: 20,
			Evidence: "clinical", Source: "Study B", Date: d},
		{SubjectType: graph.SubjectProduct, Subject: "p1", Concern: "acne", EffectSize: 0.3, SampleSize: 12,
			Evidence: "expert-consensus", Source: "Panel C", Date: d},
	}
}

// efficacyStore is a clean graph holding the fixture catalogue (data version 1).
func efficacyStore(t *testing.T) *cypher.Store {
	t.Helper()
	store := neo4jtest.Store(t)
	if _, err := store.WriteLoad(context.Background(), fixtureLoad("catalogue")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	return store
}

func writeEfficacy(t *testing.T, store *cypher.Store, id string, claims []graph.EfficacyClaim, dryRun bool) graph.LoadResult {
	t.Helper()
	res, err := store.WriteEfficacy(context.Background(), id, "claims.csv", efficacyAt, claims, dryRun)
	if err != nil {
		t.Fatalf("WriteEfficacy %s: %v", id, err)
	}
	return res
}

func TestWriteEfficacyIsIdempotentAndVersioned(t *testing.T) {
	store := efficacyStore(t)
	ctx := context.Background()

	first := writeEfficacy(t, store, "eff-1", efficacyClaims(), false)
	if diff := cmp.Diff(map[string]graph.Counts{"efficacy": {Created: 3}}, first.Counts); diff != "" {
		t.Errorf("first load counts (-want +got):\n%s", diff)
	}
	if !first.Changed || first.Version.N != 2 {
		t.Errorf("first load: changed=%v version=%d, want true and 2", first.Changed, first.Version.N)
	}

	again := writeEfficacy(t, store, "eff-2", efficacyClaims(), false)
	if diff := cmp.Diff(map[string]graph.Counts{"efficacy": {Unchanged: 3}}, again.Counts); diff != "" {
		t.Errorf("same load again (-want +got):\n%s", diff)
	}
	if again.Changed || again.Version.N != 2 {
		t.Errorf("same load again: changed=%v version=%d, want false and 2", again.Changed, again.Version.N)
	}

	changed := efficacyClaims()
	changed[1].EffectSize = 0.45
	third := writeEfficacy(t, store, "eff-3", changed, false)
	if diff := cmp.Diff(map[string]graph.Counts{"efficacy": {Updated: 1, Unchanged: 2}}, third.Counts); diff != "" {
		t.Errorf("changed effect size (-want +got):\n%s", diff)
	}
	if !third.Changed || third.Version.N != 3 {
		t.Errorf("changed effect size: changed=%v version=%d, want true and 3", third.Changed, third.Version.N)
	}

	// Provenance: one Source per committed load, none for the load that changed nothing.
	tab, err := store.Explore(ctx, cypher.Query{Text: `MATCH (s:Source {kind: 'efficacy'}) RETURN s.id, s.citation ORDER BY s.id`, Limit: 10, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("Explore: %v", err)
	}
	if diff := cmp.Diff([][]any{{"eff-1", "claims.csv"}, {"eff-3", "claims.csv"}}, tab.Rows); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	tab, err = store.Explore(ctx, cypher.Query{Text: `
		MATCH (x)-[e:EFFICACY]->(c:Concern)
		RETURN coalesce(x.inci, x.id), c.name, e.skin_type, e.efficacy, e.sample_size, e.date, e.load_id ORDER BY c.name`, Limit: 10, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("Explore: %v", err)
	}
	want := [][]any{
		{"p1", "acne", "", 0.3, int64(12), "2024-05-06", "eff-1"},
		{"retinol", "aging", "dry", 0.45, int64(20), "2024-05-06", "eff-3"},
	}
	if diff := cmp.Diff(want, tab.Rows); diff != "" {
		t.Errorf("EFFICACY edges (-want +got):\n%s", diff)
	}
}

func TestWriteEfficacyDryRunWritesNothing(t *testing.T) {
	store := efficacyStore(t)
	ctx := context.Background()

	dry := writeEfficacy(t, store, "eff-dry", efficacyClaims(), true)
	if diff := cmp.Diff(map[string]graph.Counts{"efficacy": {Created: 3}}, dry.Counts); diff != "" {
		t.Errorf("dry run counts (-want +got):\n%s", diff)
	}
	if dry.Version.N != 1 {
		t.Errorf("dry run version = %d, want 1 (unchanged)", dry.Version.N)
	}
	if v, err := store.DataVersion(ctx); err != nil || v.N != 1 {
		t.Errorf("data version after dry run = %d, %v; want 1", v.N, err)
	}
	tab, err := store.Explore(ctx, cypher.Query{Text: `
		CALL () { MATCH ()-[e:EFFICACY]->() RETURN count(e) AS efficacy }
		CALL () { MATCH ()-[t:TREATS {load_id: 'eff-dry'}]->() RETURN count(t) AS treats }
		CALL () { MATCH (s:Source {id: 'eff-dry'}) RETURN count(s) AS sources }
		RETURN efficacy, treats, sources`, Limit: 1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatalf("Explore: %v", err)
	}
	if diff := cmp.Diff([][]any{{int64(0), int64(0), int64(0)}}, tab.Rows); diff != "" {
		t.Errorf("after dry run (-want +got):\n%s", diff)
	}

	// The real load after the dry run still creates everything.
	res := writeEfficacy(t, store, "eff-1", efficacyClaims(), false)
	if diff := cmp.Diff(map[string]graph.Counts{"efficacy": {Created: 3}}, res.Counts); diff != "" {
		t.Errorf("load after dry run (-want +got):\n%s", diff)
	}
}

func TestWriteEfficacyTreatsReachProjection(t *testing.T) {
	store := efficacyStore(t)
	ctx := context.Background()
	claims := efficacyClaims()
	// A claim on an existing TREATS edge of the knowledge base replaces its weight.
	claims = append(claims, graph.EfficacyClaim{SubjectType: graph.SubjectIngredient, Subject: "niacinamide",
		Concern: "hyperpigmentation", EffectSize: 0.9, SampleSize: 300, Evidence: "clinical", Source: "Study D", Date: efficacyAt})
	res := writeEfficacy(t, store, "eff-1", claims, false)
	if diff := cmp.Diff(map[string]graph.Counts{"efficacy": {Created: 3, Updated: 1}}, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}

	p, err := store.Project(ctx)
	if err != nil {
		t.Fatalf("Project: %v", err)
	}
	i, ok := p.IngredientIndex("niacinamide")
	if !ok {
		t.Fatal("niacinamide not in the projection")
	}
	got := map[string]float64{}
	for _, tr := range p.Treats(i) {
		got[graph.Concerns.Names()[tr.Concern]+" "+graph.EvidenceName(tr.Evidence)+" "+tr.Source] = tr.Efficacy
	}
	want := map[string]float64{"pores clinical Study A": 0.55, "hyperpigmentation clinical Study D": 0.9}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("niacinamide TREATS in the projection (-want +got):\n%s", diff)
	}
}

func TestWriteEfficacyRefusesUnknownSubject(t *testing.T) {
	store := efficacyStore(t)
	claims := efficacyClaims()
	claims[2].Subject = "nope"
	_, err := store.WriteEfficacy(context.Background(), "eff-x", "x", efficacyAt, claims, false)
	if !errors.Is(err, graph.ErrInvalid) {
		t.Fatalf("err = %v, want graph.ErrInvalid", err)
	}
	if v, _ := store.DataVersion(context.Background()); v.N != 1 {
		t.Errorf("data version = %d, want 1: nothing may be written", v.N)
	}
}

func TestKnownAndSuggestSubjects(t *testing.T) {
	store := efficacyStore(t)
	ctx := context.Background()
	known, err := store.Known(ctx, graph.SubjectIngredient, []string{"retinol", "water", "retinoll"})
	if err != nil {
		t.Fatalf("Known: %v", err)
	}
	if diff := cmp.Diff(map[string]bool{"retinol": true, "water": true}, known); diff != "" {
		t.Errorf("known ingredients (-want +got):\n%s", diff)
	}
	known, err = store.Known(ctx, graph.SubjectProduct, []string{"p1", "p3"})
	if err != nil {
		t.Fatalf("Known: %v", err)
	}
	if diff := cmp.Diff(map[string]bool{"p1": true}, known); diff != "" {
		t.Errorf("known products (-want +got):\n%s", diff)
	}
	sugg, err := store.SuggestSubjects(ctx, graph.SubjectIngredient, []string{"retinoll", "nacinamide", "zzzzzzzzz"})
	if err != nil {
		t.Fatalf("SuggestSubjects: %v", err)
	}
	if diff := cmp.Diff(map[string]string{"retinoll": "retinol", "nacinamide": "niacinamide", "zzzzzzzzz": ""}, sugg); diff != "" {
		t.Errorf("ingredient suggestions (-want +got):\n%s", diff)
	}
	sugg, err = store.SuggestSubjects(ctx, graph.SubjectProduct, []string{"p3"})
	if err != nil {
		t.Fatalf("SuggestSubjects: %v", err)
	}
	if got := sugg["p3"]; got != "p1" {
		t.Errorf("product suggestion for p3 = %q, want p1", got)
	}
}
