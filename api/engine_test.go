package api

import (
	"context"
	"fmt"
	"testing"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// staticSource serves one small in-memory projection to a real ranker engine, so the API
// tests run the real ranking code without Neo4j (the end-to-end tests in cmd use Neo4j).
type staticSource struct{ p *graph.Projection }

func (s staticSource) DataVersion(context.Context) (graph.DataVersion, error) {
	return s.p.Version, nil
}
func (s staticSource) Project(context.Context) (*graph.Projection, error) { return s.p, nil }

// smallProjection is 40 products over a few real ingredients, with outcomes.
func smallProjection(t testing.TB) *graph.Projection {
	t.Helper()
	var b graph.ProjectionBuilder
	incis := []string{"water", "glycerin", "niacinamide", "salicylic-acid", "retinol", "fragrance", "ceramide-np", "alcohol-denat"}
	for _, in := range incis {
		b.AddIngredient(graph.ProjectedIngredient{INCI: in, Name: in, Comedogenic: -1})
	}
	b.AddTreats("niacinamide", "acne", "clinical", 0.6, "test")
	b.AddTreats("salicylic-acid", "acne", "clinical", 0.7, "test")
	b.AddTreats("retinol", "aging", "clinical", 0.8, "test")
	b.AddTreats("ceramide-np", "dryness", "clinical", 0.6, "test")
	b.AddAggravates("fragrance", graph.KindSensitivity, "fragrance", 0.9, "test")
	b.AddAggravates("alcohol-denat", graph.KindConcern, "dryness", 0.5, "test")
	b.AddConflict("retinol", "salicylic-acid", 0.6, "test")
	cats := []string{"serum", "moisturizer", "cleanser", "toner"}
	for x := range 40 {
		id := fmt.Sprintf("p%02d", x)
		b.AddProduct(graph.ProjectedProduct{ID: id, Name: "Product " + id, Brand: fmt.Sprintf("brand-%d", x%4),
			Category: cats[x%len(cats)], Price: float64(5 + x), Rating: 3 + float64(x%3)/2, ReviewCount: 10 + x})
		for pos, in := range []string{incis[0], incis[1], incis[2+x%6], incis[2+(x/6)%6]} {
			b.AddContains(id, in, pos+1, false)
		}
		b.AddOutcome(graph.Outcome{ProductID: id, Kind: graph.KindSkinType, Attribute: "oily", Count: 5 + x%7,
			MeanRating: 3 + float64(x%5)/3, Effects: map[string]int{"improved": x % 4, "breakout": x % 3}})
	}
	p, err := b.Build(graph.DataVersion{N: 3})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// rankingServer is the API over a real engine on smallProjection.
func rankingServer(t testing.TB) *ranker.Engine {
	t.Helper()
	r, err := ranker.New(ranker.DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	e, err := ranker.NewEngine(staticSource{smallProjection(t)}, r, nil, 8<<20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(e.Close)
	if _, err := e.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

func rankingDeps(t testing.TB) Deps {
	e := rankingServer(t)
	return Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Recommender: e, Updates: e, Log: zerolog.Nop()}
}
