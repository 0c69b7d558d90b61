package ranker

import (
	"container/heap"
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sourcegraph/conc"

	"github.com/skingraph/skingraph/graph"
)

// Ranker ranks products with one set of parameters. It is safe for concurrent use.
type Ranker struct {
	params     Params
	now        func() time.Time
	priorCache [3]atomic.Pointer[priors] // cold start, history, concern set (their weights differ)
	priorMu    [3]sync.Mutex             // held while priorCache[i] is computed (score.go)
	ruleCache  atomic.Pointer[ruleSet]   // the merchandising rules of the last projection (rules.go)
	base       *Ranker                   // the ranker an experiment variant's ranker derives from
	ingCache   atomic.Pointer[ingIndex]  // the ingredients with edges of the last projection (score.go)
}

// New returns a Ranker; the parameters must be valid.
func New(params Params) (*Ranker, error) {
	if err := params.Validate(); err != nil {
		return nil, fmt.Errorf("ranker: %w: %w", graph.ErrInvalid, err)
	}
	return &Ranker{params: params, now: time.Now}, nil
}

// Params returns the ranker's parameters.
func (r *Ranker) Params() Params { return r.params }

// chunkSize is how many products the selection pass scans between two budget checks.
const chunkSize = 16384

// Rank scores every eligible product of the projection for the request and returns the page
// Offset..Offset+Limit, best first, with explanations as requested. The families run
// concurrently (see score.go); a cancelled ctx returns its error, and an exhausted Budget
// returns the best of the products selected so far with Partial set.
func (r *Ranker) Rank(ctx context.Context, proj *graph.Projection, vecs Vectors, req Request) (Result, error) {
	start := r.now()
	if proj == nil {
		return Result{}, fmt.Errorf("ranker: %w: no projection loaded yet", graph.ErrUnavailable)
	}
	if err := req.Validate(); err != nil {
		return Result{}, fmt.Errorf("ranker: %w", err)
	}
	if v := r.variantRanker(proj, req); v != r {
		return v.Rank(ctx, proj, vecs, req)
	}
	var deadline time.Time
	if req.Budget > 0 {
		deadline = start.Add(req.Budget)
	}
	buf := getBuffers(len(proj.Products), len(proj.Ingredients))
	defer putBuffers(buf)
	pl := compile(proj, vecs, r.params, req, buf, r.ingredientsFor(proj))
	pl.rules = r.rulesFor(proj).activate(pl, start)
	res := Result{Version: proj.Version}

	pri := r.priorsFor(pl) // before scoring: the peer family reads its precomputed terms
	pl.priors = pri
	if err := pl.scoreFamilies(ctx, buf); err != nil {
		return Result{}, fmt.Errorf("ranker: %w: %w", graph.ErrUnavailable, err)
	}
	pl.rules.addBoosts(buf.acc) // sparse: only the matching products
	base := pl.base()
	withAffinity := len(pl.liked) > 0 && vecs != nil && pl.params.Weights.Affinity != 0

	// Selection: one pass over the products, split in shards that run concurrently, each in
	// chunks so that the budget is checked; the shards' top-k lists merge deterministically.
	k := req.Offset + req.Limit
	if req.MaxPerBrand > 0 {
		k = diversityDepth(k) // room for the products a capped brand leaves to others
	}
	if pl.rules != nil {
		k += len(pl.rules.pins) // room for the pinned products taken out of the list
	}
	n := int32(len(proj.Products))
	shards := selectShards(n)
	parts := make([]selection, len(shards))
	var wg conc.WaitGroup
	for s := range shards {
		wg.Go(func() {
			parts[s] = r.selectRange(ctx, pl, base, buf.acc, withAffinity, shards[s][0], shards[s][1], k, deadline)
		})
	}
	wg.Wait()
	top := &topK{k: k}
	for _, part := range parts {
		if part.err != nil {
			return Result{}, fmt.Errorf("ranker: %w: %w", graph.ErrUnavailable, part.err)
		}
		res.Partial = res.Partial || part.partial
		res.Total += part.total
		res.ExcludedCount += part.excludedCount
		for _, x := range part.excluded {
			if len(res.Excluded) < MaxExclusions {
				res.Excluded = append(res.Excluded, pl.exclusion(x))
			}
		}
		for _, c := range part.top.items {
			top.offer(c.x, c.score)
		}
	}

	sorted := top.sorted()
	if req.MaxPerBrand > 0 {
		sorted = diversify(sorted, req.Limit, req.MaxPerBrand, func(x int32) string { return proj.Products[x].Brand })
	}
	ranked, pins := pl.rules.applyPins(sorted, func(x int32) float64 {
		return pl.score(base, buf.acc, withAffinity, x)
	}, func(x int32) bool { ok, _ := pl.eligible(x); return ok })
	if want := req.Offset + req.Limit; len(ranked) > want {
		ranked = ranked[:want] // the room kept for pins
	}
	if req.Offset < len(ranked) {
		ranked = ranked[req.Offset:]
	} else {
		ranked = nil
	}
	res.Items = make([]Item, 0, len(ranked))
	for i, c := range ranked {
		item := Item{Product: proj.Products[c.x], Score: c.score}
		if req.Explain != ExplainNone {
			item.Why = pl.explain(c.x, req.Explain == ExplainFull)
			item.Why = append(item.Why, pl.rules.boostWhys(c.x, req.Explain == ExplainFull)...)
			if l, ok := pins[c.x]; ok {
				item.Why = append(item.Why, l.why(req.Offset+i+1, req.Explain == ExplainFull))
			}
		}
		res.Items = append(res.Items, item)
	}
	if req.Explain != ExplainNone {
		pl.warn(res.Items, ranked)
	}
	res.Elapsed = r.now().Sub(start)
	return res, nil
}

