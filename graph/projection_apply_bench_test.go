package graph_test

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/embedding"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/loader/gen"
)

// benchCatalogue is a `skingraph gen` catalogue read back as a load, with outcomes
// aggregated per product and skin type (Neo4j computes them in a real load).
type benchCatalogue struct {
	load     graph.Load
	outcomes map[string][]graph.Outcome
	reviews  map[string][]graph.Review
	products map[string]graph.Product
}

var (
	benchOnce sync.Once
	benchCat  *benchCatalogue
	benchErr  error
)

// catalogue generates SKINGRAPH_APPLY_BENCH ("products,reviews"; default 100000,600000)
// with the generator of `skingraph gen` (seed 3) once per process.
func catalogue(b *testing.B) *benchCatalogue {
	b.Helper()
	benchOnce.Do(func() {
		products, reviews := 100_000, 600_000
		if s := os.Getenv("SKINGRAPH_APPLY_BENCH"); s != "" {
			fmt.Sscanf(s, "%d,%d", &products, &reviews)
		}
		f, err := datasets.FS.Open(loader.IngredientsFile)
		if err != nil {
			benchErr = err
			return
		}
		kb, err := loader.ReadIngredients(f.(fs.File), loader.IngredientsFile)
		f.Close()
		if err != nil {
			benchErr = err
			return
		}
		dir, err := os.MkdirTemp("", "skingraph-apply-bench")
		if err != nil {
			benchErr = err
			return
		}
		defer os.RemoveAll(dir)
		ctx := context.Background()
		if _, err := gen.WriteDir(ctx, gen.Config{Products: products, Reviews: reviews, Seed: 3, Ingredients: kb}, dir); err != nil {
			benchErr = err
			return
		}
		load, _, err := loader.ReadDir(ctx, dir, time.Now())
		if err != nil {
			benchErr = err
			return
		}
		if len(load.Ingredients) == 0 {
			load.Ingredients = kb
		}
		c := &benchCatalogue{load: load, outcomes: map[string][]graph.Outcome{}, reviews: map[string][]graph.Review{}, products: map[string]graph.Product{}}
		for _, p := range load.Products {
			c.products[p.ID] = p
		}
		type key struct{ product, skin string }
		sums := map[key]*graph.Outcome{}
		for _, r := range load.Reviews {
			c.reviews[r.ProductID] = append(c.reviews[r.ProductID], r)
			if r.SkinType == "" {
				continue
			}
			o := sums[key{r.ProductID, r.SkinType}]
			if o == nil {
				o = &graph.Outcome{ProductID: r.ProductID, Kind: graph.KindSkinType, Attribute: r.SkinType}
				sums[key{r.ProductID, r.SkinType}] = o
			}
			o.MeanRating = (o.MeanRating*float64(o.Count) + float64(r.Rating)) / float64(o.Count+1)
			o.Count++
		}
		for k, o := range sums {
			c.outcomes[k.product] = append(c.outcomes[k.product], *o)
		}
		benchCat = c
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchCat
}

// addProduct adds a product's node and edges to b.
func (c *benchCatalogue) addProduct(b *graph.ProjectionBuilder, p graph.Product, outcomes []graph.Outcome, reviews []graph.Review) {
	b.AddProduct(graph.ProjectedProduct{ID: p.ID, Name: p.Name, Brand: p.Brand, Category: p.Category, Price: p.Price,
		Rating: p.Rating, ReviewCount: p.ReviewCount})
	for _, u := range p.Ingredients {
		b.AddContains(p.ID, u.INCI, u.Position, u.MayContain)
	}
	for _, cl := range p.Claims {
		b.AddClaim(p.ID, cl)
	}
	for _, s := range p.Suits {
		b.AddSuits(p.ID, s)
	}
	for _, o := range outcomes {
		b.AddOutcome(o)
	}
	for _, r := range reviews {
		b.AddTypedReview(r.Reviewer, r.ProductID, r.Rating, r.At, r.SkinType)
	}
}

func (c *benchCatalogue) addIngredient(b *graph.ProjectionBuilder, i graph.Ingredient) {
	com := int8(-1)
	if i.Comedogenic != nil {
		com = int8(*i.Comedogenic)
	}
	b.AddIngredient(graph.ProjectedIngredient{INCI: i.INCI, Name: i.Name, Comedogenic: com})
	for _, t := range i.Treats {
		b.AddTreats(i.INCI, t.Concern, t.Evidence, t.Efficacy, t.Source)
	}
	for _, a := range i.Aggravates {
		b.AddAggravates(i.INCI, a.Kind, a.Target, a.Severity, a.Reason)
	}
	for _, k := range i.Conflicts {
		b.AddConflict(i.INCI, k.INCI, k.Severity, k.Reason)
	}
}

func (c *benchCatalogue) build(b *testing.B) *graph.Projection {
	b.Helper()
	var pb graph.ProjectionBuilder
	for _, i := range c.load.Ingredients {
		c.addIngredient(&pb, i)
	}
	for _, p := range c.load.Products {
		c.addProduct(&pb, p, c.outcomes[p.ID], c.reviews[p.ID])
	}
	p, err := pb.Build(graph.DataVersion{N: 1})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkProjectionBuild is the full build the deltas replace (in memory: without the
// Neo4j read, which dominates a real rebuild).
func BenchmarkProjectionBuild(b *testing.B) {
	c := catalogue(b)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	p := c.build(b)
	runtime.GC()
	runtime.ReadMemStats(&after)
	nodes, edges := p.Size()
	b.Logf("%d products, %d reviews: %d nodes, %d relationships, %d MiB live heap",
		len(c.load.Products), len(c.load.Reviews), nodes, edges, (after.HeapAlloc-before.HeapAlloc)>>20)
	b.ResetTimer()
	for range b.N {
		c.build(b)
	}
}

// applyCase is one change of BenchmarkApply and BenchmarkApplyAndEmbed.
type applyCase struct {
	name        string
	products    []string
	ingredients []string
	rows        func(b *graph.ProjectionBuilder)
}

// applyCases are a rating event (one product's outcome), a positive review by a reviewer of
// other products (reviews, reviewer lists and co-review lists), a product update (price, and
// its second ingredient, glycerin, left out), a new product (ids shift: inserted in place), a
// product removed (patched empty, then dropped in place), and a new product with an
// ingredient the graph did not hold (both inserted in place).
func applyCases(c *benchCatalogue) []applyCase {
	mid := c.load.Products[len(c.load.Products)/2]
	other := c.load.Products[len(c.load.Products)/3]
	reviewer := c.reviews[other.ID][0].Reviewer
	return []applyCase{
		{"rating-event", []string{mid.ID}, nil, func(pb *graph.ProjectionBuilder) {
			outs := append([]graph.Outcome(nil), c.outcomes[mid.ID]...)
			if len(outs) == 0 {
				outs = []graph.Outcome{{ProductID: mid.ID, Kind: graph.KindSkinType, Attribute: "oily"}}
			}
			outs[0].Count++
			outs[0].MeanRating = (outs[0].MeanRating*float64(outs[0].Count-1) + 5) / float64(outs[0].Count)
			c.addProduct(pb, mid, outs, c.reviews[mid.ID])
		}},
		{"review", []string{mid.ID}, nil, func(pb *graph.ProjectionBuilder) {
			revs := append([]graph.Review(nil), c.reviews[mid.ID]...)
			revs = append(revs, graph.Review{Reviewer: reviewer, ProductID: mid.ID, Rating: 5, At: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), SkinType: "oily"})
			c.addProduct(pb, mid, c.outcomes[mid.ID], revs)
		}},
		{"product-update", []string{mid.ID}, nil, func(pb *graph.ProjectionBuilder) {
			up := mid
			up.Price++
			// Glycerin, second on the label: the last entries of a generated label may be
			// unknown to the knowledge base (the projection has no edge for them).
			up.Ingredients = slices.Delete(slices.Clone(up.Ingredients), 1, 2)
			c.addProduct(pb, up, c.outcomes[mid.ID], c.reviews[mid.ID])
		}},
		{"new-product", []string{"gen-p9999999"}, nil, func(pb *graph.ProjectionBuilder) {
			np := mid
			np.ID = "gen-p9999999"
			c.addProduct(pb, np, nil, nil)
		}},
		{"product-removed", []string{mid.ID}, nil, func(pb *graph.ProjectionBuilder) {}},
		{"new-product-new-ingredient", []string{"gen-p9999999"}, []string{"zz new extract"}, func(pb *graph.ProjectionBuilder) {
			np := mid
			np.ID = "gen-p9999999"
			np.Ingredients = append([]graph.ProductIngredient{{INCI: "zz new extract", Name: "New Extract", Position: 1}}, np.Ingredients[1:]...)
			c.addProduct(pb, np, nil, nil)
			pb.AddIngredient(graph.ProjectedIngredient{INCI: "zz new extract", Name: "New Extract", Comedogenic: -1})
		}},
	}
}

// BenchmarkApply applies one change (applyCases) to a projection of the catalogue.
func BenchmarkApply(b *testing.B) {
	c := catalogue(b)
	p := c.build(b)
	for _, tc := range applyCases(c) {
		b.Run(tc.name, func(b *testing.B) {
			d := &graph.Delta{From: p.Version, To: graph.DataVersion{N: 2}, Products: tc.products, Ingredients: tc.ingredients}
			tc.rows(&d.Rows)
			q, err := p.Apply(d)
			if err != nil {
				b.Fatal(err)
			}
			b.Logf("in place: %v", q.AppliedInPlace())
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := p.Apply(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkApplyAndEmbed is what the engine does with a delta before the swap, in memory:
// Apply, then the embeddings of the new projection derived from the old ones
// (embedding.Embeddings.Update, the server's defaults). It logs the full embedding it
// replaces once, and reports the rows of the embedding computed again.
func BenchmarkApplyAndEmbed(b *testing.B) {
	c := catalogue(b)
	p := c.build(b)
	opts := embedding.Options{Seed: 20261124}
	start := time.Now()
	e, err := embedding.Compute(context.Background(), p, opts)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("full embedding (Compute): %v", time.Since(start))
	for _, tc := range applyCases(c) {
		b.Run(tc.name, func(b *testing.B) {
			d := &graph.Delta{From: p.Version, To: graph.DataVersion{N: 2}, Products: tc.products, Ingredients: tc.ingredients}
			tc.rows(&d.Rows)
			var st embedding.UpdateStats
			b.ResetTimer()
			for range b.N {
				q, err := p.Apply(d)
				if err != nil {
					b.Fatal(err)
				}
				if _, st, err = e.Update(context.Background(), q, d.Products, d.Ingredients); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.Logf("%+v", st)
			b.ReportMetric(float64(st.Vectors), "vectors")
			b.ReportMetric(float64(st.Took.Microseconds())/1000, "embed-ms")
		})
	}
}
