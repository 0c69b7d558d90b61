package embedding

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/skingraph/skingraph/graph"
)

// families builds a projection of twelve products in three families of four, each family
// drawing six or seven of its own eight ingredients (plus water, used by all), claiming its own
// concern and liked by its own skin type; and z0, a product without edges. Ingredient c-ing1
// aggravates oily skin, b4 may contain a-ing8 and oily skin dislikes c2.
func families(t testing.TB) *graph.Projection {
	t.Helper()
	var b graph.ProjectionBuilder
	b.AddIngredient(graph.ProjectedIngredient{INCI: "aqua"})
	fams := []struct {
		name, concern, skinType string
	}{{"a", "acne", "oily"}, {"b", "aging", "normal"}, {"c", "dryness", "dry"}}
	for _, f := range fams {
		for k := 1; k <= 8; k++ {
			b.AddIngredient(graph.ProjectedIngredient{INCI: fmt.Sprintf("%s-ing%d", f.name, k)})
		}
		b.AddTreats(f.name+"-ing1", f.concern, "clinical", 0.8, "test")
		for m := 1; m <= 4; m++ {
			id := fmt.Sprintf("%s%d", f.name, m)
			b.AddProduct(graph.ProjectedProduct{ID: id})
			b.AddContains(id, "aqua", 1, false)
			pos := 2
			for k := 1; k <= 8; k++ {
				if k == m || (m == 4 && k == 8) { // each product misses one or two
					continue
				}
				b.AddContains(id, fmt.Sprintf("%s-ing%d", f.name, k), pos, false)
				pos++
			}
			b.AddClaim(id, f.concern)
			b.AddSuits(id, f.skinType)
			b.AddOutcome(graph.Outcome{ProductID: id, Kind: graph.KindSkinType, Attribute: f.skinType, Count: 20, MeanRating: 4.5})
		}
	}
	b.AddAggravates("c-ing1", graph.KindSkinType, "oily", 0.7, "occlusive")
	b.AddContains("b4", "a-ing8", 9, true)
	b.AddOutcome(graph.Outcome{ProductID: "c2", Kind: graph.KindSkinType, Attribute: "oily", Count: 5, MeanRating: 1.5})
	b.AddProduct(graph.ProjectedProduct{ID: "z0"})
	return mustBuild(t, &b)
}

func mustBuild(t testing.TB, b *graph.ProjectionBuilder) *graph.Projection {
	t.Helper()
	p, err := b.Build(graph.DataVersion{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if b.Skipped != 0 {
		t.Fatalf("builder skipped %d edges", b.Skipped)
	}
	return p
}

func mustCompute(t testing.TB, p *graph.Projection, o Options) *Embeddings {
	t.Helper()
	e, err := Compute(context.Background(), p, o)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func mustProduct(t testing.TB, p *graph.Projection, id string) int32 {
	t.Helper()
	x, ok := p.ProductIndex(id)
	if !ok {
		t.Fatalf("no product %q", id)
	}
	return x
}

func mustAttr(t testing.TB, k graph.AttrKind, name string) graph.Attr {
	t.Helper()
	a, ok := graph.AttrOf(k, name)
	if !ok {
		t.Fatalf("no %s %q", k, name)
	}
	return a
}

// productIDs names the products of neighbours.
func productIDs(p *graph.Projection, ns []Neighbour) []string {
	var ids []string
	for _, n := range ns {
		ids = append(ids, p.Products[n.Product].ID)
	}
	return ids
}

// fromVectors makes Embeddings of products only, with the given vectors as they are.
func fromVectors(dim int, vs ...[]float32) *Embeddings {
	e := &Embeddings{dim: dim, l: layout{products: len(vs)}, norms: make([]float64, len(vs)+2*attrCount)}
	e.data = viewMatrix(make([]float32, e.l.rows()*dim), e.l.rows(), dim)
	for x, v := range vs {
		copy(e.row(x), v)
		e.norms[x] = math.Sqrt(sumSquares(v))
	}
	return e
}
