package embedding

import (
	"context"
	"fmt"
	"maps"
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
// instead. The moves of a skin attribute row (a few hundredths of a tolerance per rating,
// over tens of thousands of neighbours, found by scanning every product) are added up in
// deferred and passed on once they reach a quarter of the tolerance. So every row stays
// within about Tolerance of what its neighbours' rows make it, however many updates ran,
// and the work follows the reach of the change.
func (u *updater) propagate(ctx context.Context) (string, error) {
	o := u.old.opts
	steps := len(o.Iterations) - 1
	rows := u.next.l.rows()
	first := u.next.l.firstAttr()
	limit := max(rows/maxUpdateShare, 4096)
	vecRows := newRowSet(rows)
	finalN := map[int][]float32{}
	for _, r := range u.touched {
		vecRows.add(r)
	}
	moved := newRowSet(rows) // rows whose Nₖ₋₁ moved, with how far
	for k := 1; k <= steps; k++ {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		recompute := newRowSet(rows)
		hubs := map[int][]contrib{} // hub → its changed edges and the moves of its neighbours
		for _, r := range u.touched {
			if u.next.hubs[r] != nil {
				hubs[r] = slices.Clone(u.hubDiff[r])
			} else {
				recompute.add(r)
			}
		}
		pending, sumNorm := u.next.pending[k-1], u.next.sumNorm[k-1]
		push := func(r int, turn float64) {
			if recompute.has(r) || turn == 0 {
				return
			}
			if sumNorm[r] == 0 {
				recompute.add(r)
				return
			}
			if p := float64(pending[r]) + turn/float64(sumNorm[r]); p >= o.Tolerance {
				recompute.add(r)
			} else {
				pending[r] = float32(p)
			}
		}
		// A neighbour t's move over an unchanged edge of weight w adds w·(new − old) to a hub's
		// sum (changed edges are in hubDiff already; parallel edges add up alike).
		addHub := func(h int, t node, w float32) {
			if !u.diffPairs[[2]node{u.fromNew(h), t}] {
				hubs[h] = append(hubs[h], contrib{t, float64(w), float64(w)})
			}
		}
		var deferred []float64
		if k >= 2 {
			deferred = u.next.deferred[k-2]
		}
		flush := map[int]float64{}
		for _, t := range moved.sorted() {
			dt := moved.val[t]
			if t >= first {
				tn := u.fromNew(t)
				for _, h := range u.hubIngredients {
					u.ng.ingredientAttrEdges(int32(h-u.next.l.products), func(r int, w float32) bool {
						if r == t {
							addHub(h, tn, w)
						}
						return true
					})
				}
				a := t - first
				if deferred[a] += dt; deferred[a] >= o.Tolerance/4 {
					flush[t], deferred[a] = deferred[a], 0
				}
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
		if len(flush) > 0 {
			if err := u.attrNeighbours(ctx, flush, push); err != nil {
				return "", err
			}
		}
		if recompute.len()+len(hubs) > limit {
			u.stats.Recomputed = append(u.stats.Recomputed, recompute.len()+len(hubs))
			return fmt.Sprintf("the change reaches %d of %d rows at step %d", recompute.len()+len(hubs), rows, k), nil
		}
		u.stats.Recomputed = append(u.stats.Recomputed, recompute.len()+len(hubs))
		next := newRowSet(rows)
		settle := func(r int, v []float32) {
			if k == steps {
				finalN[r] = v
				vecRows.add(r)
				return
			}
			m := u.next.steps[k-1]
			d := distance(m.row(r), v)
			if d == 0 && !u.isNew[r] {
				return
			}
			copy(m.mutRow(r), v)
			vecRows.add(r)
			if !u.isNew[r] {
				next.set(r, d)
			}
		}
		for n, r := range recompute.sorted() {
			if n%1024 == 0 && ctx.Err() != nil {
				return "", ctx.Err()
			}
			settle(r, u.recompute(k, r))
		}
		for _, h := range slices.Sorted(maps.Keys(hubs)) {
			settle(h, u.adjustHub(k, h, hubs[h]))
		}
		if k < steps {
			u.stats.Moved = append(u.stats.Moved, next.len())
		}
		moved = next
	}
	for _, r := range vecRows.sorted() {
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
	u.stats.Vectors = vecRows.len()
	u.stats.CopiedPages = u.next.data.copiedPages()
	for _, m := range u.next.steps {
		u.stats.CopiedPages += m.copiedPages()
	}
	return "", nil
}

// rowSet is a set of rows with a value each, for the rows of one update step.
type rowSet struct {
	in   []bool
	val  []float64
	list []int
}

func newRowSet(rows int) *rowSet { return &rowSet{in: make([]bool, rows)} }

func (s *rowSet) add(r int) {
	if !s.in[r] {
		s.in[r] = true
		s.list = append(s.list, r)
	}
}

func (s *rowSet) set(r int, v float64) {
	if s.val == nil {
		s.val = make([]float64, len(s.in))
	}
	s.add(r)
	s.val[r] = v
}

func (s *rowSet) has(r int) bool { return s.in[r] }
func (s *rowSet) len() int       { return len(s.list) }

// sorted returns the rows in ascending order.
func (s *rowSet) sorted() []int {
	slices.Sort(s.list)
	return s.list
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

// attrNeighbours passes the (deferred) moves of the attribute rows in attrs on to the products
// and non-hub ingredients they are edges of, in the new version; hub ingredients had them
// added to their sums as they came.
func (u *updater) attrNeighbours(ctx context.Context, attrs map[int]float64, push func(int, float64)) error {
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
		if u.next.hubs[r] != nil {
			continue
		}
		u.ng.ingredientAttrEdges(i, func(t int, w float32) bool {
			if dt, ok := attrs[t]; ok {
				push(r, float64(w)*dt)
			}
			return true
		})
	}
	return nil
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
	scratch, scratch2 := make([]float32, d), make([]float32, d)
	for _, c := range cs {
		if c.wOld == c.wNew && c.t.old >= 0 && c.t.new >= 0 {
			// A neighbour's move over an unchanged edge: one pass over both rows.
			ov, nv := u.prevOld(k, c.t.old, scratch), u.prevNew(k, c.t.new, scratch2)
			for j := range sum {
				sum[j] += c.wNew * (float64(nv[j]) - float64(ov[j]))
			}
			continue
		}
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
