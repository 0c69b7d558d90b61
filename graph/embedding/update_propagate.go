package embedding

import (
	"context"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/blas/blas32"
)

// propagate computes again the rows of N₁ … N_K and of the embedding that the change reaches
// (Update). It returns why to compute in full instead, or "".
//
// At step k, a row is computed again when its edges changed, or when the moves of its
// neighbours' rows of Nₖ₋₁ could have turned its own row by Tolerance or more since it was
// last computed: a neighbour t that moved by δ over an edge of weight w turns row r by at most
// w·δ/‖Σ‖ (to first order), where ‖Σ‖ is the norm of r's neighbour sum (sumNorm), and these
// bounds add up in pending until they reach the tolerance. A hub's sum is adjusted exactly
// instead. So every row stays within about Tolerance of what its neighbours' rows make it,
// however many updates ran, and the work follows the reach of the change.
func (u *updater) propagate(ctx context.Context) (string, error) {
	o := u.old.opts
	steps := len(o.Iterations) - 1
	first := u.next.l.firstAttr()
	limit := max(u.next.l.rows()/maxUpdateShare, 4096)
	vecRows := map[int]bool{}
	finalN := map[int][]float32{}
	for _, r := range u.touched {
		vecRows[r] = true
	}
	moved := map[int]float64{} // rows whose Nₖ₋₁ moved, by how far
	for k := 1; k <= steps; k++ {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		recompute := map[int]bool{}
		hubs := map[int]bool{}
		for _, r := range u.touched {
			if u.next.hubs[r] != nil {
				hubs[r] = true
			} else {
				recompute[r] = true
			}
		}
		pending, sumNorm := u.next.pending[k-1], u.next.sumNorm[k-1]
		push := func(r int, turn float64) {
			if recompute[r] || turn == 0 {
				return
			}
			if sumNorm[r] == 0 {
				recompute[r] = true
				return
			}
			if p := float64(pending[r]) + turn/float64(sumNorm[r]); p >= o.Tolerance {
				recompute[r] = true
			} else {
				pending[r] = float32(p)
			}
		}
		// Hubs sum their neighbours' moves over unchanged edges (changed edges are in hubDiff
		// already; parallel edges summed).
		unchanged := map[int]map[node]float64{}
		addHub := func(h int, t node, w float32) {
			if u.isDiff(h, t) {
				return
			}
			hubs[h] = true
			if unchanged[h] == nil {
				unchanged[h] = map[node]float64{}
			}
			unchanged[h][t] += float64(w)
		}
		movedAttrs := map[int]float64{}
		for _, t := range sortedRows(moved) {
			dt := moved[t]
			if t >= first {
				movedAttrs[t] = dt
				continue
			}
			tn := u.fromNew(t)
			neighbour := func(r int, w float32) bool {
				if u.next.hubs[r] != nil {
					addHub(r, tn, w)
				} else {
					push(r, float64(w)*dt)
				}
				return true
			}
			if t < u.next.l.products {
				u.ng.productEdges(int32(t), neighbour)
				continue
			}
			i := int32(t - u.next.l.products)
			pos := u.np.UsedByPositions(i)
			for n, y := range u.np.UsedBy(i) {
				push(int(y), u.ng.positionWeight(pos[n])*dt)
			}
			u.ng.ingredientAttrEdges(i, neighbour)
		}
		if len(movedAttrs) > 0 {
			// An attribute has no list of its neighbours: find them among the attribute
			// edges of every product and ingredient.
			if err := u.attrNeighbours(ctx, movedAttrs, push, addHub); err != nil {
				return "", err
			}
		}
		if len(recompute)+len(hubs) > limit {
			u.stats.Recomputed = append(u.stats.Recomputed, len(recompute)+len(hubs))
			return fmt.Sprintf("the change reaches %d of %d rows at step %d", len(recompute)+len(hubs), u.next.l.rows(), k), nil
		}
		u.stats.Recomputed = append(u.stats.Recomputed, len(recompute)+len(hubs))
		next := map[int]float64{}
		settle := func(r int, v []float32) {
			if k == steps {
				finalN[r], vecRows[r] = v, true
				return
			}
			m := u.next.steps[k-1]
			d := distance(m.row(r), v)
			if d == 0 && !u.isNew[r] {
				return
			}
			copy(m.mutRow(r), v)
			vecRows[r] = true
			if !u.isNew[r] {
				next[r] = d
			}
		}
		for n, r := range sortedKeys(recompute) {
			if n%1024 == 0 && ctx.Err() != nil {
				return "", ctx.Err()
			}
			settle(r, u.recompute(k, r))
		}
		for _, h := range sortedKeys(hubs) {
			cs := slices.Clone(u.hubDiff[h])
			for _, t := range sortedNodes(unchanged[h]) {
				w := unchanged[h][t]
				cs = append(cs, contrib{t, w, w})
			}
			settle(h, u.adjustHub(k, h, cs))
		}
		if k < steps {
			u.stats.Moved = append(u.stats.Moved, len(next))
		}
		moved = next
	}
	for _, r := range sortedKeys(vecRows) {
		nK := finalN[r]
		if nK == nil {
			if s := u.next.hubs[r]; s != nil {
				nK = toUnit(s[(steps-1)*u.old.dim : steps*u.old.dim])
			} else {
				nK = u.recompute(steps, r)
			}
		}
		u.embedRow(r, nK)
	}
	u.stats.Vectors = len(vecRows)
	u.stats.CopiedPages = u.next.data.copiedPages()
	for _, m := range u.next.steps {
		u.stats.CopiedPages += m.copiedPages()
	}
	return "", nil
}

