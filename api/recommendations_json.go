package api

import (
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

type whyJSON struct {
	Kind         string         `json:"kind"`
	Text         string         `json:"text"`
	Contribution float64        `json:"contribution"`
	Path         *pathJSON      `json:"path,omitempty"`
	Cypher       string         `json:"cypher,omitempty"`
	Evidence     map[string]any `json:"evidence,omitempty"`
}

type pathJSON struct {
	Nodes         []nodeJSON `json:"nodes"`
	Relationships []relJSON  `json:"relationships"`
}

type nodeJSON struct {
	Label string `json:"label"`
	Key   string `json:"key"`
	Value string `json:"value"`
	Name  string `json:"name,omitempty"`
}

type relJSON struct {
	Type  string         `json:"type"`
	From  int            `json:"from"` // index into nodes
	To    int            `json:"to"`
	Props map[string]any `json:"properties,omitempty"`
}

type warningJSON struct {
	Kind        string    `json:"kind"`
	Text        string    `json:"text"`
	With        string    `json:"with"`
	Ingredients [2]string `json:"ingredients"`
	Severity    float64   `json:"severity"`
}

// itemJSON is one recommended product. why and warnings are pointers so that explain=none
// leaves them out while an explained item with no warnings still says "warnings": [].
// With warnings=page, Warnings holds *[]warningRefJSON and the page's conflicts hold the texts.
type itemJSON struct {
	Product  any        `json:"product"`
	Score    float64    `json:"score"`
	Why      *[]whyJSON `json:"why,omitempty"`
	Warnings any        `json:"warnings,omitempty"`
}

// conflictJSON is one routine conflict of a page (warnings=page): two products of the page
// whose ingredients should not be used in the same routine, given once however many items
// name it.
type conflictJSON struct {
	ID          string    `json:"id"`
	Products    [2]string `json:"products"`
	Ingredients [2]string `json:"ingredients"` // the first product's ingredient, the second's
	Severity    float64   `json:"severity"`
	Text        string    `json:"text"`
}

// warningRefJSON is an item's warning that points to a conflict of the page.
type warningRefJSON struct {
	Kind     string `json:"kind"`
	Conflict string `json:"conflict"`
	With     string `json:"with"`
}

// pageConflicts moves the items' routine-conflict warnings to the page: each conflict once
// (the two products carry it in mirror image), and each item a reference to it.
func pageConflicts(items []ranker.Item, out []itemJSON) []conflictJSON {
	type end struct{ product, ingredient string }
	type pair struct{ a, b end }
	ids := map[pair]string{}
	conflicts := []conflictJSON{}
	for i, it := range items {
		if out[i].Warnings == nil {
			continue
		}
		refs := make([]warningRefJSON, 0, len(it.Warnings))
		for _, w := range it.Warnings {
			self, other := end{it.Product.ID, w.Ingredients[0]}, end{w.With, w.Ingredients[1]}
			id, ok := ids[pair{other, self}]
			if !ok {
				id = "c" + strconv.Itoa(len(conflicts)+1)
				ids[pair{self, other}] = id
				conflicts = append(conflicts, conflictJSON{ID: id, Products: [2]string{self.product, other.product},
					Ingredients: [2]string{self.ingredient, other.ingredient}, Severity: w.Severity, Text: w.Text})
			}
			refs = append(refs, warningRefJSON{Kind: w.Kind, Conflict: id, With: w.With})
		}
		out[i].Warnings = &refs
	}
	return conflicts
}

// productSummaryJSON is a product with every field (no fields= selection).
type productSummaryJSON struct {
	Brand       string  `json:"brand"`
	Category    string  `json:"category"`
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Price       float64 `json:"price"`
	Rating      float64 `json:"rating"`
	ReviewCount int     `json:"review_count"`
}

// toItemsJSON converts a page for encoding. The reasons, paths, nodes and relationships of the
// whole page are carved out of one slice each: a page with full explanations has about eighty
// reasons, and one allocation per path, node list and relationship list was a tenth of an
// uncached request's allocations.
func toItemsJSON(items []ranker.Item, fields []string, explain ranker.Explain) []itemJSON {
	out := make([]itemJSON, 0, len(items))
	var whys []whyJSON
	var warnings []warningJSON
	var paths []pathJSON
	var nodes []nodeJSON
	var rels []relJSON
	if explain != ranker.ExplainNone {
		var nWhy, nWarn, nNode, nRel int
		for _, it := range items {
			nWhy, nWarn = nWhy+len(it.Why), nWarn+len(it.Warnings)
			for _, w := range it.Why {
				nNode, nRel = nNode+len(w.Path.Nodes), nRel+len(w.Path.Rels)
			}
		}
		whys, warnings = make([]whyJSON, 0, nWhy), make([]warningJSON, 0, nWarn)
		if explain == ranker.ExplainFull {
			paths, nodes, rels = make([]pathJSON, 0, nWhy), make([]nodeJSON, 0, nNode), make([]relJSON, 0, nRel)
		}
	}
	for _, it := range items {
		o := itemJSON{Product: productFieldsJSON(it.Product, fields), Score: it.Score}
		if explain != ranker.ExplainNone {
			first := len(whys)
			for _, w := range it.Why {
				wj := whyJSON{Kind: w.Kind, Text: w.Text, Contribution: w.Contribution, Cypher: w.Cypher, Evidence: w.Evidence}
				if explain == ranker.ExplainFull {
					paths = append(paths, toPathJSON(w.Path, &nodes, &rels))
					wj.Path = &paths[len(paths)-1]
				}
				whys = append(whys, wj)
			}
			firstWarning := len(warnings)
			for _, w := range it.Warnings {
				warnings = append(warnings, warningJSON(w))
			}
			itemWhys, itemWarnings := whys[first:len(whys):len(whys)], warnings[firstWarning:len(warnings):len(warnings)]
			o.Why, o.Warnings = &itemWhys, &itemWarnings
		}
		out = append(out, o)
	}
	return out
}

// toPathJSON converts p, appending its nodes and relationships to the page's slices (which
// have room for them all, so the returned sub-slices stay valid).
func toPathJSON(p ranker.Path, nodes *[]nodeJSON, rels *[]relJSON) pathJSON {
	firstNode, firstRel := len(*nodes), len(*rels)
	for _, n := range p.Nodes {
		*nodes = append(*nodes, nodeJSON(n))
	}
	for i, r := range p.Rels {
		from, to := i, i+1
		if !r.Forward {
			from, to = to, from
		}
		*rels = append(*rels, relJSON{Type: r.Type, From: from, To: to, Props: r.Props})
	}
	return pathJSON{Nodes: (*nodes)[firstNode:len(*nodes):len(*nodes)], Relationships: (*rels)[firstRel:len(*rels):len(*rels)]}
}

// productFieldsJSON is the product with every field, or with id and the fields asked for.
func productFieldsJSON(p graph.ProjectedProduct, fields []string) any {
	all := productSummaryJSON{ID: p.ID, Name: p.Name, Brand: p.Brand, Category: p.Category, Price: p.Price,
		Rating: p.Rating, ReviewCount: p.ReviewCount}
	if len(fields) == 0 {
		return all
	}
	out := gin.H{"id": p.ID}
	for _, f := range fields {
		switch f {
		case "name":
			out[f] = all.Name
		case "brand":
			out[f] = all.Brand
		case "category":
			out[f] = all.Category
		case "price":
			out[f] = all.Price
		case "rating":
			out[f] = all.Rating
		case "review_count":
			out[f] = all.ReviewCount
		}
	}
	return out
}

type exclusionJSON struct {
	ProductID  string `json:"product_id"`
	Ingredient string `json:"ingredient"`
	Reason     string `json:"reason"`
}

type excludedJSON struct {
	Count    int             `json:"count"`
	Products []exclusionJSON `json:"products"`
}

func toExcludedJSON(res ranker.Result) excludedJSON {
	list := make([]exclusionJSON, 0, len(res.Excluded))
	for _, e := range res.Excluded {
		list = append(list, exclusionJSON(e))
	}
	return excludedJSON{Count: res.ExcludedCount, Products: list}
}

// pageJSON is a page of recommendations without generated_at (added per answer).
type pageJSON struct {
	DataVersion int64           `json:"data_version"`
	Degraded    bool            `json:"degraded"`
	Excluded    excludedJSON    `json:"excluded"`
	Items       []itemJSON      `json:"items"`
	NextCursor  *string         `json:"next_cursor"`
	Conflicts   *[]conflictJSON `json:"conflicts,omitempty"` // warnings=page only
	Partial     bool            `json:"partial"`
	Total       int             `json:"total"`
}
