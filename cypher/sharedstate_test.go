package cypher_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/sharedstate/sharedstatetest"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestNeo4jSharedState runs the shared-state suite on Neo4j, then checks that Prune deletes
// the expired records only and that an export (and so a backup) leaves them out.
func TestNeo4jSharedState(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	st, err := cypher.NewSharedState(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("idempotency", func(t *testing.T) {
		sharedstatetest.RunIdempotency(t, st, sharedstatetest.Options{LeaseExpires: true})
	})
	t.Run("limiter", func(t *testing.T) { sharedstatetest.RunLimiter(t, st) })

	t.Run("prune", func(t *testing.T) {
		var fp graph.Fingerprint
		if _, _, _, err := st.Claim(ctx, "short", fp, 50*time.Millisecond); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := st.Claim(ctx, "long", fp, time.Hour); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		countOf := func(q string) int64 {
			tab, err := store.Explore(ctx, cypher.Query{Text: q, Limit: 1, Timeout: 10 * time.Second})
			if err != nil || len(tab.Rows) != 1 {
				t.Fatalf("%s: %v rows, err %v", q, tab.Rows, err)
			}
			n, _ := tab.Rows[0][0].(int64)
			return n
		}
		count := func() int64 { return countOf("MATCH (n:SharedState) WHERE n.expires_at > timestamp() RETURN count(n)") }
		live := count()
		deleted, err := st.Prune(ctx, 1000)
		if err != nil || deleted < 1 {
			t.Fatalf("prune deleted %d, err %v; want at least the lapsed claim", deleted, err)
		}
		if got := count(); got != live {
			t.Errorf("prune deleted live records: %d before, %d after", live, got)
		}
		if n := countOf("MATCH (n:SharedState) WHERE n.expires_at <= timestamp() RETURN count(n)"); n != 0 {
			t.Errorf("%d expired records left after prune", n)
		}
	})
	t.Run("outside the store's bookmarks", func(t *testing.T) {
		// A take per request must not make the Store's next reads wait for its replication.
		before, err := cypher.Bookmarks(ctx, store)
		if err != nil {
			t.Fatal(err)
		}
		var fp graph.Fingerprint
		if _, err := st.Take(ctx, "bookmarks", graph.Limit{Rate: 1, Burst: 5}, 1); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := st.Claim(ctx, "bookmarks", fp, time.Minute); err != nil {
			t.Fatal(err)
		}
		after, err := cypher.Bookmarks(ctx, store)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(before, after); diff != "" {
			t.Errorf("shared-state writes moved the Store's bookmarks (-before +after):\n%s", diff)
		}
	})
	t.Run("not exported", func(t *testing.T) {
		snap, err := store.ReadSnapshot(ctx)
		if err != nil {
			t.Fatalf("export with shared-state records in the graph: %v", err)
		}
		for _, l := range []string{"SharedState", "IdempotencyKey", "RateLimit"} {
			if snap.NodeCounts[l] != 0 {
				t.Errorf("the export counts %d :%s nodes", snap.NodeCounts[l], l)
			}
		}
	})
}

// BenchmarkNeo4jSharedState: go test -run '^$' -bench Neo4jSharedState ./cypher
func BenchmarkNeo4jSharedState(b *testing.B) {
	store := neo4jtest.Open(b)
	st, err := cypher.NewSharedState(context.Background(), store)
	if err != nil {
		b.Fatal(err)
	}
	sharedstatetest.Bench(b, st, st)
}
