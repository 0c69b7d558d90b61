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
			store = neo4jtest.OpenStaging(t, cypher.StagingOptions{Threshold: 1})
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
	store = neo4jtest.OpenStaging(t, cypher.StagingOptions{Threshold: 1})
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
// changed (a third of the reviews moved to another product and reviewer), staged with room
// in memory for one changed product: the rest goes to a temporary file, the changed reviews
// are written by the chunks, and the graph, counts, outcomes and versions are those of the
// same loads written in one transaction each.
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
		// A third moves to the other product, by another reviewer.
		if i%3 == 0 {
			r.ProductID = map[string]string{"p1": "p2", "p2": "p1"}[r.ProductID]
			r.Reviewer += "-moved"
		}
	}
	type result struct {
		Results []map[string]graph.Counts
		Snap    snapshot
	}
	write := func(t *testing.T, staged bool) result {
		store := neo4jtest.Store(t)
		peak, spilled := -1, 0
		if staged {
			store = neo4jtest.OpenStaging(t, cypher.StagingOptions{Threshold: 1})
			cypher.SetSpill(store, 1, func(p, n int) { peak, spilled = max(peak, p), n })
		}
		var r result
		for i, l := range []graph.Load{first, changed, changed} {
			res, err := store.WriteLoadProgress(ctx, l, nil)
			if err != nil {
				t.Fatalf("load %s: %v", l.ID, err)
			}
			r.Results = append(r.Results, res.Counts)
			if staged && i == 1 && spilled != len(changed.Products) {
				t.Errorf("the changed load kept %d changed products for its commit, want %d", spilled, len(changed.Products))
			}
		}
		if staged && peak != 1 {
			t.Errorf("at most %d changed products were held in memory at once, want 1", peak)
		}
		r.Snap = takeSnapshot(t, store, "p1", "p2")
		// A changed review replaces its edge, also when it moved: one edge per review.
		if got := r.Snap.Stats.Reviews; got != int64(len(changed.Reviews)) {
			t.Errorf("%d REVIEWED edges after the reloads, want one per review (%d)", got, len(changed.Reviews))
		}
		if n := countQuery(t, store, "MATCH ()-[r:REVIEWED]->() WHERE r._superseded IS NOT NULL RETURN count(r)"); n != 0 {
			t.Errorf("%d superseded review edges left after the commit", n)
		}
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

// reviewsPerProduct is how many review edges of each product the projection holds.
func reviewsPerProduct(t *testing.T, store *cypher.Store, ids ...string) map[string]int {
	t.Helper()
	proj, err := store.Project(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, id := range ids {
		if x, ok := proj.ProductIndex(id); ok {
			out[id] = len(proj.ReviewAges(x))
		}
	}
	return out
}

// productEdges is what readers see of p1: its ingredients, claims and suitable skin types
// (Product) and the number of ingredients the projection gives it.
func productEdges(t *testing.T, store *cypher.Store) []string {
	t.Helper()
	p, err := store.Product(context.Background(), "p1")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, in := range p.Ingredients {
		out = append(out, "contains "+in.INCI)
	}
	for _, c := range p.Claims {
		out = append(out, "claims "+c)
	}
	for _, s := range p.Suits {
		out = append(out, "suits "+s)
	}
	proj, err := store.Project(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	x, _ := proj.ProductIndex("p1")
	return append(out, fmt.Sprintf("projected ingredients %d", len(proj.Uses(x))))
}

// TestChangedRecordsSwapAtCommit stages a load that changes every review, moves r2 from p1 to
// p2 and gives p1 other ingredients, claims and skin types: until the load commits, readers
// see the old edges (the new ones are hidden, the old ones only marked); a rollback unmarks
// them; the commit swaps them in one step and deletes the old edges; an old edge whose load
// committed but whose cleanup never ran is hidden from readers and swept by RecoverStaged.
func TestChangedRecordsSwapAtCommit(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatal(err)
	}
	before := reviewsPerProduct(t, store, "p1", "p2")
	if want := map[string]int{"p1": 2, "p2": 1}; !cmp.Equal(before, want) {
		t.Fatalf("reviews per product after the first load: %v, want %v", before, want)
	}
	changed := graph.Load{ID: "load-2", Source: "fixture", Kind: "test", At: time.Date(2025, 3, 6, 0, 0, 0, 0, time.UTC)}
	changed.Reviews = append([]graph.Review(nil), fixtureLoad("").Reviews...)
	for i := range changed.Reviews {
		changed.Reviews[i].Rating = 1
	}
	changed.Reviews[1].ProductID, changed.Reviews[1].Reviewer = "p2", "u7"
	p1 := fixtureLoad("").Products[0]
	p1.Ingredients = []graph.ProductIngredient{{INCI: "water", Name: "Aqua", Position: 1}, {INCI: "brand new extract", Name: "Brand New Extract", Position: 2}}
	p1.Claims, p1.Suits = []string{"dryness"}, []string{"dry"}
	changed.Products = []graph.Product{p1}
	oldEdges := []string{"contains water", "contains retinol", "claims aging", "suits normal", "suits oily", "projected ingredients 2"}
	newEdges := []string{"contains water", "contains brand new extract", "claims dryness", "suits dry", "projected ingredients 2"}
	if got := productEdges(t, store); !cmp.Equal(got, oldEdges) {
		t.Fatalf("p1 after the first load: %v, want %v", got, oldEdges)
	}
	superseded := "MATCH ()-[r]->() WHERE r._superseded = 'load-2' RETURN count(r)"

	st, err := store.BeginStaged(ctx, changed)
	if err != nil {
		t.Fatal(err)
	}
	if got := reviewsPerProduct(t, store, "p1", "p2"); !cmp.Equal(got, before) {
		t.Errorf("reviews per product while the load is staged: %v, want the old %v", got, before)
	}
	if got := productEdges(t, store); !cmp.Equal(got, oldEdges) {
		t.Errorf("p1 while the load is staged: %v, want the old %v", got, oldEdges)
	}
	if n := countQuery(t, store, superseded); n != 3+5 {
		t.Errorf("%d old edges marked while staged, want 3 reviews and 5 edges of p1", n)
	}
	if err := st.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if got := reviewsPerProduct(t, store, "p1", "p2"); !cmp.Equal(got, before) {
		t.Errorf("reviews per product after the rollback: %v, want %v", got, before)
	}
	if n := countQuery(t, store, superseded); n != 0 {
		t.Errorf("%d old edges still marked after the rollback", n)
	}
	if n := countQuery(t, store, "MATCH ()-[r:REVIEWED]->() RETURN count(r)"); n != 3 {
		t.Errorf("%d review edges after the rollback, want 3", n)
	}
	if got := productEdges(t, store); !cmp.Equal(got, oldEdges) {
		t.Errorf("p1 after the rollback: %v, want %v", got, oldEdges)
	}
	if n := countQuery(t, store, "MATCH (p:Product {id: 'p1'})-[r]->() WHERE NOT r:HAS_OUTCOME RETURN count(r)"); n != 5 {
		t.Errorf("p1 has %d edges after the rollback, want its 5 old ones", n)
	}

	changed.ID = "load-3"
	if st, err = store.BeginStaged(ctx, changed); err != nil {
		t.Fatal(err)
	}
	res, err := st.Commit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if want := (graph.Counts{Updated: 3}); res.Counts["reviews"] != want {
		t.Errorf("review counts %+v, want %+v", res.Counts["reviews"], want)
	}
	if want := (graph.Counts{Updated: 1}); res.Counts["products"] != want {
		t.Errorf("product counts %+v, want %+v", res.Counts["products"], want)
	}
	if got := productEdges(t, store); !cmp.Equal(got, newEdges) {
		t.Errorf("p1 after the commit: %v, want %v", got, newEdges)
	}
	if n := countQuery(t, store, "MATCH (p:Product {id: 'p1'})-[r]->() WHERE NOT r:HAS_OUTCOME RETURN count(r)"); n != 4 {
		t.Errorf("p1 has %d edges after the commit, want its 4 new ones (the old ones deleted)", n)
	}
	if got, want := reviewsPerProduct(t, store, "p1", "p2"), map[string]int{"p1": 1, "p2": 2}; !cmp.Equal(got, want) {
		t.Errorf("reviews per product after the commit: %v, want %v", got, want)
	}
	if n := countQuery(t, store, "MATCH ()-[r:REVIEWED]->() RETURN count(r)"); n != 3 {
		t.Errorf("%d review edges after the commit, want 3 (the old ones deleted)", n)
	}
	p2, err := store.Product(ctx, "p2")
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range p2.Outcomes {
		if o.MeanRating != 1 {
			t.Errorf("p2 outcome %s:%s has mean rating %v, want 1 (only the new reviews count)", o.Kind, o.Attribute, o.MeanRating)
		}
	}

	// A load that committed but died before its cleanup leaves marked edges behind.
	if err := cypher.WriteCypher(ctx, store, "MATCH ()-[r:REVIEWED {id: 'r3'}]->() SET r._superseded = 'gone'", nil); err != nil {
		t.Fatal(err)
	}
	if got, want := reviewsPerProduct(t, store, "p1", "p2"), map[string]int{"p1": 1, "p2": 1}; !cmp.Equal(got, want) {
		t.Errorf("reviews per product with an edge superseded by a committed load: %v, want %v", got, want)
	}
	if _, err := store.RecoverStaged(ctx); err != nil {
		t.Fatal(err)
	}
	if n := countQuery(t, store, "MATCH ()-[r:REVIEWED]->() RETURN count(r)"); n != 2 {
		t.Errorf("%d review edges after the recovery, want 2 (the superseded one swept)", n)
	}
}
