package cypher_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// readerView is what every read path of the store answers about the products and
// ingredients a staged load touches.
type readerView struct {
	Stats       cypher.Stats
	Products    map[string]*graph.ProductDetail // nil: not found
	Ingredients map[string]bool                 // found
	Search      []graph.SearchHit
	Known       map[string]bool
	Outcomes    []graph.Outcome
	Projected   projectedView
}

// projectedView is the projection's share of a readerView.
type projectedView struct {
	Products    []string
	Ingredients []string
	Reviews     map[string]int
	Contains    map[string]int
}

// readAll asks every read path of the store.
func readAll(t *testing.T, store *cypher.Store) readerView {
	t.Helper()
	ctx := context.Background()
	var v readerView
	var err error
	if v.Stats, err = store.Stats(ctx); err != nil {
		t.Fatal(err)
	}
	v.Products = map[string]*graph.ProductDetail{}
	for _, id := range []string{"p1", "p2", "p9"} {
		p, err := store.Product(ctx, id)
		switch {
		case errors.Is(err, graph.ErrNotFound):
			v.Products[id] = nil
		case err != nil:
			t.Fatal(err)
		default:
			v.Products[id] = &p
		}
	}
	v.Ingredients = map[string]bool{}
	for _, inci := range []string{"retinol", "brand new extract"} {
		_, err := store.Ingredient(ctx, inci)
		if err != nil && !errors.Is(err, graph.ErrNotFound) {
			t.Fatal(err)
		}
		v.Ingredients[inci] = err == nil
	}
	if v.Search, err = store.Search(ctx, "staged serum", 10); err != nil {
		t.Fatal(err)
	}
	for i := range v.Search {
		v.Search[i].Score = 0 // Lucene's scores depend on index statistics, not visibility
	}
	if v.Known, err = store.Known(ctx, "product", []string{"p1", "p9"}); err != nil {
		t.Fatal(err)
	}
	if v.Outcomes, err = store.Outcomes(ctx); err != nil {
		t.Fatal(err)
	}
	proj, err := store.Project(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v.Projected = projectedView{Reviews: map[string]int{}, Contains: map[string]int{}}
	for x, p := range proj.Products {
		v.Projected.Products = append(v.Projected.Products, p.ID)
		v.Projected.Reviews[p.ID] = len(proj.ReviewAges(int32(x)))
		v.Projected.Contains[p.ID] = len(proj.Uses(int32(x)))
	}
	for _, ing := range proj.Ingredients {
		v.Projected.Ingredients = append(v.Projected.Ingredients, ing.INCI)
	}
	return v
}

// TestEveryReadPathHidesAStagedLoad pins the read paths to the one visibility rule
// (package visibility): while a staged load is under way, every read path of the store answers
// exactly what it answered before the load began; once it commits, every one of them sees it
// (so the first comparison is not vacuous).
func TestEveryReadPathHidesAStagedLoad(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, store)
	snapBefore, err := store.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}

	at := time.Date(2025, 3, 7, 0, 0, 0, 0, time.UTC)
	staged := graph.Load{ID: "load-2", Source: "fixture", Kind: "test", At: at}
	p1 := fixtureLoad("").Products[0]
	p1.Ingredients = []graph.ProductIngredient{{INCI: "water", Name: "Aqua", Position: 1}, {INCI: "brand new extract", Name: "Brand New Extract", Position: 2}}
	p1.Claims, p1.Suits, p1.Price = []string{"dryness"}, []string{"dry"}, 35
	staged.Products = []graph.Product{p1, {ID: "p9", Name: "Staged Serum", Brand: "Newco", Category: "serum", Price: 12,
		Ingredients: []graph.ProductIngredient{{INCI: "brand new extract", Name: "Brand New Extract", Position: 1}}}}
	staged.Reviews = []graph.Review{
		{ID: "r9", Reviewer: "u9", ProductID: "p9", Rating: 5, Recommended: true, At: at, SkinType: "dry", Effects: []string{"hydration"}},
		{ID: "r2", Reviewer: "u2", ProductID: "p9", Rating: 2, At: at, SkinType: "oily"}, // moves from p1
	}

	st, err := store.BeginStaged(ctx, staged)
	if err != nil {
		t.Fatal(err)
	}
	during := readAll(t, store)
	// The snapshot (export) does not hide a staged load: it refuses to start during one.
	if _, err := store.ReadSnapshot(ctx); !errors.Is(err, graph.ErrInvalid) || !strings.Contains(err.Error(), "StagedLoad") {
		t.Errorf("ReadSnapshot during a staged load = %v, want ErrInvalid naming the :StagedLoad nodes", err)
	}
	if diff := cmp.Diff(before, during, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("read paths while a load is staged differ from before it began (-before +during):\n%s", diff)
	}
	if _, err := st.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	after := readAll(t, store)
	snapAfter, err := store.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []struct {
		name string
		same bool
	}{
		{"Stats", cmp.Equal(before.Stats, after.Stats)},
		{"Product", cmp.Equal(before.Products, after.Products)},
		{"Ingredient", cmp.Equal(before.Ingredients, after.Ingredients)},
		{"Search", cmp.Equal(before.Search, after.Search, cmpopts.EquateEmpty())},
		{"Known", cmp.Equal(before.Known, after.Known)},
		{"Outcomes", cmp.Equal(before.Outcomes, after.Outcomes)},
		{"ReadSnapshot", cmp.Equal(snapBefore.Products, snapAfter.Products) || cmp.Equal(snapBefore.Reviews, snapAfter.Reviews)},
		{"Project", cmp.Equal(before.Projected, after.Projected)},
	} {
		if f.same {
			t.Errorf("%s answers the same after the load committed: the test does not reach this read path", f.name)
		}
	}
}

// TestStagingMarkersAreReadOnlyInVisibility keeps the visibility rule in one place: outside
// package visibility (and package staging, which writes and sweeps the markers) no statement
// of the cypher tree tests a row's staging markers itself; read paths use the fragments. It
// also checks that the read paths and the staging protocol import the rule.
func TestStagingMarkersAreReadOnlyInVisibility(t *testing.T) {
	marker := regexp.MustCompile(`\._load\b|\._superseded\b|:StagedLoad\b`)
	// The files and directories that may name the markers, and why.
	writers := map[string]string{
		"internal/visibility": "the rule itself",
		"staging":             "the protocol writes and sweeps them",
		"schema.go":           "indexes on the markers",
		"load.go":             "the one-transaction load replaces edges and skips the garbage of committed loads (a write path)",
	}
	checked := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if writers[path] != "" {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		checked++
		for i, line := range strings.Split(string(src), "\n") {
			if marker.MatchString(line) && !strings.HasPrefix(strings.TrimSpace(line), "//") {
				t.Errorf("%s:%d tests staging markers itself; use the fragments of package visibility: %s", path, i+1, strings.TrimSpace(line))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked < 20 {
		t.Errorf("checked %d files of the cypher tree; the walk misses the read paths", checked)
	}
	// The read paths (package cypher) and the staging protocol depend on the rule explicitly.
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}: {{join .Imports " "}}`, ".", "./staging").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	const rule = "github.com/skingraph/skingraph/cypher/internal/visibility"
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 {
		t.Fatalf("go list printed %q, want two packages", out)
	}
	for _, line := range lines {
		if !slices.Contains(strings.Fields(line), rule) {
			t.Errorf("%s does not import %s", strings.SplitN(line, ":", 2)[0], rule)
		}
	}
}
