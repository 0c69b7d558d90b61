package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

const newProducts = `[
 {"id":"merch-0001","name":"Barrier Repair Cream","brand":"Skingraph Lab","category":"moisturizer","price":24,
  "ingredients":"Aqua, Glycerin, Ceramide NP, Niacinamide 4%, Panthenol","claims":["dryness"],"suits":["dry"]},
 {"id":"merch-0002","name":"Clear Pore Gel","brand":"Skingraph Lab","category":"treatment","price":18,
  "ingredients":"Water, Salicylic Acid 2%, Zinc PCA","claims":["acne"],"suits":["oily"]}
]`

const badProducts = `{"id":"merch-0003","name":"","category":"serumm","price":-4}
{"id":"merch-0004","name":"Toner","category":"toner","claims":["acnee"]}
{"id":"merch-0004","name":"Toner again","category":"toner"}
`

// TestPostProductsOverHTTP is a merchandiser's product upload on the demo data: bad rows are
// refused as a whole and named; a dry run counts without writing; the upload commits once,
// changes nothing the second time, and its products are served and ranked.
func TestPostProductsOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	env := existingNeo4j(t)
	env["SKINGRAPH_REFRESH_INTERVAL"] = "100ms"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	url := base + "/v1/products"
	before := statusVersion(t, base)

	bad := postEfficacy(t, url, "application/x-ndjson", badProducts, http.StatusUnprocessableEntity)
	type issue struct {
		Row   int
		Field string
	}
	var got []issue
	for _, e := range bad.Errors {
		got = append(got, issue{e.Row, e.Field})
	}
	want := []issue{{1, "name"}, {1, "category"}, {1, "price"}, {2, "claims[0]"}, {3, "id"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bad rows (-want +got):\n%s", diff)
	}
	if v := statusVersion(t, base); v != before {
		t.Fatalf("a refused upload moved the data version %d -> %d", before, v)
	}

	dry := postEfficacy(t, url+"?dry_run=true", "application/json", newProducts, http.StatusOK)
	if !dry.DryRun || dry.Counts.Created != 2 || dry.DataVersion != before {
		t.Fatalf("dry run = %+v, want 2 to create and version %d", dry, before)
	}
	getJSON(t, base+"/v1/products/merch-0001", http.StatusNotFound, nil)

	first := postEfficacy(t, url, "application/json", newProducts, http.StatusOK)
	if first.Counts.Created != 2 || first.DataVersion != before+1 {
		t.Fatalf("upload = %+v, want 2 created and version %d", first, before+1)
	}
	second := postEfficacy(t, url, "application/json", newProducts, http.StatusOK)
	if second.Counts.Unchanged != 2 || second.Counts.Created+second.Counts.Updated != 0 || second.DataVersion != first.DataVersion {
		t.Fatalf("second upload = %+v, want 2 unchanged and no new version", second)
	}
	var p productResponse
	getJSON(t, base+"/v1/products/merch-0001", http.StatusOK, &p)
	var incis []string
	for _, in := range p.Ingredients {
		incis = append(incis, in.INCI)
	}
	if !strings.Contains(strings.Join(incis, ","), "niacinamide") || !strings.Contains(strings.Join(incis, ","), "water") {
		t.Fatalf("uploaded product's ingredients %v: want normalised INCI keys (Aqua -> water)", incis)
	}
	waitFor(t, "the projection to include the upload", time.Minute, func() bool { return statusVersion(t, base) == first.DataVersion })
	resp, body := post(t, base+"/v1/recommendations", map[string]any{
		"profile": map[string]any{"skin_type": "oily", "concerns": []string{"acne"}},
		"filters": map[string]any{"brands": []string{"Skingraph Lab"}}, "limit": 5})
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "merch-0002") {
		t.Fatalf("recommendations after the upload: %d %s; want merch-0002 ranked", resp.StatusCode, body)
	}
}
