package ranker

import (
	"time"

	"github.com/skingraph/skingraph/graph"
)

// Result is a ranked page of products with their explanations.
type Result struct {
	Version graph.DataVersion
	Items   []Item
	// Total is the number of products that passed the filters and exclusions and were ranked.
	Total int
	// Excluded lists the products left out because of the profile's avoid-ingredients or
	// sensitivities, because they are out of stock, or by a filter rule (at most
	// MaxExclusions, by product id); ExcludedCount counts them all.
	Excluded      []Exclusion
	ExcludedCount int
	// Partial is true when the latency budget ran out before every candidate was scored.
	Partial bool
	Elapsed time.Duration
}

// MaxExclusions bounds the exclusions a result lists.
const MaxExclusions = 50

// Item is one recommended product.
type Item struct {
	Product  graph.ProjectedProduct
	Score    float64
	Why      []Why
	Warnings []Warning
}

// Why is one path that contributed to a score.
type Why struct {
	Kind         string // concern_fit, claim, peer, safety, affinity, prior
	Text         string
	Contribution float64
	Path         Path   // ExplainFull only
	Cypher       string // ExplainFull only: returns exactly this path from Neo4j
	Evidence     map[string]any
}

// Path is a walk in the graph: Rels[i] links Nodes[i] and Nodes[i+1].
type Path struct {
	Nodes []NodeRef
	Rels  []RelRef
}

// NodeRef names a node by its label and key.
type NodeRef struct {
	Label string // Product, Ingredient, Concern, SkinType, SkinTone, Sensitivity, Outcome
	Key   string // the key property: id, inci, name or key
	Value string
	Name  string // a display name
}

// RelRef is one relationship of a path.
type RelRef struct {
	Type    string
	Forward bool // true when it points from Nodes[i] to Nodes[i+1]
	Props   map[string]any
}

// Exclusion says why a product was left out.
type Exclusion struct {
	ProductID  string
	Ingredient string // INCI key; "" for exclusions that are not about an ingredient
	// Reason is "avoided ingredient", "aggravates sensitivity: fragrance", ReasonOutOfStock,
	// or "rule:<name>" for a filter rule.
	Reason string
}

// ReasonOutOfStock is the Exclusion reason of a product that is out of stock.
const ReasonOutOfStock = "out_of_stock"

// Warning flags a routine conflict between two recommended products.
type Warning struct {
	Kind        string // routine_conflict
	Text        string
	With        string    // the other product's id
	Ingredients [2]string // this product's ingredient, the other's
	Severity    float64
}
