package embedding

import (
	"context"
	"math"

	"github.com/skingraph/skingraph/graph"
)

// Embeddings are the FastRP vectors of one projection's products, ingredients and skin
// attributes. Every vector has unit L2 norm, or is zero for a node without edges. They are
// read-only and safe for concurrent use; the slices they return must not be modified.
type Embeddings struct {
	version graph.DataVersion
	dim     int
	l       layout
	data    *matrix   // E, rows × dim
	norms   []float64 // L2 norm of each row, as Cosine computes it

	// What Update starts from: the projection, the options, N₁ … N_{K−1}, the neighbour
	// sums of the hub rows by row (K·dim each), and for every step k and row r the norm of
	// r's neighbour sum (sumNorm[k−1][r]) and the bound on how far r's row of Nₖ is from its
	// neighbours' that Update has not applied yet (pending[k−1][r]; nil after Compute).
	p       *graph.Projection
	opts    Options
	steps   []*matrix
	hubs    map[int][]float64
	sumNorm [][]float32
	pending [][]float32
	// deferred[k−2][a] is how far attribute row a of Nₖ₋₁ moved since its neighbours were
	// last told (k = 2 … K; nil after Compute).
	deferred [][]float64
}

// Compute computes the embeddings of p. The same options (seed included) and projection give
// bit-identical vectors. It returns an error wrapping graph.ErrInvalid for options out of
// range and ctx.Err() when ctx ends first.
func Compute(ctx context.Context, p *graph.Projection, opts Options) (*Embeddings, error) {
	opts = opts.withDefaults()
	if err := opts.validate(); err != nil {
		return nil, err
	}
	g, err := newAdjacency(ctx, p, opts.Weights)
	if err != nil {
		return nil, err
	}
	pr := newPropagation(g, opts)
	if err := pr.run(ctx, opts.Iterations); err != nil {
		return nil, err
	}
	rows := g.l.rows()
	e := &Embeddings{version: p.Version, dim: opts.Dim, l: g.l, data: viewMatrix(pr.emb, rows, opts.Dim),
		norms: make([]float64, rows), p: p, opts: opts, hubs: make(map[int][]float64, g.hubs), sumNorm: pr.sumNorm}
	for _, m := range pr.kept {
		e.steps = append(e.steps, viewMatrix(m, rows, opts.Dim))
	}
	for r, h := range g.hubSlot {
		if h >= 0 {
			e.hubs[r] = pr.hubSums[h]
		}
	}
	// The final normalisation is per row and cheap; it reuses the blocks for the larger part.
	finish := func(r int) {
		v := e.row(r)
		normalise(v)
		e.norms[r] = math.Sqrt(sumSquares(v))
	}
	err = pr.eachBlock(ctx, func(_ int, b block) {
		for r := b.lo; r < b.hi; r++ {
			finish(r)
		}
	})
	if err != nil {
		return nil, err
	}
	for r := g.l.firstAttr(); r < g.l.rows(); r++ {
		finish(r)
	}
	return e, nil
}

// Version returns the data version of the projection the embeddings were computed from.
func (e *Embeddings) Version() graph.DataVersion { return e.version }

// Dim returns the dimension of the vectors.
func (e *Embeddings) Dim() int { return e.dim }

// NumProducts returns the number of products; their ids are 0 to NumProducts()-1.
func (e *Embeddings) NumProducts() int { return e.l.products }

// Product returns the vector of product x, or nil when x is not a product id of the projection.
func (e *Embeddings) Product(x int32) []float32 {
	if x < 0 || int(x) >= e.l.products {
		return nil
	}
	return e.row(int(x))
}

// Ingredient returns the vector of ingredient i, or nil when i is not an ingredient id of the
// projection.
func (e *Embeddings) Ingredient(i int32) []float32 {
	if i < 0 || int(i) >= e.l.ingredients {
		return nil
	}
	return e.row(e.l.ingredient(i))
}

// Attr returns the vector of the favourable node of a skin attribute: the node that CLAIMS,
// SUITS, TREATS and well-rated outcomes attach to. It returns nil for an unknown attribute.
func (e *Embeddings) Attr(a graph.Attr) []float32 { return e.attr(a, false) }

// AttrAdverse returns the vector of the adverse node of a skin attribute: the node that
// AGGRAVATES and poorly rated outcomes attach to. It returns nil for an unknown attribute.
func (e *Embeddings) AttrAdverse(a graph.Attr) []float32 { return e.attr(a, true) }

func (e *Embeddings) attr(a graph.Attr, adverse bool) []float32 {
	r := e.l.attr(a, adverse)
	if r < 0 {
		return nil
	}
	return e.row(r)
}

// Centroid returns the mean of the vectors of products, L2-normalised: the direction of a set
// of liked products. Ids that are not products are ignored; it returns nil when no product
// listed has a non-zero vector.
func (e *Embeddings) Centroid(products []int32) []float32 {
	sum := make([]float64, e.dim)
	for _, x := range products {
		for k, v := range e.Product(x) {
			sum[k] += float64(v)
		}
	}
	return unitFloat32(sum)
}

func (e *Embeddings) row(r int) []float32 { return e.data.row(r) }
