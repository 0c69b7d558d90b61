package cypher_test

import (
	"context"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// BenchmarkPrepareDemoGraph compares the two ways neo4jtest prepares the demo graph again
// after a test changed it (here: a product's price and a new review): wipe, migrate and load
// it (load), or restore a copy of it (restore). Besides the wall time per
// preparation it reports the shared local Neo4j's CPU per preparation (server-cpu-s/op), read
// from /proc (a local Neo4j only), which is where most of a preparation's CPU goes:
//
//	go test -run '^$' -bench PrepareDemoGraph -benchtime 5x ./cypher
func BenchmarkPrepareDemoGraph(b *testing.B) {
	store := neo4jtest.Store(b)
	ctx := context.Background()
	load := func() {
		if err := store.Wipe(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := loader.LoadDemo(ctx, store, datasets.FS, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	load()
	c, err := store.CopyGraph(ctx)
	if err != nil {
		b.Fatal(err)
	}
	change := func() {
		if err := cypher.WriteCypher(ctx, store, `
			MATCH (p:Product {id: 'demo-0001'}) SET p.price = p.price + 1
			MERGE (u:Reviewer {id: 'bench-reviewer'})
			CREATE (u)-[:REVIEWED {id: randomUUID(), rating: 5, at: datetime()}]->(p)`, nil); err != nil {
			b.Fatal(err)
		}
	}
	server := neo4jtest.Server(b)
	for _, bc := range []struct {
		name    string
		prepare func()
	}{
		{"load", func() { change(); load() }},
		{"restore", func() {
			change()
			if err := store.RestoreGraph(ctx, c); err != nil {
				b.Fatal(err)
			}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			before, err := server.CPU()
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				bc.prepare()
			}
			after, err := server.CPU()
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric((after-before).Seconds()/float64(b.N), "server-cpu-s/op")
		})
	}
}
