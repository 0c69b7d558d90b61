// Package embedding computes FastRP node embeddings over the in-memory graph projection, for
// the affinity family of the ranker ("similar to what you liked") and for similar-product
// queries. Compute returns Embeddings; Similar, Nearest and Centroid query them, and Cosine
// compares any two vectors.
//
// # Graph
//
// Compute views a graph.Projection as one undirected weighted graph whose nodes are the
// products, the ingredients and two nodes per skin attribute (skin type, skin tone, concern,
// sensitivity): a favourable node (Embeddings.Attr) and an adverse one (Embeddings.AttrAdverse),
// so that "liked by oily skin" and "aggravates oily skin" do not pull products towards the same
// point. The edges and their weights, each multiplied by the matching field of Options.Weights,
// are:
//
//	product    -CONTAINS-    ingredient   1/sqrt(position), with Weights.MayContain for "may contain" uses
//	product    -CLAIMS-      concern      1
//	product    -SUITS-       skin type    1
//	product    -OUTCOME-     attribute    log1p(count)·(meanRating−3)/2 to the favourable node when
//	                                      meanRating > 3, log1p(count)·(3−meanRating)/2 to the
//	                                      adverse node when meanRating < 3
//	ingredient -TREATS-      concern      efficacy
//	ingredient -AGGRAVATES-  attribute    severity, to the adverse node
//
// Edges of weight zero are left out. A node without edges gets the zero vector, and Cosine of
// a zero vector is 0.
//
// # Algorithm
//
// FastRP (Chen et al., "Fast and Accurate Network Embeddings via Very Sparse Random
// Projection", 2019) with the row-normalised transition matrix S = D⁻¹A:
//
//	N₀ = R                      rows × Dim, entries ±sqrt(s) with probability 1/(2s) each, else 0
//	Nₖ = normalise(S · Nₖ₋₁)    for k = 1 … len(Iterations)−1
//	E  = normalise(Σₖ Iterations[k] · Nₖ)
//
// where normalise scales every row to unit L2 norm (Options.NoStepNormalise turns it off for
// the steps, never for E) and s is Options.Sparsity (3, after Achlioptas). The default
// Iterations {0, 1, 1, 0.5} leave R itself out and weigh one-, two- and three-hop
// neighbourhoods: products sharing ingredients, products sharing the products of their
// ingredients, and so on. Options.Dim (64) sets the dimension. Each row of R comes from its own
// PCG generator seeded from Options.Seed and the row's node (product id, INCI name or
// attribute), so the same seed and projection give bit-identical embeddings whatever the
// number of workers, and a node keeps its row of R when others come or go.
//
// # Updates
//
// Embeddings.Update derives the embeddings of a later projection from those of an earlier one
// and the products and ingredients a delta touched, with work proportional to the reach of the
// change: Compute keeps N₁ … N_{K−1}, the neighbour sums of the hub rows (every attribute,
// and every ingredient of at least 256 products) and the norm of every row's neighbour sum,
// and Update computes again only the rows whose edges changed or whose neighbours moved
// enough to turn them by Options.Tolerance, adjusting the hub sums by the neighbours that
// changed. Update is deterministic, leaves the embeddings it starts from unchanged (they
// share pages of rows) and differs from Compute within the tolerance.
//
// # Review graph
//
// ComputeReviews runs the same algorithm on another graph of the projection: the bipartite
// graph of the products and the reviewers who rated them 4 or more (Projection.CoReviewers;
// reviewers of more than graph.MaxReviewerFanout such products left out), every edge of
// weight 1, so that products liked by the same people get nearby vectors (ReviewEmbeddings);
// ComputeReviewEdges takes weighted edges instead (for example the reviews weighted by age).
// It has no incremental update and is recomputed from a projection (about 30 ms at the Sephora
// graph's 2,420 products and 14.6k reviews, about 1.7 s of CPU and 375 MB allocated at 100k
// products and 1M reviews: BenchmarkComputeReviews). Only the offline evaluation's probe uses
// it: blended with the tuned engine (as the cosine to the liked products, or to the products
// liked by the query's skin type) it did not raise validation NDCG@10 beyond noise on the
// Sephora reviews, with or without age-weighted edges, nor did the ingredient-graph
// embeddings or the mean of both (docs/EVALUATION.md, round 8), so no ranker family reads it
// and the API does not compute it.
//
// # Cost
//
// One step costs O(Dim · edges). The propagation runs over the projection's own CSR arrays
// (gonum's mat package has no sparse matrix type, and copying the adjacency would double its
// memory), in blocks of rows of similar work run in parallel; dense row operations use gonum's
// blas32. Every product or ingredient row is written by exactly one goroutine, summing its
// edges in a fixed order; the attribute rows, which touch almost every product, are summed from
// per-block partial sums in block order, and the blocks depend on the projection only. Memory
// is four float32 matrices of rows × Dim while computing, and three afterwards (the
// embedding, and N₁ and N₂ for Update; 256 MB per million rows each at Dim 64), plus one
// float32 per CONTAINS edge while computing and up to two per row and step afterwards. Rows
// that Update adds take new physical rows, and the rows of products and ingredients that go
// stay allocated, until the next Compute.
package embedding
