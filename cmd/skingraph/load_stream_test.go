package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/loader/gen"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// graphDump is what a load leaves in the graph, as sorted rows, for comparing two ways of
// writing the same folder. Means are rounded (a staged load sums in another order), and the
// _load marks of staged records, which stay after the commit, are left out.
var graphDump = []string{
	`MATCH (n) WHERE NOT n:SchemaMigration AND NOT n:Source AND NOT n:DataVersion
	 RETURN labels(n)[0] AS label, count(*) AS n ORDER BY label`,
	`MATCH ()-[r]->() RETURN type(r) AS type, count(*) AS n ORDER BY type`,
	`MATCH (p:Product) RETURN p.id, p.hash, p.rating, p.review_count ORDER BY p.id`,
	`MATCH (u:Reviewer)-[r:REVIEWED]->(p:Product) RETURN r.id, u.id, p.id, r.hash ORDER BY r.id`,
	`MATCH (u:Reviewer)-[h:HAS]->(a) RETURN u.id, labels(a)[0], a.name ORDER BY u.id, labels(a)[0], a.name`,
	`MATCH (p:Product)-[c:CONTAINS]->(i:Ingredient) RETURN p.id, i.inci, c.position, i.name, i.hash ORDER BY p.id, i.inci`,
	`MATCH (o:Outcome)-[:FOR]->(a) RETURN o.key, o.count, round(o.mean_rating, 9), round(o.recommend_rate, 9), o.breakout, o.improved, labels(a)[0] ORDER BY o.key`,
	`MATCH (v:DataVersion) RETURN v.n`,
	`MATCH (s:Source) RETURN s.kind, s.counts`,
	`MATCH (s:StagedLoad) RETURN count(s)`,
}

func dumpGraph(t *testing.T, store *cypher.Store) map[string][][]any {
	t.Helper()
	out := map[string][][]any{}
	for _, q := range graphDump {
		tab, err := store.Explore(context.Background(), cypher.Query{Text: q, Limit: 10_000})
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if tab.Truncated {
			t.Fatalf("%s: more than 10,000 rows", q)
		}
		out[q] = tab.Rows
	}
	return out
}

// csvFolder is a small folder in the project's CSV formats: products without a rating (rated
// from their reviews), a review repeated as it is, reviewers with several reviews.
func csvFolder(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	products := "id,name,brand,category,price,ingredients,claims,suits\n"
	for i := 1; i <= 7; i++ {
		products += fmt.Sprintf("c%d,Cream %d,Brand %d,moisturizer,%d,\"Water, Glycerin, Niacinamide 5%%, Made Up Extract %d\",acne;pores,oily\n", i, i, i%3, 10+i, i)
	}
	reviews := "id,reviewer,product_id,rating,recommended,at,skin_type,skin_tone,concerns,effects,text\n"
	types := []string{"oily", "dry", "combination", "normal"}
	for i := 1; i <= 40; i++ {
		reviews += fmt.Sprintf("cr%d,u%d,c%d,%d,%t,2025-01-%02dT10:00:00Z,%s,light,acne,breakout,\"text, %d\"\n",
			i, i%9, i%7+1, i%5+1, i%2 == 0, i%28+1, types[i%4], i)
	}
	reviews += "cr3,u3,c4,4,false,2025-01-04T10:00:00Z,normal,light,acne,breakout,\"text, 3\"\n" // repeated as it is
	for name, body := range map[string]string{"products.csv": products, "reviews.csv": reviews} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func genFolder(t *testing.T) string {
	t.Helper()
	kb, err := bundledIngredients()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := gen.WriteDir(context.Background(), gen.Config{Products: 50, Reviews: 600, Seed: 7, Ingredients: kb}, dir); err != nil {
		t.Fatal(err)
	}
	return dir
}

// streamedLoad loads something with opts' chunk size and progress.
type streamedLoad func(ctx context.Context, store *cypher.Store, at time.Time, chunk int, progress func(done, total int)) (graph.LoadResult, error)

func dirLoad(folder func(t *testing.T) string) func(t *testing.T) streamedLoad {
	return func(t *testing.T) streamedLoad {
		dir := folder(t)
		return func(ctx context.Context, store *cypher.Store, at time.Time, chunk int, progress func(done, total int)) (graph.LoadResult, error) {
			res, _, err := loader.LoadDirStream(ctx, store, dir, at, loader.DirOptions{Chunk: chunk, Progress: progress})
			return res, err
		}
	}
}

// sephoraLoad loads the Sephora fixture of the eval tests, its reviews file given twice (the
// second copy's reviews are duplicates, left out).
func sephoraLoad(t *testing.T) streamedLoad {
	return func(ctx context.Context, store *cypher.Store, at time.Time, chunk int, progress func(done, total int)) (graph.LoadResult, error) {
		reviews := evalFixture("reviews.csv")
		res, _, err := loader.LoadSephora(ctx, store, evalFixture("product_info.csv"), []string{reviews, reviews},
			loader.SephoraOptions{Chunk: chunk, Progress: progress}, at)
		return res, err
	}
}

// TestStreamedLoadMatchesInMemory loads the same files once in memory (one transaction) and
// once streamed in small staged chunks: the graphs are the same, and streaming the files
// again changes nothing.
func TestStreamedLoadMatchesInMemory(t *testing.T) {
	ctx := context.Background()
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		load  func(t *testing.T) streamedLoad
		chunk int
	}{
		{"folder, generated JSON Lines", dirLoad(genFolder), 64},
		{"folder, CSV", dirLoad(csvFolder), 3},
		{"Sephora", sephoraLoad, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			load := tc.load(t)
			run := func(streamed bool) (graph.LoadResult, map[string][][]any, *cypher.Store) {
				store := neo4jtest.Store(t)
				if streamed {
					store = neo4jtest.OpenStaging(t, cypher.StagingOptions{Threshold: 1})
				}
				var reports int
				res, err := load(ctx, store, at, tc.chunk, func(done, total int) { reports++ })
				if err != nil {
					t.Fatalf("streamed %t: %v", streamed, err)
				}
				if streamed && reports < 4 {
					t.Errorf("streamed load reported progress %d times, want once per chunk", reports)
				}
				return res, dumpGraph(t, store), store
			}
			memRes, memGraph, _ := run(false)
			streamRes, streamGraph, store := run(true)
			if diff := cmp.Diff(memRes, streamRes, cmpopts.IgnoreFields(graph.DataVersion{}, "At")); diff != "" {
				t.Errorf("load result (-in memory +streamed):\n%s", diff)
			}
			if diff := cmp.Diff(memGraph, streamGraph); diff != "" {
				t.Errorf("graph (-in memory +streamed):\n%s", diff)
			}
			again, err := load(ctx, store, at.Add(time.Hour), tc.chunk, nil)
			if err != nil {
				t.Fatal(err)
			}
			if again.Changed {
				t.Errorf("second streamed load changed something: %+v", again.Counts)
			}
			if diff := cmp.Diff(streamGraph, dumpGraph(t, store)); diff != "" {
				t.Errorf("graph after the second streamed load (-first +second):\n%s", diff)
			}
		})
	}
}

