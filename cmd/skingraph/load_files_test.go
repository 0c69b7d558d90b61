package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader/gen"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// count runs a counting query against the store.
func count(t *testing.T, store *cypher.Store, query string) int64 {
	t.Helper()
	tab, err := store.Explore(context.Background(), cypher.Query{Text: query})
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	n, _ := tab.Rows[0][0].(int64)
	return n
}

// TestLoadDirGenerated loads a generated folder: every product and review is in Neo4j, the
// products are rated from their reviews, and loading it again changes nothing.
func TestLoadDirGenerated(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	kb, err := bundledIngredients()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	st, err := gen.WriteDir(ctx, gen.Config{Products: 60, Reviews: 400, Seed: 3, Ingredients: kb}, dir)
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	if err := runLoad(ctx, store, &out, &errOut, "dir", dir); err != nil {
		t.Fatalf("load dir: %v", err)
	}
	if !strings.Contains(out.String(), "committed") || !strings.Contains(errOut.String(), "rows in") {
		t.Errorf("summary %q / %q: want a committed load and a final progress line", out.String(), errOut.String())
	}
	tests := []struct {
		query string
		want  int64
	}{
		{"MATCH (p:Product) RETURN count(p)", int64(st.Products)},
		{"MATCH ()-[r:REVIEWED]->() RETURN count(r)", int64(st.Reviews)},
		{"MATCH (u:Reviewer) RETURN count(u)", int64(st.Reviewers)},
		{"MATCH (:Product)-[r:CONTAINS]->() RETURN count(r)", int64(st.Contains)},
		{"MATCH (:Product)-[r:SUITS]->() RETURN count(r)", int64(st.Suits)},
		{"MATCH (:Product)-[r:CLAIMS]->() RETURN count(r)", int64(st.Claims)},
		{"MATCH (p:Product) WHERE p.review_count > 0 AND p.rating >= 1 RETURN count(DISTINCT p)",
			count(t, store, "MATCH (p:Product)<-[:REVIEWED]-() RETURN count(DISTINCT p)")},
	}
	for _, tc := range tests {
		if got := count(t, store, tc.query); got != tc.want {
			t.Errorf("%s = %d, want %d", tc.query, got, tc.want)
		}
	}
	out.Reset()
	if err := runLoad(ctx, store, &out, &errOut, "dir", dir); err != nil {
		t.Fatalf("second load dir: %v", err)
	}
	if !strings.Contains(out.String(), "nothing changed") {
		t.Errorf("second load: %q, want nothing changed", out.String())
	}
}

const cosmeticsFixture = "\ufeffLabel,Brand,Name,Price,Rank,Ingredients,Combination,Dry,Normal,Oily,Sensitive\r\n" +
	"Moisturizer,Brand A,Rich Cream,50,4.5,\"Water, Glycerin, Shea Butter, Ficus Imaginaria Leaf Extract\",0,1,1,0,1\r\n" +
	"Cleanser,Brand B,Gel Wash,20,4.0,\"Water, Sodium Laureth Sulfate,\r\nGlycerin\",1,0,0,1,0\r\n" +
	"Face Mask,Brand C,Clay Mask,30,3.9,No Info,0,0,0,0,0\r\n"

const cosingFixture = "inci_name,cas_number,einecs_number,function\n" +
	"FICUS IMAGINARIA LEAF EXTRACT,,,\"Skin Conditioning - Emollient, Antioxidant\"\n" +
	"GLYCERIN,56-81-5,200-289-5,\"Humectant, Solvent\"\n" +
	"NEVER ON ANY LABEL,,,Perfuming\n"

