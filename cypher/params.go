package cypher

import (
	"sort"

	"github.com/skingraph/skingraph/graph"
)

// The converters below turn domain values into query parameters (maps of Neo4j-storable values).
// Each row carries "hash", a content hash of everything else in it, for change detection.

func ingredientParams(ings []graph.Ingredient) (rows, conflicts []map[string]any) {
	seenPair := map[[2]string]bool{}
	for _, ing := range ings {
		props := map[string]any{
			"name":      ing.Name,
			"aliases":   nonNil(ing.Aliases),
			"functions": nonNil(ing.Functions),
			"source":    ing.Source,
			"curated":   true,
		}
		if ing.Comedogenic != nil {
			props["comedogenic"] = int64(*ing.Comedogenic)
		} else {
			props["comedogenic"] = nil
		}
		treats := make([]any, 0, len(ing.Treats))
		for _, t := range ing.Treats {
			treats = append(treats, map[string]any{"concern": t.Concern, "efficacy": t.Efficacy, "evidence": t.Evidence, "source": t.Source})
		}
		aggr := make([]any, 0, len(ing.Aggravates))
		for _, a := range ing.Aggravates {
			aggr = append(aggr, map[string]any{"kind": a.Kind, "target": a.Target, "severity": a.Severity, "reason": a.Reason, "source": a.Source})
		}
		var conf []any
		for _, c := range ing.Conflicts {
			a, b := ing.INCI, c.INCI
			if b < a {
				a, b = b, a
			}
			conf = append(conf, []any{c.INCI, c.Severity, c.Reason})
			if seenPair[[2]string{a, b}] {
				continue
			}
			seenPair[[2]string{a, b}] = true
			conflicts = append(conflicts, map[string]any{"a": a, "b": b, "severity": c.Severity, "reason": c.Reason, "source": c.Source})
		}
		row := map[string]any{"inci": ing.INCI, "props": props, "treats": treats, "aggravates": aggr}
		// Conflicts are part of the hash: a changed conflict re-writes the ingredient's edges.
		row["hash"] = contentHash([]any{row, conf})
		rows = append(rows, row)
	}
	return rows, conflicts
}

func productParams(products []graph.Product) []map[string]any {
	rows := make([]map[string]any, 0, len(products))
	for _, p := range products {
		props := map[string]any{
			"name": p.Name, "brand": p.Brand, "category": p.Category, "subcategory": p.Subcategory,
			"price": p.Price, "in_stock": !p.OutOfStock, "size": p.Size, "rating": p.Rating, "review_count": int64(p.ReviewCount),
			"highlights": nonNil(p.Highlights), "ingredients_text": p.IngredientsText,
		}
		seen := map[string]bool{}
		ings := make([]any, 0, len(p.Ingredients))
		for _, in := range p.Ingredients {
			if in.INCI == "" || seen[in.INCI] {
				continue // a kit lists an ingredient in several lists: keep its first position
			}
			seen[in.INCI] = true
			ings = append(ings, map[string]any{
				"inci": in.INCI, "name": in.Name, "position": int64(in.Position),
				"concentration": in.Concentration, "may_contain": in.MayContain, "list": in.List,
			})
		}
		row := map[string]any{
			"id": p.ID, "props": props, "ingredients": ings,
			"claims": sortedCopy(p.Claims), "suits": sortedCopy(p.Suits),
		}
		row["hash"] = contentHash(row)
		rows = append(rows, row)
	}
	return rows
}

func reviewParams(reviews []graph.Review) []map[string]any {
	rows := make([]map[string]any, 0, len(reviews))
	for _, r := range reviews {
		props := map[string]any{
			"rating": int64(r.Rating), "recommended": r.Recommended, "at": r.At.UTC(),
			"skin_type": r.SkinType, "skin_tone": r.SkinTone,
			"concerns": sortedCopy(r.Concerns), "effects": sortedCopy(r.Effects),
		}
		row := map[string]any{"id": r.ID, "reviewer": r.Reviewer, "product_id": r.ProductID, "props": props}
		row["hash"] = contentHash(row)
		rows = append(rows, row)
	}
	return rows
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func sortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}
