package cypher_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

func TestOpenChecksURIScheme(t *testing.T) {
	tests := []struct {
		uri     string
		wantErr string // "" = accepted
	}{
		{"bolt://localhost:7687", ""},
		{"bolt+s://db.example.com:7687", ""},
		{"bolt+ssc://10.0.0.5:7687", ""},
		{"neo4j://localhost:7687", ""},
		{"neo4j+s://abcd1234.databases.neo4j.io", ""},
		{"neo4j+ssc://core-1.internal:7687", ""},
		{"http://localhost:7474", `scheme "http": want one of bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc`},
		{"localhost:7687", `scheme "localhost"`},
		{"neo4j://", "no host"},
		{"neo4j://bad host:7687", "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			err := cypher.CheckURI(tt.uri)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("CheckURI(%q) = %v, want nil", tt.uri, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("CheckURI(%q) = %v, want an error containing %q", tt.uri, err, tt.wantErr)
			}
			// Open refuses it before dialling anything.
			if _, err := cypher.Open(context.Background(), cypher.Config{URI: tt.uri, ConnectTimeout: time.Second}); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Open(%q) = %v, want an error containing %q", tt.uri, err, tt.wantErr)
			}
		})
	}
}

// routingStore opens a second Store on the shared server through a neo4j:// URI (the scheme
// of the server's URI with "bolt" replaced by "neo4j", so bolt+s becomes neo4j+s): the driver
// then asks the server for a routing table and sends reads and writes where it says, as it
// would in a cluster. The local Neo4j 5 answers as a cluster of one.
func routingStore(t *testing.T) *cypher.Store {
	t.Helper()
	return routingStaging(t, cypher.StagingOptions{})
}

// routingStaging is routingStore for a Store whose staged loads follow opts.
func routingStaging(t *testing.T, opts cypher.StagingOptions) *cypher.Store {
	t.Helper()
	db := neo4jtest.Server(t)
	u, err := url.Parse(db.URI)
	if err != nil {
		t.Fatal(err)
	}
	u.Scheme = strings.Replace(u.Scheme, "bolt", "neo4j", 1)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	store, err := cypher.Open(ctx, cypher.Config{URI: u.String(), Username: db.Username, Password: db.Password, Staging: opts})
	if err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	t.Cleanup(func() { store.Close(context.Background()) })
	return store
}