// TestLoadCosmeticsAndCosIng loads a cosmetics.csv fixture (the skin-type flags become SUITS
// edges) and then CosIng functions, which enrich ingredients of the graph and create none.
func TestLoadCosmeticsAndCosIng(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	var out, errOut bytes.Buffer
	cosmetics := writeTemp(t, "cosmetics.csv", cosmeticsFixture)
	if err := runLoad(ctx, store, &out, &errOut, "cosmetics", cosmetics); err != nil {
		t.Fatalf("load cosmetics: %v", err)
	}
	ingredients := count(t, store, "MATCH (i:Ingredient) RETURN count(i)")
	cosing := writeTemp(t, "cosing.csv", cosingFixture)
	out.Reset()
	if err := runLoad(ctx, store, &out, &errOut, "cosing", cosing); err != nil {
		t.Fatalf("load cosing: %v", err)
	}
	if !strings.Contains(out.String(), "2 entries matched an ingredient of the graph, 2 of them updated; 1 entries left out") {
		t.Errorf("cosing summary %q", out.String())
	}
	tests := []struct {
		name, query string
		want        int64
	}{
		{"products", "MATCH (p:Product) RETURN count(p)", 3},
		{"dry, normal for the cream", "MATCH (:Product {name: 'Rich Cream'})-[:SUITS]->(t:SkinType) WHERE t.name IN ['dry', 'normal'] RETURN count(t)", 2},
		{"combination, oily for the wash", "MATCH (:Product {name: 'Gel Wash'})-[:SUITS]->(t:SkinType) WHERE t.name IN ['combination', 'oily'] RETURN count(t)", 2},
		{"all SUITS edges", "MATCH (:Product)-[r:SUITS]->() RETURN count(r)", 4},
		{"sensitive flag as highlight", "MATCH (p:Product) WHERE 'suits sensitive skin' IN p.highlights RETURN count(p)", 1},
		{"ingredients of the wash (line break in the cell)", "MATCH (:Product {name: 'Gel Wash'})-[r:CONTAINS]->() RETURN count(r)", 3},
		{"CosIng created no ingredient", "MATCH (i:Ingredient) RETURN count(i)", ingredients},
		{"label-only ingredient took CosIng functions", "MATCH (i:Ingredient {inci: 'ficus imaginaria leaf extract'}) WHERE i.functions = ['antioxidant', 'emollient'] RETURN count(i)", 1},
		{"curated ingredient kept its functions, got its CAS", "MATCH (i:Ingredient {inci: 'glycerin'}) WHERE i.cas = '56-81-5' AND 'denaturant' IN i.functions AND size(i.functions) > 2 RETURN count(i)", 1},
	}
	for _, tc := range tests {
		if got := count(t, store, tc.query); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}
	// Both loads again: nothing changes.
	for name, run := range map[string]func() error{
		"cosmetics": func() error { return runLoad(ctx, store, &out, &errOut, "cosmetics", cosmetics) },
		"cosing":    func() error { return runLoad(ctx, store, &out, &errOut, "cosing", cosing) },
	} {
		out.Reset()
		if err := run(); err != nil || !strings.Contains(out.String(), "nothing changed") {
			t.Errorf("%s again: %v, %q; want nothing changed", name, err, out.String())
		}
	}
}