// recompute returns row r of Nₖ from its neighbours' rows of Nₖ₋₁, and notes the norm of
// their sum (nothing is pending for r afterwards).
func (u *updater) recompute(k, r int) []float32 {
	v := u.neighbourSum(k, r)
	n := blas32.Nrm2(vec(v))
	u.next.sumNorm[k-1][r], u.next.pending[k-1][r] = n, 0
	if n > 0 {
		blas32.Scal(1/n, vec(v))
	}
	return v
}

// attrNeighbours passes the moves of the attribute rows in attrs on to their neighbours in
// the new version: pushed to products and non-hub ingredients, added to hub ingredients.
func (u *updater) attrNeighbours(ctx context.Context, attrs map[int]float64, push func(int, float64), addHub func(int, node, float32)) error {
	for x := range u.next.l.products {
		if x%4096 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		u.ng.productAttrEdges(int32(x), func(t int, w float32) bool {
			if dt, ok := attrs[t]; ok {
				push(x, float64(w)*dt)
			}
			return true
		})
	}
	for i := range int32(u.next.l.ingredients) {
		r := u.next.l.ingredient(i)
		u.ng.ingredientAttrEdges(i, func(t int, w float32) bool {
			if dt, ok := attrs[t]; ok {
				if u.next.hubs[r] != nil {
					addHub(r, u.fromNew(t), w)
				} else {
					push(r, float64(w)*dt)
				}
			}
			return true
		})
	}
	return nil
}

// isDiff reports whether the edge between hub h and t changed.
func (u *updater) isDiff(h int, t node) bool {
	for _, c := range u.hubDiff[h] {
		if c.t == t {
			return true
		}
	}
	return false
}

// neighbourSum returns Σₜ w·Nₖ₋₁[t] over the edges of non-hub row r in the new version.
func (u *updater) neighbourSum(k, r int) []float32 {
	out := make([]float32, u.old.dim)
	scratch := make([]float32, u.old.dim)
	acc := func(t int, w float32) bool {
		for j, v := range u.prevNew(k, t, scratch) {
			out[j] += w * v
		}
		return true
	}
	if r < u.next.l.products {
		u.ng.productEdges(int32(r), acc)
		return out
	}
	i := int32(r - u.next.l.products)
	for k, y := range u.np.UsedBy(i) {
		if k > 0 && u.np.UsedBy(i)[k-1] == y {
			continue // a label that lists i twice: both uses were summed below
		}
		for _, use := range u.np.Uses(y) {
			if w := u.ng.containsWeight(use); use.Ingredient == i && w > 0 {
				acc(int(y), w)
			}
		}
	}
	u.ng.ingredientAttrEdges(i, acc)
	return out
}

