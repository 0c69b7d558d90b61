package embedding

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// UpdateStats describes one Update.
type UpdateStats struct {
	// Full says Update computed the embeddings in full (Compute), for Reason.
	Full   bool
	Reason string
	// ChangedEdges counts the edges added, removed or reweighted by the change.
	ChangedEdges int
	// Recomputed counts, for each step k = 1 … K, the rows of Nₖ computed again; Moved the
	// rows of N₁ … N_{K−1} that moved by Options.Tolerance or more (and were passed on).
	Recomputed, Moved []int
	// Vectors counts the rows of the embedding computed again.
	Vectors int
	// CopiedPages counts the matrix pages copied (the rest is shared with the old embeddings).
	CopiedPages int
	Took        time.Duration
}

// maxUpdateShare: when a step would compute more than 1/maxUpdateShare of the rows again,
// Update computes everything instead (a change that reaches that far costs about as much).
const maxUpdateShare = 2

// Update returns the embeddings of q, a later version of the projection e was computed for
// in which only the products and ingredients named (product ids, INCI names; as a
// graph.Delta lists them) changed. e is not changed, and the result shares with it the
// pages of rows the change does not reach.
//
// It propagates the change push-style from the edges that changed (propagate has the
// details): at each step k it computes again the rows of Nₖ whose edges changed, and the rows
// whose neighbours' rows of Nₖ₋₁ moved enough (by the bounds it keeps per row) to turn them by
// Options.Tolerance; a hub row (an attribute, or an ingredient of at least hubDegree products)
// is adjusted exactly by the neighbours that changed, from the neighbour sum Compute kept,
// rather than summed again. The work follows the reach of the change, not the size of the
// graph: a rating moves its product's row and, by about 1/degree, its ingredients' and its
// skin attributes'. The result is a deterministic function of e, q and the ids, and differs
// from Compute(q) by what the tolerance leaves pending: TestUpdateMatchesCompute bounds it,
// and BenchmarkUpdateSequence measures it. Update computes in full when the steps are not
// normalised, when there is no step, or when a step would reach more than half of the rows. It returns ctx.Err()
// when ctx ends first.
func (e *Embeddings) Update(ctx context.Context, q *graph.Projection, products, ingredients []string) (*Embeddings, UpdateStats, error) {
	start := time.Now()
	var u *updater
	full := func(reason string) (*Embeddings, UpdateStats, error) {
		n, err := Compute(ctx, q, e.opts)
		var st UpdateStats
		if u != nil {
			st = u.stats // what the incremental attempt saw
		}
		st.Full, st.Reason, st.Took = true, reason, time.Since(start)
		return n, st, err
	}
	if e.p == nil {
		return nil, UpdateStats{}, fmt.Errorf("embedding: update: %w: the embeddings were not computed from a projection", graph.ErrInvalid)
	}
	switch {
	case e.opts.NoStepNormalise:
		return full("steps are not normalised")
	case len(e.opts.Iterations) < 2:
		return full("no propagation step")
	}
	u = newUpdater(e, q, products, ingredients)
	if err := u.diffEdges(ctx); err != nil {
		return nil, UpdateStats{}, err
	}
	reason, err := u.propagate(ctx)
	if err != nil {
		return nil, UpdateStats{}, err
	}
	if reason != "" {
		return full(reason)
	}
	u.stats.Took = time.Since(start)
	return u.next, u.stats, nil
}

// node is one node of the graph in both versions: its row in the old layout and in the new
// one, -1 where it does not exist.
type node struct{ old, new int }

// edgeDiff is one changed edge: its ends and its weight (the sum over the parallel edges
// between them) before and after.
type edgeDiff struct {
	a, b       node
	wOld, wNew float64
}

// contrib is one neighbour's part in an adjustment of a hub's sum: −wOld·old + wNew·new.
type contrib struct {
	t          node
	wOld, wNew float64
}

type updater struct {
	old, next          *Embeddings
	op, np             *graph.Projection
	og, ng             *adjacency // the edges of each version (no CONTAINS weights of their own)
	newToOld, oldToNew []int32    // nil when every row keeps its position
	products           []string
	ingredients        []string

	diffs     []edgeDiff
	touched   []int // new rows whose edges changed, or that are new, ascending
	isNew     map[int]bool
	hubDiff   map[int][]contrib // hub row → its changed edges
	diffPairs map[[2]node]bool  // the ends of every changed edge, both ways
	cloned    map[int]bool      // hubs whose sums next owns
	// hubIngredients lists the hub rows that are ingredients, ascending.
	hubIngredients []int
	stats          UpdateStats
}

