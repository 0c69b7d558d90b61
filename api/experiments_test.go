package api

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/ranker"
)

// TestExperimentValidationNamesEveryField checks the 422s of experiment writes, of
// recommendation requests' assignment_id and of attributed events before any store is reached
// (nil stores: a write that got through would answer 501), and that PUT and DELETE want
// If-Match.
func TestExperimentValidationNamesEveryField(t *testing.T) {
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
		url, body string
		fields    []string
	}{
		{"/v1/experiments", `{"variants":[]}`, []string{"name", "variants"}},
		{"/v1/experiments", `{"name":"x","variants":[{"name":"control","share":50},{"name":"control","share":40,"weights":{"prior":11,"safety":0.5,"colour":2}}]}`,
			[]string{"variants[1].name", "variants[1].weights.colour", "variants[1].weights.prior", "variants[1].weights.safety", "variants"}},
		{"/v1/experiments", `{"name":"x","from":"2026-07-01T00:00:00Z","until":"2026-06-01T00:00:00Z","variants":[{"name":"A","share":50},{"name":"b","share":50,"rule_ids":[""]}]}`,
			[]string{"until", "variants[0].name", "variants[1].rule_ids[0]"}},
		{"/v1/experiments", `{"name":"x","variants":[{"name":"a","share":50},{"name":"b","share":50}],"colour":"red"}`, []string{"colour"}},
		{"/v1/recommendations", `{"assignment_id":"` + strings.Repeat("x", 129) + `"}`, []string{"assignment_id"}},
		{"/v1/recommendations", `{"assignment_id":""}`, []string{"assignment_id"}},
	} {
		w := do(http.MethodPost, c.url, c.body, nil)
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
	valid := `{"name":"x","variants":[{"name":"control","share":50},{"name":"b","share":50,"weights":{"peer_rating":2}}]}`
	if w := do(http.MethodPost, "/v1/experiments", valid, nil); w.Code != http.StatusNotImplemented {
		t.Errorf("a valid experiment without a store: %d, want 501: %s", w.Code, w.Body)
	}
	if w := do(http.MethodPut, "/v1/experiments/e1", valid, nil); w.Code != http.StatusPreconditionRequired {
		t.Errorf("PUT without If-Match: %d, want 428", w.Code)
	}
	if w := do(http.MethodDelete, "/v1/experiments/e1", "", map[string]string{"If-Match": "*"}); w.Code != http.StatusNotImplemented {
		t.Errorf("DELETE without a store: %d, want 501", w.Code)
	}
	if w := do(http.MethodGet, "/v1/recommendations?skin_type=oily&assignment_id=", "", nil); w.Code != http.StatusUnprocessableEntity || !strings.Contains(w.Body.String(), "assignment_id") {
		t.Errorf("GET with an empty assignment_id: %d %s, want 422 naming it", w.Code, w.Body)
	}
}

// BenchmarkAppendAttribution is what every recommendations answer pays for its
// recommendation_id, experiment and variant (docs/PERFORMANCE.md).
func BenchmarkAppendAttribution(b *testing.B) {
	asg := ranker.Assignment{Experiment: "exp_0123456789abcdef", Variant: "boosted", Key: "exp_0123456789abcdef/boosted"}
	buf := make([]byte, 0, 192)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendAttribution(buf[:0], asg)
	}
}
