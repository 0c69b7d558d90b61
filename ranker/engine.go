package ranker

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"
	lru "github.com/hashicorp/golang-lru/v2"

	"github.com/skingraph/skingraph/graph"
)

// Source is where projections come from (cypher.Store implements it).
type Source interface {
	// DataVersion returns the current version of the graph.
	DataVersion(ctx context.Context) (graph.DataVersion, error)
	// Project streams the whole graph into a projection.
	Project(ctx context.Context) (*graph.Projection, error)
}

// DeltaSource is a Source that also reads what changed since a version (cypher.Store): the
// engine then applies changes as deltas and rebuilds in full only at start, when the delta
// fails (the feed pruned the changes it needs: graph.ErrGone) or a change asks for it.
type DeltaSource interface {
	Source
	// ProjectDelta returns the rows touched by the changes after from, as of the current
	// version; an error wrapping graph.ErrGone when the feed no longer holds them.
	ProjectDelta(ctx context.Context, from graph.DataVersion) (*graph.Delta, error)
}

// EmbedFunc computes product embeddings for a projection.
type EmbedFunc func(ctx context.Context, p *graph.Projection) (Vectors, error)

// EmbedDeltaFunc derives the embeddings of p from prev, the embeddings of old, where p is old
// with the delta d applied (Projection.Apply): work in proportion to what d reaches rather
// than to the graph (graph/embedding.Embeddings.Update). It must be deterministic: the same
// prev, old, p and d give the same vectors.
type EmbedDeltaFunc func(ctx context.Context, prev Vectors, old, p *graph.Projection, d *graph.Delta) (Vectors, error)

// Snapshot is one projection with its embeddings; it never changes once published.
type Snapshot struct {
	Projection *graph.Projection
	Vectors    Vectors
	BuildTime  time.Duration // streaming from the source and indexing
	EmbedTime  time.Duration // the last full computation of the embeddings, the one this snapshot's vectors derive from
	// EmbedDeltaTime is how long deriving Vectors from the previous snapshot's took (0 when
	// they were computed in full).
	EmbedDeltaTime time.Duration

	nodes, edges int // Projection.Size, counted once (Stats is on the request path)
	// staleVectors says Vectors were computed for an earlier projection (a delta swapped this
	// one in before its embeddings were ready, refresh.go): requests that use embeddings are
	// answered from the engine's last consistent snapshot until they are.
	staleVectors bool
}

// EngineStats describes the engine for health and metrics.
type EngineStats struct {
	Version       graph.DataVersion
	BuiltAt       time.Time
	BuildTime     time.Duration
	EmbedTime     time.Duration
	PrepareTime   time.Duration // how long Ranker.Prepare took before the first snapshot was served
	Nodes, Edges  int
	LastError     string    // the last refresh failure, "" after a success
	LastErrorAt   time.Time // when it happened
	CacheHits     uint64
	CacheMisses   uint64
	CacheHitRatio float64
	LastWarm      WarmStats // the last warm-up after a swap (zero before the first)
	// Deltas and Rebuilds count the snapshots made by applying changes and by full builds;
	// LastDelta is how long the last delta took (read and apply); LastRebuildReason says why
	// the last full build after start-up was needed ("" when none was).
	Deltas, Rebuilds  uint64
	LastDelta         time.Duration
	LastRebuildReason string
	// LastEmbedDelta is how long the last delta's embeddings took to derive (EmbedDeltaFunc;
	// included in LastDelta).
	LastEmbedDelta time.Duration
}

