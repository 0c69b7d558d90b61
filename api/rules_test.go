package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
)

// TestRuleValidationNamesEveryField checks the 422s of rule writes before any store is
// reached (the store behind the route is nil: a write that got through would answer 501), and
// that PUT and DELETE want If-Match.
func TestRuleValidationNamesEveryField(t *testing.T) {
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	do := func(method, url, body string, header map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	for _, c := range []struct {
		body   string
		fields []string
	}{
		{`{"kind":"boost","amount":-1,"match":{}}`, []string{"name", "amount", "match"}},
		{`{"name":"x","kind":"pin","product_id":"p1","position":0,"amount":2}`, []string{"amount", "position"}},
		{`{"name":"x","kind":"boost","amount":1,"match":{"ingredients":["%%%"],"claims":["acnee"]},"condition":{"skin_types":["oilly"]}}`,
			[]string{"match.ingredients[0]", "condition.skin_types[0]", "match.claims[0]"}},
		{`{"name":"x","kind":"filter","match":{"brands":["A"]},"from":"2026-07-01T00:00:00Z","until":"2026-06-01T00:00:00Z"}`, []string{"until"}},
		{`{"name":"x","kind":"shout","match":{"brands":["A"]}}`, []string{"kind"}},
		{`{"name":"x","kind":"filter","match":{"brands":["A"]},"colour":"red"}`, []string{"colour"}},
	} {
		w := do(http.MethodPost, "/v1/rules", c.body, nil)
		if w.Code != http.StatusUnprocessableEntity {
			t.Errorf("%s: status %d, want 422: %s", c.body, w.Code, w.Body)
			continue
		}
		var got []string
		for _, part := range strings.Split(w.Body.String(), `"field":"`)[1:] {
			got = append(got, part[:strings.Index(part, `"`)])
		}
		if diff := cmp.Diff(c.fields, got); diff != "" {
			t.Errorf("%s: fields (-want +got):\n%s", c.body, diff)
		}
	}
	valid := `{"name":"x","kind":"filter","match":{"brands":["A"]}}`
	if w := do(http.MethodPost, "/v1/rules", valid, nil); w.Code != http.StatusNotImplemented {
		t.Errorf("a valid rule without a store: %d, want 501", w.Code)
	}
	if w := do(http.MethodPut, "/v1/rules/r1", valid, nil); w.Code != http.StatusPreconditionRequired {
		t.Errorf("PUT without If-Match: %d, want 428", w.Code)
	}
	if w := do(http.MethodPut, "/v1/rules/r1", valid, map[string]string{"If-Match": "*"}); w.Code != http.StatusBadRequest {
		t.Errorf("PUT with If-Match *: %d, want 400 (not a rule's ETag)", w.Code)
	}
}
