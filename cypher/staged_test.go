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

// snapshot is what a load leaves in the graph, for comparing two ways of writing it.
type snapshot struct {
	Stats    cypher.Stats
	Products []graph.ProductDetail
	Version  int64
	Sources  int64
}

func takeSnapshot(t *testing.T, store *cypher.Store, ids ...string) snapshot {
	t.Helper()
	ctx := context.Background()
	var s snapshot
	var err error
	if s.Stats, err = store.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		p, err := store.Product(ctx, id)
		if errors.Is(err, graph.ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		s.Products = append(s.Products, p)
	}
	v, err := store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	s.Version = v.N
	s.Sources = countQuery(t, store, "MATCH (s:Source) RETURN count(s)")
	return s
}

func countQuery(t *testing.T, store *cypher.Store, q string) int64 {
	t.Helper()
	tab, err := store.Explore(context.Background(), cypher.Query{Text: q})
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	n, _ := tab.Rows[0][0].(int64)
	return n
}

// TestStagedLoadMatchesOneTransaction writes the same loads once in one transaction and
// once in stages: counts, products, outcomes, versions and sources are the same, and a
// second staged load of the same data changes nothing.
func TestStagedLoadMatchesOneTransaction(t *testing.T) {
	ctx := context.Background()
	second := fixtureLoad("load-2")
	second.Products[1].Price = 25 // p2 changed: written in the final transaction
	second.Reviews = append(second.Reviews, graph.Review{ID: "r4", Reviewer: "u3", ProductID: "p2", Rating: 2,
		At: time.Date(2025, 3, 2, 0, 0, 0, 0, time.UTC), SkinType: "dry", Effects: []string{"irritation"}})
	second.Reviews[0].Rating = 4 // r1 changed
	type result struct {
		Results []map[string]graph.Counts
		Snap    snapshot
	}
	write := func(t *testing.T, staged bool) result {
		store := neo4jtest.Store(t)
		if staged {
			store.SetStagedThreshold(1)
		}
		var r result
		for _, l := range []graph.Load{fixtureLoad("load-1"), second, second} {
			res, err := store.WriteLoadProgress(ctx, l, nil)
			if err != nil {
				t.Fatalf("load %s: %v", l.ID, err)
			}
			r.Results = append(r.Results, res.Counts)
		}
		r.Snap = takeSnapshot(t, store, "p1", "p2")
		return r
	}
	var one, staged result
	t.Run("one transaction", func(t *testing.T) { one = write(t, false) })
	t.Run("staged", func(t *testing.T) {
		staged = write(t, true)
		store := neo4jtest.Open(t)
		if n := countQuery(t, store, "MATCH (s:StagedLoad) RETURN count(s)"); n != 0 {
			t.Errorf("%d staged-load markers left", n)
		}
	})
	if len(one.Results) != 3 || len(staged.Results) != 3 {
		t.Fatalf("a load failed")
	}
	if diff := cmp.Diff(one, staged); diff != "" {
		t.Errorf("one transaction vs staged (-one +staged):\n%s", diff)
	}
	if want := (graph.Counts{Created: 1, Updated: 1, Unchanged: 2}); staged.Results[1]["reviews"] != want {
		t.Errorf("second load reviews %+v, want %+v", staged.Results[1]["reviews"], want)
	}
}

// TestStagedLoadRollsBack fails a staged load after some chunks were written (a review of an
// unknown product): nothing of it stays, the outcomes are as before, the version is the same.
func TestStagedLoadRollsBack(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, store, "p1", "p2", "p3")
	bad := fixtureLoad("load-bad")
	bad.Products = append(bad.Products, graph.Product{ID: "p3", Name: "New", Category: "toner",
		Ingredients: []graph.ProductIngredient{{INCI: "brand new extract", Name: "Brand New Extract", Position: 1}}})
	at := time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC)
	bad.Reviews = append(bad.Reviews,
		graph.Review{ID: "r5", Reviewer: "u9", ProductID: "p1", Rating: 1, At: at, SkinType: "dry", Effects: []string{"breakout"}},
		graph.Review{ID: "r6", Reviewer: "u9", ProductID: "p3", Rating: 5, At: at, SkinType: "dry"},
		graph.Review{ID: "r7", Reviewer: "u9", ProductID: "nope", Rating: 5, At: at})
	store.SetStagedThreshold(1)
	var progressed int
	_, err := store.WriteLoadProgress(ctx, bad, func(done int) { progressed = done })
	if !errors.Is(err, graph.ErrInvalid) {
		t.Fatalf("err = %v, want graph.ErrInvalid", err)
	}
	if progressed != len(bad.Products) {
		t.Errorf("progress reached %d rows before the failure, want the %d products", progressed, len(bad.Products))
	}
	after := takeSnapshot(t, store, "p1", "p2", "p3")
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("graph after a failed staged load (-before +after):\n%s", diff)
	}
	for _, q := range []string{
		"MATCH (n) WHERE n._load = 'load-bad' RETURN count(n)",
		"MATCH ()-[r]->() WHERE r._load = 'load-bad' RETURN count(r)",
		"MATCH (i:Ingredient {inci: 'brand new extract'}) RETURN count(i)",
		"MATCH (s:StagedLoad) RETURN count(s)",
	} {
		if n := countQuery(t, store, q); n != 0 {
			t.Errorf("%s = %d, want 0", q, n)
		}
	}
}

