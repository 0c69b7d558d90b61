package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

type ruleDoc struct {
	ID          string  `json:"id"`
	Name        string  `json:"name"`
	Kind        string  `json:"kind"`
	Amount      float64 `json:"amount"`
	Revision    int64   `json:"revision"`
	CreatedBy   string  `json:"created_by"`
	DataVersion int64   `json:"data_version"`
}

type rankedDoc struct {
	Items []struct {
		Product struct {
			ID string `json:"id"`
		} `json:"product"`
		Score float64 `json:"score"`
		Why   []struct {
			Kind         string         `json:"kind"`
			Text         string         `json:"text"`
			Contribution float64        `json:"contribution"`
			Evidence     map[string]any `json:"evidence"`
		} `json:"why"`
	} `json:"items"`
	DataVersion int64 `json:"data_version"`
	Excluded    struct {
		Count    int `json:"count"`
		Products []struct {
			ProductID string `json:"product_id"`
			Reason    string `json:"reason"`
		} `json:"products"`
	} `json:"excluded"`
}

// sendJSON makes one request with a JSON body and headers, and returns the status, the headers
// and the body.
func sendJSON(t *testing.T, method, url string, body any, header map[string]string) (int, http.Header, []byte) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, url, r)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, out
}

func decodeInto(t *testing.T, b []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
}

