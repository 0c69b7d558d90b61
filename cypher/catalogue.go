package cypher

import (
	"context"
	"fmt"
	"strings"
	"unicode"

	"github.com/skingraph/skingraph/cypher/internal/visibility"
	"github.com/skingraph/skingraph/graph"
)

// ingredientCypher reads one ingredient; ingredients and products of staged loads still under
// way are not there yet.
const ingredientCypher = visibility.StagedIDs + `
	MATCH (i:Ingredient {inci: $inci}) WHERE ` + visibility.Ingredient + `
	CALL (i) {
		OPTIONAL MATCH (i)-[t:TREATS]->(c:Concern)
		WITH t, c ORDER BY c.name
		RETURN collect(CASE WHEN c IS NULL THEN null ELSE {concern: c.name, efficacy: t.efficacy, evidence: t.evidence, source: t.source} END) AS treats
	}
	CALL (i) {
		OPTIONAL MATCH (i)-[a:AGGRAVATES]->(x)
		WITH a, x ORDER BY x.name
		RETURN collect(CASE WHEN x IS NULL THEN null ELSE {
			kind: CASE WHEN x:SkinType THEN 'skin_type' WHEN x:Concern THEN 'concern' ELSE 'sensitivity' END,
			target: x.name, severity: a.severity, reason: a.reason, source: a.source} END) AS aggravates
	}
	CALL (i) {
		OPTIONAL MATCH (i)-[k:CONFLICTS_WITH]-(o:Ingredient)
		WITH k, o ORDER BY o.inci
		RETURN collect(CASE WHEN o IS NULL THEN null ELSE {inci: o.inci, severity: k.severity, reason: k.reason, source: k.source} END) AS conflicts
	}
	CALL (i, staged_ids) {
		OPTIONAL MATCH (p:Product)-[c:CONTAINS]->(i) WHERE ` + visibility.Product + ` AND ` + visibility.EdgeC + `
		RETURN count(p) AS products
	}
	RETURN i {.*} AS ingredient, treats, aggravates, conflicts, products`

// Ingredient returns one ingredient by its canonical INCI key with its knowledge-base facts
// and how many products list it; ErrNotFound when the graph has no such ingredient.
func (s *Store) Ingredient(ctx context.Context, inci string) (graph.IngredientDetail, error) {
	recs, err := s.read(ctx, ingredientCypher, map[string]any{"inci": inci})
	if err != nil {
		return graph.IngredientDetail{}, fmt.Errorf("cypher: ingredient %q: %w", inci, err)
	}
	if len(recs) == 0 {
		return graph.IngredientDetail{}, fmt.Errorf("cypher: ingredient %q: %w", inci, graph.ErrNotFound)
	}
	m := recs[0].AsMap()
	props, _ := m["ingredient"].(map[string]any)
	d := graph.IngredientDetail{
		Ingredient: graph.Ingredient{
			INCI: str(props["inci"]), Name: str(props["name"]), Aliases: strs(props["aliases"]),
			Functions: strs(props["functions"]), Source: str(props["source"]),
		},
		Curated:      props["curated"] == true,
		ProductCount: int(i64(m["products"])),
	}
	if c, ok := props["comedogenic"].(int64); ok {
		ci := int(c)
		d.Comedogenic = &ci
	}
	for _, v := range asSlice(m["treats"]) {
		t, _ := v.(map[string]any)
		d.Treats = append(d.Treats, graph.Treatment{Concern: str(t["concern"]), Efficacy: f64(t["efficacy"]), Evidence: str(t["evidence"]), Source: str(t["source"])})
	}
	for _, v := range asSlice(m["aggravates"]) {
		a, _ := v.(map[string]any)
		d.Aggravates = append(d.Aggravates, graph.Aggravation{Kind: str(a["kind"]), Target: str(a["target"]), Severity: f64(a["severity"]), Reason: str(a["reason"]), Source: str(a["source"])})
	}
	for _, v := range asSlice(m["conflicts"]) {
		c, _ := v.(map[string]any)
		d.Conflicts = append(d.Conflicts, graph.Conflict{INCI: str(c["inci"]), Severity: f64(c["severity"]), Reason: str(c["reason"]), Source: str(c["source"])})
	}
	return d, nil
}

// searchCypher leaves out the products and ingredients of staged loads still under way.
const searchCypher = visibility.StagedIDs + `
	CALL db.index.fulltext.queryNodes('catalogue_text', $lucene) YIELD node, score
	WHERE ` + visibility.Node + `
	RETURN CASE WHEN node:Product THEN 'product' ELSE 'ingredient' END AS kind,
	       coalesce(node.id, node.inci) AS key, node.name AS name, node.brand AS brand, score
	ORDER BY score DESC, key
	LIMIT $limit`

// Search finds products (by name and brand) and ingredients (by name and INCI key) with the
// full-text index: every word matches as a prefix (autocomplete) or within one edit (typos).
func (s *Store) Search(ctx context.Context, q string, limit int) ([]graph.SearchHit, error) {
	lucene := luceneQuery(q)
	if lucene == "" {
		return nil, fmt.Errorf("cypher: search: %w", &graph.FieldError{Field: "q", Message: "needs at least one letter or digit"})
	}
	recs, err := s.read(ctx, searchCypher, map[string]any{"lucene": lucene, "limit": int64(limit)})
	if err != nil {
		return nil, fmt.Errorf("cypher: search: %w", err)
	}
	hits := make([]graph.SearchHit, 0, len(recs))
	for _, r := range recs {
		m := r.AsMap()
		hits = append(hits, graph.SearchHit{Kind: str(m["kind"]), Key: str(m["key"]), Name: str(m["name"]), Brand: str(m["brand"]), Score: f64(m["score"])})
	}
	return hits, nil
}

// luceneQuery turns free text into a Lucene query of its words, each allowed as a prefix or
// with one typo; Lucene's special characters never reach the parser (words keep only letters
// and digits).
func luceneQuery(q string) string {
	words := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var parts []string
	for _, w := range words[:min(len(words), 8)] {
		if len([]rune(w)) < 2 {
			parts = append(parts, w+"*")
			continue
		}
		fuzzy := w + "~1"
		if len([]rune(w)) < 4 {
			fuzzy = w
		}
		parts = append(parts, "("+w+"* OR "+fuzzy+")")
	}
	return strings.Join(parts, " AND ")
}
