package ranker

import (
	"container/heap"
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// Ranker ranks products with one set of parameters. It is safe for concurrent use.
type Ranker struct {
	params     Params
	now        func() time.Time
	priorCache atomic.Pointer[priors]
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
	if err := req.validate(); err != nil {
		return Result{}, fmt.Errorf("ranker: %w", err)
	}
	var deadline time.Time
	if req.Budget > 0 {
		deadline = start.Add(req.Budget)
	}
	buf := getBuffers(len(proj.Products))
	defer putBuffers(buf)
	pl := compile(proj, vecs, r.params, req, buf.excluded)
	res := Result{Version: proj.Version}

	if err := pl.scoreFamilies(ctx, buf); err != nil {
		return Result{}, fmt.Errorf("ranker: %w: %w", graph.ErrUnavailable, err)
	}
	prior := r.priorsFor(pl)
	withAffinity := len(pl.liked) > 0 && vecs != nil && r.params.Weights.Affinity != 0

	// Selection: one pass over the products, in chunks so that the budget is checked.
	top := &topK{k: req.Offset + req.Limit}
	n := int32(len(proj.Products))
	for lo := int32(0); lo < n; lo += chunkSize {
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("ranker: %w: %w", graph.ErrUnavailable, err)
		}
		if !deadline.IsZero() && lo > 0 && r.now().After(deadline) {
			res.Partial = true
			break
		}
		for x := lo; x < min(lo+chunkSize, n); x++ {
			ok, ex := pl.eligible(x)
			if !ok {
				if ex {
					if res.ExcludedCount < MaxExclusions {
						res.Excluded = append(res.Excluded, pl.exclusion(x))
					}
					res.ExcludedCount++
				}
				continue
			}
			s := buf.fit[x] + buf.peer[x] + prior[x]
			if withAffinity {
				s += pl.affinity(x)
			}
			top.offer(x, s)
			res.Total++
		}
	}

	ranked := top.sorted()
	if req.Offset < len(ranked) {
		ranked = ranked[req.Offset:]
	} else {
		ranked = nil
	}
	res.Items = make([]Item, 0, len(ranked))
	for _, c := range ranked {
		item := Item{Product: proj.Products[c.x], Score: c.score}
		if req.Explain != ExplainNone {
			item.Why = pl.explain(c.x, req.Explain == ExplainFull)
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
