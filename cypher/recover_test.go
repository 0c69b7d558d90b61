package cypher_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// ghostLoad is a staged load that brings a new product with a new ingredient, a new
// reviewer, a review of its product and, when onP1, a review of the existing product p1.
func ghostLoad(id string, onP1 bool) graph.Load {
	at := time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	l := graph.Load{ID: id, Source: "fixture", Kind: "test", At: at,
		Products: []graph.Product{{ID: id + "-p", Name: "Ghost Serum " + id, Brand: "Phantom", Category: "serum", Price: 12,
			Claims: []string{"aging"}, Suits: []string{"dry"},
			Ingredients: []graph.ProductIngredient{{INCI: "water", Name: "Aqua", Position: 1}, {INCI: id + " ghost extract", Name: "Ghost Extract", Position: 2}}}},
		Reviews: []graph.Review{{ID: id + "-r1", Reviewer: id + "-u", ProductID: id + "-p", Rating: 2, At: at, SkinType: "dry", Effects: []string{"breakout"}}},
	}
	if onP1 {
		l.Reviews = append(l.Reviews, graph.Review{ID: id + "-r2", Reviewer: id + "-u", ProductID: "p1", Rating: 1, At: at, SkinType: "dry", Effects: []string{"irritation"}})
	}
	return l
}

// loadFootprint counts the nodes and relationships a staged load's rollback must delete:
// everything marked with the load, the outcome nodes of its products, and every relationship
// touching them.
func loadFootprint(t *testing.T, store *cypher.Store, id string) (nodes, rels int64) {
	t.Helper()
	tab, err := store.Explore(context.Background(), cypher.Query{Text: `
		MATCH (x) WHERE x._load = '` + id + `' OR EXISTS { MATCH (p:Product)-[:HAS_OUTCOME]->(x) WHERE p._load = '` + id + `' }
		WITH collect(x) AS xs
		OPTIONAL MATCH ()-[r]->() WHERE r._load = '` + id + `' OR startNode(r) IN xs OR endNode(r) IN xs
		RETURN size(xs), count(DISTINCT r)`})
	if err != nil {
		t.Fatal(err)
	}
	return tab.Rows[0][0].(int64), tab.Rows[0][1].(int64)
}

