package main

import (
	"context"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// embedProducts computes the embeddings the affinity family uses; nil until the embedding
// package is wired.
var embedProducts ranker.EmbedFunc = func(ctx context.Context, p *graph.Projection) (ranker.Vectors, error) {
	return nil, nil
}
