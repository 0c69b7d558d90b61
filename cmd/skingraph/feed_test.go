package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestEngineAppliesChangesAsDeltas runs the server's engine over a real Neo4j: a write is
// applied as a delta (equal to a full build), a new product too, a replica whose changes
// were pruned rebuilds in full and says why, and the verification finds no drift.
func TestEngineAppliesChangesAsDeltas(t *testing.T) {
	ctx := context.Background()
	store := neo4jtest.Store(t)
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	product := func(id string) graph.Product {
		return graph.Product{ID: id, Name: "Serum " + id, Brand: "Acme", Category: "serum", Price: 20, Rating: 4,
			Claims: []string{"acne"}, Ingredients: []graph.ProductIngredient{{INCI: "niacinamide", Name: "Niacinamide", Position: 1}}}
	}
	review := func(n int, product string, rating int) graph.Review {
		return graph.Review{ID: fmt.Sprintf("r%d", n), Reviewer: fmt.Sprintf("u%d", n%3), ProductID: product, Rating: rating,
			At: at.Add(time.Duration(n) * time.Hour), SkinType: "oily"}
	}
	load := func(l graph.Load) {
		t.Helper()
		l.Source, l.Kind, l.At = "test", "test", at
		if _, err := store.WriteLoad(ctx, l); err != nil {
			t.Fatalf("WriteLoad %s: %v", l.ID, err)
		}
	}
	load(graph.Load{ID: "base", Ingredients: []graph.Ingredient{{INCI: "niacinamide", Name: "Niacinamide", Source: "s",
		Treats: []graph.Treatment{{Concern: "acne", Efficacy: 0.5, Evidence: "clinical", Source: "s"}}}},
		Products: []graph.Product{product("a"), product("b"), product("c")},
		Reviews:  []graph.Review{review(1, "a", 5), review(2, "b", 4), review(3, "c", 2)}})

	r, err := ranker.New(ranker.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	engine, err := ranker.NewEngine(store, r, embedProducts, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	engine.SetEmbedDelta(embedProductsDelta) // as the server does (newEngine)
	refresh := func(what string) ranker.EngineStats {
		t.Helper()
		if swapped, err := engine.Refresh(ctx); err != nil || !swapped {
			t.Fatalf("%s: Refresh = %v, %v; want a swap", what, swapped, err)
		}
		full, err := store.Project(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := engine.Snapshot().Projection.Digest(), full.Digest(); got != want {
			t.Fatalf("%s: the engine's projection (digest %s) differs from a full build (%s)", what, got, want)
		}
		return engine.Stats()
	}
	refresh("start")

	load(graph.Load{ID: "reviews", Reviews: []graph.Review{review(4, "c", 5), review(5, "a", 5)}})
	if st := refresh("reviews"); st.Deltas != 1 || st.Rebuilds != 0 || !engine.Snapshot().Projection.AppliedInPlace() {
		t.Errorf("after a review load: %d deltas, %d rebuilds, in place %v; want 1 delta applied in place",
			st.Deltas, st.Rebuilds, engine.Snapshot().Projection.AppliedInPlace())
	}
	load(graph.Load{ID: "new product", Products: []graph.Product{product("d")}})
	if st := refresh("new product"); st.Deltas != 2 || st.Rebuilds != 0 {
		t.Errorf("after a new product: %d deltas, %d rebuilds; want 2 and 0", st.Deltas, st.Rebuilds)
	}
	if engine.Snapshot().Vectors.Product(0) == nil {
		t.Errorf("product a lost its embedding vector after a delta")
	}
	// The embeddings derived by the two deltas are within the tolerance of a full computation.
	if st := engine.Stats(); st.LastEmbedDelta <= 0 {
		t.Errorf("the deltas' embeddings were not derived from the previous ones (stats %+v)", st)
	}
	if vr, err := engine.Verify(ctx); err != nil || !vr.Compared || vr.Drift || vr.VectorDrift.Compared != 4 || vr.VectorDrift.Max > 1e-3 {
		t.Errorf("Verify after two deltas = %+v, %v; want no drift, 4 product vectors within 1e-3 cosine distance", vr, err)
	}

	// A replica further behind than the retention: the changes are gone, it rebuilds.
	load(graph.Load{ID: "more reviews", Reviews: []graph.Review{review(6, "d", 4)}})
	if _, err := store.PruneChanges(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	st := refresh("pruned")
	if st.Rebuilds != 1 || !strings.Contains(st.LastRebuildReason, "gone") {
		t.Errorf("after pruning: %d rebuilds, reason %q; want 1 rebuild because the changes are gone", st.Rebuilds, st.LastRebuildReason)
	}

	res, err := engine.Verify(ctx)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if !res.Compared || res.Drift || res.Incremental != res.Full {
		t.Errorf("Verify = %+v; want compared, no drift", res)
	}
}
