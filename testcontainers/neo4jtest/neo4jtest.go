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
//
// A binary whose tests switch often between Store and Demo passes DemoServer to Main: the
// demo graph then lives on a second server of its own, and a switch no longer wipes one graph
// to load the other. SKINGRAPH_NEO4JTEST_TRACE=1 logs every graph prepared and how long it took.
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

// server is one shared Neo4j server and the graph its last Store or Demo left.
type server struct {
	name string
	once sync.Once
	db   *testcontainers.Neo4j
	err  error

	// kind is the graph the last Store or Demo left ("empty" or "demo") and mark the
	// database's last commit then (cypher.Store.LastCommit): while no transaction has
	// committed since, the next test that asks for the same graph gets it as it is, without
	// wiping and loading it again.
	mu   sync.Mutex
	kind string
	mark string
}

var (
	first  = &server{name: "neo4j"}
	second = &server{name: "demo neo4j"} // DemoServer: the demo graph's own server

	// demoServer is set by the DemoServer option of Main; the start of either server starts
	// the other in the background (once), and Main waits for it before stopping both.
	demoServer bool
	startOther sync.Once
	background sync.WaitGroup

	// current is the server of the graph the running test prepared last (tests of one binary
	// run one at a time): Server and Open return it.
	currentMu sync.Mutex
	current   = first
)

// Option changes how Main shares servers.
type Option func()

// DemoServer keeps the demo graph on a second server of its own, started beside the first:
// Store's graphs live on the first, Demo's on the second, so a test binary whose tests
// alternate between the two reuses both instead of wiping the graph and loading the demo data
// again at each switch. It costs a second JVM (about 10 s of CPU to start, 1.5 GB of memory).
// With SKINGRAPH_NEO4J_URI (a server someone else runs) there is one graph, and the option
// does nothing.
func DemoServer() Option { return func() { demoServer = true } }

// Main runs the tests and stops the shared servers afterwards. Call it from TestMain.
func Main(m *testing.M, opts ...Option) {
	if os.Getenv(stagedWriterEnv) != "" {
		os.Exit(runStagedWriter())
	}
	for _, o := range opts {
		o()
	}
	if os.Getenv("SKINGRAPH_NEO4J_URI") != "" {
		demoServer = false // one existing server holds one graph
	}
	code := m.Run()
	background.Wait()
	var wg sync.WaitGroup
	for _, srv := range []*server{first, second} {
		if srv.db == nil {
			continue
		}
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := srv.db.Stop(ctx); err != nil {
				fmt.Fprintf(os.Stderr, "neo4jtest: stop %s: %v\n", srv.name, err)
			}
		})
	}
	wg.Wait()
	os.Exit(code)
}

// Server returns the shared server of the graph the running test prepared last (the first
// server before any), starting it on first use; it fails the test when no server can be
// obtained.
func Server(t testing.TB) *testcontainers.Neo4j {
	t.Helper()
	currentMu.Lock()
	srv := current
	currentMu.Unlock()
	return srv.get(t)
}

// get returns the server, starting it on first use. With DemoServer, the first start of
// either server also starts the other in the background.
func (srv *server) get(t testing.TB) *testcontainers.Neo4j {
	t.Helper()
	if demoServer {
		startOther.Do(func() {
			other := second
			if srv == second {
				other = first
			}
			background.Go(other.start)
		})
	}
	srv.start()
	if srv.err != nil {
		t.Fatalf("integration test needs a real Neo4j and none could be obtained: %v", srv.err)
	}
	return srv.db
}

func (srv *server) start() {
	srv.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		began := time.Now()
		opts := testcontainers.Options{JVMFlags: JVMFlags, Settings: Settings}
		if os.Getenv("SKINGRAPH_NEO4J_LOG") != "" {
			opts.Log = os.Stderr
		}
		srv.db, srv.err = testcontainers.Start(ctx, opts)
		if srv.err == nil {
			fmt.Fprintf(os.Stderr, "neo4jtest: %s %s at %s ready in %s\n", srv.db.Provider, srv.name, srv.db.URI, time.Since(began).Round(time.Millisecond))
		}
	})
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

// Store returns a Store on a clean graph: every node deleted, the schema migrated.
func Store(t testing.TB) *cypher.Store {
	t.Helper()
	return prepare(t, "empty", func(context.Context, *cypher.Store) error { return nil })
}

// Demo returns a Store on a graph that holds the demo data and nothing else, as `skingraph
// up` leaves an empty graph (loader.LoadDemo; data version 1). Tests that only read it share
// one load: it is loaded again only when something was committed since.
func Demo(t testing.TB) *cypher.Store {
	t.Helper()
	return prepare(t, "demo", func(ctx context.Context, store *cypher.Store) error {
		_, err := loader.LoadDemo(ctx, store, datasets.FS, time.Now())
		return err
	})
}

// prepare returns a Store on the graph kind, reusing the graph the previous test left when it
// is of that kind and no transaction has committed since; else it wipes the graph (which
// migrates the schema) and fills it.
func prepare(t testing.TB, kind string, fill func(context.Context, *cypher.Store) error) *cypher.Store {
	t.Helper()
	srv := first
	if demoServer && kind == "demo" {
		srv = second
	}
	srv.get(t)
	currentMu.Lock()
	current = srv
	currentMu.Unlock()
	store := Open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.kind == kind {
		mark, err := store.LastCommit(ctx)
		if err != nil {
			t.Fatalf("neo4jtest: %v", err)
		}
		if mark == srv.mark {
			return store
		}
	}
	srv.kind, srv.mark = "", ""
	began := time.Now()
	if err := store.Wipe(ctx); err != nil {
		t.Fatalf("wipe graph: %v", err)
	}
	if err := fill(ctx, store); err != nil {
		t.Fatalf("neo4jtest: fill the %s graph: %v", kind, err)
	}
	mark, err := store.LastCommit(ctx)
	if err != nil {
		t.Fatalf("neo4jtest: %v", err)
	}
	srv.kind, srv.mark = kind, mark
	if os.Getenv("SKINGRAPH_NEO4JTEST_TRACE") != "" {
		fmt.Fprintf(os.Stderr, "neo4jtest: %s: prepared the %s graph on the %s in %s\n", t.Name(), kind, srv.name, time.Since(began).Round(time.Millisecond))
	}
	return store
}
