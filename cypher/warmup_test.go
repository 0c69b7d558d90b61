package cypher_test

import (
	"context"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
)

// TestWarmUpWritesNothing: WarmUp runs the event-to-projection path on a real product and
// changes nothing: the same nodes, relationships, labels and data version before and after,
// and the stale mark of an earlier event is still there.
func TestWarmUpWritesNothing(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	writeOne(t, store, ev("w1", "rating", "p1", "", 4, ""))
	census := func() [3]int64 {
		t.Helper()
		tab, err := store.Explore(ctx, cypher.Query{Text: `
			CALL () { MATCH (n) UNWIND labels(n) AS l RETURN count(n) AS nodes }
			CALL () { MATCH ()-[r]->() RETURN count(r) AS rels }
			MATCH (v:DataVersion {id: 'current'})
			RETURN nodes, rels, v.n AS version`, Limit: 1, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		r := tab.Rows[0]
		return [3]int64{r[0].(int64), r[1].(int64), r[2].(int64)}
	}
	before := census()
	id, err := store.WarmUp(ctx)
	if err != nil {
		t.Fatalf("WarmUp: %v", err)
	}
	if id == "" {
		t.Errorf("WarmUp found no product to run the path on")
	}
	if after := census(); after != before {
		t.Errorf("WarmUp changed the graph: (nodes, relationships, version) %v -> %v", before, after)
	}
	if n, _ := refresh(t, store); n != 1 {
		t.Errorf("the stale product after WarmUp: %d refreshed, want 1 (the mark is kept)", n)
	}
}