// adjustHub adds the contributions cs to hub h's sum at step k and returns the sum as a unit
// row. next owns the sums it writes (the old embeddings keep theirs).
func (u *updater) adjustHub(k, h int, cs []contrib) []float32 {
	if !u.cloned[h] {
		u.next.hubs[h], u.cloned[h] = slices.Clone(u.next.hubs[h]), true
	}
	d := u.old.dim
	sum := u.next.hubs[h][(k-1)*d : k*d]
	scratch := make([]float32, d)
	for _, c := range cs {
		if c.t.old >= 0 && c.wOld != 0 {
			for j, v := range u.prevOld(k, c.t.old, scratch) {
				sum[j] -= c.wOld * float64(v)
			}
		}
		if c.t.new >= 0 && c.wNew != 0 {
			for j, v := range u.prevNew(k, c.t.new, scratch) {
				sum[j] += c.wNew * float64(v)
			}
		}
	}
	return toUnit(sum)
}

// prevNew returns row t of Nₖ₋₁ in the new version (R for k = 1, drawn into scratch);
// prevOld row t of the old version.
func (u *updater) prevNew(k, t int, scratch []float32) []float32 {
	if k == 1 {
		randomRow(scratch, u.old.opts.Seed, rowKey(u.np, u.next.l, t), u.old.opts.Sparsity)
		return scratch
	}
	return u.next.steps[k-2].row(t)
}

func (u *updater) prevOld(k, t int, scratch []float32) []float32 {
	if k == 1 {
		randomRow(scratch, u.old.opts.Seed, rowKey(u.op, u.old.l, t), u.old.opts.Sparsity)
		return scratch
	}
	return u.old.steps[k-2].row(t)
}

// embedRow computes row r of the embedding from R, the stored N₁ … N_{K−1} and nK.
func (u *updater) embedRow(r int, nK []float32) {
	o, d := u.old.opts, u.old.dim
	sum := make([]float64, d)
	add := func(alpha float64, v []float32) {
		if alpha == 0 {
			return
		}
		for j, x := range v {
			sum[j] += alpha * float64(x)
		}
	}
	if o.Iterations[0] != 0 {
		add(o.Iterations[0], u.prevNew(1, r, make([]float32, d)))
	}
	for k := 1; k < len(o.Iterations)-1; k++ {
		add(o.Iterations[k], u.next.steps[k-1].row(r))
	}
	add(o.Iterations[len(o.Iterations)-1], nK)
	out := u.next.data.mutRow(r)
	copy(out, toUnit(sum))
	u.next.norms[r] = math.Sqrt(sumSquares(out))
}

// toUnit returns v scaled to unit L2 norm as float32 (zero stays zero).
func toUnit(v []float64) []float32 {
	out := make([]float32, len(v))
	n := math.Sqrt(sumSquares64(v))
	if n == 0 {
		return out
	}
	for j, x := range v {
		out[j] = float32(x / n)
	}
	return out
}

// distance is the L2 distance between a and b.
func distance(a, b []float32) float64 {
	s := 0.0
	for j := range a {
		d := float64(a[j]) - float64(b[j])
		s += d * d
	}
	return math.Sqrt(s)
}

func sortedRows(m map[int]float64) []int {
	out := make([]int, 0, len(m))
	for r := range m {
		out = append(out, r)
	}
	slices.Sort(out)
	return out
}

func sortedNodes(m map[node]float64) []node {
	out := make([]node, 0, len(m))
	for t := range m {
		out = append(out, t)
	}
	slices.SortFunc(out, compareNodes)
	return out
}