func newUpdater(e *Embeddings, q *graph.Projection, products, ingredients []string) *updater {
	u := &updater{old: e, op: e.p, np: q, products: products, ingredients: ingredients,
		isNew: map[int]bool{}, hubDiff: map[int][]contrib{}, diffPairs: map[[2]node]bool{}, cloned: map[int]bool{}}
	u.og = &adjacency{p: e.p, l: e.l, w: e.opts.Weights}
	u.ng = &adjacency{p: q, l: newLayout(q), w: e.opts.Weights}
	if u.shifted() {
		u.mapRows()
	}
	n := &Embeddings{version: q.Version, dim: e.dim, l: u.ng.l, p: q, opts: e.opts, hubs: make(map[int][]float64, len(e.hubs))}
	if u.newToOld == nil {
		n.data, n.norms = e.data.cow(), slices.Clone(e.norms)
		for _, m := range e.steps {
			n.steps = append(n.steps, m.cow())
		}
	} else {
		n.data, n.norms = e.data.remap(u.newToOld), make([]float64, n.l.rows())
		for r, o := range u.newToOld {
			if o >= 0 {
				n.norms[r] = e.norms[o]
			}
		}
		for _, m := range e.steps {
			n.steps = append(n.steps, m.remap(u.newToOld))
		}
	}
	for k := range e.sumNorm {
		pend := make([]float32, n.l.rows())
		if u.newToOld == nil {
			n.sumNorm = append(n.sumNorm, slices.Clone(e.sumNorm[k]))
			if e.pending != nil {
				copy(pend, e.pending[k])
			}
		} else {
			sn := make([]float32, n.l.rows())
			for r, o := range u.newToOld {
				if o >= 0 {
					sn[r] = e.sumNorm[k][o]
					if e.pending != nil {
						pend[r] = e.pending[k][o]
					}
				}
			}
			n.sumNorm = append(n.sumNorm, sn)
		}
		n.pending = append(n.pending, pend)
	}
	for r, s := range e.hubs {
		if nr := u.toNew(r); nr >= 0 {
			n.hubs[nr] = s // shared until written (adjustHub)
			if nr < n.l.firstAttr() {
				u.hubIngredients = append(u.hubIngredients, nr)
			}
		}
	}
	slices.Sort(u.hubIngredients)
	for k := range len(e.opts.Iterations) - 2 {
		d := make([]float64, 2*attrCount)
		if e.deferred != nil {
			copy(d, e.deferred[k])
		}
		n.deferred = append(n.deferred, d)
	}
	u.next = n
	return u
}

// shifted reports whether some product or ingredient appears or goes, so that the dense ids
// (and rows) of others move.
func (u *updater) shifted() bool {
	if len(u.op.Products) != len(u.np.Products) || len(u.op.Ingredients) != len(u.np.Ingredients) {
		return true
	}
	for _, id := range u.products {
		if a, b := u.oldProduct(id), u.newProduct(id); a != b {
			return true
		}
	}
	for _, inci := range u.ingredients {
		if a, b := u.oldIngredient(inci), u.newIngredient(inci); a != b {
			return true
		}
	}
	return false
}

// mapRows numbers the rows of each version in the other, by product id and INCI name.
func (u *updater) mapRows() {
	ol, nl := u.og.l, u.ng.l
	u.newToOld, u.oldToNew = make([]int32, nl.rows()), make([]int32, ol.rows())
	for r := range u.oldToNew {
		u.oldToNew[r] = -1
	}
	for x, p := range u.np.Products {
		u.newToOld[x] = int32(u.oldProduct(p.ID))
	}
	for i, ing := range u.np.Ingredients {
		u.newToOld[nl.ingredient(int32(i))] = int32(u.oldIngredient(ing.INCI))
	}
	for a := range 2 * attrCount {
		u.newToOld[nl.firstAttr()+a] = int32(ol.firstAttr() + a)
	}
	for r, o := range u.newToOld {
		if o >= 0 {
			u.oldToNew[o] = int32(r)
		}
	}
}

// oldProduct returns the old row of product id, -1 if none; newProduct the new one; and the
// same for ingredients.
func (u *updater) oldProduct(id string) int {
	if x, ok := u.op.ProductIndex(id); ok {
		return int(x)
	}
	return -1
}

func (u *updater) newProduct(id string) int {
	if x, ok := u.np.ProductIndex(id); ok {
		return int(x)
	}
	return -1
}

func (u *updater) oldIngredient(inci string) int {
	if i, ok := u.op.IngredientIndex(inci); ok {
		return u.og.l.ingredient(i)
	}
	return -1
}

func (u *updater) newIngredient(inci string) int {
	if i, ok := u.np.IngredientIndex(inci); ok {
		return u.ng.l.ingredient(i)
	}
	return -1
}

