package ranker

import (
	"container/heap"
	"context"
	"fmt"
	"time"

	"github.com/sourcegraph/conc"

	"github.com/skingraph/skingraph/graph"
)

// Ranker ranks products with one set of parameters. It is safe for concurrent use.
type Ranker struct {
	params Params
	now    func() time.Time
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

// chunkSize is how many candidates the families score between two budget checks.
const chunkSize = 16384

// Rank scores every eligible product of the projection for the request and returns the page
// Offset..Offset+Limit, best first, with explanations as requested. The families run
// concurrently over chunks of candidates; a cancelled ctx returns its error, and an exhausted
// Budget returns the best of the candidates scored so far with Partial set.
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
	pl := compile(proj, vecs, r.params, req)
	res := Result{Version: proj.Version}

	candidates := make([]int32, 0, len(proj.Products))
	var excluded []int32
	for x := range int32(len(proj.Products)) {
		ok, ex := pl.eligible(x)
		switch {
		case ok:
			candidates = append(candidates, x)
		case ex:
			excluded = append(excluded, x)
		}
	}
	res.ExcludedCount = len(excluded)
	for _, x := range excluded[:min(len(excluded), MaxExclusions)] {
		res.Excluded = append(res.Excluded, pl.exclusion[x])
	}

	k := req.Offset + req.Limit
	top := &topK{k: k}
	totals := make([][]float64, len(families))
	for f := range families {
		totals[f] = make([]float64, min(chunkSize, len(candidates)))
	}
	for lo := 0; lo < len(candidates); lo += chunkSize {
		if err := ctx.Err(); err != nil {
			return Result{}, fmt.Errorf("ranker: %w: %w", graph.ErrUnavailable, err)
		}
		if !deadline.IsZero() && lo > 0 && r.now().After(deadline) {
			res.Partial = true
			break
		}
		chunk := candidates[lo:min(lo+chunkSize, len(candidates))]
		var wg conc.WaitGroup
		for f := range families {
			fam, out := families[f], totals[f]
			wg.Go(func() {
				for j, x := range chunk {
					out[j] = fam.score(pl, x)
				}
			})
		}
		wg.Wait()
		for j, x := range chunk {
			s := 0.0
			for f := range families {
				s += totals[f][j]
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
