package embedding

import (
	"context"
	"hash/fnv"
	"math"

	"github.com/sourcegraph/conc/pool"
	"gonum.org/v1/gonum/blas/blas32"

	"github.com/skingraph/skingraph/graph"
)

// ReviewEmbeddings are FastRP vectors of a projection's products over its review graph rather
// than its ingredient graph: the bipartite graph of the products and the reviewers who rated
// them graph.CoReviewMinRating (4) or more (Projection.CoReviewers), every edge of weight 1,
// reviewers with more than graph.MaxReviewerFanout such products left out (as in the co-review
// lists). Products reviewed positively by the same people get nearby vectors: two hops link
// products through a shared reviewer, four through a reviewer who shares a product with
// someone who liked the other. The algorithm is Compute's (the package comment) on that graph:
// S = D⁻¹A, Nₖ = normalise(S·Nₖ₋₁), E = normalise(Σₖ Iterations[k]·Nₖ), each row of R drawn
// from Options.Seed and the node's id (product id, or reviewer id with its own prefix), so the
// result is deterministic and does not depend on Options.Workers. Options.Weights and
// Options.Tolerance do not apply; the review ages are not used (the projection keeps them
// per product, not per reviewer). ComputeReviews has no incremental update: it is recomputed
// from the projection, in O(Dim · positive reviews) per step.
type ReviewEmbeddings struct {
	version  graph.DataVersion
	dim      int
	products int
	data     []float32 // products × dim
}

// ComputeReviews computes the review-graph embeddings of p's products (ReviewEmbeddings). It
// returns an error wrapping graph.ErrInvalid for options out of range and ctx.Err() when ctx
// ends first.
func ComputeReviews(ctx context.Context, p *graph.Projection, opts Options) (*ReviewEmbeddings, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	nP, dim := len(p.Products), opts.Dim
	// Reviewer rows: the reviewers of at most MaxReviewerFanout positive products, numbered in
	// reviewer order after the products; itemOf lists each one's products (CSR, ascending).
	rowOf := make([]int32, p.NumReviewers())
	nR := 0
	for u := range rowOf {
		rowOf[u] = -1
		if f := p.ReviewerFanout(int32(u)); f > 0 && f <= graph.MaxReviewerFanout {
			rowOf[u] = int32(nP + nR)
			nR++
		}
	}
	itemOff := make([]int32, nR+1)
	for x := range nP {
		for _, u := range p.CoReviewers(int32(x)) {
			if r := rowOf[u]; r >= 0 {
				itemOff[int(r)-nP+1]++
			}
		}
	}
	for i := 1; i <= nR; i++ {
		itemOff[i] += itemOff[i-1]
	}
	items := make([]int32, itemOff[nR])
	fill := append([]int32(nil), itemOff[:nR]...)
	for x := range nP {
		for _, u := range p.CoReviewers(int32(x)) {
			if r := rowOf[u]; r >= 0 {
				items[fill[int(r)-nP]] = int32(x)
				fill[int(r)-nP]++
			}
		}
	}
	rows := nP + nR
	// neighbours returns row r's neighbour rows in a fixed order.
	neighbours := func(r int, yield func(int32)) {
		if r < nP {
			for _, u := range p.CoReviewers(int32(r)) {
				if t := rowOf[u]; t >= 0 {
					yield(t)
				}
			}
			return
		}
		for _, x := range items[itemOff[r-nP]:itemOff[r-nP+1]] {
			yield(x)
		}
	}

	prev, next, emb := make([]float32, rows*dim), make([]float32, rows*dim), make([]float32, nP*dim)
	row := func(m []float32, r int) []float32 { return m[r*dim : (r+1)*dim : (r+1)*dim] }
	reviewerIDs := make([]string, nR)
	for u, r := range rowOf {
		if r >= 0 {
			reviewerIDs[int(r)-nP] = p.ReviewerID(int32(u))
		}
	}
	key := func(r int) uint64 {
		h := fnv.New64a()
		if r < nP {
			h.Write([]byte{'p', 0})
			h.Write([]byte(p.Products[r].ID))
		} else {
			h.Write([]byte{'u', 0})
			h.Write([]byte(reviewerIDs[r-nP]))
		}
		return h.Sum64()
	}
	// Chunks of rows, each written by one goroutine: the result does not depend on the workers.
	const chunk = 4096
	each := func(fn func(r int)) error {
		pl := pool.New().WithMaxGoroutines(opts.Workers).WithContext(ctx).WithCancelOnError().WithFirstError()
		for lo := 0; lo < rows; lo += chunk {
			pl.Go(func(ctx context.Context) error {
				if err := ctx.Err(); err != nil {
					return err
				}
				for r := lo; r < min(lo+chunk, rows); r++ {
					fn(r)
				}
				return nil
			})
		}
		if err := pl.Wait(); err != nil {
			return err
		}
		return ctx.Err()
	}
	addTo := func(r int, v []float32, alpha float64) {
		if r < nP && alpha != 0 {
			blas32.Axpy(float32(alpha), vec(v), vec(row(emb, r)))
		}
	}
	err := each(func(r int) {
		v := row(prev, r)
		randomRow(v, opts.Seed, key(r), opts.Sparsity)
		addTo(r, v, opts.Iterations[0])
	})
	if err != nil {
		return nil, err
	}
	for k := 1; k < len(opts.Iterations); k++ {
		err := each(func(r int) {
			out := row(next, r)
			clear(out)
			n := 0
			neighbours(r, func(t int32) {
				blas32.Axpy(1, vec(row(prev, int(t))), vec(out))
				n++
			})
			if n == 0 {
				return
			}
			blas32.Scal(1/float32(n), vec(out))
			if !opts.NoStepNormalise {
				normalise(out)
			}
			addTo(r, out, opts.Iterations[k])
		})
		if err != nil {
			return nil, err
		}
		prev, next = next, prev
	}
	for x := range nP {
		normalise(row(emb, x))
	}
	return &ReviewEmbeddings{version: p.Version, dim: dim, products: nP, data: emb}, nil
}

// Version returns the data version of the projection the embeddings were computed from.
func (e *ReviewEmbeddings) Version() graph.DataVersion { return e.version }

// Dim returns the dimension of the vectors.
func (e *ReviewEmbeddings) Dim() int { return e.dim }

// NumProducts returns the number of products; their ids are 0 to NumProducts()-1.
func (e *ReviewEmbeddings) NumProducts() int { return e.products }

// Product returns the vector of product x (unit length, or zero for a product without
// positive reviews), or nil when x is not a product id of the projection. The slice must not
// be modified.
func (e *ReviewEmbeddings) Product(x int32) []float32 {
	if x < 0 || int(x) >= e.products {
		return nil
	}
	return e.data[int(x)*e.dim : (int(x)+1)*e.dim : (int(x)+1)*e.dim]
}

// WeightedCentroid returns Σ weight(x)·Product(x) over the products, L2-normalised: the
// direction of a weighted set of products (weight 0 leaves a product out). It returns nil
// when the sum is zero.
func (e *ReviewEmbeddings) WeightedCentroid(weight func(x int32) float64) []float32 {
	sum := make([]float64, e.dim)
	for x := range int32(e.products) {
		w := weight(x)
		if w == 0 {
			continue
		}
		for k, v := range e.Product(x) {
			sum[k] += w * float64(v)
		}
	}
	n := math.Sqrt(sumSquares64(sum))
	if n == 0 {
		return nil
	}
	c := make([]float32, e.dim)
	for k, v := range sum {
		c[k] = float32(v / n)
	}
	return c
}
