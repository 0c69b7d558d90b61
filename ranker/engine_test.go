package ranker

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// memorySource serves projections built in memory; bump changes the data version, as a load
// into Neo4j would.
type memorySource struct {
	t       testing.TB
	mu      sync.Mutex
	version int64
	n       int
}

func (m *memorySource) DataVersion(context.Context) (graph.DataVersion, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return graph.DataVersion{N: m.version}, nil
}

func (m *memorySource) Project(context.Context) (*graph.Projection, error) {
	m.mu.Lock()
	v, n := m.version, m.n
	m.mu.Unlock()
	p := syntheticProjection(m.t, n, uint64(v))
	p.Version = graph.DataVersion{N: v}
	p.BuiltAt = time.Now()
	return p, nil
}

func (m *memorySource) bump() {
	m.mu.Lock()
	m.version++
	m.mu.Unlock()
}

func newTestEngine(t testing.TB, n int) (*Engine, *memorySource) {
	t.Helper()
	r, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	src := &memorySource{t: t, version: 1, n: n}
	e, err := NewEngine(src, r, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	if _, err := e.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e, src
}

// BenchmarkEngineCached measures a cached recommendation through the engine: the path a
// repeated GET /v1/recommendations takes.
func BenchmarkEngineCached(b *testing.B) {
	e, _ := newTestEngine(b, 10_000)
	ctx := context.Background()
	keys := make([]string, len(benchProfiles))
	for i, req := range benchProfiles {
		keys[i] = Key(req)
		if _, _, err := e.RecommendKeyed(ctx, req, keys[i]); err != nil {
			b.Fatal(err)
		}
	}
	e.cache.Wait()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			j := i % len(benchProfiles)
			if _, cached, err := e.RecommendKeyed(ctx, benchProfiles[j], keys[j]); err != nil || !cached {
				b.Fatalf("cached %v, err %v", cached, err)
			}
			i++
		}
	})
}

func TestEngineWarmsTheMostAskedRequestsAndTellsSubscribers(t *testing.T) {
	e, src := newTestEngine(t, 2000)
	e.SetWarmTop(1)
	ctx := context.Background()
	// The first projection is served with the ranker's terms computed (Ranker.Prepare).
	if pri := e.ranker.priorCache[1].Load(); pri == nil || pri.proj != e.snap.Load().Projection || !pri.terms.bases[0].done.Load() {
		t.Fatal("the first projection was served before the ranker's history terms were prepared")
	}
	popular, rare := benchProfiles[0], benchProfiles[1]
	pk, rk := Key(popular), Key(rare)
	for range 3 {
		if _, _, err := e.RecommendKeyed(ctx, popular, pk); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := e.RecommendKeyed(ctx, rare, rk); err != nil {
		t.Fatal(err)
	}
	updates, unsubscribe := e.Subscribe()
	defer unsubscribe()

	src.bump()
	swapped, err := e.Refresh(ctx)
	if err != nil || !swapped {
		t.Fatalf("Refresh = %v, %v; want a swap", swapped, err)
	}
	select {
	case v := <-updates:
		if v.N != 2 {
			t.Fatalf("subscriber got version %d, want 2", v.N)
		}
	default:
		t.Fatal("subscriber was not told of the new version")
	}
	if w := e.Stats().LastWarm; w.Version.N != 2 || w.Requests != 1 {
		t.Fatalf("LastWarm = %+v, want 1 request warmed for version 2", w)
	}
	if _, cached, err := e.RecommendKeyed(ctx, popular, pk); err != nil || !cached {
		t.Fatalf("most asked request after the swap: cached %v, err %v; want it warmed", cached, err)
	}
	if _, cached, err := e.RecommendKeyed(ctx, rare, rk); err != nil || cached {
		t.Fatalf("rare request after the swap: cached %v, err %v; want it computed anew", cached, err)
	}

	// No swap, no news.
	if swapped, err := e.Refresh(ctx); err != nil || swapped {
		t.Fatalf("Refresh without a change = %v, %v", swapped, err)
	}
	select {
	case v := <-updates:
		t.Fatalf("subscriber told of version %d without a change", v.N)
	default:
	}
}

func TestEngineSubscribersKeepOnlyTheNewestVersion(t *testing.T) {
	e, src := newTestEngine(t, 200)
	updates, unsubscribe := e.Subscribe()
	for range 3 {
		src.bump()
		if _, err := e.Refresh(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if v := <-updates; v.N != 4 {
		t.Fatalf("slow subscriber got version %d, want the newest, 4", v.N)
	}
	unsubscribe()
	src.bump()
	if _, err := e.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	select {
	case v := <-updates:
		t.Fatalf("unsubscribed channel got version %d", v.N)
	default:
	}
}

// TestResultCostTracksHeap checks the cache's cost estimate against the heap that results
// really hold: a cost far below the truth lets the result cache outgrow its bound.
func TestResultCostTracksHeap(t *testing.T) {
	p := syntheticProjection(t, 2000, 7)
	r, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	const n = 200
	results := make([]Result, 0, n)
	var estimate int64
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range n {
		req := benchProfiles[i%len(benchProfiles)]
		req.Filters.MaxPrice = float64(500 + i) // a distinct request each time
		res, err := r.Rank(context.Background(), p, nil, req)
		if err != nil {
			t.Fatal(err)
		}
		results = append(results, res)
		estimate += resultCost(res)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	measured := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	runtime.KeepAlive(results)
	ratio := float64(estimate) / float64(measured)
	t.Logf("%d results: estimated %d bytes, measured %d bytes (ratio %.2f)", n, estimate, measured, ratio)
	if ratio < 0.6 || ratio > 1.8 {
		t.Fatalf("resultCost is %.2f times the measured heap of results; want within 0.6 to 1.8", ratio)
	}
}
