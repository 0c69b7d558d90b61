package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestOutOfStockIsNeverRecommended is a merchandiser marking a product out of stock by
// uploading it again with in_stock false: once the projection has the new data version, the
// product is no longer recommended and the answer counts it in excluded with reason
// out_of_stock; uploading it back in stock brings it back. A bad in_stock is a 422 naming it.
func TestOutOfStockIsNeverRecommended(t *testing.T) {
	neo4jtest.Demo(t)
	env := existingNeo4j(t)
	env["SKINGRAPH_REFRESH_INTERVAL"] = "100ms"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	url := base + "/v1/products"

	type exclusion struct {
		ProductID  string `json:"product_id"`
		Ingredient string `json:"ingredient"`
		Reason     string `json:"reason"`
	}
	type answer struct {
		Items []struct {
			Product struct {
				ID string `json:"id"`
			} `json:"product"`
		} `json:"items"`
		DataVersion int64 `json:"data_version"`
		Excluded    struct {
			Count    int         `json:"count"`
			Products []exclusion `json:"products"`
		} `json:"excluded"`
	}
	recommend := func(version int64) answer {
		t.Helper()
		waitFor(t, "the projection to include the upload", time.Minute, func() bool { return statusVersion(t, base) == version })
		resp, body := post(t, base+"/v1/recommendations", map[string]any{
			"profile": map[string]any{"skin_type": "oily", "concerns": []string{"acne"}},
			"filters": map[string]any{"brands": []string{"Skingraph Lab"}}, "limit": 5})
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("recommendations: %d %s", resp.StatusCode, body)
		}
		var a answer
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("decode %s: %v", body, err)
		}
		if a.DataVersion != version {
			t.Fatalf("answer of data version %d, want %d", a.DataVersion, version)
		}
		return a
	}
	ids := func(a answer) []string {
		var out []string
		for _, it := range a.Items {
			out = append(out, it.Product.ID)
		}
		return out
	}

	first := postEfficacy(t, url, "application/json", newProducts, http.StatusOK)
	a := recommend(first.DataVersion)
	if !strings.Contains(strings.Join(ids(a), ","), "merch-0002") || a.Excluded.Count != 0 {
		t.Fatalf("in stock: items %v, excluded %+v; want merch-0002 ranked and nothing excluded", ids(a), a.Excluded)
	}

	// The same product, out of stock, in the project's CSV format.
	const outCSV = "id,name,brand,category,price,in_stock,ingredients,claims,suits\n" +
		"merch-0002,Clear Pore Gel,Skingraph Lab,treatment,18,false,\"Water, Salicylic Acid 2%, Zinc PCA\",acne,oily\n"
	out := postEfficacy(t, url, "text/csv", outCSV, http.StatusOK)
	if out.Counts.Updated != 1 || out.DataVersion != first.DataVersion+1 {
		t.Fatalf("out-of-stock upload = %+v, want 1 updated and version %d", out, first.DataVersion+1)
	}
	var p struct {
		InStock *bool `json:"in_stock"`
	}
	getJSON(t, base+"/v1/products/merch-0002", http.StatusOK, &p)
	if p.InStock == nil || *p.InStock {
		t.Fatalf("GET /v1/products/merch-0002: in_stock %v, want false", p.InStock)
	}
	a = recommend(out.DataVersion)
	if slicesContain(ids(a), "merch-0002") {
		t.Fatalf("out-of-stock merch-0002 recommended: %v", ids(a))
	}
	if diff := cmp.Diff([]exclusion{{ProductID: "merch-0002", Reason: "out_of_stock"}}, a.Excluded.Products); diff != "" || a.Excluded.Count != 1 {
		t.Fatalf("excluded (count %d) (-want +got):\n%s", a.Excluded.Count, diff)
	}

	// Back in stock (JSON Lines, in_stock true).
	back := postEfficacy(t, url, "application/x-ndjson", `{"id":"merch-0002","name":"Clear Pore Gel","brand":"Skingraph Lab","category":"treatment","price":18,"in_stock":true,"ingredients":"Water, Salicylic Acid 2%, Zinc PCA","claims":["acne"],"suits":["oily"]}`+"\n", http.StatusOK)
	a = recommend(back.DataVersion)
	if !slicesContain(ids(a), "merch-0002") || a.Excluded.Count != 0 {
		t.Fatalf("back in stock: items %v, excluded %+v", ids(a), a.Excluded)
	}

	bad := postEfficacy(t, url, "text/csv", "id,name,category,in_stock\nmerch-0005,Toner,toner,maybe\n", http.StatusUnprocessableEntity)
	if len(bad.Errors) != 1 || bad.Errors[0].Row != 2 || bad.Errors[0].Field != "in_stock" {
		t.Fatalf("bad in_stock: errors %+v, want one naming row 2 (the header is row 1), field in_stock", bad.Errors)
	}
	if v := statusVersion(t, base); v != back.DataVersion {
		t.Fatalf("a refused upload moved the data version %d -> %d", back.DataVersion, v)
	}
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