// TestBadFilesChangeNothing loads the demo data and then bad files through every importer of
// files: each is refused with its row and field, and the data version and counts stay.
func TestBadFilesChangeNothing(t *testing.T) {
	store := neo4jtest.Demo(t)
	ctx := context.Background()
	before, err := store.Stats(ctx)
	if err != nil {
		t.Fatal(err)
	}
	version, err := store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	badDir := t.TempDir()
	bad, err := os.ReadFile(filepath.Join("..", "..", "loader", "testdata", "bad", "unknown_concern.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(badDir, "products.csv"), bad, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		run  func(out, errOut *bytes.Buffer) error
		want string
	}{
		{"project CSV folder", func(out, errOut *bytes.Buffer) error {
			return runLoad(ctx, store, out, errOut, "dir", badDir)
		}, `products.csv, row 2, claims[0]: unknown concern "acnee"`},
		{"cosmetics", func(out, errOut *bytes.Buffer) error {
			f := writeTemp(t, "cosmetics.csv", "Label,Brand,Name,Price,Rank,Ingredients,Combination,Dry,Normal,Oily,Sensitive\n"+
				"Moisturizer,A,Good,10,4,Water,1,0,0,0,0\nMoisturiser,B,Bad,-5,4,Water,2,0,0,0,0\n")
			return runLoad(ctx, store, out, errOut, "cosmetics", f)
		}, "cosmetics.csv, row 3, Price: must not be negative, got -5"},
		{"cosing", func(out, errOut *bytes.Buffer) error {
			f := writeTemp(t, "cosing.csv", "inci_name,function\nGLYCERIN,Humectant\n,Solvent\n")
			return runLoad(ctx, store, out, errOut, "cosing", f)
		}, "cosing.csv, row 3, inci_name: required"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			err := tc.run(&out, &errOut)
			if !errors.Is(err, graph.ErrInvalid) || !strings.Contains(err.Error(), tc.want) {
				var verr *graph.ValidationError
				if !errors.As(err, &verr) || !containsField(verr, tc.want) {
					t.Fatalf("err = %v, want graph.ErrInvalid naming %q", err, tc.want)
				}
			}
			after, err := store.Stats(ctx)
			if err != nil {
				t.Fatal(err)
			}
			v, err := store.DataVersion(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if after != before || v.N != version.N {
				t.Errorf("after a bad file: %+v version %d; want %+v version %d", after, v.N, before, version.N)
			}
		})
	}
}

func containsField(verr *graph.ValidationError, want string) bool {
	for _, f := range verr.Fields {
		if strings.Contains(f.Error(), want) {
			return true
		}
	}
	return false
}

// runLoad runs `skingraph load ARGS...` against store: the arguments checked as run checks
// them, then the load.
func runLoad(ctx context.Context, store *cypher.Store, stdout, stderr io.Writer, args ...string) error {
	load, err := loadCommand(&Config{}, zerolog.Nop(), Env{Getenv: func(string) string { return "" }, Stdout: stdout, Stderr: stderr}, args)
	if err != nil || load == nil {
		return err
	}
	return load(ctx, store)
}

// TestBadArgumentsStartNoNeo4j: a mistyped load, export or import (or -h) is answered from
// the arguments alone; no local Neo4j is started for it.
func TestBadArgumentsStartNoNeo4j(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string // "": no error, the usage on stdout
		wantOut string
	}{
		{[]string{"load"}, "usage: skingraph load demo", ""},
		{[]string{"load", "nope"}, "usage: skingraph load demo", ""},
		{[]string{"load", "demo", "extra"}, "usage: skingraph load demo", ""},
		{[]string{"load", "dir"}, "one folder expected", ""},
		{[]string{"load", "dir", "a", "b"}, "one folder expected", ""},
		{[]string{"load", "dir", "-h"}, "", "usage: skingraph load dir"},
		{[]string{"load", "cosmetics"}, "one file expected", ""},
		{[]string{"load", "cosing", "--bogus", "f.csv"}, "flag provided but not defined: -bogus", ""},
		{[]string{"load", "efficacy"}, "want one efficacy file, got 0", ""},
		{[]string{"load", "efficacy", "a.csv", "b.csv"}, "want one efficacy file, got 2", ""},
		{[]string{"load", "efficacy", "-h"}, "", "usage: skingraph load efficacy"},
		{[]string{"load", "sephora", "--reviews", "r.csv"}, "--products is required", ""},
		{[]string{"load", "sephora", "--products", "p.csv"}, "at least one --reviews is required", ""},
		{[]string{"load", "sephora", "-h"}, "", "usage: skingraph load sephora"},
		{[]string{"export"}, "usage: skingraph export DIR", ""},
		{[]string{"import", "a", "b"}, "usage: skingraph import DIR", ""},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			dataDir := filepath.Join(t.TempDir(), "neo4j")
			var stdout, stderr bytes.Buffer
			err := run(context.Background(), tt.args, Env{
				Getenv: func(k string) string { return map[string]string{"SKINGRAPH_DATA_DIR": dataDir}[k] },
				Stdout: &stdout, Stderr: &stderr,
			})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if !strings.Contains(stdout.String(), tt.wantOut) {
				t.Errorf("stdout = %q, want it to contain %q", stdout.String(), tt.wantOut)
			}
			if _, err := os.Stat(dataDir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a local Neo4j was set up in %s (stat: %v); logs:\n%s", dataDir, err, stderr.String())
			}
		})
	}
}
