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

// BenchmarkUpdate measures Update after one change on the synthetic projection: a rating (an
// outcome's count and mean move), a new label (a product's third ingredient left out) and a new
// product (a copy of another under an id that sorts early: every later dense id shifts). The
// projection of the change is built ahead.
func BenchmarkUpdate(b *testing.B) {
	p := synthetic()
	e, err := Compute(context.Background(), p, Options{Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	x := int32(len(p.Products) / 3)
	id := p.Products[x].ID
	apply := func(id string, rows func(*graph.ProjectionBuilder)) *graph.Projection {
		rb := &graph.ProjectionBuilder{}
		rows(rb)
		q, err := p.Apply(&graph.Delta{From: p.Version, To: graph.DataVersion{N: p.Version.N + 1}, Products: []string{id}, Rows: *rb})
		if err != nil {
			b.Fatal(err)
		}
		return q
	}
	added := "p-0000000a" // sorts after p-0000000: every later id shifts
	cases := []struct {
		name string
		q    *graph.Projection
		id   string
	}{
		{"rating", apply(id, func(rb *graph.ProjectionBuilder) {
			productRows(rb, p, x, func(uses []graph.Use, outs []graph.Outcome) ([]graph.Use, []graph.Outcome) {
				if len(outs) == 0 {
					return uses, []graph.Outcome{{ProductID: id, Kind: graph.KindSkinType, Attribute: "oily", Count: 1, MeanRating: 5}}
				}
				outs[0].MeanRating = (outs[0].MeanRating*float64(outs[0].Count) + 5) / float64(outs[0].Count+1)
				outs[0].Count++
				return uses, outs
			})
		}), id},
		{"new label", apply(id, func(rb *graph.ProjectionBuilder) {
			productRows(rb, p, x, func(uses []graph.Use, outs []graph.Outcome) ([]graph.Use, []graph.Outcome) {
				return append(uses[:2:2], uses[3:]...), outs
			})
		}), id},
		{"product added", apply(added, func(rb *graph.ProjectionBuilder) { productRowsAs(rb, p, x, added) }), added},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var st UpdateStats
			for b.Loop() {
				if _, st, err = e.Update(context.Background(), c.q, []string{c.id}, nil); err != nil {
					b.Fatal(err)
				}
			}
			b.Logf("%+v", st)
			b.ReportMetric(float64(st.Vectors), "vectors")
			b.ReportMetric(float64(st.CopiedPages), "pages")
		})
	}
}