// TestRulesOverHTTP is a merchandiser's rules on the demo data in a real Neo4j: a boost rule
// lifts a product, shows in its why[] with its contribution and keeps score == sum(why); the
// rule turned into a filter (with the ETag read) excludes it, counted with reason rule:<name>;
// a stale If-Match is 412, a missing one 428; a pin puts a product first; bad rules are 422
// naming each field and change nothing; a deleted rule stops applying.
func TestRulesOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	env := existingNeo4j(t)
	env["SKINGRAPH_REFRESH_INTERVAL"] = "100ms"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	profile := map[string]any{"profile": map[string]any{"skin_type": "oily", "concerns": []string{"acne"}}, "limit": 5, "explain": "summary"}
	recommend := func(version int64) rankedDoc {
		t.Helper()
		waitFor(t, "the projection to reach the rule's version", time.Minute, func() bool { return statusVersion(t, base) >= version })
		status, _, body := sendJSON(t, http.MethodPost, base+"/v1/recommendations", profile, nil)
		if status != http.StatusOK {
			t.Fatalf("recommendations: %d %s", status, body)
		}
		var d rankedDoc
		decodeInto(t, body, &d)
		for _, it := range d.Items {
			sum := 0.0
			for _, w := range it.Why {
				sum += w.Contribution
			}
			if math.Abs(sum-it.Score) > 1e-6 {
				t.Errorf("%s: score %v != sum of why %v", it.Product.ID, it.Score, sum)
			}
		}
		return d
	}
	before := recommend(statusVersion(t, base))
	if len(before.Items) != 5 {
		t.Fatalf("%d items, want 5", len(before.Items))
	}
	target := before.Items[4].Product.ID

	// A boost.
	status, h, body := sendJSON(t, http.MethodPost, base+"/v1/rules", map[string]any{
		"name": "Summer acne push", "kind": "boost", "amount": 5,
		"condition": map[string]any{"skin_types": []string{"oily"}},
		"match":     map[string]any{"product_ids": []string{target}}}, nil)
	if status != http.StatusCreated || h.Get("ETag") != `"1"` {
		t.Fatalf("POST /v1/rules: %d ETag %q %s", status, h.Get("ETag"), body)
	}
	var rule ruleDoc
	decodeInto(t, body, &rule)
	if h.Get("Location") != "/v1/rules/"+rule.ID || rule.Revision != 1 || rule.DataVersion != before.DataVersion+1 {
		t.Fatalf("created %+v, Location %q; want revision 1, data version %d", rule, h.Get("Location"), before.DataVersion+1)
	}
	boosted := recommend(rule.DataVersion)
	if boosted.Items[0].Product.ID != target {
		t.Fatalf("boosted %s is not first: %+v", target, boosted.Items)
	}
	var ruleWhy []float64
	for _, w := range boosted.Items[0].Why {
		if w.Kind == "rule" {
			ruleWhy = append(ruleWhy, w.Contribution)
		}
	}
	if diff := cmp.Diff([]float64{5}, ruleWhy); diff != "" {
		t.Errorf("rule contributions (-want +got):\n%s", diff)
	}

	// Read it, turn it into a filter with the ETag; a stale or missing If-Match is refused.
	url := base + "/v1/rules/" + rule.ID
	status, h, _ = sendJSON(t, http.MethodGet, url, nil, nil)
	if status != http.StatusOK || h.Get("ETag") != `"1"` {
		t.Fatalf("GET rule: %d ETag %q", status, h.Get("ETag"))
	}
	filter := map[string]any{"name": "Hide it", "kind": "filter", "match": map[string]any{"product_ids": []string{target}}}
	status, h, body = sendJSON(t, http.MethodPut, url, filter, map[string]string{"If-Match": `"1"`})
	if status != http.StatusOK || h.Get("ETag") != `"2"` {
		t.Fatalf("PUT with the current ETag: %d ETag %q %s", status, h.Get("ETag"), body)
	}
	var updated ruleDoc
	decodeInto(t, body, &updated)
	if status, _, body = sendJSON(t, http.MethodPut, url, filter, map[string]string{"If-Match": `"1"`}); status != http.StatusPreconditionFailed {
		t.Fatalf("PUT with a stale ETag: %d %s, want 412", status, body)
	}
	if status, _, body = sendJSON(t, http.MethodPut, url, filter, nil); status != http.StatusPreconditionRequired {
		t.Fatalf("PUT without If-Match: %d %s, want 428", status, body)
	}
	if status, _, body = sendJSON(t, http.MethodDelete, url, nil, map[string]string{"If-Match": `"1"`}); status != http.StatusPreconditionFailed {
		t.Fatalf("DELETE with a stale ETag: %d %s, want 412", status, body)
	}
	filtered := recommend(updated.DataVersion)
	for _, it := range filtered.Items {
		if it.Product.ID == target {
			t.Fatalf("filtered %s recommended", target)
		}
	}
	found := false
	for _, e := range filtered.Excluded.Products {
		found = found || (e.ProductID == target && e.Reason == "rule:Hide it")
	}
	if !found || filtered.Excluded.Count < 1 {
		t.Errorf("excluded %+v: want %s with reason rule:Hide it", filtered.Excluded, target)
	}

	// A pin of the fifth product of the filtered list at the top.
	pinned := filtered.Items[4].Product.ID
	status, _, body = sendJSON(t, http.MethodPost, base+"/v1/rules", map[string]any{
		"name": "Feature", "kind": "pin", "product_id": pinned, "position": 1}, nil)
	if status != http.StatusCreated {
		t.Fatalf("POST pin: %d %s", status, body)
	}
	var pin ruleDoc
	decodeInto(t, body, &pin)
	if got := recommend(pin.DataVersion); got.Items[0].Product.ID != pinned {
		t.Errorf("pinned %s not first: %+v", pinned, got.Items)
	}

	// Bad rules: each field named, nothing written.
	v := statusVersion(t, base)
	status, _, body = sendJSON(t, http.MethodPost, base+"/v1/rules", map[string]any{
		"kind": "boost", "amount": -1, "condition": map[string]any{"skin_types": []string{"oilly"}},
		"match": map[string]any{}}, nil)
	var problem struct {
		Errors []struct {
			Field string `json:"field"`
		} `json:"errors"`
	}
	decodeInto(t, body, &problem)
	var fields []string
	for _, e := range problem.Errors {
		fields = append(fields, e.Field)
	}
	if diff := cmp.Diff([]string{"name", "condition.skin_types[0]", "amount", "match"}, fields); status != http.StatusUnprocessableEntity || diff != "" {
		t.Errorf("bad rule: %d, fields (-want +got):\n%s", status, diff)
	}
	if status, _, body = sendJSON(t, http.MethodPost, base+"/v1/rules", map[string]any{"name": "x", "kind": "pin", "product_id": pinned, "position": 0, "colour": "red"}, nil); status != http.StatusUnprocessableEntity {
		t.Errorf("unknown field: %d %s, want 422", status, body)
	}
	if got := statusVersion(t, base); got != v {
		t.Errorf("refused rules moved the data version %d -> %d", v, got)
	}

	// List, delete, and the filter no longer applies.
	status, _, body = sendJSON(t, http.MethodGet, base+"/v1/rules", nil, nil)
	var list struct {
		Rules []ruleDoc `json:"rules"`
	}
	decodeInto(t, body, &list)
	if status != http.StatusOK || len(list.Rules) != 2 {
		t.Fatalf("GET /v1/rules: %d %s, want 2 rules", status, body)
	}
	status, _, body = sendJSON(t, http.MethodDelete, url, nil, map[string]string{"If-Match": `"2"`})
	if status != http.StatusNoContent {
		t.Fatalf("DELETE: %d %s", status, body)
	}
	if status, _, _ = sendJSON(t, http.MethodGet, url, nil, nil); status != http.StatusNotFound {
		t.Errorf("GET deleted rule: %d, want 404", status)
	}
	after := recommend(v + 1)
	if after.Excluded.Count != 0 {
		t.Errorf("after the delete: excluded %+v, want none", after.Excluded)
	}

	// Diversity: at most one product of a brand in a page of 10 (the demo data has 25 brands).
	for _, q := range []string{"?skin_type=oily&concerns=acne&limit=10&max_per_brand=1", "?skin_type=dry&limit=10&max_per_brand=1"} {
		status, _, body = sendJSON(t, http.MethodGet, base+"/v1/recommendations"+q, nil, nil)
		var page struct {
			Items []struct {
				Product struct {
					ID    string `json:"id"`
					Brand string `json:"brand"`
				} `json:"product"`
			} `json:"items"`
		}
		decodeInto(t, body, &page)
		brands := map[string]bool{}
		for _, it := range page.Items {
			if brands[it.Product.Brand] {
				t.Errorf("%s: brand %s twice in the page", q, it.Product.Brand)
			}
			brands[it.Product.Brand] = true
		}
		if status != http.StatusOK || len(page.Items) != 10 {
			t.Errorf("%s: %d, %d items", q, status, len(page.Items))
		}
	}
	if status, _, body = sendJSON(t, http.MethodPost, base+"/v1/recommendations", map[string]any{"max_per_brand": -1}, nil); status != http.StatusUnprocessableEntity || !bytes.Contains(body, []byte("max_per_brand")) {
		t.Errorf("max_per_brand -1: %d %s, want 422 naming it", status, body)
	}
}
