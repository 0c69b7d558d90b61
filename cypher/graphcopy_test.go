package cypher_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
)

// TestRestoredGraphEqualsTheCopiedOne: a graph put back by RestoreGraph equals, node for node
// and relationship for relationship with every property and its type, the graph CopyGraph
// read: the demo load (data version, change feed, outcomes), then sealed events and a
// profile, and the stale marks they leave. It is restored over a few changes in place (only
// those are written back), over an unchanged graph (nothing is committed), over a graph grown
// far past it (written in full) and over a different graph with an index missing.
func TestRestoredGraphEqualsTheCopiedOne(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	if _, err := loader.LoadDemo(ctx, store, datasets.FS, time.Now()); err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	putProfile(t, store, "profile-x", oilyMedium)
	writeOne(t, store,
		ev("e1", graph.EventRating, "demo-0001", "profile-x", 4, ""),
		ev("e2", graph.EventEffect, "demo-0001", "profile-x", 0, "breakout"),
		ev("e3", graph.EventView, "demo-0002", "", 0, ""))

	original, err := store.CopyGraph(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := original.Canonical()
	if original.Nodes() < 1000 || original.Relationships() < 1000 {
		t.Fatalf("copied %d nodes and %d relationships; want the demo graph's thousands", original.Nodes(), original.Relationships())
	}
	for _, marker := range []string{":Event ", ":Profile ", ":DataVersion ", ":Change ", "OutcomesStale", "datetime "} {
		found := false
		for _, line := range want {
			found = found || strings.Contains(line, marker)
		}
		if !found {
			t.Errorf("the copied graph has no %q: the test no longer covers it", marker)
		}
	}
	restore := func(t *testing.T) {
		t.Helper()
		if err := store.RestoreGraph(ctx, original); err != nil {
			t.Fatalf("RestoreGraph: %v", err)
		}
		restored, err := store.CopyGraph(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, restored.Canonical()); diff != "" {
			t.Errorf("restored graph (-copied +restored):\n%s", diff)
		}
	}

	t.Run("changes in place", func(t *testing.T) {
		for _, q := range []string{
			"MATCH (p:Product {id: 'demo-0001'}) SET p.price = 1.5, p.extra = 'x' REMOVE p.brand",
			"MATCH (p:Product {id: 'demo-0002'}) SET p:Extra",
			"MATCH (v:DataVersion) REMOVE v:DataVersion SET v:Other",
			"MATCH (p:Product {id: 'demo-0003'}) DETACH DELETE p",
			"CREATE (:Product {id: 'new-1'})-[:CLAIMS {at: datetime()}]->(:Concern {name: 'new-concern'})",
			"MATCH (:Reviewer)-[r:REVIEWED]->() WITH r LIMIT 1 SET r.rating = 0",
			"MATCH ()-[r:CONTAINS]->() WITH r LIMIT 3 DELETE r",
			"MATCH (a:Product {id: 'demo-0004'}), (b:Product {id: 'demo-0005'}) CREATE (a)-[:SIMILAR]->(b)",
		} {
			if err := cypher.WriteCypher(ctx, store, q, nil); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		restore(t)
		if n := original.FullRestores(); n != 0 {
			t.Errorf("%d full restores, want the changes written back only", n)
		}
	})

	t.Run("unchanged", func(t *testing.T) {
		before, err := store.LastCommit(ctx)
		if err != nil {
			t.Fatal(err)
		}
		restore(t)
		if after, err := store.LastCommit(ctx); err != nil || after != before {
			t.Errorf("restoring an unchanged graph committed something (%v)", err)
		}
	})

	t.Run("a graph grown far past the copy", func(t *testing.T) {
		full := original.FullRestores()
		if err := cypher.WriteCypher(ctx, store, "UNWIND range(1, $n) AS i CREATE (:Filler {i: i})",
			map[string]any{"n": 2*original.Nodes() + 1001}); err != nil {
			t.Fatal(err)
		}
		restore(t)
		if got := original.FullRestores() - full; got != 1 {
			t.Errorf("%d full restores, want 1 (deleting the whole graph in batches)", got)
		}
	})

	t.Run("other graph, index missing", func(t *testing.T) {
		if err := store.Wipe(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := store.WriteLoad(ctx, fixtureLoad("other")); err != nil {
			t.Fatal(err)
		}
		if err := cypher.WriteCypher(ctx, store, "DROP INDEX product_brand", nil); err != nil {
			t.Fatal(err)
		}
		restore(t)
	})
}