// Engine serves rankings from the current snapshot, refreshes the snapshot in the background
// when the data version changes, and caches results by (canonical request, data version).
// Readers never wait for a rebuild: they keep the old snapshot until the new one is swapped in.
type Engine struct {
	src        Source
	ranker     *Ranker
	embed      EmbedFunc
	embedDelta EmbedDeltaFunc
	cache      *ristretto.Cache[string, Result]

	snap        atomic.Pointer[Snapshot]
	prepareTime atomic.Int64 // nanoseconds Ranker.Prepare took before the first snapshot was served
	// consistent is the newest snapshot whose vectors were computed for its own projection
	// (snap itself, except while embeddings are computed in the background after a delta).
	consistent atomic.Pointer[Snapshot]
	embedding  atomic.Bool // a background embedding runs
	refreshMu  sync.Mutex  // one rebuild at a time
	errMu      sync.Mutex
	lastErr    error
	lastErrAt  time.Time
	failing    atomic.Bool // lastErr != nil, readable on the hot path without errMu

	popular *lru.Cache[string, *popularRequest] // what is asked most, to warm after a swap
	warmTop int
	warmed  atomic.Pointer[WarmStats]

	subsMu sync.Mutex
	subs   map[chan graph.DataVersion]struct{}

	deltas, rebuilds atomic.Uint64
	lastDelta        atomic.Int64 // nanoseconds
	lastEmbedDelta   atomic.Int64 // nanoseconds
	rebuildReason    atomic.Pointer[string]
}

// popularRequest is one canonical request page and how often it was asked since the last
// warm-up.
type popularRequest struct {
	req  Request
	hits atomic.Int64
}

// WarmStats describes the last cache warm-up after a data version change.
type WarmStats struct {
	Version  graph.DataVersion
	Requests int
	Took     time.Duration
}

// popularTracked bounds the requests tracked for warming (least recently asked forgotten).
const popularTracked = 4096

// DefaultWarmTop is how many of the most asked requests are ranked ahead after a swap.
const DefaultWarmTop = 64

// DefaultResultCacheBytes bounds the result cache when NewEngine is given 0. Results are
// pointer-rich (about 60 KB for a page of ten with full explanations), and every garbage
// collection scans all of them; the API answers repeats from its own cache of encoded pages
// (plain bytes, not scanned), so this cache mainly holds what warming ranks after a swap and
// the other explain levels and field sets of the pages asked.
const DefaultResultCacheBytes = 16 << 20

// NewEngine returns an engine; cacheBytes bounds the result cache (0 = DefaultResultCacheBytes). embed may be
// nil (no affinity family).
func NewEngine(src Source, r *Ranker, embed EmbedFunc, cacheBytes int64) (*Engine, error) {
	if cacheBytes <= 0 {
		cacheBytes = DefaultResultCacheBytes
	}
	cache, err := ristretto.NewCache(&ristretto.Config[string, Result]{
		NumCounters: 200_000, MaxCost: cacheBytes, BufferItems: 64, Metrics: true,
	})
	if err != nil {
		return nil, fmt.Errorf("ranker: result cache: %w", err)
	}
	popular, err := lru.New[string, *popularRequest](popularTracked)
	if err != nil {
		return nil, fmt.Errorf("ranker: popular requests: %w", err)
	}
	return &Engine{src: src, ranker: r, embed: embed, cache: cache, popular: popular, warmTop: DefaultWarmTop,
		subs: map[chan graph.DataVersion]struct{}{}}, nil
}

// SetEmbedDelta makes deltas derive their snapshot's embeddings from the previous snapshot's
// with f, before the swap, so that every snapshot serves with vectors of its own projection
// (see applyDelta). Call it before serving.
func (e *Engine) SetEmbedDelta(f EmbedDeltaFunc) { e.embedDelta = f }

// SetWarmTop sets how many of the most asked requests are ranked into the cache after each
// data version change (0 turns warming off). Call it before serving.
func (e *Engine) SetWarmTop(n int) { e.warmTop = n }

// Subscribe returns a channel that receives the data version each time a new snapshot is
// swapped in (only the newest when the reader is slow), and a function to unsubscribe.
func (e *Engine) Subscribe() (<-chan graph.DataVersion, func()) {
	ch := make(chan graph.DataVersion, 1)
	e.subsMu.Lock()
	e.subs[ch] = struct{}{}
	e.subsMu.Unlock()
	return ch, func() {
		e.subsMu.Lock()
		delete(e.subs, ch)
		e.subsMu.Unlock()
	}
}

