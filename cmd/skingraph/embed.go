package main

import (
	"context"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/embedding"
	"github.com/skingraph/skingraph/ranker"
)

// embeddingSeed fixes the random projection so that the same data gives the same embeddings.
const embeddingSeed = 20261124

// embedProducts computes the FastRP embeddings the affinity family and similar-product
// queries use; it runs on every projection swap.
func embedProducts(ctx context.Context, p *graph.Projection) (ranker.Vectors, error) {
	e, err := embedding.Compute(ctx, p, embedding.Options{Seed: embeddingSeed})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// embedProductsDelta derives the embeddings of p from prev, those of old, for the products
// and ingredients the delta d touched (embedding.Embeddings.Update): every snapshot a delta
// makes serves with its own vectors at once. It computes in full when prev is not the
// embeddings of old.
func embedProductsDelta(ctx context.Context, prev ranker.Vectors, old, p *graph.Projection, d *graph.Delta) (ranker.Vectors, error) {
	e, ok := prev.(*embedding.Embeddings)
	if !ok || e.Version().N != old.Version.N {
		return embedProducts(ctx, p)
	}
	next, _, err := e.Update(ctx, p, d.Products, d.Ingredients)
	if err != nil {
		return nil, err
	}
	return next, nil
}