// scored is one candidate and its score.
type scored struct {
	x     int32
	score float64
}

// better orders by score descending, then product id ascending: the projection is sorted by
// id, so the dense index orders exactly like the id.
func better(a, b scored) bool {
	if a.score != b.score {
		return a.score > b.score
	}
	return a.x < b.x
}

// topK keeps the k best candidates in a min-heap (the worst kept at the root).
type topK struct {
	k     int
	items []scored
}

func (t *topK) Len() int           { return len(t.items) }
func (t *topK) Less(i, j int) bool { return better(t.items[j], t.items[i]) }
func (t *topK) Swap(i, j int)      { t.items[i], t.items[j] = t.items[j], t.items[i] }
func (t *topK) Push(v any)         { t.items = append(t.items, v.(scored)) }
func (t *topK) Pop() any {
	v := t.items[len(t.items)-1]
	t.items = t.items[:len(t.items)-1]
	return v
}

func (t *topK) offer(x int32, score float64) {
	c := scored{x: x, score: score}
	if len(t.items) < t.k {
		heap.Push(t, c)
		return
	}
	if better(c, t.items[0]) {
		t.items[0] = c
		heap.Fix(t, 0)
	}
}

// sorted returns the kept candidates, best first.
func (t *topK) sorted() []scored {
	out := make([]scored, len(t.items))
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = heap.Pop(t).(scored)
	}
	return out
}

// selection is one shard's share of the selection pass.
type selection struct {
	top           *topK
	total         int
	excluded      []int32 // the first MaxExclusions, ascending
	excludedCount int
	partial       bool
	err           error
}

// minShard is the smallest range worth a goroutine of its own.
const minShard = 50_000

// selectShards splits [0, n) into one range per core, or one range for small catalogues.
func selectShards(n int32) [][2]int32 {
	if n < 2*minShard {
		return [][2]int32{{0, n}}
	}
	mid := n / 2
	return [][2]int32{{0, mid}, {mid, n}}
}

// score is product x's score: its base term, the request's accumulated families, its
// affinity. The selection pass computes the same sum inline.
func (pl *plan) score(base, acc []float64, withAffinity bool, x int32) float64 {
	s := base[x] + acc[x]
	if withAffinity {
		s += pl.affinity(x)
	}
	return s
}

// selectRange scores the eligible products of [lo, hi) and keeps the best k. The eligibility
// test is plan.eligible's, inlined: this loop visits every product of the catalogue.
func (r *Ranker) selectRange(ctx context.Context, pl *plan, base, acc []float64, withAffinity bool, lo, hi int32, k int, deadline time.Time) selection {
	sel := selection{top: &topK{k: k}}
	p := pl.proj
	category, maxPrice, brand := pl.category, pl.req.Filters.MaxPrice, pl.brand
	hidden, excluded := pl.hidden, pl.excluded
	for start := lo; start < hi; start += chunkSize {
		if err := ctx.Err(); err != nil {
			sel.err = err
			return sel
		}
		if !deadline.IsZero() && start > lo && r.now().After(deadline) {
			sel.partial = true
			return sel
		}
		for x := start; x < min(start+chunkSize, hi); x++ {
			if category != 0 {
				if c := p.CategoryID(x); c < 0 || category&(1<<uint(c)) == 0 {
					continue
				}
			}
			if maxPrice > 0 && p.Price(x) > maxPrice {
				continue
			}
			if brand != nil && !brand[p.Products[x].Brand] {
				continue
			}
			if hidden[x] {
				continue
			}
			if excluded[x] || p.OutOfStock(x) {
				if sel.excludedCount < MaxExclusions {
					sel.excluded = append(sel.excluded, x)
				}
				sel.excludedCount++
				continue
			}
			sel.total++
			s := base[x] + acc[x]
			if withAffinity {
				s += pl.affinity(x)
			}
			// x ascends within the range: a later product ties with the worst kept one and
			// loses, so only a strictly higher score can enter a full list.
			if len(sel.top.items) < k || s > sel.top.items[0].score {
				sel.top.offer(x, s)
			}
		}
	}
	return sel
}
