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

func intp(n int) *int { return &n }

// fixtureLoad is a tiny catalogue: two curated ingredients that conflict, a third unknown one,
// two products and three reviews.
func fixtureLoad(id string) graph.Load {
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	return graph.Load{
		ID: id, Source: "fixture", Kind: "test", At: at,
		Ingredients: []graph.Ingredient{
			{INCI: "niacinamide", Name: "Niacinamide", Functions: []string{"skin conditioning"}, Comedogenic: intp(0),
				Treats:    []graph.Treatment{{Concern: "hyperpigmentation", Efficacy: 0.6, Evidence: "clinical", Source: "s1"}},
				Conflicts: []graph.Conflict{{INCI: "retinol", Severity: 0.1, Reason: "r", Source: "s"}}, Source: "s"},
			{INCI: "retinol", Name: "Retinol", Functions: []string{"skin conditioning"},
				Treats:     []graph.Treatment{{Concern: "aging", Efficacy: 0.7, Evidence: "clinical", Source: "s2"}},
				Aggravates: []graph.Aggravation{{Kind: graph.KindSkinType, Target: "dry", Severity: 0.3, Reason: "drying", Source: "s3"}},
				Conflicts:  []graph.Conflict{{INCI: "niacinamide", Severity: 0.1, Reason: "r", Source: "s"}}, Source: "s"},
		},
		Products: []graph.Product{
			{ID: "p1", Name: "Night Serum", Brand: "Acme", Category: "serum", Price: 30, Rating: 4.5, ReviewCount: 2,
				Claims: []string{"aging"}, Suits: []string{"normal", "oily"},
				Ingredients: []graph.ProductIngredient{{INCI: "water", Name: "Aqua", Position: 1}, {INCI: "retinol", Name: "Retinol", Position: 2}}},
			{ID: "p2", Name: "Day Cream", Brand: "Acme", Category: "moisturizer", Price: 20,
				Ingredients: []graph.ProductIngredient{{INCI: "water", Name: "Water", Position: 1}, {INCI: "niacinamide", Name: "Niacinamide", Position: 2, Concentration: "5%"}}},
		},
		Reviews: []graph.Review{
			{ID: "r1", Reviewer: "u1", ProductID: "p1", Rating: 5, Recommended: true, At: at, SkinType: "oily", SkinTone: "medium", Concerns: []string{"aging"}, Effects: []string{"improved"}},
			{ID: "r2", Reviewer: "u2", ProductID: "p1", Rating: 3, At: at, SkinType: "oily", SkinTone: "fair", Effects: []string{"breakout", "purging"}},
			{ID: "r3", Reviewer: "u2", ProductID: "p2", Rating: 4, Recommended: true, At: at, SkinType: "oily"},
		},
	}
}

func TestWriteLoadAndReadProduct(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()

	res, err := store.WriteLoad(ctx, fixtureLoad("load-1"))
	if err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	wantCounts := map[string]graph.Counts{
		"ingredients": {Created: 2}, "products": {Created: 2}, "reviews": {Created: 3},
	}
	if diff := cmp.Diff(wantCounts, res.Counts); diff != "" {
		t.Errorf("counts (-want +got):\n%s", diff)
	}
	if !res.Changed || res.Version.N != 1 {
		t.Errorf("first load: changed=%v version=%d, want true and 1", res.Changed, res.Version.N)
	}

	p, err := store.Product(ctx, "p1")
	if err != nil {
		t.Fatalf("Product: %v", err)
	}
	if got, want := []string{p.Ingredients[0].INCI, p.Ingredients[1].INCI}, []string{"water", "retinol"}; !cmp.Equal(got, want) {
		t.Errorf("ingredients in label order = %v, want %v", got, want)
	}
	if p.Ingredients[0].Name != "Aqua" || p.Ingredients[1].Functions[0] != "skin conditioning" {
		t.Errorf("ingredient details = %+v", p.Ingredients)
	}
	if diff := cmp.Diff([]string{"normal", "oily"}, p.Suits); diff != "" {
		t.Errorf("suits (-want +got):\n%s", diff)
	}
	var oily *graph.Outcome
	for i := range p.Outcomes {
		if p.Outcomes[i].Kind == graph.KindSkinType && p.Outcomes[i].Attribute == "oily" {
			oily = &p.Outcomes[i]
		}
	}
	if oily == nil {
		t.Fatalf("no oily outcome in %+v", p.Outcomes)
	}
	wantOily := graph.Outcome{ProductID: "p1", Kind: "skin_type", Attribute: "oily", Count: 2, MeanRating: 4, RecommendRate: 0.5,
		Effects: map[string]int{"improved": 1, "breakout": 1, "purging": 1}}
	if diff := cmp.Diff(wantOily, *oily); diff != "" {
		t.Errorf("oily outcome (-want +got):\n%s", diff)
	}

	if _, err := store.Product(ctx, "nope"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("missing product: err = %v, want ErrNotFound", err)
	}
}

func TestWriteLoadIsIdempotent(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatal(err)
	}
	before, err := store.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := store.WriteLoad(ctx, fixtureLoad("load-2"))
	if err != nil {
		t.Fatal(err)
	}
	wantCounts := map[string]graph.Counts{
		"ingredients": {Unchanged: 2}, "products": {Unchanged: 2}, "reviews": {Unchanged: 3},
	}
	if diff := cmp.Diff(wantCounts, res.Counts); diff != "" {
		t.Errorf("second load counts (-want +got):\n%s", diff)
	}
	if res.Changed || res.Version.N != 1 {
		t.Errorf("second load: changed=%v version=%d, want false and 1", res.Changed, res.Version.N)
	}
	after, err := store.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if before != after {
		t.Errorf("stats changed by an identical load: before %+v after %+v", before, after)
	}

	// A changed product is updated, the rest stays unchanged, and the version moves.
	l := fixtureLoad("load-3")
	l.Products[1].Price = 22
	res, err = store.WriteLoad(ctx, l)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Counts["products"]; got != (graph.Counts{Updated: 1, Unchanged: 1}) {
		t.Errorf("products after a price change = %+v", got)
	}
	if res.Version.N != 2 {
		t.Errorf("version after a change = %d, want 2", res.Version.N)
	}
}

func TestWriteLoadIsAllOrNothing(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	// The last review names a product that does not exist: the load fails after ingredients,
	// products and the other reviews were written inside its transaction, and none may survive.
	l := fixtureLoad("load-bad")
	l.Reviews = append(l.Reviews, graph.Review{ID: "r4", Reviewer: "u3", ProductID: "no-such-product", Rating: 4, SkinType: "dry"})
	if _, err := store.WriteLoad(ctx, l); !errors.Is(err, graph.ErrInvalid) {
		t.Fatalf("bad load: err = %v, want ErrInvalid", err)
	}
	st, err := store.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st != (cypher.Stats{}) {
		t.Errorf("a failed load left data behind: %+v", st)
	}
	v, err := store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v.N != 0 {
		t.Errorf("a failed load bumped the data version to %d", v.N)
	}

	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := store.WriteLoad(cancelled, fixtureLoad("load-cancelled")); !errors.Is(err, graph.ErrUnavailable) {
		t.Fatalf("cancelled load: err = %v, want ErrUnavailable", err)
	}
}
