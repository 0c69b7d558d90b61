package cypher_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// memoryHog collects 20M strings: far more than the per-transaction limit, and without it
// enough to take Neo4j's whole transaction pool (issue 20).
const memoryHog = "UNWIND range(1, 20000000) AS i RETURN size(collect(toString(i))) AS n"

// TestExploreMemoryHogDoesNotStarveWriters fills every explorer slot with a memory hog and,
// while they run, writes a load, an event, refreshes outcomes and reads the projection: those
// succeed, and each hog is stopped at Neo4j's per-transaction limit with graph.ErrLimit
// naming it (a 4xx, not a 503 that would tell the analyst to retry), without opening the
// circuit breaker.
func TestExploreMemoryHogDoesNotStarveWriters(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	demo, err := loader.Demo(datasets.FS, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.WriteLoad(ctx, demo); err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	hogErrs := make([]error, cypher.DefaultExplorerConcurrency)
	hogTook := make([]time.Duration, len(hogErrs))
	var hogs sync.WaitGroup
	for i := range hogErrs {
		hogs.Add(1)
		go func() {
			defer hogs.Done()
			t0 := time.Now()
			_, hogErrs[i] = store.Explore(ctx, cypher.Query{Text: memoryHog, Timeout: time.Minute})
			hogTook[i] = time.Since(t0)
		}()
	}
	hogsDone := make(chan struct{})
	go func() { hogs.Wait(); close(hogsDone) }()

	// Rounds of everyone else's work while the hogs run (at least one round).
	rounds := 0
	for running := true; running; {
		select {
		case <-hogsDone:
			running = false
		default:
		}
		if !running && rounds > 0 {
			break
		}
		rounds++
		load := renamedLoad(syntheticLoad(demo.Ingredients, 200, 3), fmt.Sprintf("mem%d", rounds))
		if _, err := store.WriteLoad(ctx, load); err != nil {
			t.Fatalf("round %d: load beside the hogs: %v", rounds, err)
		}
		product := load.Products[0].ID
		_, errs, err := store.WriteEvents(ctx, [][]graph.Event{{ev(fmt.Sprintf("mem-e%d", rounds), graph.EventRating, product, "", 4, "")}})
		if err == nil {
			err = errors.Join(errs...)
		}
		if err != nil {
			t.Fatalf("round %d: event beside the hogs: %v", rounds, err)
		}
		if _, _, err := store.RefreshStaleOutcomes(ctx); err != nil {
			t.Fatalf("round %d: outcome refresh beside the hogs: %v", rounds, err)
		}
		if _, err := store.Project(ctx); err != nil {
			t.Fatalf("round %d: projection beside the hogs: %v", rounds, err)
		}
	}
	<-hogsDone
	t.Logf("%d rounds of load + event + refresh + projection beside %d hogs in %s; hogs stopped after %v",
		rounds, len(hogErrs), time.Since(start).Round(time.Millisecond), hogTook)
	for i, err := range hogErrs {
		if !errors.Is(err, graph.ErrLimit) || errors.Is(err, graph.ErrUnavailable) {
			t.Errorf("hog %d: err = %v, want graph.ErrLimit only", i, err)
		} else if !strings.Contains(err.Error(), "db.memory.transaction.max") {
			t.Errorf("hog %d: err = %v, want it to name db.memory.transaction.max", i, err)
		}
	}
	if got := store.BreakerState(); got != "closed" {
		t.Errorf("breaker = %s after the hogs, want closed", got)
	}
}

// TestExploreBusyBeyondConcurrency: with every explorer slot taken, one more query is refused
// at once with graph.ErrBusy naming the limit; once a slot frees, queries run again.
func TestExploreBusyBeyondConcurrency(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	slow := cypher.Query{Text: "UNWIND range(1, 100000000) AS a UNWIND range(1, 100000000) AS b WITH a, b WHERE a * b = -1 RETURN a",
		Timeout: 3 * time.Second}
	var wg sync.WaitGroup
	for range cypher.DefaultExplorerConcurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The poll below may hold a slot for a moment: try again until this one runs.
			for {
				if _, err := store.Explore(ctx, slow); !errors.Is(err, graph.ErrBusy) {
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	var busy error
	for deadline := time.Now().Add(5 * time.Second); busy == nil && time.Now().Before(deadline); {
		if _, err := store.Explore(ctx, cypher.Query{Text: "RETURN 1"}); errors.Is(err, graph.ErrBusy) {
			busy = err
		}
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	if busy == nil {
		t.Fatal("no query was refused while every slot was taken")
	}
	if !strings.Contains(busy.Error(), fmt.Sprintf("%d analyst queries", cypher.DefaultExplorerConcurrency)) {
		t.Errorf("busy = %v, want it to name the limit", busy)
	}
	if _, err := store.Explore(ctx, cypher.Query{Text: "RETURN 1"}); err != nil {
		t.Errorf("after the slow queries: %v", err)
	}
}

// renamedLoad gives a synthetic load's products and reviews ids of their own.
func renamedLoad(load graph.Load, prefix string) graph.Load {
	load.ID = prefix + "-" + load.ID
	for i := range load.Products {
		load.Products[i].ID = prefix + "-" + load.Products[i].ID
	}
	for i := range load.Reviews {
		load.Reviews[i].ID = prefix + "-" + load.Reviews[i].ID
		load.Reviews[i].ProductID = prefix + "-" + load.Reviews[i].ProductID
	}
	return load
}
