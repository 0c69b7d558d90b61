package ranker

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"

	"github.com/skingraph/skingraph/graph"
)

// Source is where projections come from (cypher.Store implements it).
type Source interface {
	// DataVersion returns the current version of the graph.
	DataVersion(ctx context.Context) (graph.DataVersion, error)
	// Project streams the whole graph into a projection.
	Project(ctx context.Context) (*graph.Projection, error)
}

// EmbedFunc computes product embeddings for a projection.
type EmbedFunc func(ctx context.Context, p *graph.Projection) (Vectors, error)

// Snapshot is one projection with its embeddings; it never changes once published.
type Snapshot struct {
	Projection *graph.Projection
	Vectors    Vectors
	BuildTime  time.Duration // streaming from the source and indexing
	EmbedTime  time.Duration

	nodes, edges int // Projection.Size, counted once (Stats is on the request path)
}

// EngineStats describes the engine for health and metrics.
type EngineStats struct {
	Version       graph.DataVersion
	BuiltAt       time.Time
	BuildTime     time.Duration
	EmbedTime     time.Duration
	Nodes, Edges  int
	LastError     string    // the last refresh failure, "" after a success
	LastErrorAt   time.Time // when it happened
	CacheHits     uint64
	CacheMisses   uint64
	CacheHitRatio float64
}

// Engine serves rankings from the current snapshot, refreshes the snapshot in the background
// when the data version changes, and caches results by (canonical request, data version).
// Readers never wait for a rebuild: they keep the old snapshot until the new one is swapped in.
type Engine struct {
	src    Source
	ranker *Ranker
	embed  EmbedFunc
	cache  *ristretto.Cache[string, Result]

	snap      atomic.Pointer[Snapshot]
	refreshMu sync.Mutex // one rebuild at a time
	errMu     sync.Mutex
	lastErr   error
	lastErrAt time.Time
}

// NewEngine returns an engine; cacheBytes bounds the result cache (0 = 64 MiB). embed may be
// nil (no affinity family).
func NewEngine(src Source, r *Ranker, embed EmbedFunc, cacheBytes int64) (*Engine, error) {
	if cacheBytes <= 0 {
		cacheBytes = 64 << 20
	}
	cache, err := ristretto.NewCache(&ristretto.Config[string, Result]{
		NumCounters: 200_000, MaxCost: cacheBytes, BufferItems: 64, Metrics: true,
	})
	if err != nil {
		return nil, fmt.Errorf("ranker: result cache: %w", err)
	}
	return &Engine{src: src, ranker: r, embed: embed, cache: cache}, nil
}

// Close releases the cache.
func (e *Engine) Close() { e.cache.Close() }

// Snapshot returns the snapshot readers use now; nil before the first successful refresh.
func (e *Engine) Snapshot() *Snapshot { return e.snap.Load() }

// Refresh rebuilds the snapshot when the source's data version differs from the current one
// (or there is none yet) and swaps it in. It reports whether it swapped.
func (e *Engine) Refresh(ctx context.Context) (bool, error) {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	v, err := e.src.DataVersion(ctx)
	if err != nil {
		return false, e.fail(fmt.Errorf("ranker: refresh: %w", err))
	}
	if cur := e.snap.Load(); cur != nil && cur.Projection.Version.N == v.N {
		e.clearError()
		return false, nil
	}
	start := time.Now()
	proj, err := e.src.Project(ctx)
	if err != nil {
		return false, e.fail(fmt.Errorf("ranker: refresh: %w", err))
	}
	s := &Snapshot{Projection: proj, BuildTime: time.Since(start)}
	s.nodes, s.edges = proj.Size()
	if e.embed != nil {
		start = time.Now()
		if s.Vectors, err = e.embed(ctx, proj); err != nil {
			return false, e.fail(fmt.Errorf("ranker: refresh: embeddings: %w", err))
		}
		s.EmbedTime = time.Since(start)
	}
	e.snap.Store(s)
	e.clearError()
	return true, nil
}

// Run refreshes every interval until ctx ends. Failures are kept for Stats (the engine goes
// on serving the last good snapshot) and retried at the next tick.
func (e *Engine) Run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_, _ = e.Refresh(ctx)
		}
	}
}

// RecommendKeyed ranks for req on the current snapshot, from the cache when the same canonical
// request was answered for the same data version; cached says whether it came from the cache.
// key must be Key of req with Offset 0 (the page is added here): the caller (the API, which
// needs that key for ETags and cursors) computes it once, so the hot path hashes the request
// once.
func (e *Engine) RecommendKeyed(ctx context.Context, req Request, key string) (res Result, cached bool, err error) {
	s := e.snap.Load()
	if s == nil {
		return Result{}, false, fmt.Errorf("ranker: %w: the projection is not built yet", graph.ErrUnavailable)
	}
	key = strconv.FormatInt(s.Projection.Version.N, 10) + ":" + key + ":" + strconv.Itoa(req.Offset)
	if r, ok := e.cache.Get(key); ok {
		return r, true, nil
	}
	res, err = e.ranker.Rank(ctx, s.Projection, s.Vectors, req)
	if err != nil {
		return Result{}, false, err
	}
	if !res.Partial {
		e.cache.Set(key, res, resultCost(res))
	}
	return res, false, nil
}

// Stats reports the current snapshot and cache.
func (e *Engine) Stats() EngineStats {
	var st EngineStats
	if s := e.snap.Load(); s != nil {
		st.Version, st.BuiltAt = s.Projection.Version, s.Projection.BuiltAt
		st.BuildTime, st.EmbedTime = s.BuildTime, s.EmbedTime
		st.Nodes, st.Edges = s.nodes, s.edges
	}
	e.errMu.Lock()
	if e.lastErr != nil {
		st.LastError, st.LastErrorAt = e.lastErr.Error(), e.lastErrAt
	}
	e.errMu.Unlock()
	if m := e.cache.Metrics; m != nil {
		st.CacheHits, st.CacheMisses, st.CacheHitRatio = m.Hits(), m.Misses(), m.Ratio()
	}
	return st
}

func (e *Engine) fail(err error) error {
	e.errMu.Lock()
	e.lastErr, e.lastErrAt = err, time.Now()
	e.errMu.Unlock()
	return err
}

func (e *Engine) clearError() {
	e.errMu.Lock()
	e.lastErr = nil
	e.errMu.Unlock()
}

// resultCost estimates a result's memory in bytes for the cache.
func resultCost(r Result) int64 {
	cost := int64(512)
	for _, it := range r.Items {
		cost += 256 + int64(len(it.Why))*640 + int64(len(it.Warnings))*256
	}
	return cost
}

// Similar returns the k products closest to product id on the current snapshot.
func (e *Engine) Similar(ctx context.Context, id string, k int) ([]SimilarItem, graph.DataVersion, error) {
	s := e.snap.Load()
	if s == nil {
		return nil, graph.DataVersion{}, fmt.Errorf("ranker: %w: the projection is not built yet", graph.ErrUnavailable)
	}
	items, err := e.ranker.Similar(ctx, s.Projection, s.Vectors, id, k)
	return items, s.Projection.Version, err
}