// publish tells every subscriber about v, replacing a version they have not read yet.
func (e *Engine) publish(v graph.DataVersion) {
	e.subsMu.Lock()
	defer e.subsMu.Unlock()
	for ch := range e.subs {
		select {
		case <-ch:
		default:
		}
		ch <- v
	}
}

// Close releases the cache.
func (e *Engine) Close() { e.cache.Close() }

// Snapshot returns the snapshot readers use now; nil before the first successful refresh.
func (e *Engine) Snapshot() *Snapshot { return e.snap.Load() }

// versionTimeout bounds the data-version check of a refresh: a Neo4j that does not answer a
// one-row read within it counts as down (and trips the store's circuit breaker soon), rather
// than holding the refresh loop in the driver's retries.
const versionTimeout = 2 * time.Second

// Refresh brings the snapshot to the source's data version (building it in full when there
// is none yet) and swaps it in. It reports whether it swapped. With a DeltaSource the changes
// since the snapshot's version are applied as a delta (Projection.Apply); a delta that cannot
// be read or applied (pruned changes, a change marked full, any error) falls back to a full
// build, and the reason is kept in Stats.
func (e *Engine) Refresh(ctx context.Context) (bool, error) {
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	vctx, cancel := context.WithTimeout(ctx, versionTimeout)
	v, err := e.src.DataVersion(vctx)
	cancel()
	if err != nil {
		return false, e.fail(fmt.Errorf("ranker: refresh: %w", err))
	}
	cur := e.snap.Load()
	if cur != nil && cur.Projection.Version.N == v.N {
		e.clearError()
		return false, nil
	}
	if ds, ok := e.src.(DeltaSource); ok && cur != nil && cur.Projection.Version.N < v.N {
		s, err := e.applyDelta(ctx, ds, cur)
		if err == nil {
			e.swap(ctx, s)
			return true, nil
		}
		if ctx.Err() != nil {
			return false, e.fail(fmt.Errorf("ranker: refresh: %w", err))
		}
		reason := err.Error()
		e.rebuildReason.Store(&reason)
	}
	s, err := e.build(ctx)
	if err != nil {
		return false, e.fail(fmt.Errorf("ranker: refresh: %w", err))
	}
	if cur != nil {
		e.rebuilds.Add(1)
	}
	e.swap(ctx, s)
	return true, nil
}

// build makes a snapshot from a full projection of the source.
func (e *Engine) build(ctx context.Context) (*Snapshot, error) {
	start := time.Now()
	proj, err := e.src.Project(ctx)
	if err != nil {
		return nil, err
	}
	s := &Snapshot{Projection: proj, BuildTime: time.Since(start)}
	s.nodes, s.edges = proj.Size()
	if e.embed != nil {
		start = time.Now()
		if s.Vectors, err = e.embed(ctx, proj); err != nil {
			return nil, fmt.Errorf("embeddings: %w", err)
		}
		s.EmbedTime = time.Since(start)
	}
	// Fit what the weights need before the snapshot serves (the item-item model, itemitem.go).
	if err := e.ranker.prepare(proj); err != nil {
		return nil, err
	}
	return s, nil
}

// syncEmbedBelow: when the last embedding took less, a delta's snapshot gets its embeddings
// before it is swapped in (one swap, always consistent); else it is swapped in at once with
// the previous vectors (following the product ids) and the embeddings are computed in the
// background (embedLatest).
const syncEmbedBelow = 250 * time.Millisecond

