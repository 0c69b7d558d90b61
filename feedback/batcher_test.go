package feedback_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/feedback"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// countingWriter is the real store, counting the transactions the batcher opens.
type countingWriter struct {
	*cypher.Store
	flushes atomic.Int64
}

func (w *countingWriter) WriteEvents(ctx context.Context, groups [][]graph.Event) ([]graph.EventResult, []error, error) {
	w.flushes.Add(1)
	return w.Store.WriteEvents(ctx, groups)
}

// testVault is a vault with a fixed pseudonym key and one data key.
func testVault(t testing.TB) *graph.Vault {
	t.Helper()
	pseudo, err := graph.NewPseudonymizer([]byte("a test key of at least 32 characters"))
	if err != nil {
		t.Fatal(err)
	}
	ring, err := graph.NewKeyRing([]graph.DataKey{{ID: "t1", Secret: []byte("0123456789abcdef0123456789abcdef")}})
	if err != nil {
		t.Fatal(err)
	}
	return &graph.Vault{Tags: pseudo, Keys: ring}
}

// catalogue stores two products, with a vault for personal data.
func catalogue(t testing.TB) *cypher.Store {
	t.Helper()
	store := neo4jtest.Store(t)
	store.SetVault(testVault(t))
	_, err := store.WriteLoad(context.Background(), graph.Load{ID: "l1", Source: "test", Kind: "test",
		Products: []graph.Product{{ID: "p1", Name: "One", Category: "serum"}, {ID: "p2", Name: "Two", Category: "toner"}}})
	if err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	return store
}

func views(prefix string, n int) []graph.Event {
	out := make([]graph.Event, n)
	for i := range out {
		out[i] = graph.Event{ID: fmt.Sprintf("%s-%d", prefix, i), Type: graph.EventView, ProductID: "p1", At: time.Now().UTC()}
	}
	return out
}

// TestBatcherCoalescesRequests submits 40 requests of 5 events at once; with MaxEvents 200
// and a long MaxWait they make exactly one transaction. Submitting them again records
// nothing new.
func TestBatcherCoalescesRequests(t *testing.T) {
	w := &countingWriter{Store: catalogue(t)}
	ctx := context.Background()
	b := feedback.NewBatcher(ctx, w, feedback.BatcherConfig{MaxWait: time.Hour, MaxEvents: 200})
	defer b.Close(ctx)

	submitAll := func() []graph.EventResult {
		res := make([]graph.EventResult, 40)
		var wg sync.WaitGroup
		for i := range 40 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r, err := b.Submit(ctx, views(fmt.Sprintf("r%d", i), 5))
				if err != nil {
					t.Errorf("Submit %d: %v", i, err)
				}
				res[i] = r
			}()
		}
		wg.Wait()
		return res
	}
	for i, r := range submitAll() {
		if r != (graph.EventResult{Created: 5}) {
			t.Errorf("request %d: %+v, want 5 created", i, r)
		}
	}
	if n := w.flushes.Load(); n != 1 {
		t.Errorf("%d transactions for 40 concurrent requests, want 1", n)
	}
	for i, r := range submitAll() {
		if r != (graph.EventResult{Duplicates: 5}) {
			t.Errorf("replayed request %d: %+v, want 5 duplicates", i, r)
		}
	}
	counts, err := w.ProductEventCounts(ctx, "p1")
	if err != nil || counts["view"] != 200 {
		t.Errorf("p1 views = %v (%v), want 200", counts, err)
	}
}

// TestBatcherCloseFlushes closes the batcher while a request waits for its flush: the events
// are written and the request answered; later requests are refused.
func TestBatcherCloseFlushes(t *testing.T) {
	w := &countingWriter{Store: catalogue(t)}
	ctx := context.Background()
	b := feedback.NewBatcher(ctx, w, feedback.BatcherConfig{MaxWait: time.Hour, MaxEvents: 1000})
	got := make(chan graph.EventResult, 1)
	go func() {
		r, err := b.Submit(ctx, views("c", 3))
		if err != nil {
			t.Errorf("Submit: %v", err)
		}
		got <- r
	}()
	for b.Pending() != 3 {
		time.Sleep(time.Millisecond) // until the batcher holds the request, waiting for more
	}
	if err := b.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if r := <-got; r != (graph.EventResult{Created: 3}) {
		t.Errorf("result %+v, want 3 created", r)
	}
	if _, err := b.Submit(ctx, views("late", 1)); !errors.Is(err, feedback.ErrClosed) || !errors.Is(err, graph.ErrUnavailable) {
		t.Errorf("Submit after Close: %v, want ErrClosed (unavailable)", err)
	}
	counts, _ := w.ProductEventCounts(ctx, "p1")
	if counts["view"] != 3 {
		t.Errorf("p1 views = %v, want 3", counts)
	}
}

