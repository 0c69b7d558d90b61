package embedding

import (
	"context"
	"fmt"
	"iter"
	"math"

	"github.com/skingraph/skingraph/graph"
)

// blockWork is the number of edges (plus one per row) after which a block of rows is cut.
// Blocks depend on the projection only, never on the number of workers, so that the order of
// every floating-point sum is fixed.
const blockWork = 1 << 16

// hubDegree is the number of products from which an ingredient counts as a hub: Compute keeps
// the neighbour sums of hubs (and of every attribute row) so that Update adjusts them by the
// few neighbours that changed instead of summing over all of them again.
const hubDegree = 256

// adjacency is the weighted undirected graph of the package comment, read from the
// projection's CSR arrays: product and ingredient rows list their edges directly, attribute
// rows are reached backwards from them.
type adjacency struct {
	p      *graph.Projection
	l      layout
	w      Weights
	usedBy []float32 // weight of UsedBy(i)[k] is usedBy[usedByOff[i]+k]
	usedOf []int32   // usedByOff
	invDeg []float32 // 1 / weighted degree of each row, 0 for a row without edges
	blocks []block
	// hubSlot numbers the hub rows (every attribute row, and the ingredients used by at least
	// hubDegree products) from 0 in row order; -1 for the other rows. hubs counts them.
	hubSlot []int32
	hubs    int
}

// block is a range of product and ingredient rows processed by one goroutine.
type block struct{ lo, hi int }

// newAdjacency derives the edge weights of the ingredient rows, the degrees and the blocks.
func newAdjacency(ctx context.Context, p *graph.Projection, w Weights) (*adjacency, error) {
	g := &adjacency{p: p, l: newLayout(p), w: w}
	if err := g.fillUsedBy(ctx); err != nil {
		return nil, err
	}
	deg := make([]float64, g.l.rows())
	first := g.l.firstAttr()
	work, start := 0, 0
	for r := range g.l.firstAttr() {
		if r%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		work++
		for t, wt := range g.edges(r) {
			deg[r] += float64(wt)
			if t >= first {
				deg[t] += float64(wt)
			}
			work++
		}
		if work >= blockWork {
			g.blocks, start, work = append(g.blocks, block{start, r + 1}), r+1, 0
		}
	}
	if first > start {
		g.blocks = append(g.blocks, block{start, first})
	}
	g.hubSlot = make([]int32, g.l.rows())
	for r := range g.hubSlot {
		g.hubSlot[r] = -1
		if r >= first || (r >= g.l.products && len(p.UsedBy(int32(r-g.l.products))) >= hubDegree) {
			g.hubSlot[r] = int32(g.hubs)
			g.hubs++
		}
	}
	g.invDeg = make([]float32, len(deg))
	for r, d := range deg {
		if d > 0 {
			g.invDeg[r] = float32(1 / d)
		}
	}
	return g, nil
}

// fillUsedBy lays out the CONTAINS weights in the order of p.UsedBy, walking the products in
// ascending order as the projection builder does.
func (g *adjacency) fillUsedBy(ctx context.Context) error {
	p := g.p
	g.usedOf = make([]int32, len(p.Ingredients)+1)
	for i := range p.Ingredients {
		g.usedOf[i+1] = g.usedOf[i] + int32(len(p.UsedBy(int32(i))))
	}
	g.usedBy = make([]float32, g.usedOf[len(p.Ingredients)])
	next := append([]int32(nil), g.usedOf[:len(p.Ingredients)]...)
	for x := range p.Products {
		if x%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		for _, u := range p.Uses(int32(x)) {
			k := next[u.Ingredient]
			if used := p.UsedBy(u.Ingredient); int(k-g.usedOf[u.Ingredient]) >= len(used) || used[k-g.usedOf[u.Ingredient]] != int32(x) {
				return fmt.Errorf("embedding: projection is inconsistent: product %d is not where UsedBy(%d) lists it", x, u.Ingredient)
			}
			g.usedBy[k] = g.containsWeight(u)
			next[u.Ingredient]++
		}
	}
	return nil
}

