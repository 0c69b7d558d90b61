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
