package eval

import (
	"context"
	"fmt"
	"runtime"

	"golang.org/x/sync/errgroup"
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
	lists, err := recommendAll(ctx, rec, queries)
	if err != nil {
		return SystemResult{}, err
	}
	return aggregate(rec.Name(), queries, lists, harm, catalogue), nil
}

// aggregate scores each query's list (lists[i] for queries[i], cleaned first) and sums the
// figures, overall and by skin type, in query order.
func aggregate(name string, queries []Query, lists [][]string, harm HarmIndex, catalogue int) SystemResult {
	var all accumulator
	groups := map[string]*accumulator{}
	perQuery := make([]float64, len(queries))
	for i, q := range queries {
		ranked := clean(q, lists[i])
		s := ScoreQuery(q, ranked, harm)
		perQuery[i] = s.NDCG
		all.add(s, ranked)
		g := groups[q.Group()]
		if g == nil {
			g = &accumulator{}
			groups[q.Group()] = g
		}
		g.add(s, ranked)
	}
	res := SystemResult{Name: name, Overall: all.metrics(catalogue), BySkinType: map[string]Metrics{}, PerQueryNDCG: perQuery}
	for group, g := range groups {
		res.BySkinType[group] = g.metrics(catalogue)
	}
	return res
}

// recommendAll returns rec's list for every query, in the queries' order. The engine (safe for
// concurrent requests, as the API uses it) ranks on up to GOMAXPROCS goroutines, each query's
// list kept in its slot, so the figures are the same as one at a time (Evaluate sums them in
// query order); the baselines rank one query at a time.
func recommendAll(ctx context.Context, rec Recommender, queries []Query) ([][]string, error) {
	out := make([][]string, len(queries))
	workers := 1
	if _, ok := rec.(*Engine); ok {
		workers = min(runtime.GOMAXPROCS(0), 8)
	}
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	const chunk = 64
	for lo := 0; lo < len(queries); lo += chunk {
		hi := min(lo+chunk, len(queries))
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			for i := lo; i < hi; i++ {
				q := queries[i]
				ranked, err := rec.Recommend(ctx, q, K)
				if err != nil {
					return fmt.Errorf("eval: %s: query %d (%s %s): %w", rec.Name(), i, q.Task, q.Author, err)
				}
				out[i] = ranked
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	return out, nil
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
