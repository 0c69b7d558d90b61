package staging

import (
	"sort"

	"github.com/skingraph/skingraph/graph"
)

// How a staged load is cut into transactions and statements.

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// loadCost is the size of products and reviews as a transaction's memory sees it: a product
// counts once plus once per ingredient on its label (its CONTAINS edges are most of what it
// holds), a review once.
func loadCost(products []graph.Product, reviews int) int {
	cost := reviews
	for _, p := range products {
		cost += 1 + len(p.Ingredients)
	}
	return cost
}

// productChunks splits products into chunks of at most stagedProductChunk products and at
// most stagedProductCost cost units (a product costlier alone is a chunk of its own).
func productChunks(products []graph.Product) [][]graph.Product {
	var out [][]graph.Product
	start, cost := 0, 0
	for i, p := range products {
		c := 1 + len(p.Ingredients)
		if i > start && (i-start == stagedProductChunk || cost+c > stagedProductCost) {
			out = append(out, products[start:i])
			start, cost = i, 0
		}
		cost += c
	}
	if start < len(products) {
		out = append(out, products[start:])
	}
	return out
}
