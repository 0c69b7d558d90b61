package ranker

import (
	"context"
	"fmt"
	"math"

	"github.com/skingraph/skingraph/graph"
)

// Scores returns, by product index, the score Rank gives every product the request could
// recommend (filters, liked, disliked and ruled-out products left out: NaN), the same sum of
// families, without the selection, the page or the explanations. It is for offline learning
// (ranker/eval fits the family weights on scores at unit weight), not for serving.
func (r *Ranker) Scores(ctx context.Context, proj *graph.Projection, vecs Vectors, req Request) ([]float64, error) {
	if proj == nil {
		return nil, fmt.Errorf("ranker: %w: no projection loaded yet", graph.ErrUnavailable)
	}
	if err := req.Validate(); err != nil {
		return nil, fmt.Errorf("ranker: %w", err)
	}
	buf := getBuffers(len(proj.Products), len(proj.Ingredients))
	defer putBuffers(buf)
	pl := compile(proj, vecs, r.params, req, buf, r.ingredientsFor(proj))
	pri := r.priorsFor(pl)
	pl.priors = pri
	if err := pl.scoreFamilies(ctx, buf); err != nil {
		return nil, fmt.Errorf("ranker: %w: %w", graph.ErrUnavailable, err)
	}
	base := pl.base()
	withAffinity := len(pl.liked) > 0 && vecs != nil && pl.params.Weights.Affinity != 0
	out := make([]float64, len(proj.Products))
	for x := range out {
		if ok, _ := pl.eligible(int32(x)); !ok {
			out[x] = math.NaN()
			continue
		}
		out[x] = pl.score(base, buf.acc, withAffinity, int32(x)) // the same sum as selectRange
	}
	return out, nil
}