// TestServiceKeepsOnlyPseudonyms records a profile and its events through the service and
// checks that the client's id is stored nowhere in the graph.
func TestServiceKeepsOnlyPseudonyms(t *testing.T) {
	store := catalogue(t)
	ctx := context.Background()
	pseudo := store.Vault().Tags
	b := feedback.NewBatcher(ctx, store, feedback.BatcherConfig{})
	defer b.Close(ctx)
	svc := feedback.NewService(b, store, pseudo, nil)
	const client = "client-bob-1234"
	me := graph.Caller{Tenant: "shop", Key: "k1"}

	if _, _, err := svc.PutProfile(ctx, me, client, false, graph.SkinProfile{SkinType: "dry"}); !errors.Is(err, graph.ErrInvalid) {
		t.Fatalf("PutProfile without consent: %v, want ErrInvalid", err)
	}
	if _, err := svc.ExportProfile(ctx, me, client); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("nothing may be stored without consent: export = %v", err)
	}
	stored, created, err := svc.PutProfile(ctx, me, client, true, graph.SkinProfile{SkinType: "Dry", Concerns: []string{"wrinkles"}})
	if err != nil || !created || stored.ID != pseudo.TenantPseudonym("profile", "shop", client) || stored.Profile.SkinType != "dry" {
		t.Fatalf("PutProfile = %+v, %v, %v", stored, created, err)
	}
	res, err := svc.RecordEvents(ctx, me, []graph.Event{{ID: "s1", Type: "rating", ProductID: "p2", ProfileID: client, Rating: 4}})
	if err != nil || res.Created != 1 {
		t.Fatalf("RecordEvents = %+v, %v", res, err)
	}
	holding := func(value string) int64 {
		t.Helper()
		tab, err := store.Explore(ctx, cypher.Query{Text: `
			MATCH (n)
			WHERE any(k IN keys(n) WHERE coalesce(toStringOrNull(n[k]), '') CONTAINS $v
			      OR (n[k] IS :: LIST<ANY> AND any(x IN n[k] WHERE coalesce(toStringOrNull(x), '') CONTAINS $v)))
			RETURN count(n) AS n`, Params: map[string]any{"v": value}, Limit: 1, Timeout: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		return tab.Rows[0][0].(int64)
	}
	if n := holding(client); n != 0 {
		t.Errorf("%d nodes hold the client's id", n)
	}
	if n := holding(stored.ID); n != 1 {
		t.Errorf("%d nodes hold the pseudonym, want the profile's", n)
	}
	exp, err := svc.ExportProfile(ctx, me, client)
	if err != nil || len(exp.Events) != 1 || exp.Events[0].SkinType != "dry" || exp.Events[0].Concerns[0] != "aging" {
		t.Errorf("export = %+v, %v", exp, err)
	}
	if err := svc.EraseProfile(ctx, me, client); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.ExportProfile(ctx, me, client); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("export after erase = %v", err)
	}
}

// BenchmarkRecordEvents measures events recorded per second through the service: clients
// goroutines per CPU sending requests of 10 distinct view events each, group-committed.
func BenchmarkRecordEvents(b *testing.B) {
	store := catalogue(b)
	ctx := context.Background()
	var seq atomic.Int64
	for _, clients := range []int{1, 8} {
		b.Run(fmt.Sprintf("clients=%dxCPU", clients), func(b *testing.B) {
			w := &countingWriter{Store: store}
			bat := feedback.NewBatcher(ctx, w, feedback.BatcherConfig{})
			defer bat.Close(ctx)
			svc := feedback.NewService(bat, store, nil, nil)
			b.SetParallelism(clients)
			start := time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := svc.RecordEvents(ctx, graph.Caller{}, views(fmt.Sprintf("b%d", seq.Add(1)), 10)); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N*10)/time.Since(start).Seconds(), "events/s")
			b.ReportMetric(float64(b.N)/float64(max(w.flushes.Load(), 1)), "requests/flush")
		})
	}
}
