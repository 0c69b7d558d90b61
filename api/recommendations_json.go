package api

import (
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

func toItemsJSON(items []ranker.Item, fields []string, explain ranker.Explain) []gin.H {
	out := make([]gin.H, 0, len(items))
	for _, it := range items {
		o := gin.H{"product": productFieldsJSON(it.Product, fields), "score": it.Score}
		if explain != ranker.ExplainNone {
			whys := make([]whyJSON, 0, len(it.Why))
			for _, w := range it.Why {
				wj := whyJSON{Kind: w.Kind, Text: w.Text, Contribution: w.Contribution, Cypher: w.Cypher, Evidence: w.Evidence}
				if explain == ranker.ExplainFull {
					wj.Path = toPathJSON(w.Path)
				}
				whys = append(whys, wj)
			}
			warnings := make([]warningJSON, 0, len(it.Warnings))
			for _, w := range it.Warnings {
				warnings = append(warnings, warningJSON(w))
			}
			o["why"], o["warnings"] = whys, warnings
		}
		out = append(out, o)
	}
	return out
}

func toPathJSON(p ranker.Path) *pathJSON {
	pj := &pathJSON{Nodes: make([]nodeJSON, 0, len(p.Nodes)), Relationships: make([]relJSON, 0, len(p.Rels))}
	for _, n := range p.Nodes {
		pj.Nodes = append(pj.Nodes, nodeJSON(n))
	}
	for i, r := range p.Rels {
		from, to := i, i+1
		if !r.Forward {
			from, to = to, from
		}
		pj.Relationships = append(pj.Relationships, relJSON{Type: r.Type, From: from, To: to, Props: r.Props})
	}
	return pj
}

func productFieldsJSON(p graph.ProjectedProduct, fields []string) gin.H {
	all := gin.H{"id": p.ID, "name": p.Name, "brand": p.Brand, "category": p.Category, "price": p.Price,
		"rating": p.Rating, "review_count": p.ReviewCount}
	if len(fields) == 0 {
		return all
	}
	out := gin.H{"id": p.ID}
	for _, f := range fields {
		out[f] = all[f]
	}
	return out
}

func toExcludedJSON(res ranker.Result) gin.H {
	list := make([]gin.H, 0, len(res.Excluded))
	for _, e := range res.Excluded {
		list = append(list, gin.H{"product_id": e.ProductID, "ingredient": e.Ingredient, "reason": e.Reason})
	}
	return gin.H{"count": res.ExcludedCount, "products": list}
}
