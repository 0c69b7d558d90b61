package ranker

import (
	"context"
	"fmt"
	"strings"

	"github.com/skingraph/skingraph/graph"
)

// SimilarItem is a product close to another one, with why.
type SimilarItem struct {
	Product    graph.ProjectedProduct
	Similarity float64 // cosine of the two embeddings
	Why        []Why   // the embedding similarity (its contribution is the similarity), then the evidence behind it
}

// Similar returns the k products whose embeddings are closest to product id's, best first
// (ties by id), each explained by the ingredients and the well-rated outcomes the two share.
func (r *Ranker) Similar(ctx context.Context, proj *graph.Projection, vecs Vectors, id string, k int) ([]SimilarItem, error) {
	if proj == nil || vecs == nil {
		return nil, fmt.Errorf("ranker: similar: %w: no projection or embeddings yet", graph.ErrUnavailable)
	}
	x, ok := proj.ProductIndex(id)
	if !ok {
		return nil, fmt.Errorf("ranker: similar: product %q: %w", id, graph.ErrNotFound)
	}
	if k < 1 || k > MaxLimit {
		return nil, fmt.Errorf("ranker: similar: %w", &graph.FieldError{Field: "limit", Message: fmt.Sprintf("must be 1 to %d", MaxLimit)})
	}
	top := &topK{k: k}
	vx := vecs.Product(x)
	for y := range int32(len(proj.Products)) {
		if y == x {
			continue
		}
		if y%checkEvery == 0 {
			if err := ctx.Err(); err != nil {
				return nil, fmt.Errorf("ranker: similar: %w: %w", graph.ErrUnavailable, err)
			}
		}
		top.offer(y, cosine(vx, vecs.Product(y)))
	}
	var out []SimilarItem
	for _, c := range top.sorted() {
		out = append(out, SimilarItem{Product: proj.Products[c.x], Similarity: c.score, Why: similarWhy(proj, x, c.x, c.score)})
	}
	return out, nil
}

// similarWhy explains a similarity: the embedding, the shared ingredients, the shared outcomes.
func similarWhy(p *graph.Projection, x, y int32, sim float64) []Why {
	px, py := &p.Products[x], &p.Products[y]
	whys := []Why{{
		Kind: "embedding", Contribution: sim,
		Text:     fmt.Sprintf("Graph embeddings of the two products have cosine similarity %.2f", sim),
		Path:     Path{Nodes: []NodeRef{{Label: "Product", Key: "id", Value: px.ID, Name: px.Name}, {Label: "Product", Key: "id", Value: py.ID, Name: py.Name}}},
		Cypher:   fmt.Sprintf("MATCH (x:Product {id: %s}), (y:Product {id: %s}) RETURN [x, y] AS path", quote(px.ID), quote(py.ID)),
		Evidence: map[string]any{"cosine": sim},
	}}
	posX := map[int32]int16{}
	for _, u := range p.Uses(x) {
		posX[u.Ingredient] = u.Position
	}
	var shared []string
	best, bestRank := int32(-1), int16(32767)
	for _, u := range p.Uses(y) {
		if px, ok := posX[u.Ingredient]; ok {
			shared = append(shared, p.Ingredients[u.Ingredient].Name)
			if r := max(px, u.Position); r < bestRank {
				best, bestRank = u.Ingredient, r
			}
		}
	}
	if best >= 0 {
		ing := &p.Ingredients[best]
		whys = append(whys, Why{
			Kind: "shared_ingredients",
			Text: fmt.Sprintf("%s in common, led by %s", plural(len(shared), "ingredient"), strings.Join(shared[:min(3, len(shared))], ", ")),
			Path: Path{Nodes: []NodeRef{{Label: "Product", Key: "id", Value: px.ID, Name: px.Name}, ingredientNode(ing), {Label: "Product", Key: "id", Value: py.ID, Name: py.Name}},
				Rels: []RelRef{{Type: "CONTAINS", Forward: true}, {Type: "CONTAINS", Forward: false}}},
			Cypher: fmt.Sprintf("MATCH path = (x:Product {id: %s})-[:CONTAINS]->(i:Ingredient {inci: %s})<-[:CONTAINS]-(y:Product {id: %s}) RETURN path",
				quote(px.ID), quote(ing.INCI), quote(py.ID)),
			Evidence: map[string]any{"shared": len(shared), "ingredients": shared},
		})
	}
	for _, oy := range p.Outcomes(y) {
		ox, ok := p.Outcome(x, oy.Attr)
		if !ok || oy.Attr.Kind != graph.AttrSkinType || ox.MeanRating < 4 || oy.MeanRating < 4 {
			continue
		}
		label, name := attrLabel(oy.Attr.Kind), oy.Attr.Name()
		whys = append(whys, Why{
			Kind: "shared_outcome",
			Text: fmt.Sprintf("Reviewers %s rate both well (%.1f from %d and %.1f from %d)", attrPhrase(oy.Attr), ox.MeanRating, ox.Count, oy.MeanRating, oy.Count),
			Path: Path{Nodes: []NodeRef{{Label: "Product", Key: "id", Value: px.ID, Name: px.Name}, {Label: "Outcome", Key: "key", Value: px.ID + "|" + oy.Attr.Kind.String() + ":" + name},
				{Label: label, Key: "name", Value: name, Name: name}, {Label: "Outcome", Key: "key", Value: py.ID + "|" + oy.Attr.Kind.String() + ":" + name},
				{Label: "Product", Key: "id", Value: py.ID, Name: py.Name}},
				Rels: []RelRef{{Type: "HAS_OUTCOME", Forward: true}, {Type: "FOR", Forward: true}, {Type: "FOR", Forward: false}, {Type: "HAS_OUTCOME", Forward: false}}},
			Cypher: fmt.Sprintf("MATCH path = (x:Product {id: %s})-[:HAS_OUTCOME]->(:Outcome)-[:FOR]->(a:%s {name: %s})<-[:FOR]-(:Outcome)<-[:HAS_OUTCOME]-(y:Product {id: %s}) RETURN path",
				quote(px.ID), label, quote(name), quote(py.ID)),
			Evidence: map[string]any{"rating_x": ox.MeanRating, "reviews_x": ox.Count, "rating_y": oy.MeanRating, "reviews_y": oy.Count},
		})
	}
	return whys
}
