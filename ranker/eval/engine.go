package eval

import (
	"context"
	"fmt"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// Engine ranks with the ranker the API uses, on one projection and its embeddings.
type Engine struct {
	name   string
	ranker *ranker.Ranker
	proj   *graph.Projection
	vecs   ranker.Vectors
}

// NewEngine returns the engine recommender for params on proj (vecs may be nil: no
// affinity).
func NewEngine(name string, params ranker.Params, proj *graph.Projection, vecs ranker.Vectors) (*Engine, error) {
	r, err := ranker.New(params)
	if err != nil {
		return nil, fmt.Errorf("eval: engine %s: %w", name, err)
	}
	return &Engine{name: name, ranker: r, proj: proj, vecs: vecs}, nil
}

// Name implements Recommender.
func (e *Engine) Name() string { return e.name }

// Request is the ranker request of a query: the skin type and tone, the liked products, the
// category filter; excluded products are asked for on top of k and dropped afterwards.
func Request(q Query, k int) ranker.Request {
	req := ranker.Request{
		Profile: ranker.Profile{SkinType: q.SkinType, SkinTone: q.SkinTone, Concerns: q.Concerns, LikedProducts: q.Liked},
		Limit:   min(ranker.MaxLimit, k+len(q.Exclude)),
		Explain: ranker.ExplainNone,
	}
	if q.Category != "" {
		req.Filters.Categories = []string{q.Category}
	}
	return req
}

// Recommend implements Recommender.
func (e *Engine) Recommend(ctx context.Context, q Query, k int) ([]string, error) {
	res, err := e.ranker.Rank(ctx, e.proj, e.vecs, Request(q, k))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, k)
	for _, it := range res.Items {
		if len(out) == k {
			break
		}
		if !q.Exclude[it.Product.ID] {
			out = append(out, it.Product.ID)
		}
	}
	return out, nil
}
