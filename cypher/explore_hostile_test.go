package cypher_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// canaryServer writes a canary file (also into a local Neo4j's import folder, where a
// relative file URL would find it) and starts a loopback HTTP server that answers the canary
// and counts its hits.
func canaryServer(t *testing.T) (file, httpURL string, hits *atomic.Int64) {
	t.Helper()
	file = filepath.Join(t.TempDir(), "canary.csv")
	if err := os.WriteFile(file, []byte(neo4jtest.Canary+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := neo4jtest.Server(t).DataDir; dir != "" {
		imported := filepath.Join(dir, "import", "canary.csv")
		if err := os.WriteFile(imported, []byte(neo4jtest.Canary+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.Remove(imported) })
	}
	hits = new(atomic.Int64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintln(w, neo4jtest.Canary)
	}))
	t.Cleanup(srv.Close)
	return file, srv.URL, hits
}

// TestExploreRefusesHostileQueries: every query of the hostile suite is refused before it
// runs (the loopback server is never called), with the reason named, and nothing of the
// canary, the server's files or its configuration comes back; nothing was written.
func TestExploreRefusesHostileQueries(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("l1")); err != nil {
		t.Fatal(err)
	}
	file, httpURL, hits := canaryServer(t)
	queries := neo4jtest.HostileQueries(file, httpURL)
	if len(queries) < 30 {
		t.Fatalf("the hostile suite has %d queries, want at least 30", len(queries))
	}
	for _, h := range queries {
		t.Run(h.Name, func(t *testing.T) {
			tab, err := store.Explore(ctx, cypher.Query{Text: h.Query, Params: h.Params})
			want := graph.ErrForbidden
			if h.Want == neo4jtest.Invalid {
				want = graph.ErrInvalid
			}
			if !errors.Is(err, want) {
				t.Fatalf("%s\nerr = %v, want %v", h.Query, err, want)
			}
			if h.Reason != "" && !strings.Contains(err.Error(), h.Reason) {
				t.Errorf("err = %v, want it to name %q", err, h.Reason)
			}
			for _, secret := range []string{neo4jtest.Canary, "root:x:0:0", "server.directories", "neo4j-launcher"} {
				if strings.Contains(err.Error(), secret) || strings.Contains(fmt.Sprint(tab), secret) {
					t.Errorf("the answer leaks %q: %v %+v", secret, err, tab)
				}
			}
			if len(tab.Rows) != 0 {
				t.Errorf("rows = %v, want none", tab.Rows)
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server was called %d times, want 0", n)
	}
	tab, err := store.Explore(ctx, cypher.Query{Text: "MATCH (n) WHERE n:Leak OR n:Evil RETURN count(n) AS n"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([][]any{{int64(0)}}, tab.Rows); diff != "" {
		t.Errorf("writes got through (-want +got):\n%s", diff)
	}
}

// TestExploreAllowsSchemaReads: the schema reads and the full-text search analysts need
// stay allowed.
func TestExploreAllowsSchemaReads(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("l1")); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"CALL db.labels() YIELD label RETURN label",
		"CALL db.relationshipTypes()",
		"CALL db.propertyKeys()",
		"CALL db.schema.visualization()",
		"CALL db.schema.nodeTypeProperties()",
		"CALL db.schema.relTypeProperties()",
		"SHOW INDEXES",
		"SHOW CONSTRAINTS YIELD name RETURN name",
		"CALL db.index.fulltext.queryNodes('catalogue_text', 'serum') YIELD node, score RETURN node.id AS id, score",
		"MATCH (p:Product)-[:CONTAINS]->(i:Ingredient) WHERE p.price < $max RETURN p.id, collect(i.inci) ORDER BY p.id",
		"MATCH (p:Product) OPTIONAL MATCH (p)-[:CLAIMS]->(c) WITH p, count(c) AS n WHERE n >= 0 RETURN p.id, n ORDER BY n DESC SKIP 0 LIMIT 5",
		"MATCH path = shortestPath((a:Product {id: 'p1'})-[*..4]-(b:Product {id: 'p2'})) RETURN length(path)",
		"MATCH (p:Product) WHERE EXISTS { (p)-[:CONTAINS]->(:Ingredient {inci: 'retinol'}) } RETURN p.id UNION MATCH (p:Product {id: 'p2'}) RETURN p.id",
		"MATCH (a:Product)-[:CONTAINS]->(i)<-[:CONTAINS]-(b:Product) WHERE a.id < b.id RETURN a.id, b.id, count(i)",
		"CYPHER runtime=slotted MATCH (p:Product {id: 'p1'}) RETURN p",
		"MATCH (p:Product) WHERE p.id IN ['p1', 'p2'] AND p.name STARTS WITH 'N' RETURN p.id",
	} {
		t.Run(q, func(t *testing.T) {
			tab, err := store.Explore(ctx, cypher.Query{Text: q, Params: map[string]any{"max": 100}})
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if len(tab.Rows) == 0 {
				t.Errorf("no rows")
			}
		})
	}
}

// TestNeo4jRefusesFileURLs: the Neo4j we start refuses file URLs in LOAD CSV even to its own
// administrator (dbms.security.allow_csv_import_from_file_urls=false), so a query that got
// past the explorer's plan check would still read no file.
func TestNeo4jRefusesFileURLs(t *testing.T) {
	neo4jtest.Store(t)
	db := neo4jtest.Server(t)
	file, _, _ := canaryServer(t)
	ctx := context.Background()
	driver, err := neo4j.NewDriverWithContext(db.URI, neo4j.BasicAuth(db.Username, db.Password, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer driver.Close(ctx)
	for _, u := range []string{"file://" + file, "file:///canary.csv", "file:///etc/passwd"} {
		res, err := neo4j.ExecuteQuery(ctx, driver, "LOAD CSV FROM $url AS r RETURN r", map[string]any{"url": u}, neo4j.EagerResultTransformer)
		if err == nil {
			t.Errorf("%s: read %d rows, want a refusal", u, len(res.Records))
			continue
		}
		if !strings.Contains(err.Error(), "file URLs") && !strings.Contains(err.Error(), "allow_csv_import_from_file_urls") {
			t.Errorf("%s: err = %v, want file URLs refused by configuration", u, err)
		}
		if strings.Contains(err.Error(), neo4jtest.Canary) {
			t.Errorf("%s: the error leaks the canary: %v", u, err)
		}
	}
}
