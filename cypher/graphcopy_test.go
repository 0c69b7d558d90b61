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
// profile, and the stale marks they leave. The restore replaces whatever graph is there and
// puts back an index that went missing.
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
	for _, marker := range []string{":Event ", ":Profile ", ":DataVersion ", ":Change ", "OutcomesStale"} {
		found := false
		for _, line := range want {
			found = found || strings.Contains(line, marker)
		}
		if !found {
			t.Errorf("the copied graph has no %q: the test no longer covers it", marker)
		}
	}

	// Change the graph the copy is restored over: other data, a missing index.
	if err := store.Wipe(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := store.WriteLoad(ctx, fixtureLoad("other")); err != nil {
		t.Fatal(err)
	}
	if err := cypher.WriteCypher(ctx, store, "DROP INDEX product_brand", nil); err != nil {
		t.Fatal(err)
	}

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