// TestRoutingStoreRunsTheSuite runs a representative part of the store's work through a
// neo4j:// URI: a load, a profile and events (write sessions), a product, the projection, the
// explorer and an export (read sessions), and checks each against what a bolt:// Store of the
// same graph reads.
func TestRoutingStoreRunsTheSuite(t *testing.T) {
	direct := neo4jtest.Store(t) // a clean graph
	direct.SetVault(testVault(t))
	routed := routingStore(t)
	routed.SetVault(testVault(t))
	ctx := context.Background()

	res, err := routed.WriteLoad(ctx, fixtureLoad("load-r"))
	if err != nil {
		t.Fatalf("WriteLoad through neo4j://: %v", err)
	}
	if !res.Changed || res.Version.N != 1 || res.Counts["products"] != (graph.Counts{Created: 2}) {
		t.Errorf("load through neo4j:// = %+v, want 2 products created at version 1", res)
	}
	putProfile(t, routed, "profile-r", oilyMedium)
	if got := writeOne(t, routed, ev("e1", graph.EventRating, "p1", "profile-r", 2, ""), ev("e2", graph.EventView, "p2", "", 0, "")); got != (graph.EventResult{Created: 2}) {
		t.Errorf("events through neo4j:// = %+v, want 2 created", got)
	}
	if n, _ := refresh(t, routed); n != 1 {
		t.Errorf("outcome refresh through neo4j:// touched %d products, want 1", n)
	}

	// Reads: the same answers as through bolt://.
	for _, id := range []string{"p1", "p2"} {
		want, err := direct.Product(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		got, err := routed.Product(ctx, id)
		if err != nil {
			t.Fatalf("Product %s through neo4j://: %v", id, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("product %s through neo4j:// (-bolt +neo4j):\n%s", id, diff)
		}
	}
	if _, err := routed.Product(ctx, "nope"); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("missing product through neo4j://: %v, want ErrNotFound", err)
	}
	wantV, _ := direct.DataVersion(ctx)
	gotV, err := routed.DataVersion(ctx)
	if err != nil || gotV != wantV {
		t.Errorf("data version through neo4j:// = %+v, %v; want %+v", gotV, err, wantV)
	}

	proj, err := routed.Project(ctx)
	if err != nil {
		t.Fatalf("Project through neo4j://: %v", err)
	}
	for _, id := range []string{"p1", "p2"} {
		if _, ok := proj.ProductIndex(id); !ok {
			t.Errorf("projection through neo4j:// lacks product %s", id)
		}
	}
	directProj, err := direct.Project(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wn, we := directProj.Size()
	gn, ge := proj.Size()
	if gn != wn || ge != we {
		t.Errorf("projection through neo4j:// has %d nodes, %d edges; through bolt:// %d, %d", gn, ge, wn, we)
	}

	tab, err := routed.Explore(ctx, cypher.Query{Text: "MATCH (p:Product) RETURN p.id AS id ORDER BY id"})
	if err != nil {
		t.Fatalf("Explore through neo4j://: %v", err)
	}
	if diff := cmp.Diff([][]any{{"p1"}, {"p2"}}, tab.Rows); diff != "" {
		t.Errorf("explorer rows through neo4j:// (-want +got):\n%s", diff)
	}
	// The explorer stays in a read session: a write is refused and changes nothing.
	if _, err := routed.Explore(ctx, cypher.Query{Text: "CREATE (:Product {id: 'x'})"}); err == nil {
		t.Errorf("Explore ran a write through neo4j://")
	}

	want, err := direct.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got, err := routed.ReadSnapshot(ctx)
	if err != nil {
		t.Fatalf("ReadSnapshot through neo4j://: %v", err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("export through neo4j:// (-bolt +neo4j):\n%s", diff)
	}
	if len(got.Products) != 2 || len(got.Events) != 2 || len(got.Profiles) != 1 {
		t.Errorf("export through neo4j:// holds %d products, %d events, %d profiles; want 2, 2, 1", len(got.Products), len(got.Events), len(got.Profiles))
	}
}

// TestRoutingStagedLoad stages loads through a neo4j:// URI (chunks in write sessions, the
// staged-load marker and its rollback bookkeeping in single write queries, the outcome
// refresh as CALL ... IN TRANSACTIONS in an implicit write transaction) and gets the graph a
// bolt:// Store gets in one transaction.
func TestRoutingStagedLoad(t *testing.T) {
	ctx := context.Background()
	second := fixtureLoad("load-2")
	second.Products[1].Price = 25
	second.Reviews[0].Rating = 4
	write := func(store *cypher.Store) snapshot {
		for _, l := range []graph.Load{fixtureLoad("load-1"), second} {
			if _, err := store.WriteLoad(ctx, l); err != nil {
				t.Fatalf("load %s: %v", l.ID, err)
			}
		}
		return takeSnapshot(t, store, "p1", "p2")
	}
	want := write(neo4jtest.Store(t))
	neo4jtest.Store(t) // a clean graph again
	got := write(routingStaging(t, cypher.StagingOptions{Threshold: 1}))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("staged through neo4j:// vs one transaction through bolt:// (-bolt +neo4j):\n%s", diff)
	}
	if n := countQuery(t, neo4jtest.Open(t), "MATCH (s:StagedLoad) RETURN count(s)"); n != 0 {
		t.Errorf("%d staged-load markers left", n)
	}
}

// TestRoutingReadsItsOwnWritesWithBookmarks: every write through a Store, in a managed
// transaction or a single query, leaves its bookmark in the Store, and the very next read
// through the Store (a read session, routable to a secondary that must first reach that
// bookmark) sees the write.
func TestRoutingReadsItsOwnWritesWithBookmarks(t *testing.T) {
	neo4jtest.Store(t) // a clean graph
	routed := routingStore(t)
	routed.SetVault(testVault(t))
	ctx := context.Background()
	if _, err := routed.WriteLoad(ctx, fixtureLoad("load-b")); err != nil {
		t.Fatal(err)
	}
	putProfile(t, routed, "profile-b", oilyMedium)
	last, err := cypher.Bookmarks(ctx, routed)
	if err != nil || len(last) == 0 {
		t.Fatalf("bookmarks after a load and a profile = %v, %v; want some", last, err)
	}
	for i := range 20 {
		id := fmt.Sprintf("e%02d", i)
		writeOne(t, routed, ev(id, graph.EventRating, "p1", "profile-b", 1+i%5, ""))
		now, err := cypher.Bookmarks(ctx, routed)
		if err != nil {
			t.Fatal(err)
		}
		if cmp.Equal(now, last) {
			t.Fatalf("write %d left the bookmarks as they were (%v): a read would not wait for it", i, now)
		}
		last = now
		// Read at once, through read queries (the export, the counters) and a read session
		// (the explorer).
		exp, err := routed.ExportProfile(ctx, "profile-b")
		if err != nil {
			t.Fatalf("ExportProfile after write %d: %v", i, err)
		}
		if len(exp.Events) != i+1 {
			t.Fatalf("read right after write %d sees %d events, want %d", i, len(exp.Events), i+1)
		}
		counts, err := routed.ProductEventCounts(ctx, "p1")
		if err != nil {
			t.Fatal(err)
		}
		if counts["rating"] != int64(i+1) {
			t.Fatalf("counters right after write %d: %v, want %d ratings", i, counts, i+1)
		}
		tab, err := routed.Explore(ctx, cypher.Query{Text: "MATCH (e:Event) RETURN count(e) AS n"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([][]any{{int64(i + 1)}}, tab.Rows); diff != "" {
			t.Fatalf("explorer right after write %d (-want +got):\n%s", i, diff)
		}
		_, v := refresh(t, routed)
		if got, err := routed.DataVersion(ctx); err != nil || got != v {
			t.Fatalf("after refresh %d (version %+v) the next read sees version %+v, %v", i, v, got, err)
		}
	}
}

// BenchmarkBookmarks measures what passing the Store's bookmarks costs on a single server:
// a read query (Product), a read session (Explore), and a write followed by a read, through
// bolt:// and neo4j://. Each iteration runs the operation once through a Store that passes
// its bookmarks and once through one that passes none, in alternating order, so that the load of a
// shared machine hits both alike; it reports the mean time of each (bookmarks-ns/op,
// none-ns/op).
func BenchmarkBookmarks(b *testing.B) {
	ctx := context.Background()
	seed := neo4jtest.Store(b)
	if _, err := seed.WriteLoad(ctx, fixtureLoad("load-bench")); err != nil {
		b.Fatal(err)
	}
	db := neo4jtest.Server(b)
	open := func(scheme string, bookmarks bool) *cypher.Store {
		uri := scheme + "://" + strings.SplitN(db.URI, "://", 2)[1]
		store, err := cypher.Open(ctx, cypher.Config{URI: uri, Username: db.Username, Password: db.Password})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { store.Close(context.Background()) })
		store.SetVault(testVault(b))
		if !bookmarks {
			cypher.DropBookmarks(store)
		}
		return store
	}
	n := 0
	ops := []struct {
		name string
		fn   func(*cypher.Store) error
	}{
		{"read", func(s *cypher.Store) error { _, err := s.Product(ctx, "p1"); return err }},
		{"session", func(s *cypher.Store) error {
			_, err := s.Explore(ctx, cypher.Query{Text: "MATCH (p:Product) RETURN count(p) AS n"})
			return err
		}},
		{"write-then-read", func(s *cypher.Store) error {
			n++
			if _, errs, err := s.WriteEvents(ctx, [][]graph.Event{{ev(fmt.Sprintf("bench-%d", n), graph.EventView, "p1", "", 0, "")}}); err != nil || errs[0] != nil {
				return errors.Join(err, errs[0])
			}
			_, err := s.ProductEventCounts(ctx, "p1")
			return err
		}},
	}
	for _, scheme := range []string{"bolt", "neo4j"} {
		with, without := open(scheme, true), open(scheme, false)
		for _, op := range ops {
			b.Run(scheme+"/"+op.name, func(b *testing.B) {
				var tWith, tWithout time.Duration
				timed := func(s *cypher.Store) time.Duration {
					start := time.Now()
					if err := op.fn(s); err != nil {
						b.Fatal(err)
					}
					return time.Since(start)
				}
				odd := false
				for b.Loop() {
					if odd = !odd; odd { // alternate which goes first
						tWith += timed(with)
						tWithout += timed(without)
					} else {
						tWithout += timed(without)
						tWith += timed(with)
					}
				}
				b.ReportMetric(float64(tWith.Nanoseconds())/float64(b.N), "bookmarks-ns/op")
				b.ReportMetric(float64(tWithout.Nanoseconds())/float64(b.N), "none-ns/op")
			})
		}
	}
}
