package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestCatalogueOverHTTP covers search (prefix and typo tolerant), ingredient pages and the
// routine check on the demo data.
func TestCatalogueOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	s := start(t, existingNeo4j(t), "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr

	type hits struct {
		Hits []struct {
			Kind string `json:"kind"`
			Key  string `json:"key"`
			Name string `json:"name"`
		} `json:"hits"`
	}
	for _, q := range []string{"niacin", "niacinamdie", "Niacinamide"} {
		var h hits
		getJSON(t, base+"/v1/search?q="+url.QueryEscape(q), http.StatusOK, &h)
		found := false
		for _, hit := range h.Hits {
			if hit.Kind == "ingredient" && hit.Key == "niacinamide" {
				found = true
			}
		}
		if !found {
			t.Errorf("search %q did not find the ingredient niacinamide: %+v", q, h.Hits)
		}
	}
	var p productResponse
	getJSON(t, base+"/v1/products/demo-0001", http.StatusOK, &p)
	word := strings.Fields(p.Name)[0]
	var h hits
	getJSON(t, base+"/v1/search?q="+url.QueryEscape(word[:len(word)-1])+"&limit=50", http.StatusOK, &h)
	found := false
	for _, hit := range h.Hits {
		found = found || hit.Key == "demo-0001"
	}
	if !found {
		t.Errorf("prefix search %q did not find %q", word[:len(word)-1], p.Name)
	}
	getJSON(t, base+"/v1/search?q=", http.StatusUnprocessableEntity, nil)

	var ing struct {
		INCI         string `json:"inci"`
		Curated      bool   `json:"curated"`
		ProductCount int    `json:"product_count"`
		Treats       []any  `json:"treats"`
	}
	getJSON(t, base+"/v1/ingredients/"+url.PathEscape("Niacinamide 10%"), http.StatusOK, &ing)
	if ing.INCI != "niacinamide" || !ing.Curated || ing.ProductCount == 0 || len(ing.Treats) == 0 {
		t.Errorf("ingredient = %+v", ing)
	}
	getJSON(t, base+"/v1/ingredients/unobtainium", http.StatusNotFound, nil)

	// Two demo products whose ingredients conflict, found with the analyst endpoint.
	resp, body := post(t, base+"/v1/cypher", map[string]any{"query": `MATCH (a:Product)-[:CONTAINS]->(:Ingredient)-[:CONFLICTS_WITH]-(:Ingredient)<-[:CONTAINS]-(b:Product)
		WHERE a.id < b.id RETURN a.id, b.id ORDER BY a.id, b.id LIMIT 1`})
	var table struct {
		Rows [][]string `json:"rows"`
	}
	if err := json.Unmarshal(body, &table); err != nil || resp.StatusCode != 200 || len(table.Rows) != 1 {
		t.Fatalf("cypher: %d %s", resp.StatusCode, body)
	}
	resp, body = post(t, base+"/v1/routine/check", map[string]any{"product_ids": table.Rows[0]})
	var check struct {
		OK        bool `json:"ok"`
		Conflicts []struct {
			Products []string `json:"products"`
			Reason   string   `json:"reason"`
			Text     string   `json:"text"`
		} `json:"conflicts"`
	}
	if err := json.Unmarshal(body, &check); err != nil || resp.StatusCode != 200 || check.OK || len(check.Conflicts) == 0 || check.Conflicts[0].Reason == "" {
		t.Errorf("routine check: %d %s", resp.StatusCode, body)
	}
	resp, body = post(t, base+"/v1/routine/check", map[string]any{"product_ids": []string{"demo-0001", "nope"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"product_ids[1]"`) {
		t.Errorf("unknown product: %d %s", resp.StatusCode, body)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
