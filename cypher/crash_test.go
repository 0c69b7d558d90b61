package cypher_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/testcontainers"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestLoadInterruptedByACrashLeavesNothingAndCompletesOnRetry kills Neo4j (SIGKILL) while a
// large load is being written: after Neo4j comes back nothing of that load is visible (same
// data version, same graph digest as before), the load reported its failure, and running it
// again gives exactly the graph an undisturbed load gives.
func TestLoadInterruptedByACrashLeavesNothingAndCompletesOnRetry(t *testing.T) {
	ctx := context.Background()
	began := time.Now()
	phase := func(what string) { t.Logf("%6.1fs %s", time.Since(began).Seconds(), what) }
	defer phase("done")
	opts := testcontainers.Options{Provider: testcontainers.ProviderLocal, DataDir: filepath.Join(t.TempDir(), "neo4j"), JVMFlags: neo4jtest.JVMFlags, Settings: neo4jtest.Settings,
		ClassDataSharing: true, Port: freePort(t), Password: "crash-test", HeapMB: 1024, PageCache: "128m"}
	db, err := testcontainers.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Stop(context.Background()) })
	store := openMigrated(t, db)
	phase("neo4j started")

	demo, err := loader.Demo(datasets.FS, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.WriteLoad(ctx, demo); err != nil {
		t.Fatal(err)
	}
	big := syntheticLoad(demo.Ingredients, 600, 4)
	before := digest(t, store)
	phase("demo loaded and digested")

	// Kill Neo4j once the load's transaction is running.
	failed := make(chan error, 1)
	go func() {
		_, err := store.WriteLoad(ctx, big)
		failed <- err
	}()
	waitForWrite(t, db)
	phase("load running: killing neo4j")
	if err := db.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-failed:
		if err == nil {
			t.Fatal("the load reported success although Neo4j was killed while writing it (make the load bigger)")
		}
		t.Logf("the interrupted load reported: %v", err)
	case <-time.After(2 * time.Minute):
		t.Fatal("the interrupted load did not return")
	}
	store.Close(ctx)

	db, err = testcontainers.Start(ctx, opts)
	if err != nil {
		t.Fatalf("restart neo4j: %v", err)
	}
	store = openMigrated(t, db)
	phase("neo4j restarted")
	if after := digest(t, store); after != before {
		t.Fatalf("after the crash the graph differs from before the load:\nbefore %s\nafter  %s", before, after)
	}

	if _, err := store.WriteLoad(ctx, big); err != nil {
		t.Fatalf("re-run after the crash: %v", err)
	}
	retried := digest(t, store)
	phase("load re-run and digested")

	if err := store.Wipe(ctx); err != nil {
		t.Fatal(err)
	}
	if err := store.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, l := range []graph.Load{demo, big} {
		if _, err := store.WriteLoad(ctx, l); err != nil {
			t.Fatal(err)
		}
	}
	if undisturbed := digest(t, store); undisturbed != retried {
		t.Fatalf("the re-run load's graph differs from an undisturbed load's:\nre-run      %s\nundisturbed %s", retried, undisturbed)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func openMigrated(t *testing.T, db *testcontainers.Neo4j) *cypher.Store {
	t.Helper()
	s, err := cypher.Open(context.Background(), cypher.Config{URI: db.URI, Username: db.Username, Password: db.Password})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// waitForWrite returns once Neo4j runs a transaction that has written. It asks Neo4j as its
// administrator: the explorer refuses SHOW TRANSACTIONS.
func waitForWrite(t *testing.T, db *testcontainers.Neo4j) {
	t.Helper()
	ctx := context.Background()
	driver, err := neo4j.NewDriverWithContext(db.URI, neo4j.BasicAuth(db.Username, db.Password, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer driver.Close(ctx)
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		res, err := neo4j.ExecuteQuery(ctx, driver, `SHOW TRANSACTIONS YIELD currentQuery, status
			WHERE currentQuery CONTAINS 'UNWIND' RETURN count(*) AS n`, nil, neo4j.EagerResultTransformer)
		if err == nil && len(res.Records) == 1 && res.Records[0].Values[0].(int64) > 0 {
			time.Sleep(300 * time.Millisecond) // well inside the load
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the load's transaction never showed up")
}

// syntheticLoad makes n products over the knowledge base's ingredients, with reviewsPer
// reviews each, deterministically.
func syntheticLoad(ings []graph.Ingredient, n, reviewsPer int) graph.Load {
	rng := rand.New(rand.NewPCG(7, 11))
	cats, types, tones := graph.Categories.Names(), graph.SkinTypes.Names(), graph.SkinTones.Names()
	effects := graph.Effects.Names()
	load := graph.Load{ID: "crash-test", Source: "synthetic", Kind: "products", At: time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)}
	for i := range n {
		p := graph.Product{ID: fmt.Sprintf("crash-%05d", i), Name: fmt.Sprintf("Product %d", i), Brand: fmt.Sprintf("brand-%d", i%40),
			Category: cats[i%len(cats)], Price: float64(5 + rng.IntN(90)), Rating: 1 + 4*rng.Float64(), ReviewCount: reviewsPer}
		for pos := 1; pos <= 8+rng.IntN(12); pos++ {
			in := ings[rng.IntN(len(ings))]
			p.Ingredients = append(p.Ingredients, graph.ProductIngredient{INCI: in.INCI, Name: in.Name, Position: pos})
		}
		p.Ingredients = slices.CompactFunc(p.Ingredients, func(a, b graph.ProductIngredient) bool { return a.INCI == b.INCI })
		load.Products = append(load.Products, p)
		for r := range reviewsPer {
			rv := graph.Review{ID: fmt.Sprintf("crash-r-%05d-%d", i, r), Reviewer: fmt.Sprintf("u-%05d", rng.IntN(n)), ProductID: p.ID,
				Rating: 1 + rng.IntN(5), Recommended: rng.IntN(2) == 0, At: load.At.Add(time.Duration(r) * time.Hour),
				SkinType: types[rng.IntN(len(types))], SkinTone: tones[rng.IntN(len(tones))]}
			if rng.IntN(5) == 0 {
				rv.Effects = []string{effects[rng.IntN(len(effects))]}
			}
			load.Reviews = append(load.Reviews, rv)
		}
	}
	return load
}

// digest summarises the whole graph but its bookkeeping (Source, DataVersion, migration
// markers, the change feed's Change nodes, which carry their times): every node's labels and properties and every relationship between keyed nodes,
// hashed; with the data version and counts in clear for the failure message.
func digest(t *testing.T, s *cypher.Store) string {
	t.Helper()
	ctx := context.Background()
	const skip = "NOT (n:Source OR n:DataVersion OR n:SchemaMigration OR n:Change)"
	queries := []string{
		`MATCH (n) WHERE ` + skip + ` RETURN labels(n), properties(n)`,
		`MATCH (n)-[r]->(m) WHERE ` + skip + ` AND NOT (m:Source OR m:DataVersion OR m:SchemaMigration)
		 RETURN type(r), labels(n), coalesce(n.id, n.inci, n.name), labels(m), coalesce(m.id, m.inci, m.name), properties(r)`,
	}
	h := sha256.New()
	var counts []int
	for _, q := range queries {
		tab, err := s.Explore(ctx, cypher.Query{Text: q, Limit: 10_000_000, Timeout: 2 * time.Minute})
		if err != nil {
			t.Fatalf("digest: %v", err)
		}
		lines := make([]string, len(tab.Rows))
		for i, row := range tab.Rows {
			b, _ := json.Marshal(row)
			lines[i] = string(b)
		}
		slices.Sort(lines)
		h.Write([]byte(strings.Join(lines, "\n")))
		counts = append(counts, len(lines))
	}
	v, err := s.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("version %d, %d nodes, %d relationships, sha256 %s", v.N, counts[0], counts[1], hex.EncodeToString(h.Sum(nil))[:16])
}
