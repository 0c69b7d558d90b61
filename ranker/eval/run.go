package eval

import (
	"context"
	"fmt"
)

// Recommender ranks products for a query. Recommend returns up to k product ids, best first,
// none of them in q.Exclude or in q.Liked and all in q.Category when it is set.
type Recommender interface {
	Name() string
	Recommend(ctx context.Context, q Query, k int) ([]string, error)
}

// Evaluate runs rec on every query and aggregates the figures, overall and by skin type.
// catalogue is the number of products recommendations can come from (coverage's
// denominator). Excluded or liked products that a recommender returns anyway are dropped
// before scoring, so that no recommender gains from them.
func Evaluate(ctx context.Context, rec Recommender, queries []Query, harm HarmIndex, catalogue int) (SystemResult, error) {
	var all accumulator
	groups := map[string]*accumulator{}
	for i, q := range queries {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return SystemResult{}, err
			}
		}
		ranked, err := rec.Recommend(ctx, q, K)
		if err != nil {
			return SystemResult{}, fmt.Errorf("eval: %s: query %d (%s %s): %w", rec.Name(), i, q.Task, q.Author, err)
		}
		ranked = clean(q, ranked)
		s := ScoreQuery(q, ranked, harm)
		all.add(s, ranked)
		g := groups[q.Group()]
		if g == nil {
			g = &accumulator{}
			groups[q.Group()] = g
		}
		g.add(s, ranked)
	}
	res := SystemResult{Name: rec.Name(), Overall: all.metrics(catalogue), BySkinType: map[string]Metrics{}}
	for name, g := range groups {
		res.BySkinType[name] = g.metrics(catalogue)
	}
	return res, nil
}

// clean drops excluded and liked products and duplicates, and cuts the list at K.
func clean(q Query, ranked []string) []string {
	out := make([]string, 0, min(len(ranked), K))
	seen := map[string]bool{}
	liked := map[string]bool{}
	for _, id := range q.Liked {
		liked[id] = true
	}
	for _, id := range ranked {
		if len(out) == K {
			break
		}
		if q.Exclude[id] || liked[id] || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	return out
}
