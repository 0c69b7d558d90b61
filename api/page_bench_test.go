package api

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// benchResult is a page shaped like a Sephora answer with explain=full: ten products, eight
// reasons each with a two- or three-node path, Cypher and evidence.
func benchResult() ranker.Result {
	res := ranker.Result{Version: graph.DataVersion{N: 3}, Total: 2400, ExcludedCount: 2,
		Excluded: []ranker.Exclusion{{ProductID: "P1", Ingredient: "parfum", Reason: "aggravates sensitivity: fragrance"}}}
	for i := range 10 {
		it := ranker.Item{Product: graph.ProjectedProduct{ID: fmt.Sprintf("P%06d", i), Name: "Acne+ 2% BHA + Azelaic Acid + Niacinamide Cleanser",
			Brand: "Skinfix", Category: "cleanser", Price: 35, Rating: 4.56, ReviewCount: 432}, Score: 1.2 - float64(i)/100}
		for j := range 8 {
			it.Why = append(it.Why, ranker.Why{Kind: "concern_fit", Contribution: 0.1 * float64(j),
				Text: "Contains Salicylic Acid (1st ingredient), which targets acne - clinical evidence (efficacy 0.60)",
				Path: ranker.Path{
					Nodes: []ranker.NodeRef{{Label: "Product", Key: "id", Value: it.Product.ID, Name: it.Product.Name},
						{Label: "Ingredient", Key: "inci", Value: "salicylic acid", Name: "Salicylic Acid"}, {Label: "Concern", Key: "name", Value: "acne"}},
					Rels: []ranker.RelRef{{Type: "CONTAINS", Forward: true, Props: map[string]any{"position": 1}},
						{Type: "TREATS", Forward: true, Props: map[string]any{"efficacy": 0.6, "evidence": "clinical"}}},
				},
				Cypher:   "MATCH p = (:Product {id: $product})-[:CONTAINS]->(:Ingredient {inci: $inci})-[:TREATS]->(:Concern {name: $concern}) RETURN p",
				Evidence: map[string]any{"position": 1, "efficacy": 0.6, "evidence": "clinical", "source": "https://example.org/study"}})
		}
		res.Items = append(res.Items, it)
	}
	return res
}

// BenchmarkEncodePage measures encoding a page of recommendations with full explanations,
// the main cost of an uncached request after ranking.
func BenchmarkEncodePage(b *testing.B) {
	res := benchResult()
	req := ranker.Request{Limit: 10, Explain: ranker.ExplainFull}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := encodePage(res, req, "k", nil, false, false); err != nil {
			b.Fatal(err)
		}
	}
}

func TestEncodePageMatchesEncodingJSON(t *testing.T) {
	res := benchResult()
	for _, req := range []ranker.Request{
		{Limit: 10, Explain: ranker.ExplainFull},
		{Limit: 10, Explain: ranker.ExplainSummary},
		{Limit: 3, Explain: ranker.ExplainNone, Offset: 2},
	} {
		got, err := encodePage(res, req, "k", nil, true, false)
		if err != nil {
			t.Fatal(err)
		}
		var v any
		if err := json.Unmarshal(got, &v); err != nil {
			t.Fatal(err)
		}
		out := pageJSON{Items: toItemsJSON(res.Items, nil, req.Explain), DataVersion: res.Version.N, Degraded: true,
			Partial: res.Partial, Total: res.Total, Excluded: toExcludedJSON(res)}
		if next := req.Offset + len(res.Items); len(res.Items) == req.Limit && next < res.Total {
			c := encodeCursor(cursor{Version: res.Version.N, Key: "k", Offset: next})
			out.NextCursor = &c
		}
		want, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Fatalf("explain %v: go-json and encoding/json differ:\n%s\n%s", req.Explain, got, want)
		}
	}
}