// applyDelta makes a snapshot from cur and the changes since its version. With an
// EmbedDeltaFunc the embeddings are derived from cur's before the swap: the snapshot is
// consistent (its vectors are its projection's) and fixed once published, so requests and
// similar-product queries answer alike for a version on this replica. They may differ from a
// full computation (and from another replica's, whose history differs) within the embedding
// tolerance, until Verify swaps in a full build. Without one, the embeddings are computed
// again in full: before the swap when that is quick (syncEmbedBelow), else after it.
func (e *Engine) applyDelta(ctx context.Context, ds DeltaSource, cur *Snapshot) (*Snapshot, error) {
	start := time.Now()
	d, err := ds.ProjectDelta(ctx, cur.Projection.Version)
	if err != nil {
		return nil, fmt.Errorf("delta: %w", err)
	}
	if d.Full {
		return nil, fmt.Errorf("delta: %w", graph.ErrFullChange)
	}
	proj, err := cur.Projection.Apply(d)
	if err != nil {
		return nil, fmt.Errorf("delta: %w", err)
	}
	if err := e.ranker.prepare(proj); err != nil {
		return nil, fmt.Errorf("delta: %w", err)
	}
	s := &Snapshot{Projection: proj, BuildTime: time.Since(start), EmbedTime: cur.EmbedTime}
	s.nodes, s.edges = proj.Size()
	if e.embed != nil {
		switch {
		case e.embedDelta != nil && cur.Vectors != nil && !cur.staleVectors:
			es := time.Now()
			if s.Vectors, err = e.embedDelta(ctx, cur.Vectors, cur.Projection, proj, d); err != nil {
				return nil, fmt.Errorf("delta: embeddings: %w", err)
			}
			s.EmbedDeltaTime = time.Since(es)
			e.lastEmbedDelta.Store(int64(s.EmbedDeltaTime))
		case cur.EmbedTime < syncEmbedBelow:
			es := time.Now()
			if s.Vectors, err = e.embed(ctx, proj); err != nil {
				return nil, fmt.Errorf("delta: embeddings: %w", err)
			}
			s.EmbedTime = time.Since(es)
		default:
			s.Vectors, s.staleVectors = carryVectors(cur.Vectors, cur.Projection, proj), true
		}
	}
	e.deltas.Add(1)
	e.lastDelta.Store(int64(time.Since(start)))
	return s, nil
}

// embedLatest computes the embeddings of the newest snapshot while it has stale vectors,
// and swaps in the same snapshot with them; one runs at a time, and it moves on to the newest
// snapshot when deltas arrive meanwhile, after a rest as long as the last embedding took.
func (e *Engine) embedLatest(ctx context.Context) {
	if !e.embedding.CompareAndSwap(false, true) {
		return
	}
	defer e.embedding.Store(false)
	for ctx.Err() == nil {
		s := e.snap.Load()
		if s == nil || !s.staleVectors {
			return
		}
		start := time.Now()
		v, err := e.embed(ctx, s.Projection)
		if err != nil {
			e.fail(fmt.Errorf("ranker: embeddings after a delta: %w", err))
			return
		}
		took := time.Since(start)
		e.refreshMu.Lock()
		current := e.snap.Load() == s
		if current {
			fresh := *s
			fresh.Vectors, fresh.staleVectors, fresh.EmbedTime = v, false, took
			e.snap.Store(&fresh)
			e.consistent.Store(&fresh)
		}
		e.refreshMu.Unlock()
		if !current {
			// Deltas came in meanwhile: rest as long as the embedding took before the next
			// one, so that embeddings take at most half the CPU time they could and deltas
			// are not starved (they answer from the last consistent snapshot meanwhile).
			select {
			case <-ctx.Done():
			case <-time.After(min(took, 30*time.Second)):
			}
		}
	}
}

// carryVectors returns the old vectors indexed by the new projection's product ids: the same
// vectors when no product id changed, else a remapping view (nil for new products).
func carryVectors(v Vectors, old, cur *graph.Projection) Vectors {
	if v == nil {
		return nil
	}
	if len(old.Products) == len(cur.Products) {
		same := true
		for x := range cur.Products { // ids are sorted: equal sets compare equal index by index
			if cur.Products[x].ID != old.Products[x].ID {
				same = false
				break
			}
		}
		if same {
			return v
		}
	}
	if r, ok := v.(remappedVectors); ok { // view the base, not a view
		v, old = r.base, r.baseProj
	}
	idx := make([]int32, len(cur.Products))
	for x, p := range cur.Products {
		idx[x] = -1
		if o, ok := old.ProductIndex(p.ID); ok {
			idx[x] = o
		}
	}
	return remappedVectors{base: v, baseProj: old, idx: idx}
}

