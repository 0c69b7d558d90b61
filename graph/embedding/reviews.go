package embedding

import (
	"cmp"
	"context"
	"hash/fnv"
	"slices"

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
	var edges []ReviewEdge
	for x := range int32(len(p.Products)) {
		for _, u := range p.CoReviewers(x) {
			edges = append(edges, ReviewEdge{Reviewer: p.ReviewerID(u), Product: x, Weight: 1})
		}
	}
	return ComputeReviewEdges(ctx, p, edges, opts)
}

// ReviewEdge is one weighted reviewer-product edge for ComputeReviewEdges.
type ReviewEdge struct {
	Reviewer string
	Product  int32 // dense product id of the projection
	Weight   float64
}

// ComputeReviewEdges is ComputeReviews over given edges instead of the projection's reviewer
// lists (for example positive reviews weighted by their age): the edges of one reviewer and
// product are summed, edges of weight 0 left out, reviewers of more than
// graph.MaxReviewerFanout products left out, and S = D⁻¹A uses the weighted degrees. It
// returns an error wrapping graph.ErrInvalid naming the first edge whose product is not one
// of p's or whose weight is not a finite number >= 0.
func ComputeReviewEdges(ctx context.Context, p *graph.Projection, edges []ReviewEdge, opts Options) (*ReviewEmbeddings, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	nP, dim := len(p.Products), opts.Dim
	for i, e := range edges {
		switch {
		case e.Product < 0 || int(e.Product) >= nP:
			return nil, invalid("review edge %d: product %d is not a product of the projection (0 to %d)", i, e.Product, nP-1)
		case !finiteNonNegative(e.Weight):
			return nil, invalid("review edge %d: weight %v, want a finite number >= 0", i, e.Weight)
		}
	}
	// Sum the edges of each (reviewer, product); number the reviewers of at most
	// MaxReviewerFanout products in id order after the products.
	sorted := slices.Clone(edges)
	slices.SortFunc(sorted, func(a, b ReviewEdge) int {
		return cmp.Or(cmp.Compare(a.Reviewer, b.Reviewer), cmp.Compare(a.Product, b.Product))
	})
	type edge struct {
		r, x int32
		w    float32
	}
	var merged []edge
	var reviewerIDs []string
	for i := 0; i < len(sorted); {
		j := i
		for j < len(sorted) && sorted[j].Reviewer == sorted[i].Reviewer {
			j++
		}
		var mine []edge
		r := int32(nP + len(reviewerIDs))
		for k := i; k < j; {
			w, x := 0.0, sorted[k].Product
			for ; k < j && sorted[k].Product == x; k++ {
				w += sorted[k].Weight
			}
			if w > 0 {
				mine = append(mine, edge{r, x, float32(w)})
			}
		}
		if len(mine) > 0 && len(mine) <= graph.MaxReviewerFanout {
			merged = append(merged, mine...)
			reviewerIDs = append(reviewerIDs, sorted[i].Reviewer)
		}
		i = j
	}
	rows := nP + len(reviewerIDs)
	// Both directions in CSR: a product lists its reviewers in id order, a reviewer its
	// products in id order.
	off := make([]int32, rows+1)
	for _, e := range merged {
		off[e.r+1]++
		off[e.x+1]++
	}
	for r := 1; r <= rows; r++ {
		off[r] += off[r-1]
	}
	nbr, wt := make([]int32, off[rows]), make([]float32, off[rows])
	fill := slices.Clone(off[:rows])
	for _, e := range merged { // reviewer order: every product's list comes out in reviewer order
		nbr[fill[e.r]], wt[fill[e.r]] = e.x, e.w
		fill[e.r]++
		nbr[fill[e.x]], wt[fill[e.x]] = e.r, e.w
		fill[e.x]++
	}

	prev, next, emb := make([]float32, rows*dim), make([]float32, rows*dim), make([]float32, nP*dim)
	row := func(m []float32, r int) []float32 { return m[r*dim : (r+1)*dim : (r+1)*dim] }
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
			deg := float32(0)
			for i := off[r]; i < off[r+1]; i++ {
				blas32.Axpy(wt[i], vec(row(prev, int(nbr[i]))), vec(out))
				deg += wt[i]
			}
			if deg == 0 {
				return
			}
			blas32.Scal(1/deg, vec(out))
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
	return unitFloat32(sum)
}
