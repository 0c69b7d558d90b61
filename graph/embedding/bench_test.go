package embedding

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/skingraph/skingraph/graph"
)

var benchProducts = flag.Int("products", 100_000, "products in the synthetic projection of the benchmarks")

var synthetic = sync.OnceValue(func() *graph.Projection { return syntheticProjection(*benchProducts, 1) })

// syntheticProjection builds a catalogue of n products with about 27 ingredients each, drawn
// from n/20 ingredients with Zipf-like popularity (water and glycerin everywhere, most
// ingredients rare), a few claims, skin types and outcomes per product, and a few TREATS and
// AGGRAVATES edges per ingredient.
func syntheticProjection(n int, seed uint64) *graph.Projection {
	rng := rand.New(rand.NewPCG(seed, 0))
	nIng := max(n/20, 100)
	zipf := rand.NewZipf(rng, 1.1, 2, uint64(nIng-1))
	concerns, types, tones := graph.Concerns.Names(), graph.SkinTypes.Names(), graph.SkinTones.Names()
	var b graph.ProjectionBuilder
	inci := make([]string, nIng)
	for i := range inci {
		inci[i] = fmt.Sprintf("ing-%06d", i)
		b.AddIngredient(graph.ProjectedIngredient{INCI: inci[i]})
		if rng.IntN(5) == 0 {
			b.AddTreats(inci[i], concerns[rng.IntN(len(concerns))], "clinical", rng.Float64(), "synthetic")
		}
		if rng.IntN(20) == 0 {
			b.AddAggravates(inci[i], graph.KindSkinType, types[rng.IntN(len(types))], rng.Float64(), "synthetic")
		}
	}
	seen := make(map[uint64]bool)
	for x := range n {
		id := fmt.Sprintf("p-%07d", x)
		b.AddProduct(graph.ProjectedProduct{ID: id})
		clear(seen)
		for pos, n := 1, 15+rng.IntN(26); pos <= n; {
			if i := zipf.Uint64(); !seen[i] {
				seen[i] = true
				b.AddContains(id, inci[i], pos, false)
				pos++
			}
		}
		for range rng.IntN(4) {
			b.AddClaim(id, concerns[rng.IntN(len(concerns))])
		}
		for range rng.IntN(3) {
			b.AddSuits(id, types[rng.IntN(len(types))])
		}
		if rng.IntN(2) == 0 {
			for _, a := range []struct{ kind, name string }{
				{graph.KindSkinType, types[rng.IntN(len(types))]},
				{graph.KindSkinTone, tones[rng.IntN(len(tones))]},
				{graph.KindConcern, concerns[rng.IntN(len(concerns))]},
			} {
				b.AddOutcome(graph.Outcome{ProductID: id, Kind: a.kind, Attribute: a.name,
					Count: 1 + rng.IntN(100), MeanRating: 1 + 4*rng.Float64()})
			}
		}
	}
	p, err := b.Build(graph.DataVersion{N: 1})
	if err != nil {
		panic(err)
	}
	return p
}

func BenchmarkCompute(b *testing.B) {
	p := synthetic()
	_, edges := p.Size()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compute(context.Background(), p, Options{Seed: 1}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Products)), "products")
	b.ReportMetric(float64(edges), "edges")
}

func BenchmarkSimilar(b *testing.B) {
	p := synthetic()
	e, err := Compute(context.Background(), p, Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	x := int32(0)
	for b.Loop() {
		e.Similar(x, 10, nil)
		x = (x + 7919) % int32(len(p.Products))
	}
}