// remappedVectors views the vectors of an older projection through the current dense ids.
type remappedVectors struct {
	base     Vectors
	baseProj *graph.Projection
	idx      []int32
}

func (r remappedVectors) Product(x int32) []float32 {
	if x < 0 || int(x) >= len(r.idx) || r.idx[x] < 0 {
		return nil
	}
	return r.base.Product(r.idx[x])
}

// forRequest returns the snapshot to answer req from: s, unless s's vectors are stale and req
// uses them (liked products: the affinity family), then the last consistent snapshot.
func (e *Engine) forRequest(s *Snapshot, req Request) *Snapshot {
	if s.staleVectors && len(req.Profile.LikedProducts) > 0 {
		if c := e.consistent.Load(); c != nil {
			return c
		}
	}
	return s
}

// swap publishes s: readers see it at once; the cache is warmed and subscribers told. The
// first snapshot has the ranker's per-projection terms computed before it is served (later
// ones get them from their first requests and the warm-up: computing them all at each
// version would cost seconds of CPU per change at 1M products).
func (e *Engine) swap(ctx context.Context, s *Snapshot) {
	if e.snap.Load() == nil {
		start := time.Now()
		e.ranker.Prepare(ctx, s.Projection)
		e.prepareTime.Store(int64(time.Since(start)))
	}
	e.snap.Store(s)
	if !s.staleVectors {
		e.consistent.Store(s)
	}
	e.clearError()
	e.warm(ctx, s)
	e.publish(s.Projection.Version)
	if s.staleVectors {
		go e.embedLatest(ctx)
	}
}

// VerifyResult is the outcome of one Verify.
type VerifyResult struct {
	Version     graph.DataVersion
	Compared    bool   // false when the version moved during the check (nothing compared)
	Drift       bool   // the incremental snapshot differed from the full build (which replaced it)
	Incremental string // digests (graph.Projection.Digest)
	Full        string
	// VectorDrift compares the serving snapshot's product embeddings with the full build's
	// (when the digests are equal and both have vectors): derived by deltas, they differ
	// within the embedding tolerance.
	VectorDrift VectorDrift
	Took        time.Duration
}

// VectorDrift is how far one set of product vectors is from another: the largest and the
// mean cosine distance (1 − cosine similarity) over the products, and how many were compared.
type VectorDrift struct {
	Compared  int
	Max, Mean float64
}

// vectorDrift compares the product vectors of a and b, both of projections with n products
// in the same order. Products without a vector in either are left out.
func vectorDrift(a, b Vectors, n int) VectorDrift {
	var d VectorDrift
	if a == nil || b == nil {
		return d
	}
	for x := range int32(n) {
		va, vb := a.Product(x), b.Product(x)
		if len(va) == 0 || len(va) != len(vb) {
			continue
		}
		var dot, na, nb float64
		for k := range va {
			dot += float64(va[k]) * float64(vb[k])
			na += float64(va[k]) * float64(va[k])
			nb += float64(vb[k]) * float64(vb[k])
		}
		if na == 0 || nb == 0 {
			continue
		}
		dist := max(0, 1-dot/math.Sqrt(na*nb))
		d.Max = max(d.Max, dist)
		d.Mean += dist
		d.Compared++
	}
	if d.Compared > 0 {
		d.Mean /= float64(d.Compared)
	}
	return d
}