// edges yields the neighbours of product or ingredient row r with their weights (never zero).
// Attribute rows have no list of their own: their edges are the attribute neighbours yielded
// here.
// It is small enough to be inlined, so that ranging over it allocates nothing.
func (g *adjacency) edges(r int) iter.Seq2[int, float32] {
	return func(yield func(int, float32) bool) {
		if r < g.l.products {
			g.productEdges(int32(r), yield)
		} else {
			g.ingredientEdges(int32(r-g.l.products), yield)
		}
	}
}

// productEdges yields the edges of product x until yield returns false.
func (g *adjacency) productEdges(x int32, yield func(int, float32) bool) {
	for _, u := range g.p.Uses(x) {
		if w := g.containsWeight(u); w > 0 && !yield(g.l.ingredient(u.Ingredient), w) {
			return
		}
	}
	g.productAttrEdges(x, yield)
}

// productAttrEdges yields the CLAIMS, SUITS and outcome edges of product x (to attribute rows)
// until yield returns false; it reports whether yield always returned true.
func (g *adjacency) productAttrEdges(x int32, yield func(int, float32) bool) bool {
	prod := &g.p.Products[x]
	if w := float32(g.w.Claims); w > 0 {
		for _, c := range prod.Claims {
			if t := g.l.attr(graph.Attr{Kind: graph.AttrConcern, ID: c}, false); t >= 0 && !yield(t, w) {
				return false
			}
		}
	}
	if w := float32(g.w.Suits); w > 0 {
		for _, s := range prod.Suits {
			if t := g.l.attr(graph.Attr{Kind: graph.AttrSkinType, ID: s}, false); t >= 0 && !yield(t, w) {
				return false
			}
		}
	}
	for _, o := range g.p.Outcomes(x) {
		if t, w := g.outcomeEdge(o); t >= 0 && w > 0 && !yield(t, w) {
			return false
		}
	}
	return true
}

// ingredientEdges yields the edges of ingredient i until yield returns false.
func (g *adjacency) ingredientEdges(i int32, yield func(int, float32) bool) {
	ws := g.usedBy[g.usedOf[i]:g.usedOf[i+1]]
	for k, y := range g.p.UsedBy(i) {
		if ws[k] > 0 && !yield(int(y), ws[k]) {
			return
		}
	}
	g.ingredientAttrEdges(i, yield)
}

// ingredientAttrEdges yields the TREATS and AGGRAVATES edges of ingredient i (to attribute
// rows) until yield returns false; it reports whether yield always returned true.
func (g *adjacency) ingredientAttrEdges(i int32, yield func(int, float32) bool) bool {
	for _, t := range g.p.Treats(i) {
		a := g.l.attr(graph.Attr{Kind: graph.AttrConcern, ID: t.Concern}, false)
		if w := float32(g.w.Treats * t.Efficacy); a >= 0 && w > 0 && !yield(a, w) {
			return false
		}
	}
	for _, ag := range g.p.Aggravations(i) {
		a := g.l.attr(ag.Attr, true)
		if w := float32(g.w.Aggravates * ag.Severity); a >= 0 && w > 0 && !yield(a, w) {
			return false
		}
	}
	return true
}

// containsWeight weighs a CONTAINS edge by its label position.
func (g *adjacency) containsWeight(u graph.Use) float32 {
	w := g.w.Contains
	if u.MayContain {
		w = g.w.MayContain
	}
	return float32(w / math.Sqrt(float64(max(u.Position, 1))))
}

// positionWeight bounds the weight of a CONTAINS edge from its UsedByPositions entry
// (negative for "may contain"; 0 could be either, so it takes the larger weight).
func (g *adjacency) positionWeight(pos int16) float64 {
	switch {
	case pos < 0:
		return g.w.MayContain / math.Sqrt(float64(-pos))
	case pos == 0:
		return max(g.w.Contains, g.w.MayContain)
	}
	return g.w.Contains / math.Sqrt(float64(pos))
}

// outcomeEdge returns the row and weight of an outcome aggregate's edge: to the favourable node
// when people with the attribute rated the product above 3, to the adverse one below.
func (g *adjacency) outcomeEdge(o graph.OutcomeStats) (int, float32) {
	if o.Count <= 0 || math.IsNaN(o.MeanRating) || o.MeanRating == 3 {
		return -1, 0
	}
	lean := min(math.Abs(o.MeanRating-3)/2, 1)
	return g.l.attr(o.Attr, o.MeanRating < 3), float32(g.w.Outcomes * math.Log1p(float64(o.Count)) * lean)
}
