package feedback_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/feedback"
	"github.com/skingraph/skingraph/graph"
)

// refreshLog is the real store, recording when each outcome refresh started and what it did.
type refreshLog struct {
	*cypher.Store
	mu    sync.Mutex
	calls []refreshCall
}

type refreshCall struct {
	start time.Time
	n     int
	err   error
}

func (r *refreshLog) RefreshStaleOutcomes(ctx context.Context) (int, graph.DataVersion, error) {
	start := time.Now()
	n, v, err := r.Store.RefreshStaleOutcomes(ctx)
	r.mu.Lock()
	r.calls = append(r.calls, refreshCall{start: start, n: n, err: err})
	r.mu.Unlock()
	return n, v, err
}

func (r *refreshLog) snapshot() []refreshCall {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]refreshCall(nil), r.calls...)
}

// waitFor polls cond until it holds, failing the test after a minute.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// staleProducts counts the products whose outcomes wait for a refresh.
func staleProducts(t *testing.T, store *cypher.Store) int64 {
	t.Helper()
	tab, err := store.Explore(context.Background(), cypher.Query{Text: `MATCH (p:Product:OutcomesStale) RETURN count(p) AS n`,
		Limit: 1, Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return tab.Rows[0][0].(int64)
}

func ratings(prefix string, n int) []graph.Event {
	out := make([]graph.Event, n)
	for i := range out {
		out[i] = graph.Event{ID: fmt.Sprintf("%s-%d", prefix, i), Type: graph.EventRating, ProductID: "p1", Rating: 1 + i%5, At: time.Now().UTC()}
	}
	return out
}

// startRefresher runs RefreshOutcomes over r, woken by the batcher it returns; the returned
// stop ends both and waits for them.
func startRefresher(t *testing.T, r *refreshLog, cfg feedback.RefreshConfig) (*feedback.Batcher, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cfg.Wake = feedback.NewSignal()
	b := feedback.NewBatcher(ctx, r.Store, feedback.BatcherConfig{OutcomesStale: cfg.Wake.Notify})
	done := make(chan struct{})
	go func() {
		defer close(done)
		feedback.RefreshOutcomes(ctx, r, cfg, zerolog.Nop())
	}()
	return b, func() {
		b.Close(context.Background())
		cancel()
		<-done
	}
}

// TestRefreshWakesOnRatingEvents: with a sweep of an hour, only the batcher's wake-up can
// start a refresh after the first one. A flush of views wakes nothing; a rating refreshes the
// product's outcomes and bumps the data version, which Refreshed is told.
func TestRefreshWakesOnRatingEvents(t *testing.T) {
	r := &refreshLog{Store: catalogue(t)}
	ctx := context.Background()
	versions := make(chan graph.DataVersion, 10)
	b, stop := startRefresher(t, r, feedback.RefreshConfig{MinGap: 10 * time.Millisecond, Sweep: time.Hour,
		Refreshed: func(v graph.DataVersion) { versions <- v }})
	defer stop()
	waitFor(t, "the refresh at start", func() bool { return len(r.snapshot()) == 1 })
	before, err := r.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if _, err := b.Submit(ctx, views("v", 3)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.Submit(ctx, ratings("r", 2)); err != nil {
		t.Fatal(err)
	}
	var v graph.DataVersion
	select {
	case v = <-versions:
	case <-time.After(time.Minute):
		t.Fatal("no refresh after a minute: the rating did not wake the refresher")
	}
	if v.N != before.N+1 {
		t.Errorf("data version %d after the refresh, want %d", v.N, before.N+1)
	}
	calls := r.snapshot()
	if len(calls) != 2 || calls[1].n != 1 || calls[1].err != nil {
		t.Errorf("refreshes %+v, want the one at start and one of 1 product", calls)
	}
	if n := staleProducts(t, r.Store); n != 0 {
		t.Errorf("%d products still stale, want 0", n)
	}
}

// TestRefreshBoundsVersionBumps sends ratings from 4 clients for a while: refreshes start at
// least MinGap apart (so the data version moves at most once per MinGap), and once the
// events stop, a refresh that started after the last commit leaves nothing stale.
func TestRefreshBoundsVersionBumps(t *testing.T) {
	r := &refreshLog{Store: catalogue(t)}
	ctx := context.Background()
	const minGap = 200 * time.Millisecond
	b, stop := startRefresher(t, r, feedback.RefreshConfig{MinGap: minGap, Sweep: time.Hour})
	defer stop()
	waitFor(t, "the refresh at start", func() bool { return len(r.snapshot()) == 1 })

	var wg sync.WaitGroup
	var sent atomic.Int64
	end := time.Now().Add(1500 * time.Millisecond)
	for c := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; time.Now().Before(end); i++ {
				if _, err := b.Submit(ctx, ratings(fmt.Sprintf("c%d-%d", c, i), 3)); err != nil {
					t.Error(err)
					return
				}
				sent.Add(3)
			}
		}()
	}
	wg.Wait()
	// Every mark an event set is removed by a refresh that counted it (an event committed
	// after a refresh's unmarking marks its product again), so none left means none missed.
	waitFor(t, "no product stale after the last event", func() bool { return staleProducts(t, r.Store) == 0 })
	stop()

	calls := r.snapshot()
	bumps := 0
	for i, c := range calls {
		if c.err != nil {
			t.Errorf("refresh %d: %v", i, c.err)
		}
		if c.n > 0 {
			bumps++
		}
		// The loop takes its start time just before the call; allow for the gap between.
		if i > 0 && c.start.Sub(calls[i-1].start) < minGap-5*time.Millisecond {
			t.Errorf("refreshes %d and %d started %s apart, want at least %s", i-1, i, c.start.Sub(calls[i-1].start), minGap)
		}
	}
	if bumps < 2 {
		t.Errorf("%d refreshes bumped the version during 1.5 s of ratings, want several", bumps)
	}
	counts, err := r.ProductEventCounts(ctx, "p1")
	if err != nil || counts[graph.EventRating] != int64(sent.Load()) {
		t.Errorf("p1 counters %v (%v), want %d ratings", counts, err, sent.Load())
	}
	t.Logf("%d refreshes, %d version bumps", len(calls), bumps)
}