// Verify builds a full projection, compares its digest with the serving snapshot's and swaps
// the full one in: on drift it replaces the wrong snapshot. The build runs without holding
// up deltas; when the version moved meanwhile, the full projection first catches up by
// applying the changes since its version, and the snapshot too, before comparing.
func (e *Engine) Verify(ctx context.Context) (VerifyResult, error) {
	start := time.Now()
	full, err := e.build(ctx)
	if err != nil {
		return VerifyResult{}, fmt.Errorf("ranker: verify: %w", err)
	}
	e.refreshMu.Lock()
	defer e.refreshMu.Unlock()
	cur := e.snap.Load()
	if cur == nil {
		return VerifyResult{}, fmt.Errorf("ranker: verify: %w: no snapshot yet", graph.ErrUnavailable)
	}
	ds, isDelta := e.src.(DeltaSource)
	if n := full.Projection.Version.N; n != cur.Projection.Version.N {
		if !isDelta || n > cur.Projection.Version.N {
			return VerifyResult{Version: cur.Projection.Version, Took: time.Since(start)}, nil
		}
		caught, err := e.applyDelta(ctx, ds, full)
		if err != nil {
			return VerifyResult{}, fmt.Errorf("ranker: verify: catch up: %w", err)
		}
		if caught.Projection.Version.N > cur.Projection.Version.N {
			if cur, err = e.applyDelta(ctx, ds, cur); err != nil {
				return VerifyResult{}, fmt.Errorf("ranker: verify: catch up: %w", err)
			}
		}
		full = caught
	}
	res := VerifyResult{Version: full.Projection.Version, Took: time.Since(start)}
	if full.Projection.Version.N != cur.Projection.Version.N {
		return res, nil
	}
	res.Compared = true
	res.Incremental, res.Full = cur.Projection.Digest(), full.Projection.Digest()
	res.Drift = res.Incremental != res.Full
	if !res.Drift && !cur.staleVectors {
		res.VectorDrift = vectorDrift(cur.Vectors, full.Vectors, len(full.Projection.Products))
	}
	e.swap(ctx, full)
	res.Took = time.Since(start)
	return res, nil
}

