package main

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestLoadDirBulkGivesTheGraphOfLoadDir loads one generated catalogue both ways, `load dir`
// into an empty graph and `load dir --bulk` into an empty local store, and compares the two
// graphs line by line (GraphCopy.Canonical: every node, relationship, property with its
// type, and the schema's names), with only the load's and the versions' timestamps masked.
// Then the bulk path refuses a store that holds data, a configured server, and a bad row,
// each with an error that says so.
func TestLoadDirBulkGivesTheGraphOfLoadDir(t *testing.T) {
	ctx := context.Background()
	tmp := t.TempDir()
	cat := filepath.Join(tmp, "catalogue")
	var stdout, stderr strings.Builder
	quiet := Env{Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr}
	if err := run(ctx, []string{"gen", "--products", "300", "--reviews", "2500", "--seed", "11", "--out", cat}, quiet); err != nil {
		t.Fatalf("gen: %v\n%s", err, stderr.String())
	}

	// The Cypher load, into the shared test server's empty graph.
	store := neo4jtest.Store(t)
	env := existingNeo4j(t)
	if err := run(ctx, []string{"load", "dir", cat}, envOf(env, &stdout, &stderr)); err != nil {
		t.Fatalf("load dir: %v\n%s", err, stderr.String())
	}
	want := canonicalGraph(t, store)

	// The bulk path, into a local store of its own.
	data := filepath.Join(tmp, "neo4j")
	bulkEnv := map[string]string{
		"SKINGRAPH_DATA_DIR": data, "SKINGRAPH_NEO4J_PASSWORD": "bulk-test-password", "SKINGRAPH_NEO4J_HEAP_MB": "512",
		"SKINGRAPH_NEO4J_PAGECACHE": "128m", "SKINGRAPH_NEO4J_JVM_FLAGS": strings.Join(testcontainers.TestJVMFlags, " "),
		"SKINGRAPH_NEO4J_SETTINGS": neo4jSettings(testcontainers.TestSettings),
	}
	stdout.Reset()
	if err := run(ctx, []string{"load", "dir", "--bulk", cat}, envOf(bulkEnv, &stdout, &stderr)); err != nil {
		t.Fatalf("load dir --bulk: %v\n%s", err, tailOf(stderr.String(), 3000))
	}
	for _, line := range []string{"products     created 300,", "reviews      created 2500,", "path         bulk import (neo4j-admin"} {
		if !strings.Contains(stdout.String(), line) {
			t.Errorf("load dir --bulk printed no %q:\n%s", line, stdout.String())
		}
	}
	db, err := testcontainers.Start(ctx, testcontainers.Options{Provider: testcontainers.ProviderLocal, DataDir: data,
		Password: "bulk-test-password", HeapMB: 512, PageCache: "128m", JVMFlags: testcontainers.TestJVMFlags, ClassDataSharing: true,
		Settings: testcontainers.TestSettings, Getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatal(err)
	}
	bulkStore, err := cypher.Open(ctx, cypher.Config{URI: db.URI, Username: db.Username, Password: db.Password})
	if err != nil {
		t.Fatal(err)
	}
	got := canonicalGraph(t, bulkStore)
	bulkStore.Close(ctx)
	if err := db.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if len(want) < 1000 {
		t.Fatalf("the Cypher load's graph has only %d lines", len(want))
	}
	if diff := lineDiff(want, got, 12); diff != "" {
		t.Errorf("bulk import graph differs from load dir's (-want +got, first lines of each):\n%s", diff)
	}

	// A store that holds data is refused, and left as it was.
	err = run(ctx, []string{"load", "dir", "--bulk", cat}, envOf(bulkEnv, &stdout, &stderr))
	if !errors.Is(err, graph.ErrConflict) || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("second bulk load into the same store: %v, want a conflict saying it is not empty", err)
	}
	// A configured server is not the local launcher's: refused before anything starts.
	withURI := map[string]string{"SKINGRAPH_NEO4J_URI": "bolt://127.0.0.1:1"}
	for k, v := range bulkEnv {
		withURI[k] = v
	}
	if err := run(ctx, []string{"load", "dir", "--bulk", cat}, envOf(withURI, &stdout, &stderr)); !errors.Is(err, graph.ErrInvalid) || !strings.Contains(err.Error(), "SKINGRAPH_NEO4J_URI") {
		t.Errorf("bulk load with SKINGRAPH_NEO4J_URI: %v, want it refused by name", err)
	}
	// A bad row is named (file, line, field) and nothing is written: no store, no files.
	bad := filepath.Join(tmp, "bad")
	if err := os.MkdirAll(bad, 0o755); err != nil {
		t.Fatal(err)
	}
	products, err := os.ReadFile(filepath.Join(cat, "products.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(products), "\n")
	lines[2] = strings.Replace(lines[2], `"price":`, `"price":-`, 1)
	if err := os.WriteFile(filepath.Join(bad, "products.jsonl"), []byte(strings.Join(lines, "")), 0o644); err != nil {
		t.Fatal(err)
	}
	badData := filepath.Join(tmp, "neo4j-bad")
	badEnv := map[string]string{"SKINGRAPH_DATA_DIR": badData, "SKINGRAPH_NEO4J_PASSWORD": "bulk-test-password"}
	err = run(ctx, []string{"load", "dir", "--bulk", bad}, envOf(badEnv, &stdout, &stderr))
	var verr *graph.ValidationError
	if !errors.As(err, &verr) || len(verr.Fields) == 0 || verr.Fields[0].Row != 3 || verr.Fields[0].Field != "price" {
		t.Fatalf("bulk load of a bad row: %v, want a validation error naming row 3, field price", err)
	}
	if entries, err := os.ReadDir(badData); err == nil && len(entries) > 0 {
		t.Errorf("a refused bulk load left %d entries in %s", len(entries), badData)
	}
}

// lineDiff lists up to n lines only in want (-) and only in got (+): the graphs hold
// thousands of lines, and cmp.Diff of two long sorted lists misaligns past the first change.
func lineDiff(want, got []string, n int) string {
	count := map[string]int{}
	for _, l := range want {
		count[l]++
	}
	for _, l := range got {
		count[l]--
	}
	var minus, plus []string
	for _, l := range want {
		if count[l] > 0 && len(minus) < n {
			minus = append(minus, "- "+l)
		}
	}
	for _, l := range got {
		if count[l] < 0 && len(plus) < n {
			plus = append(plus, "+ "+l)
		}
	}
	if len(minus)+len(plus) == 0 {
		return ""
	}
	return strings.Join(append(minus, plus...), "\n")
}

func envOf(vars map[string]string, stdout, stderr *strings.Builder) Env {
	return Env{Getenv: func(k string) string { return vars[k] }, Stdout: stdout, Stderr: stderr}
}

func tailOf(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// loadTimes masks what differs between two loads of the same folder at different times:
// the load's id and time (Source), the data version's, the change feed's and the schema
// migration's times.
var loadTimes = []*regexp.Regexp{
	regexp.MustCompile(`string "dir-[0-9]{8}T[0-9]{6}\.[0-9]{3}Z"`),
	regexp.MustCompile(`(at|loaded_at|applied_at): datetime [^ ]+ zone "[^"]*" -?[0-9]+ loc "[^"]*"`),
}

// outcomeMeans are the outcome aggregates' averages: Neo4j's avg adds the reviews in the
// order it meets them, which is the order their edges were written, so the same reviews
// written in another order (the importer's) can give a mean that differs in the last bit
// (4.5 and 4.499999999999999). They are compared to 12 significant digits.
var outcomeMeans = regexp.MustCompile(`(mean_rating|recommend_rate): float [0-9a-f]+ \(([^)]*)\)`)

func canonicalGraph(t *testing.T, store *cypher.Store) []string {
	t.Helper()
	c, err := store.CopyGraph(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lines := c.Canonical()
	for i, l := range lines {
		for _, re := range loadTimes {
			l = re.ReplaceAllString(l, "<load time>")
		}
		l = outcomeMeans.ReplaceAllStringFunc(l, func(m string) string {
			sub := outcomeMeans.FindStringSubmatch(m)
			v, err := strconv.ParseFloat(sub[2], 64)
			if err != nil {
				t.Fatalf("outcome mean %q: %v", m, err)
			}
			return sub[1] + ": float ~" + strconv.FormatFloat(v, 'g', 12, 64)
		})
		lines[i] = l
	}
	return lines
}
