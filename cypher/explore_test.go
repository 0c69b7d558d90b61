package cypher_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

func TestExploreReadsAndBoundsRows(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("l1")); err != nil {
		t.Fatal(err)
	}
	tab, err := store.Explore(ctx, cypher.Query{Text: "MATCH (p:Product) RETURN p.id AS id ORDER BY id", Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Columns) != 1 || tab.Columns[0] != "id" || len(tab.Rows) != 1 || tab.Rows[0][0] != "p1" || !tab.Truncated {
		t.Errorf("table = %+v, want one row p1, truncated", tab)
	}
	tab, err = store.Explore(ctx, cypher.Query{Text: "MATCH path = (p:Product {id: $id})-[:CONTAINS]->(i) RETURN path ORDER BY i.inci", Params: map[string]any{"id": "p2"}})
	if err != nil {
		t.Fatal(err)
	}
	path, _ := tab.Rows[0][0].(map[string]any)
	if nodes, _ := path["nodes"].([]any); len(nodes) != 2 || tab.Truncated {
		t.Errorf("path row = %+v", tab.Rows[0])
	}
}

// TestExploreRefusesWrites: the read transaction, not string matching, refuses every write.
func TestExploreRefusesWrites(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("l1")); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CREATE (:Product {id: 'evil'})",
		"MERGE (:Product {id: 'evil'})",
		"MATCH (p:Product {id: 'p1'}) SET p.price = 0",
		"MATCH (p:Product {id: 'p1'}) DETACH DELETE p",
		"MATCH (p:Product {id: 'p1'}) REMOVE p.price",
		"MATCH (p:Product {id: 'p1'}) REMOVE p:Product",
		"LOAD CSV FROM 'file:///etc/passwd' AS row CREATE (:Leak {line: row})",
		"CREATE INDEX evil IF NOT EXISTS FOR (n:Product) ON (n.name)",
		"DROP CONSTRAINT product_id",
		"CALL db.createLabel('Evil')",
		"CREATE DATABASE evil",
	} {
		t.Run(q, func(t *testing.T) {
			_, err := store.Explore(ctx, cypher.Query{Text: q})
			if !errors.Is(err, graph.ErrForbidden) {
				t.Errorf("err = %v, want graph.ErrForbidden", err)
			}
		})
	}
	st, err := store.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Products != 2 {
		t.Errorf("writes got through: %+v", st)
	}
}

func TestExploreStopsRunawayQueries(t *testing.T) {
	store := neo4jtest.Store(t)
	start := time.Now()
	_, err := store.Explore(context.Background(), cypher.Query{
		Text:    "UNWIND range(1, 100000000) AS a UNWIND range(1, 100000000) AS b WITH a, b WHERE a * b = -1 RETURN a",
		Timeout: 500 * time.Millisecond,
	})
	if !errors.Is(err, graph.ErrUnavailable) || !errors.Is(err, graph.ErrTimeout) {
		t.Errorf("err = %v, want the timeout reported as unavailable and timed out", err)
	}
	if d := time.Since(start); d > 20*time.Second {
		t.Errorf("runaway query ran %s", d)
	}
}
