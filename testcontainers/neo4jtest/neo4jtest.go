// Package neo4jtest shares one real Neo4j server per test binary and gives each test a clean
// graph. Use it from TestMain:
//
//	func TestMain(m *testing.M) { neo4jtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		store := neo4jtest.Store(t) // migrated, empty graph
//		...
//	}
//
// Demo gives a graph holding the demo data instead. A graph is prepared again only when a
// transaction has committed since the previous test got it, so tests that only read share one.
//
// The server starts on first use (so a run that filters out every integration test starts
// none) and stops when the tests end. When no server can be obtained, each test that asks for
// one fails with the reason: integration tests never skip silently.
// SKINGRAPH_NEO4JTEST_TRACE=1 logs every graph prepared, how long it took and the CPU time the
// shared server (when local) has used so far, and that server's total at the end.
package neo4jtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/testcontainers"
)

// JVMFlags and Settings are testcontainers.TestJVMFlags and testcontainers.TestSettings: a
// quicker start and stop of the shared server. Tests that start servers of their own pass
// them too.
var (
	JVMFlags = testcontainers.TestJVMFlags
	Settings = testcontainers.TestSettings
)

var shared struct {
	once sync.Once
	db   *testcontainers.Neo4j
	err  error
}

// Main runs the tests and stops the shared server afterwards. Call it from TestMain.
func Main(m *testing.M) {
	if os.Getenv(stagedWriterEnv) != "" {
		os.Exit(runStagedWriter())
	}
	code := m.Run()
	if shared.db != nil && tracing() {
		if cpu, err := shared.db.CPU(); err == nil {
			fmt.Fprintf(os.Stderr, "neo4jtest: the shared neo4j used %.1f s of CPU\n", cpu.Seconds())
		}
	}
	if shared.db != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		if err := shared.db.Stop(ctx); err != nil {
			fmt.Fprintf(os.Stderr, "neo4jtest: stop neo4j: %v\n", err)
		}
		cancel()
	}
	os.Exit(code)
}

// Server returns the shared server, starting it on first use; it fails the test when no
// server can be obtained.
func Server(t testing.TB) *testcontainers.Neo4j {
	t.Helper()
	shared.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		start := time.Now()
		opts := testcontainers.Options{JVMFlags: JVMFlags, Settings: Settings, ClassDataSharing: true}
		if os.Getenv("SKINGRAPH_NEO4J_LOG") != "" {
			opts.Log = os.Stderr
		}
		shared.db, shared.err = testcontainers.Start(ctx, opts)
		if shared.err == nil {
			fmt.Fprintf(os.Stderr, "neo4jtest: %s neo4j at %s ready in %s\n", shared.db.Provider, shared.db.URI, time.Since(start).Round(time.Millisecond))
		}
	})
	if shared.err != nil {
		t.Fatalf("integration test needs a real Neo4j and none could be obtained: %v", shared.err)
	}
	return shared.db
}

// Open connects a new Store to the shared server, closed when the test ends. The graph is
// left as it is.
func Open(t testing.TB) *cypher.Store {
	t.Helper()
	return OpenStaging(t, cypher.StagingOptions{})
}

// OpenStaging is Open for a Store whose staged loads follow opts, e.g. {Threshold: 1} to
// stage every load. The graph is left as it is.
func OpenStaging(t testing.TB, opts cypher.StagingOptions) *cypher.Store {
	t.Helper()
	db := Server(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := cypher.Open(ctx, cypher.Config{URI: db.URI, Username: db.Username, Password: db.Password, Staging: opts})
	if err != nil {
		t.Fatalf("connect to neo4j: %v", err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })
	return store
}

// tracing reports whether SKINGRAPH_NEO4JTEST_TRACE asks for a line per preparation.
func tracing() bool { return os.Getenv("SKINGRAPH_NEO4JTEST_TRACE") != "" }

// prepared is the graph the last Store or Demo left, and the database's last commit then:
// while no transaction has committed since, the next test that asks for the same graph gets
// it as it is, without preparing it again. copies holds each kind of graph as it was first
// prepared (cypher.GraphCopy): later preparations restore the copy, a few statements,
// instead of wiping, migrating and loading again (a demo load is about 3 s of Neo4j CPU).
var prepared struct {
	mu     sync.Mutex
	kind   string // "empty" or "demo"
	mark   string // cypher.Store.LastCommit right after it was prepared
	copies map[string]*cypher.GraphCopy
}

// Store returns a Store on a clean graph: every node deleted, the schema migrated.
func Store(t testing.TB) *cypher.Store {
	t.Helper()
	return prepare(t, "empty", func(context.Context, *cypher.Store) error { return nil })
}

// Demo returns a Store on a graph that holds the demo data and nothing else, as `skingraph
// up` leaves an empty graph (loader.LoadDemo; data version 1). Tests that only read it share
// one load: it is prepared again only when something was committed since. The first
// preparation loads the demo data; later ones restore a copy of that graph, equal to it in
// every node, relationship and property (its load time included).
func Demo(t testing.TB) *cypher.Store {
	t.Helper()
	return prepare(t, "demo", func(ctx context.Context, store *cypher.Store) error {
		_, err := loader.LoadDemo(ctx, store, datasets.FS, time.Now())
		return err
	})
}

// prepare returns a Store on the graph kind, reusing the graph the previous test left when it
// is of that kind and no transaction has committed since. Else it restores the copy taken
// the first time kind was prepared, or, the first time, wipes the graph (which migrates the
// schema), fills it and takes that copy.
func prepare(t testing.TB, kind string, fill func(context.Context, *cypher.Store) error) *cypher.Store {
	t.Helper()
	store := Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	prepared.mu.Lock()
	defer prepared.mu.Unlock()
	if prepared.kind == kind {
		mark, err := store.LastCommit(ctx)
		if err != nil {
			t.Fatalf("neo4jtest: %v", err)
		}
		if mark == prepared.mark {
			return store
		}
	}
	prepared.kind, prepared.mark = "", ""
	began := time.Now()
	how := "restored"
	if c := prepared.copies[kind]; c != nil {
		if err := store.RestoreGraph(ctx, c); err != nil {
			t.Fatalf("neo4jtest: restore the %s graph: %v", kind, err)
		}
	} else {
		how = "prepared"
		if err := store.Wipe(ctx); err != nil {
			t.Fatalf("wipe graph: %v", err)
		}
		if err := fill(ctx, store); err != nil {
			t.Fatalf("neo4jtest: fill the %s graph: %v", kind, err)
		}
		c, err := store.CopyGraph(ctx)
		if err != nil {
			t.Fatalf("neo4jtest: copy the %s graph: %v", kind, err)
		}
		if prepared.copies == nil {
			prepared.copies = make(map[string]*cypher.GraphCopy)
		}
		prepared.copies[kind] = c
	}
	mark, err := store.LastCommit(ctx)
	if err != nil {
		t.Fatalf("neo4jtest: %v", err)
	}
	prepared.kind, prepared.mark = kind, mark
	if tracing() {
		cpu := "?"
		if d, err := Server(t).CPU(); err == nil {
			cpu = fmt.Sprintf("%.1f s", d.Seconds())
		}
		fmt.Fprintf(os.Stderr, "neo4jtest: %s: %s the %s graph in %s (the server's CPU so far: %s)\n",
			t.Name(), how, kind, time.Since(began).Round(time.Millisecond), cpu)
	}
	return store
}
