package ranker

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/skingraph/skingraph/graph"
)

// syntheticProjection builds n products over a Zipf-like ingredient vocabulary, with outcomes,
// for property tests and benchmarks.
func syntheticProjection(t testing.TB, n int, seed uint64) *graph.Projection {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 99))
	var b graph.ProjectionBuilder
	const nIng = 2000
	concerns := graph.Concerns.Names()
	types := graph.SkinTypes.Names()
	sens := graph.Sensitivities.Names()
	for i := range nIng {
		inci := fmt.Sprintf("ing-%04d", i)
		b.AddIngredient(graph.ProjectedIngredient{INCI: inci, Name: inci, Comedogenic: -1})
		if i%7 == 0 {
			b.AddTreats(inci, concerns[i%len(concerns)], graph.Evidence.Names()[i%3], 0.2+float64(i%5)/10, "synthetic")
		}
		if i%23 == 0 {
			b.AddAggravates(inci, graph.KindConcern, concerns[(i/23)%len(concerns)], 0.5, "synthetic")
		}
		if i%41 == 0 {
			b.AddAggravates(inci, graph.KindSensitivity, sens[(i/41)%len(sens)], 0.8, "synthetic")
		}
	}
	zipf := rand.NewZipf(rand.New(rand.NewPCG(seed, 7)), 1.1, 2, nIng-1)
	cats := graph.Categories.Names()
	for x := range n {
		id := fmt.Sprintf("prod-%07d", x)
		reviews := rng.IntN(200)
		b.AddProduct(graph.ProjectedProduct{ID: id, Name: id, Brand: fmt.Sprintf("brand-%02d", x%50), Category: cats[x%len(cats)],
			Price: 5 + float64(rng.IntN(100)), Rating: 3 + 2*rng.Float64(), ReviewCount: reviews})
		seen := map[uint64]bool{}
		for pos := 1; pos <= 20+rng.IntN(15); pos++ {
			i := zipf.Uint64()
			if seen[i] {
				continue
			}
			seen[i] = true
			b.AddContains(id, fmt.Sprintf("ing-%04d", i), pos, false)
		}
		if x%3 == 0 {
			b.AddClaim(id, concerns[x%len(concerns)])
		}
		for _, st := range types {
			if rng.IntN(3) == 0 {
				c := 1 + rng.IntN(60)
				b.AddOutcome(graph.Outcome{ProductID: id, Kind: graph.KindSkinType, Attribute: st, Count: c,
					MeanRating: 1 + 4*rng.Float64(), Effects: map[string]int{"improved": rng.IntN(c + 1), "breakout": rng.IntN(c/5 + 1)}})
			}
		}
	}
	p, err := b.Build(graph.DataVersion{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	return p
}
