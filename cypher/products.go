package cypher

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/visibility"
	"github.com/skingraph/skingraph/graph"
)

// productCypher reads one product; a product of a staged load still under way is not there yet,
// and a product it changed keeps its old ingredients, claims and suitable skin types until it
// commits (package visibility).
const productCypher = visibility.StagedIDs + `
	MATCH (p:Product {id: $id}) WHERE ` + visibility.Product + `
	CALL (p, staged_ids) {
		OPTIONAL MATCH (p)-[c:CONTAINS]->(i:Ingredient) WHERE ` + visibility.EdgeC + `
		WITH c, i ORDER BY c.position, i.inci
		RETURN collect(CASE WHEN i IS NULL THEN null ELSE {
			inci: i.inci, name: coalesce(c.label, i.name), position: c.position,
			concentration: c.concentration, may_contain: c.may_contain, list: c.list,
			functions: coalesce(i.functions, []), comedogenic: i.comedogenic} END) AS ingredients
	}
	CALL (p, staged_ids) {
		OPTIONAL MATCH (p)-[r:CLAIMS]->(c:Concern) WHERE ` + visibility.EdgeR + `
		WITH c ORDER BY c.name
		RETURN collect(c.name) AS claims
	}
	CALL (p, staged_ids) {
		OPTIONAL MATCH (p)-[r:SUITS]->(t:SkinType) WHERE ` + visibility.EdgeR + `
		WITH t ORDER BY t.name
		RETURN collect(t.name) AS suits
	}
	CALL (p) {
		OPTIONAL MATCH (p)-[:HAS_OUTCOME]->(o:Outcome)
		WITH o ORDER BY o.kind, o.attribute
		RETURN collect(o {.*}) AS outcomes
	}
	RETURN p {.*} AS product, ingredients, claims, suits, outcomes`

// Product returns one product with its ingredients (in label order, with their functions),
// claims, suitable skin types and outcome aggregates. ErrNotFound when there is no such id.
func (s *Store) Product(ctx context.Context, id string) (graph.ProductDetail, error) {
	recs, err := s.read(ctx, productCypher, map[string]any{"id": id})
	if err != nil {
		return graph.ProductDetail{}, fmt.Errorf("cypher: product %q: %w", id, err)
	}
	if len(recs) == 0 {
		return graph.ProductDetail{}, fmt.Errorf("cypher: product %q: %w", id, graph.ErrNotFound)
	}
	return toProductDetail(recs[0]), nil
}

func toProductDetail(rec *neo4j.Record) graph.ProductDetail {
	m := rec.AsMap()
	props, _ := m["product"].(map[string]any)
	d := graph.ProductDetail{Product: toProduct(props)}
	for _, v := range asSlice(m["ingredients"]) {
		im, _ := v.(map[string]any)
		pi := graph.ProductIngredient{
			INCI:          str(im["inci"]),
			Name:          str(im["name"]),
			Position:      int(i64(im["position"])),
			Concentration: str(im["concentration"]),
			MayContain:    im["may_contain"] == true,
			List:          str(im["list"]),
			Functions:     strs(im["functions"]),
		}
		if c, ok := im["comedogenic"].(int64); ok {
			ci := int(c)
			pi.Comedogenic = &ci
		}
		d.Ingredients = append(d.Ingredients, pi)
	}
	d.Claims = strs(m["claims"])
	d.Suits = strs(m["suits"])
	for _, v := range asSlice(m["outcomes"]) {
		om, _ := v.(map[string]any)
		d.Outcomes = append(d.Outcomes, toOutcome(om))
	}
	return d
}

// toProduct converts a Product node's properties.
func toProduct(m map[string]any) graph.Product {
	return graph.Product{
		ID:              str(m["id"]),
		Name:            str(m["name"]),
		Brand:           str(m["brand"]),
		Category:        str(m["category"]),
		Subcategory:     str(m["subcategory"]),
		Price:           f64(m["price"]),
		OutOfStock:      m["in_stock"] == false, // absent (older loads): in stock
		Size:            str(m["size"]),
		Rating:          f64(m["rating"]),
		ReviewCount:     int(i64(m["review_count"])),
		Highlights:      strs(m["highlights"]),
		IngredientsText: str(m["ingredients_text"]),
	}
}

// toOutcome converts an Outcome node's properties.
func toOutcome(m map[string]any) graph.Outcome {
	o := graph.Outcome{
		ProductID:     str(m["product_id"]),
		Kind:          str(m["kind"]),
		Attribute:     str(m["attribute"]),
		Count:         int(i64(m["count"])),
		MeanRating:    f64(m["mean_rating"]),
		RecommendRate: f64(m["recommend_rate"]),
		Effects:       map[string]int{},
	}
	for _, e := range graph.Effects.Names() {
		prop := e
		if e == "no-change" {
			prop = "no_change"
		}
		if n := i64(m[prop]); n > 0 {
			o.Effects[e] = int(n)
		}
	}
	return o
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func i64(v any) int64 {
	switch n := v.(type) {
	case int64:
		return n
	case float64:
		return int64(n)
	}
	return 0
}

func f64(v any) float64 {
	switch n := v.(type) {
	case float64:
		return n
	case int64:
		return float64(n)
	}
	return 0
}

func asSlice(v any) []any {
	s, _ := v.([]any)
	return s
}

func strs(v any) []string {
	var out []string
	for _, x := range asSlice(v) {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}
