package embedding

import (
	"context"

	"github.com/sourcegraph/conc/pool"
	"gonum.org/v1/gonum/blas/blas32"
)

// propagation holds the matrices of one Compute, each rows × dim, row-major.
type propagation struct {
	g         *adjacency
	dim       int
	seed      uint64
	sparsity  float64
	normalise bool
	workers   int

	prev, next, emb []float32
	partial         [][]float32 // per block: its contributions to the attribute rows
	// kept holds N₁ … N_{K−1} and hubSums the sums of the hub rows (adjacency.hubSlot) before
	// normalisation, K·dim per hub: the state Update starts from.
	kept    [][]float32
	hubSums [][]float64
	// sumNorm[k−1][r] is the L2 norm of row r's neighbour sum at step k (before scaling):
	// how much a neighbour's move turns row r (Update's push estimate).
	sumNorm [][]float32
}

func newPropagation(g *adjacency, o Options) *propagation {
	n := g.l.rows() * o.Dim
	pr := &propagation{
		g: g, dim: o.Dim, seed: o.Seed, sparsity: o.Sparsity, normalise: !o.NoStepNormalise, workers: o.Workers,
		prev: make([]float32, n), next: make([]float32, n), emb: make([]float32, n),
		partial: make([][]float32, len(g.blocks)),
		hubSums: make([][]float64, g.hubs),
	}
	for b := range pr.partial {
		pr.partial[b] = make([]float32, 2*attrCount*o.Dim)
	}
	steps := len(o.Iterations) - 1
	for h := range pr.hubSums {
		pr.hubSums[h] = make([]float64, steps*o.Dim)
	}
	for range steps {
		pr.sumNorm = append(pr.sumNorm, make([]float32, g.l.rows()))
	}
	return pr
}

// run computes emb = Σₖ weights[k]·Nₖ, with every row of emb not yet normalised, and keeps
// N₁ … N_{K−1} (K = len(weights)−1) in kept.
func (pr *propagation) run(ctx context.Context, weights []float64) error {
	alpha := float32(weights[0])
	err := pr.eachBlock(ctx, func(_ int, b block) {
		for r := b.lo; r < b.hi; r++ {
			pr.initRow(r, alpha)
		}
	})
	if err != nil {
		return err
	}
	for r := pr.g.l.firstAttr(); r < pr.g.l.rows(); r++ {
		pr.initRow(r, alpha)
	}
	steps := len(weights) - 1
	for k := 1; k <= steps; k++ {
		if err := pr.step(ctx, k, float32(weights[k])); err != nil {
			return err
		}
		if k == steps {
			break
		}
		// Keep Nₖ; the buffer of N₀ (which Update draws again) serves for Nₖ₊₁.
		pr.kept = append(pr.kept, pr.next)
		spare := pr.prev
		if k > 1 {
			spare = make([]float32, len(pr.next))
		}
		pr.prev, pr.next = pr.next, spare
	}
	return nil
}

// initRow draws row r of N₀ = R and adds alpha·R to the embedding.
func (pr *propagation) initRow(r int, alpha float32) {
	row := pr.row(pr.prev, r)
	randomRow(row, pr.seed, rowKey(pr.g.p, pr.g.l, r), pr.sparsity)
	if alpha != 0 {
		blas32.Axpy(alpha, vec(row), vec(pr.row(pr.emb, r)))
	}
}

// step computes next = Nₖ = S·prev, normalised, and adds alpha·next to the embedding.
func (pr *propagation) step(ctx context.Context, k int, alpha float32) error {
	first, d := pr.g.l.firstAttr(), pr.dim
	err := pr.eachBlock(ctx, func(bi int, b block) {
		part := pr.partial[bi]
		clear(part)
		for r := b.lo; r < b.hi; r++ {
			out, src := pr.row(pr.next, r), vec(pr.row(pr.prev, r))
			clear(out)
			vout := vec(out)
			for t, w := range pr.g.edges(r) {
				blas32.Axpy(w, vec(pr.row(pr.prev, t)), vout)
				if t >= first {
					a := (t - first) * d
					blas32.Axpy(w, src, vec(part[a:a+d:a+d]))
				}
			}
			pr.keepHubSum(r, k, out)
			pr.finish(r, out, alpha)
		}
	})
	if err != nil {
		return err
	}
	// The attribute rows: partial sums added in block order, so the result does not depend
	// on which goroutine ran which block.
	for a := range 2 * attrCount {
		out := pr.row(pr.next, first+a)
		clear(out)
		for _, part := range pr.partial {
			blas32.Axpy(1, vec(part[a*d:(a+1)*d]), vec(out))
		}
		pr.keepHubSum(first+a, k, out)
		pr.finish(first+a, out, alpha)
	}
	return nil
}

// keepHubSum notes the norm of row r's neighbour sum at step k, and copies the sum when r is
// a hub.
func (pr *propagation) keepHubSum(r, k int, sum []float32) {
	pr.sumNorm[k-1][r] = blas32.Nrm2(vec(sum))
	h := pr.g.hubSlot[r]
	if h < 0 {
		return
	}
	dst := pr.hubSums[h][(k-1)*pr.dim : k*pr.dim]
	for j, v := range sum {
		dst[j] = float64(v)
	}
}

// finish turns row r's sum over its neighbours into a row of Nₖ (divided by the degree, then
// L2-normalised unless turned off) and adds alpha times it to the embedding.
func (pr *propagation) finish(r int, out []float32, alpha float32) {
	v := vec(out)
	if inv := pr.g.invDeg[r]; inv == 0 {
		return // no edges: the row stays zero
	} else if inv != 1 {
		blas32.Scal(inv, v)
	}
	if pr.normalise {
		normalise(out)
	}
	if alpha != 0 {
		blas32.Axpy(alpha, v, vec(pr.row(pr.emb, r)))
	}
}

// eachBlock runs fn on every block of product and ingredient rows, on at most pr.workers
// goroutines, and returns ctx.Err() when ctx ends first.
func (pr *propagation) eachBlock(ctx context.Context, fn func(bi int, b block)) error {
	p := pool.New().WithMaxGoroutines(pr.workers).WithContext(ctx).WithCancelOnError().WithFirstError()
	for bi, b := range pr.g.blocks {
		if ctx.Err() != nil {
			break
		}
		p.Go(func(ctx context.Context) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			fn(bi, b)
			return nil
		})
	}
	if err := p.Wait(); err != nil {
		return err
	}
	return ctx.Err()
}

// row returns row r of matrix m, with its capacity cut so that no append can spill over.
func (pr *propagation) row(m []float32, r int) []float32 {
	return m[r*pr.dim : (r+1)*pr.dim : (r+1)*pr.dim]
}

// normalise scales v to unit L2 norm; a zero vector stays zero.
func normalise(v []float32) {
	if n := blas32.Nrm2(vec(v)); n > 0 {
		blas32.Scal(1/n, vec(v))
	}
}

// vec wraps a row for blas32.
func vec(v []float32) blas32.Vector { return blas32.Vector{N: len(v), Inc: 1, Data: v} }
