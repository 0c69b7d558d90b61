package staging

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

// TestProductChunksBoundTheirCost: staged product chunks hold at most stagedProductChunk
// products and stagedProductCost cost units (a product plus its ingredients), so that a
// chunk of products with long INCI lists stays below Neo4j's per-transaction memory limit.
func TestProductChunksBoundTheirCost(t *testing.T) {
	products := func(n, ingredients int) []graph.Product {
		out := make([]graph.Product, n)
		for i := range out {
			out[i] = graph.Product{ID: fmt.Sprintf("p%d", i), Ingredients: make([]graph.ProductIngredient, ingredients)}
		}
		return out
	}
	sizes := func(chunks [][]graph.Product) []int {
		var out []int
		for _, c := range chunks {
			out = append(out, len(c))
		}
		return out
	}
	tests := []struct {
		name     string
		products []graph.Product
		want     []int
	}{
		{"none", nil, nil},
		{"few short labels: one chunk", products(10, 5), []int{10}},
		{"many short labels: the product bound", products(stagedProductChunk+1, 0), []int{stagedProductChunk, 1}},
		// 40 ingredients: 41 units a product, 487 products fit in 20,000 units.
		{"Sephora-like labels: the cost bound", products(1000, 40), []int{487, 487, 26}},
		{"one label over the bound alone", products(2, stagedProductCost+5), []int{1, 1}},
	}
	for _, tt := range tests {
		got := productChunks(tt.products)
		if diff := cmp.Diff(tt.want, sizes(got)); diff != "" {
			t.Errorf("%s: chunk sizes (-want +got):\n%s", tt.name, diff)
		}
		if n := len(tt.products); n > 0 && loadCost(tt.products, 3) != n*(1+len(tt.products[0].Ingredients))+3 {
			t.Errorf("%s: loadCost = %d", tt.name, loadCost(tt.products, 3))
		}
	}
}