// TestStagedReloadWhereEveryRecordChanged reloads a set in which every product and review
// changed, staged with room in memory for one changed record of each kind: the rest goes
// to a temporary file, and the graph, counts, outcomes and versions are those of the same
// loads written in one transaction each.
func TestStagedReloadWhereEveryRecordChanged(t *testing.T) {
	ctx := context.Background()
	first := fixtureLoad("load-1")
	at := time.Date(2025, 3, 5, 0, 0, 0, 0, time.UTC)
	types := graph.SkinTypes.Names()
	for i := range 40 {
		first.Reviews = append(first.Reviews, graph.Review{ID: fmt.Sprintf("bulk-%02d", i), Reviewer: fmt.Sprintf("b%d", i%7),
			ProductID: []string{"p1", "p2"}[i%2], Rating: 1 + i%5, Recommended: i%3 == 0, At: at, SkinType: types[i%len(types)],
			Concerns: []string{"aging"}[:i%2]})
	}
	changed := fixtureLoad("load-2")
	changed.Reviews = append([]graph.Review(nil), first.Reviews...)
	for i := range changed.Products {
		changed.Products[i].Price += 5
	}
	for i := range changed.Reviews {
		r := &changed.Reviews[i]
		r.Rating = 6 - r.Rating
		r.Effects = append([]string{}, "hydration")
		r.SkinType = types[(i+1)%len(types)] // new HAS edges for some reviewers
	}
	type result struct {
		Results []map[string]graph.Counts
		Snap    snapshot
	}
	write := func(t *testing.T, staged bool) result {
		store := neo4jtest.Store(t)
		peak, spilled := -1, 0
		if staged {
			store.SetStagedThreshold(1)
			cypher.SetSpill(store, 1, func(p, n int) { peak, spilled = max(peak, p), n })
		}
		var r result
		for i, l := range []graph.Load{first, changed, changed} {
			res, err := store.WriteLoadProgress(ctx, l, nil)
			if err != nil {
				t.Fatalf("load %s: %v", l.ID, err)
			}
			r.Results = append(r.Results, res.Counts)
			if staged && i == 1 && spilled != len(changed.Products)+len(changed.Reviews) {
				t.Errorf("the changed load kept %d changed records, want %d", spilled, len(changed.Products)+len(changed.Reviews))
			}
		}
		if staged && (peak < 1 || peak > 2) {
			t.Errorf("at most %d changed records were held in memory at once, want 1 of each kind", peak)
		}
		r.Snap = takeSnapshot(t, store, "p1", "p2")
		return r
	}
	var one, staged result
	t.Run("one transaction", func(t *testing.T) { one = write(t, false) })
	t.Run("staged", func(t *testing.T) { staged = write(t, true) })
	if len(one.Results) != 3 || len(staged.Results) != 3 {
		t.Fatalf("a load failed")
	}
	// The outcome means are averaged by Neo4j in storage order, which differs between the
	// two ways of writing: equal up to rounding.
	if diff := cmp.Diff(one, staged, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("one transaction vs staged (-one +staged):\n%s", diff)
	}
	wantReviews := []graph.Counts{{Created: 43}, {Updated: 43}, {Unchanged: 43}}
	for i, want := range wantReviews {
		if got := staged.Results[i]["reviews"]; got != want {
			t.Errorf("load %d reviews %+v, want %+v", i+1, got, want)
		}
	}
}