// TestStreamedLoadBadLateRowWritesNothing streams folders whose last review is bad over a
// graph holding the demo data: a row that validation refuses (found in pass 1, before any
// write) and a review of an unknown product (refused by Neo4j in the last chunk, after the
// others were written). Either way the error names the problem and the graph is as before.
func TestStreamedLoadBadLateRowWritesNothing(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name    string
		lastRow string
		want    []string // in the error
		invalid bool     // a *graph.ValidationError
	}{
		{"rating out of range", `{"id":"late-1","reviewer":"u1","product_id":"gen-p0000001","rating":9}`,
			[]string{"reviews.jsonl, row 601, rating: must be 1 to 5, got 9"}, true},
		{"unknown skin type", `{"id":"late-2","reviewer":"u1","product_id":"gen-p0000001","rating":3,"skin_type":"oilly"}`,
			[]string{"reviews.jsonl, row 601, skin_type", `did you mean "oily"`}, true},
		{"review of an unknown product", `{"id":"late-3","reviewer":"u1","product_id":"nope","rating":3}`,
			[]string{"refer to products that are neither in the graph nor in this load"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := genFolder(t)
			f, err := os.OpenFile(filepath.Join(dir, "reviews.jsonl"), os.O_APPEND|os.O_WRONLY, 0)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString(tc.lastRow + "\n"); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			store := neo4jtest.Demo(t) // reused while a failed load left it as it was
			before := dumpGraph(t, store)
			store = neo4jtest.OpenStaging(t, cypher.StagingOptions{Threshold: 1})
			var written int
			_, _, err = loader.LoadDirStream(ctx, store, dir, time.Now(), loader.DirOptions{
				Chunk: 50, Progress: func(done, total int) { written = done },
			})
			if err == nil {
				t.Fatal("load succeeded, want an error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			var verr *graph.ValidationError
			if got := errors.As(err, &verr); got != tc.invalid {
				t.Errorf("validation error %t, want %t (%v)", got, tc.invalid, err)
			}
			if !tc.invalid && written < 600 {
				t.Errorf("%d rows written before the failure, want the chunks before the last", written)
			}
			if diff := cmp.Diff(before, dumpGraph(t, store)); diff != "" {
				t.Errorf("graph after a failed streamed load (-before +after):\n%s", diff)
			}
			if n := count(t, store, "MATCH (n) WHERE n._load IS NOT NULL RETURN count(n)"); n != 0 {
				t.Errorf("%d nodes of the failed load left", n)
			}
		})
	}
}
