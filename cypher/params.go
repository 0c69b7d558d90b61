package cypher

import (
	"sort"
	"time"

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

// productRow is one product as the load statements write it: its key, node properties,
// CONTAINS rows, claims and suitable skin types, and the content hash of all of them.
type productRow struct {
	ID       string
	Props    map[string]any // the Product node's properties
	Contains []containsRow  // one per INCI key, in label order
	Claims   []string       // sorted
	Suits    []string       // sorted
	Hash     string
}

// containsRow is one ingredient of a product's label: a CONTAINS edge.
type containsRow struct {
	INCI, Name    string
	Position      int64
	Concentration string
	MayContain    bool
	List          string
}

func (c containsRow) param() map[string]any {
	return map[string]any{
		"inci": c.INCI, "name": c.Name, "position": c.Position,
		"concentration": c.Concentration, "may_contain": c.MayContain, "list": c.List,
	}
}

// toProductRow converts a product; a kit lists an ingredient in several lists: its first
// position is kept.
func toProductRow(p graph.Product) productRow {
	r := productRow{
		ID: p.ID,
		Props: map[string]any{
			"name": p.Name, "brand": p.Brand, "category": p.Category, "subcategory": p.Subcategory,
			"price": p.Price, "in_stock": !p.OutOfStock, "size": p.Size, "rating": p.Rating, "review_count": int64(p.ReviewCount),
			"highlights": nonNil(p.Highlights), "ingredients_text": p.IngredientsText,
		},
		Claims: sortedCopy(p.Claims), Suits: sortedCopy(p.Suits),
	}
	seen := map[string]bool{}
	for _, in := range p.Ingredients {
		if in.INCI == "" || seen[in.INCI] {
			continue
		}
		seen[in.INCI] = true
		r.Contains = append(r.Contains, containsRow{INCI: in.INCI, Name: in.Name, Position: int64(in.Position),
			Concentration: in.Concentration, MayContain: in.MayContain, List: in.List})
	}
	r.Hash = contentHash(r.content())
	return r
}

// content is the row as the statements get it, without the hash (which is computed from it).
func (r productRow) content() map[string]any {
	ings := make([]any, len(r.Contains))
	for i, c := range r.Contains {
		ings[i] = c.param()
	}
	return map[string]any{"id": r.ID, "props": r.Props, "ingredients": ings, "claims": r.Claims, "suits": r.Suits}
}

func (r productRow) param() map[string]any {
	m := r.content()
	m["hash"] = r.Hash
	return m
}

func toProductRows(products []graph.Product) []productRow {
	rows := make([]productRow, len(products))
	for i, p := range products {
		rows[i] = toProductRow(p)
	}
	return rows
}

func productParams(products []graph.Product) []map[string]any {
	return params(toProductRows(products))
}

// reviewRow is one review as the load statements write it (a REVIEWED edge and the
// reviewer's HAS edges), with the content hash of the rest.
type reviewRow struct {
	ID, Reviewer, ProductID string
	Rating                  int64
	Recommended             bool
	At                      time.Time // UTC
	SkinType, SkinTone      string
	Concerns, Effects       []string // sorted
	Hash                    string
}

func toReviewRow(r graph.Review) reviewRow {
	row := reviewRow{ID: r.ID, Reviewer: r.Reviewer, ProductID: r.ProductID, Rating: int64(r.Rating),
		Recommended: r.Recommended, At: r.At.UTC(), SkinType: r.SkinType, SkinTone: r.SkinTone,
		Concerns: sortedCopy(r.Concerns), Effects: sortedCopy(r.Effects)}
	row.Hash = contentHash(row.content())
	return row
}

// props are the REVIEWED edge's properties.
func (r reviewRow) props() map[string]any {
	return map[string]any{
		"rating": r.Rating, "recommended": r.Recommended, "at": r.At,
		"skin_type": r.SkinType, "skin_tone": r.SkinTone, "concerns": r.Concerns, "effects": r.Effects,
	}
}

func (r reviewRow) content() map[string]any {
	return map[string]any{"id": r.ID, "reviewer": r.Reviewer, "product_id": r.ProductID, "props": r.props()}
}

func (r reviewRow) param() map[string]any {
	m := r.content()
	m["hash"] = r.Hash
	return m
}

func toReviewRows(reviews []graph.Review) []reviewRow {
	rows := make([]reviewRow, len(reviews))
	for i, r := range reviews {
		rows[i] = toReviewRow(r)
	}
	return rows
}

func reviewParams(reviews []graph.Review) []map[string]any {
	return params(toReviewRows(reviews))
}

// params turns typed rows into the list parameter of an UNWIND statement.
func params[T interface{ param() map[string]any }](rows []T) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = r.param()
	}
	return out
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