// TestDeadStagedLoadIsRolledBackAndLiveOneKept stages two loads (each reviewing p1) in two other processes. While
// they run, no read path shows their rows although the rows are in the graph. The writer of
// one is killed (SIGKILL): once its lease expires RecoverStaged removes exactly its rows and
// restores the outcomes it changed, and never touches the other load, whose process keeps
// its lease fresh.
func TestDeadStagedLoadIsRolledBackAndLiveOneKept(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, store, "p1", "p2")
	projBefore, err := store.Project(ctx)
	if err != nil {
		t.Fatal(err)
	}

	dead := neo4jtest.StartStagedWriter(t, ghostLoad("dead", true), time.Second)
	live := neo4jtest.StartStagedWriter(t, ghostLoad("live", true), 5*time.Second)
	deadNodes, deadRels := loadFootprint(t, store, "dead")
	if liveNodes, _ := loadFootprint(t, store, "live"); deadNodes == 0 || liveNodes == 0 {
		t.Fatalf("the writers left %d and %d nodes in the graph, want some of each", deadNodes, liveNodes)
	}

	// Uncommitted rows are invisible to every read path.
	for _, id := range []string{"dead", "live"} {
		if _, err := store.Product(ctx, id+"-p"); !errors.Is(err, graph.ErrNotFound) {
			t.Errorf("Product(%s-p) while staged: err = %v, want ErrNotFound", id, err)
		}
		if _, err := store.Ingredient(ctx, id+" ghost extract"); !errors.Is(err, graph.ErrNotFound) {
			t.Errorf("Ingredient(%s ghost extract) while staged: err = %v, want ErrNotFound", id, err)
		}
	}
	store.SetVault(testVault(t))
	_, errs, err := store.WriteEvents(ctx, [][]graph.Event{{ev("e-staged", "view", "live-p", "", 0, "")}})
	if err != nil || errs[0] == nil {
		t.Errorf("an event about a staged product was accepted (err %v)", err)
	}
	if _, err := store.ProductEventCounts(ctx, "live-p"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("event counts of a staged product: err = %v, want ErrNotFound", err)
	}
	hits, err := store.Search(ctx, "ghost phantom", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 0 {
		t.Errorf("search found staged rows: %+v", hits)
	}
	water, err := store.Ingredient(ctx, "water")
	if err != nil {
		t.Fatal(err)
	}
	if water.ProductCount != 2 {
		t.Errorf("water is in %d products while staged, want the 2 committed ones", water.ProductCount)
	}
	proj, err := store.Project(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"dead-p", "live-p"} {
		if _, ok := proj.ProductIndex(id); ok {
			t.Errorf("the projection holds the staged product %s", id)
		}
	}
	if _, ok := proj.IngredientIndex("dead ghost extract"); ok {
		t.Error("the projection holds a staged ingredient")
	}
	n0, e0 := projBefore.Size()
	if n, e := proj.Size(); n != n0 || e != e0 {
		t.Errorf("projection while staged: %d nodes, %d edges; before: %d, %d", n, e, n0, e0)
	}

	dead.Kill(t)
	var got []cypher.RolledBackLoad
	deadline := time.Now().Add(time.Minute)
	for len(got) == 0 && time.Now().Before(deadline) {
		rb, err := store.RecoverStaged(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, rb...)
		time.Sleep(200 * time.Millisecond)
	}
	want := []cypher.RolledBackLoad{{ID: "dead", Kind: "test", Nodes: deadNodes, Rels: deadRels}}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool {
		f := p.Last().String()
		return f == ".Owner" || f == ".Heartbeat"
	}, cmp.Ignore())); diff != "" {
		t.Errorf("rolled back (-want +got):\n%s", diff)
	}
	if len(got) == 1 && (got[0].Owner == "" || got[0].Heartbeat.IsZero()) {
		t.Errorf("rolled-back load without its owner or heartbeat: %+v", got[0])
	}
	if n, r := loadFootprint(t, store, "dead"); n+r != 0 {
		t.Errorf("after recovery %d nodes and %d relationships of the dead load are left", n, r)
	}
	if n := countQuery(t, store, "MATCH (s:StagedLoad {id: 'dead'}) RETURN count(s)"); n != 0 {
		t.Errorf("the dead load's marker is left")
	}
	// The live load is untouched: marker and rows.
	if n := countQuery(t, store, "MATCH (s:StagedLoad {id: 'live'}) RETURN count(s)"); n != 1 {
		t.Errorf("the live load's marker is gone")
	}
	if n, _ := loadFootprint(t, store, "live"); n == 0 {
		t.Errorf("the live load's rows are gone")
	}
	live.Kill(t)

	after := takeSnapshot(t, store, "p1", "p2")
	// Stats count the live load's rows, still in the graph; products and outcomes (p1 has a
	// review in each load) must match.
	if diff := cmp.Diff(before.Products, after.Products); diff != "" {
		t.Errorf("products after recovery (-before +after):\n%s", diff)
	}
	if before.Version != after.Version {
		t.Errorf("data version %d -> %d", before.Version, after.Version)
	}
}

// TestPausedWriterCannotCommitAfterItsLoadWasRolledBack pauses (SIGSTOP) a staged load's
// writer past its lease: a recovery rolls the load back, and when the writer resumes its
// commit fails; nothing of the load is in the graph and the data version has not moved. A
// new load under the same id while a marker exists is refused as a conflict.
func TestPausedWriterCannotCommitAfterItsLoadWasRolledBack(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatal(err)
	}
	before := takeSnapshot(t, store, "p1", "p2")
	w := neo4jtest.StartStagedWriter(t, ghostLoad("paused", true), time.Second)

	store.SetStagedThreshold(1)
	if _, err := store.WriteLoadProgress(ctx, ghostLoad("paused", false), nil); !errors.Is(err, graph.ErrConflict) {
		t.Errorf("a second load under the id of a load under way: err = %v, want ErrConflict", err)
	}

	w.Pause(t)
	var rolled []cypher.RolledBackLoad
	deadline := time.Now().Add(time.Minute)
	for len(rolled) == 0 && time.Now().Before(deadline) {
		rb, err := store.RecoverStaged(ctx)
		if err != nil {
			t.Fatal(err)
		}
		rolled = rb
		time.Sleep(200 * time.Millisecond)
	}
	if len(rolled) != 1 || rolled[0].ID != "paused" {
		t.Fatalf("rolled back %+v, want the paused load", rolled)
	}
	w.Resume(t)
	if got := w.Commit(t); !strings.HasPrefix(got, "commit failed: ") || !strings.Contains(got, "rolled back by a recovery") {
		t.Errorf("the resumed writer's commit: %q, want it to fail as rolled back", got)
	}
	if n, r := loadFootprint(t, store, "paused"); n+r != 0 {
		t.Errorf("%d nodes and %d relationships of the rolled-back load are in the graph", n, r)
	}
	if n := countQuery(t, store, "MATCH (s:StagedLoad) RETURN count(s)"); n != 0 {
		t.Errorf("%d staged-load markers left", n)
	}
	after := takeSnapshot(t, store, "p1", "p2")
	if diff := cmp.Diff(before, after, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("graph after the rollback and the failed commit (-before +after):\n%s", diff)
	}
}