// warm ranks the most asked request pages on the new snapshot into the cache, so the first
// users after a load do not pay the cold cost, then halves every count so that interest
// fades. Subscribers are told after warming: clients that refresh on the news hit the cache.
func (e *Engine) warm(ctx context.Context, s *Snapshot) {
	if e.warmTop <= 0 {
		return
	}
	start := time.Now()
	type entry struct {
		key  string
		p    *popularRequest
		hits int64
	}
	var all []entry
	for _, k := range e.popular.Keys() {
		if p, ok := e.popular.Peek(k); ok {
			h := p.hits.Load()
			all = append(all, entry{k, p, h})
			p.hits.Store(h / 2)
		}
	}
	slices.SortFunc(all, func(a, b entry) int { return cmp.Compare(b.hits, a.hits) })
	if len(all) > e.warmTop {
		all = all[:e.warmTop]
	}
	n := 0
	prefix := strconv.FormatInt(s.Projection.Version.N, 10) + ":"
	for _, en := range all {
		if ctx.Err() != nil {
			break
		}
		rs := e.forRequest(s, en.p.req)
		if rs != s {
			continue // answered from an older snapshot until the embeddings are ready
		}
		res, err := e.ranker.Rank(ctx, s.Projection, s.Vectors, en.p.req)
		if err != nil || res.Partial {
			continue
		}
		e.cache.Set(prefix+en.key, res, resultCost(res))
		n++
	}
	e.cache.Wait()
	e.warmed.Store(&WarmStats{Version: s.Projection.Version, Requests: n, Took: time.Since(start)})
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
	page := key + ":" + strconv.Itoa(req.Offset)
	e.countRequest(page, req)
	s = e.forRequest(s, req)
	key = strconv.FormatInt(s.Projection.Version.N, 10) + ":" + page
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

// countRequest notes one more ask of a request page (for warming).
func (e *Engine) countRequest(page string, req Request) {
	if e.warmTop <= 0 {
		return
	}
	p, ok := e.popular.Get(page)
	if !ok {
		p = &popularRequest{req: req}
		if prev, found, _ := e.popular.PeekOrAdd(page, p); found {
			p = prev
		}
	}
	p.hits.Add(1)
}

// Stats reports the current snapshot and cache.
func (e *Engine) Stats() EngineStats {
	st := EngineStats{PrepareTime: time.Duration(e.prepareTime.Load())}
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
	if w := e.warmed.Load(); w != nil {
		st.LastWarm = *w
	}
	st.Deltas, st.Rebuilds, st.LastDelta = e.deltas.Load(), e.rebuilds.Load(), time.Duration(e.lastDelta.Load())
	st.LastEmbedDelta = time.Duration(e.lastEmbedDelta.Load())
	if r := e.rebuildReason.Load(); r != nil {
		st.LastRebuildReason = *r
	}
	if m := e.cache.Metrics; m != nil {
		st.CacheHits, st.CacheMisses, st.CacheHitRatio = m.Hits(), m.Misses(), m.Ratio()
	}
	return st
}

func (e *Engine) fail(err error) error {
	e.errMu.Lock()
	e.lastErr, e.lastErrAt = err, time.Now()
	e.failing.Store(true)
	e.errMu.Unlock()
	return err
}

func (e *Engine) clearError() {
	e.errMu.Lock()
	e.lastErr = nil
	e.failing.Store(false)
	e.errMu.Unlock()
}

// Current returns the data version answers come from now and whether refreshes are failing
// (answers are then degraded: served from a snapshot that may be behind the graph). It is
// what a request needs of Stats, without reading the cache metrics.
func (e *Engine) Current() (v graph.DataVersion, degraded bool) {
	if s := e.snap.Load(); s != nil {
		v = s.Projection.Version
	}
	return v, e.failing.Load()
}

// Asked records one more ask of a request page that the caller answered without the engine,
// from a cache of its own (the API keeps encoded pages), so that warming after a swap still
// knows what is asked most. key is Key of req with Offset 0, as for RecommendKeyed.
func (e *Engine) Asked(req Request, key string) {
	e.countRequest(key+":"+strconv.Itoa(req.Offset), req)
}

// resultCost estimates a result's heap in bytes for the cache: the structs, the strings made
// for it (texts, Cypher; names and ids are shared with the projection) and the evidence and
// property maps, at about 48 bytes an entry over a map's fixed 200. An estimate that is too low
// lets the cache outgrow its bound (an earlier flat 640 bytes a reason was a third of the
// truth), and everything it keeps is scanned by every garbage collection.
func resultCost(r Result) int64 {
	const (
		itemSize, whySize, nodeSize, relSize, warnSize = 200, 120, 64, 40, 120
		mapBase, mapEntry                              = 200, 48
	)
	mapCost := func(m map[string]any) int64 {
		if m == nil {
			return 0
		}
		return mapBase + int64(len(m))*mapEntry
	}
	cost := int64(256 + len(r.Excluded)*64)
	for _, it := range r.Items {
		cost += itemSize
		for _, w := range it.Why {
			cost += whySize + int64(len(w.Text)+len(w.Cypher)) + mapCost(w.Evidence)
			cost += int64(len(w.Path.Nodes)) * nodeSize
			for _, rel := range w.Path.Rels {
				cost += relSize + mapCost(rel.Props)
			}
		}
		for _, w := range it.Warnings {
			cost += warnSize + int64(len(w.Text))
		}
	}
	return cost
}

// Similar returns the k products closest to product id on the newest snapshot whose
// embeddings are ready (the current one but for the seconds after a delta at large scale).
func (e *Engine) Similar(ctx context.Context, id string, k int) ([]SimilarItem, graph.DataVersion, error) {
	s := e.consistent.Load()
	if s == nil {
		return nil, graph.DataVersion{}, fmt.Errorf("ranker: %w: the projection is not built yet", graph.ErrUnavailable)
	}
	items, err := e.ranker.Similar(ctx, s.Projection, s.Vectors, id, k)
	return items, s.Projection.Version, err
}