func (u *updater) toNew(old int) int {
	if u.oldToNew == nil {
		return old
	}
	return int(u.oldToNew[old])
}

func (u *updater) toOld(r int) int {
	if u.newToOld == nil {
		return r
	}
	return int(u.newToOld[r])
}

func (u *updater) fromOld(r int) node { return node{r, u.toNew(r)} }
func (u *updater) fromNew(r int) node { return node{u.toOld(r), r} }

// weighted is one edge end with its weight, for diffing.
type weighted struct {
	t node
	w float64
}

// diffEdges finds the edges that changed: those of the products named, of the products of
// ingredients that appear or go, and the TREATS and AGGRAVATES edges of the ingredients named.
func (u *updater) diffEdges(ctx context.Context) error {
	seen := map[node]bool{}
	var cands []node
	add := func(n node) {
		if (n.old >= 0 || n.new >= 0) && !seen[n] {
			seen[n] = true
			cands = append(cands, n)
		}
	}
	for _, id := range u.products {
		add(node{u.oldProduct(id), u.newProduct(id)})
	}
	for _, inci := range u.ingredients {
		o, n := u.oldIngredient(inci), u.newIngredient(inci)
		if (o < 0) == (n < 0) {
			continue
		}
		if o >= 0 {
			for _, x := range u.op.UsedBy(int32(o - u.og.l.products)) {
				add(u.fromOld(int(x)))
			}
		}
		if n >= 0 {
			for _, y := range u.np.UsedBy(int32(n - u.ng.l.products)) {
				add(u.fromNew(int(y)))
			}
		}
	}
	var before, after []weighted
	for k, c := range cands {
		if k%1024 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		before, after = before[:0], after[:0]
		if c.old >= 0 {
			u.og.productEdges(int32(c.old), func(t int, w float32) bool {
				before = append(before, weighted{u.fromOld(t), float64(w)})
				return true
			})
		}
		if c.new >= 0 {
			u.ng.productEdges(int32(c.new), func(t int, w float32) bool {
				after = append(after, weighted{u.fromNew(t), float64(w)})
				return true
			})
		}
		u.diff(c, before, after)
	}
	for _, inci := range u.ingredients {
		c := node{u.oldIngredient(inci), u.newIngredient(inci)}
		before, after = before[:0], after[:0]
		if c.old >= 0 {
			u.og.ingredientAttrEdges(int32(c.old-u.og.l.products), func(t int, w float32) bool {
				before = append(before, weighted{u.fromOld(t), float64(w)})
				return true
			})
		}
		if c.new >= 0 {
			u.ng.ingredientAttrEdges(int32(c.new-u.ng.l.products), func(t int, w float32) bool {
				after = append(after, weighted{u.fromNew(t), float64(w)})
				return true
			})
		}
		u.diff(c, before, after)
	}
	// The rows whose edges changed, and the new rows (whose R enters the embedding even
	// without edges).
	rows := map[int]bool{}
	for _, d := range u.diffs {
		u.diffPairs[[2]node{d.a, d.b}], u.diffPairs[[2]node{d.b, d.a}] = true, true
		for _, n := range []node{d.a, d.b} {
			if n.new >= 0 {
				rows[n.new] = true
			}
		}
		for _, ends := range [][2]node{{d.a, d.b}, {d.b, d.a}} {
			if h := ends[0].new; h >= 0 && u.next.hubs[h] != nil {
				u.hubDiff[h] = append(u.hubDiff[h], contrib{ends[1], d.wOld, d.wNew})
			}
		}
	}
	for r, o := range u.newToOld { // nil when no row is new
		if o < 0 {
			rows[r], u.isNew[r] = true, true
		}
	}
	u.touched = sortedKeys(rows)
	u.stats.ChangedEdges = len(u.diffs)
	return nil
}

// diff records the edges of a that differ between before and after (sums over parallel edges).
func (u *updater) diff(a node, before, after []weighted) {
	sum := func(es []weighted) map[node]float64 {
		m := make(map[node]float64, len(es))
		for _, e := range es {
			m[e.t] += e.w
		}
		return m
	}
	b, f := sum(before), sum(after)
	var ends []node
	for t := range b {
		ends = append(ends, t)
	}
	for t := range f {
		if _, ok := b[t]; !ok {
			ends = append(ends, t)
		}
	}
	slices.SortFunc(ends, compareNodes)
	for _, t := range ends {
		if b[t] != f[t] {
			u.diffs = append(u.diffs, edgeDiff{a, t, b[t], f[t]})
		}
	}
}

func compareNodes(a, b node) int {
	if a.new != b.new {
		return a.new - b.new
	}
	return a.old - b.old
}

func sortedKeys(m map[int]bool) []int {
	out := make([]int, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}
