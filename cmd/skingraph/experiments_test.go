package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

type experimentPage struct {
	rankedDoc
	RecommendationID string  `json:"recommendation_id"`
	Experiment       *string `json:"experiment"`
	Variant          *string `json:"variant"`
}

type experimentResults struct {
	Control  string `json:"control"`
	Variants []struct {
		Variant string `json:"variant"`
		Totals  struct {
			Impressions int64 `json:"impressions"`
			Views       int64 `json:"views"`
			Clicks      int64 `json:"clicks"`
			AddToCarts  int64 `json:"add_to_carts"`
			Purchases   int64 `json:"purchases"`
			CTR         struct {
				Rate, Low, High float64
			} `json:"ctr"`
		} `json:"totals"`
		Days []struct {
			Day string `json:"day"`
		} `json:"days"`
		VsControl *struct {
			CTR struct {
				PValue float64 `json:"p_value"`
			} `json:"ctr"`
		} `json:"vs_control"`
	} `json:"variants"`
}

// TestExperimentsOverHTTP is a merchandiser's experiment on the demo data in a real Neo4j: a
// boost rule tried in one variant applies to that variant's requests only; requests are
// assigned by assignment_id, stably, and those without one get the control; every answer has
// its own recommendation_id; attributed events are counted per variant and read back with
// their intervals; bad experiments and events are refused naming the field.
func TestExperimentsOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	env := existingNeo4j(t)
	env["SKINGRAPH_REFRESH_INTERVAL"] = "100ms"
	env["SKINGRAPH_PSEUDONYM_KEY"] = "an-end-to-end-test-key-of-at-least-32-chars"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	recommend := func(version int64, assignment string) experimentPage {
		t.Helper()
		waitFor(t, "the projection to reach the experiment's version", time.Minute, func() bool { return statusVersion(t, base) >= version })
		body := map[string]any{"profile": map[string]any{"skin_type": "oily", "concerns": []string{"acne"}}, "limit": 5}
		if assignment != "" {
			body["assignment_id"] = assignment
		}
		status, _, b := sendJSON(t, http.MethodPost, base+"/v1/recommendations", body, nil)
		if status != http.StatusOK {
			t.Fatalf("recommendations: %d %s", status, b)
		}
		var p experimentPage
		decodeInto(t, b, &p)
		return p
	}
	before := recommend(statusVersion(t, base), "")
	if before.RecommendationID == "" || before.Variant != nil || before.Experiment != nil {
		t.Fatalf("outside an experiment: id %q, experiment %v, variant %v", before.RecommendationID, before.Experiment, before.Variant)
	}
	target := before.Items[4].Product.ID

	status, _, body := sendJSON(t, http.MethodPost, base+"/v1/rules", map[string]any{
		"name": "Tried boost", "kind": "boost", "amount": 5, "match": map[string]any{"product_ids": []string{target}}}, nil)
	if status != http.StatusCreated {
		t.Fatalf("POST rule: %d %s", status, body)
	}
	var rule ruleDoc
	decodeInto(t, body, &rule)

	// Bad experiments: every field named, nothing written.
	v := statusVersion(t, base)
	status, _, body = sendJSON(t, http.MethodPost, base+"/v1/experiments", map[string]any{
		"name": "", "variants": []map[string]any{{"name": "control", "share": 50}, {"name": "b", "share": 40, "weights": map[string]any{"safety": 0}}}}, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"name"`) || !strings.Contains(string(body), "variants[1].weights.safety") ||
		!strings.Contains(string(body), "sum to 100") {
		t.Errorf("bad experiment: %d %s", status, body)
	}
	status, _, body = sendJSON(t, http.MethodPost, base+"/v1/experiments", map[string]any{
		"name": "x", "variants": []map[string]any{{"name": "control", "share": 50}, {"name": "b", "share": 50, "rule_ids": []string{"rule_nope"}}}}, nil)
	if status != http.StatusUnprocessableEntity || !strings.Contains(string(body), "variants[1].rule_ids[0]") {
		t.Errorf("unknown rule: %d %s", status, body)
	}
	if got := statusVersion(t, base); got != v {
		t.Errorf("refused experiments moved the data version %d -> %d", v, got)
	}

	status, h, body := sendJSON(t, http.MethodPost, base+"/v1/experiments", map[string]any{
		"name": "Boost or not", "variants": []map[string]any{{"name": "control", "share": 50}, {"name": "boosted", "share": 50, "rule_ids": []string{rule.ID}}}}, nil)
	if status != http.StatusCreated || h.Get("ETag") != `"1"` {
		t.Fatalf("POST experiment: %d %s", status, body)
	}
	var exp struct {
		ID          string `json:"id"`
		InForce     bool   `json:"in_force"`
		DataVersion int64  `json:"data_version"`
	}
	decodeInto(t, body, &exp)
	if !exp.InForce {
		t.Errorf("an experiment without a period is not in force")
	}
	if status, _, body = sendJSON(t, http.MethodPost, base+"/v1/experiments", map[string]any{
		"name": "Another", "variants": []map[string]any{{"name": "control", "share": 50}, {"name": "b", "share": 50}}}, nil); status != http.StatusConflict {
		t.Errorf("overlapping experiment: %d %s, want 409", status, body)
	}

	// Assignment: the control without a unit; each unit stable; the rule only in its variant.
	if p := recommend(exp.DataVersion, ""); p.Variant == nil || *p.Variant != "control" || *p.Experiment != exp.ID || p.Items[0].Product.ID == target {
		t.Fatalf("without assignment_id: variant %v, first %s", p.Variant, p.Items[0].Product.ID)
	}
	pages := map[string]experimentPage{}
	units := map[string]string{}
	for i := 0; len(pages) < 2 && i < 64; i++ {
		unit := fmt.Sprintf("user-%d", i)
		p := recommend(exp.DataVersion, unit)
		if _, seen := pages[*p.Variant]; !seen {
			pages[*p.Variant], units[*p.Variant] = p, unit
		}
	}
	if len(pages) != 2 {
		t.Fatalf("64 units were assigned to %d variants", len(pages))
	}
	if first := pages["boosted"].Items[0].Product.ID; first != target {
		t.Errorf("boosted variant: first %s, want %s boosted by the tried rule", first, target)
	}
	if first := pages["control"].Items[0].Product.ID; first == target {
		t.Errorf("control: the tried rule applied")
	}
	again := recommend(exp.DataVersion, units["boosted"])
	if *again.Variant != "boosted" || again.RecommendationID == pages["boosted"].RecommendationID {
		t.Errorf("the same unit again: variant %s, id %s (first %s): want the same variant, a fresh id", *again.Variant, again.RecommendationID, pages["boosted"].RecommendationID)
	}
	var get experimentPage
	getJSON(t, base+"/v1/recommendations?skin_type=oily&concerns=acne&limit=5&assignment_id="+units["boosted"], http.StatusOK, &get)
	if get.Variant == nil || *get.Variant != "boosted" || get.Items[0].Product.ID != target {
		t.Errorf("GET with assignment_id: variant %v", get.Variant)
	}

	// Attributed events, and the figures.
	ctl, bst := pages["control"], pages["boosted"]
	events := fmt.Sprintf(`{"events":[
		{"id":"x1","type":"view","product_id":%q,"recommendation_id":%q,"position":1},
		{"id":"x2","type":"click","product_id":%q,"recommendation_id":%q,"position":1},
		{"id":"x3","type":"view","product_id":%q,"recommendation_id":%q,"position":2},
		{"id":"y1","type":"view","product_id":%q,"recommendation_id":%q,"position":1},
		{"id":"y2","type":"add_to_cart","product_id":%q,"recommendation_id":%q,"position":1},
		{"id":"y3","type":"purchase","product_id":%q,"recommendation_id":%q,"position":1}]}`,
		ctl.Items[0].Product.ID, ctl.RecommendationID, ctl.Items[0].Product.ID, ctl.RecommendationID, ctl.Items[1].Product.ID, ctl.RecommendationID,
		target, bst.RecommendationID, target, bst.RecommendationID, target, bst.RecommendationID)
	if status, b := send(t, http.MethodPost, base+"/v1/events", events); status != http.StatusOK {
		t.Fatalf("attributed events: %d %s", status, b)
	}
	var res experimentResults
	getJSON(t, base+"/v1/experiments/"+exp.ID+"/results", http.StatusOK, &res)
	type totals struct{ Impressions, Views, Clicks, AddToCarts, Purchases int64 }
	var got []totals
	for _, v := range res.Variants {
		got = append(got, totals{v.Totals.Impressions, v.Totals.Views, v.Totals.Clicks, v.Totals.AddToCarts, v.Totals.Purchases})
	}
	if diff := cmp.Diff([]totals{{2, 2, 1, 0, 0}, {1, 1, 0, 1, 1}}, got); diff != "" {
		t.Errorf("totals (-want +got):\n%s", diff)
	}
	if c := res.Variants[0].Totals.CTR; res.Control != "control" || c.Rate != 0.5 || c.Low <= 0 || c.High >= 1 || res.Variants[0].VsControl != nil ||
		res.Variants[1].VsControl == nil || len(res.Variants[1].Days) != 1 {
		t.Errorf("results: %+v", res)
	}

	// Bad attributed events: each field named, nothing recorded.
	for _, tc := range []struct{ body, field string }{
		{`{"events":[{"id":"z1","type":"click","product_id":"demo-0001","recommendation_id":"nope"}]}`, "events[0].recommendation_id"},
		{`{"events":[{"id":"z2","type":"click","product_id":"demo-0001","recommendation_id":"` + ctl.RecommendationID + `","position":0}]}`, "events[0].position"},
		{`{"events":[{"id":"z3","type":"click","product_id":"demo-0001","position":3}]}`, "events[0].position"},
		{`{"events":[{"id":"z4","type":"rating","rating":5,"product_id":"demo-0001","recommendation_id":"` + ctl.RecommendationID + `"}]}`, "events[0].recommendation_id"},
	} {
		if status, b := send(t, http.MethodPost, base+"/v1/events", tc.body); status != http.StatusUnprocessableEntity || !strings.Contains(b, tc.field) {
			t.Errorf("%s: %d %s, want 422 naming %s", tc.body, status, b, tc.field)
		}
	}

	// The experiment over: rules of experiments apply to nobody, answers carry no variant.
	url := base + "/v1/experiments/" + exp.ID
	if status, _, body = sendJSON(t, http.MethodPut, url, map[string]any{"name": "Boost or not", "until": time.Now().Add(-time.Minute),
		"variants": []map[string]any{{"name": "control", "share": 50}, {"name": "boosted", "share": 50, "rule_ids": []string{rule.ID}}}}, map[string]string{"If-Match": `"1"`}); status != http.StatusOK {
		t.Fatalf("PUT experiment: %d %s", status, body)
	}
	decodeInto(t, body, &exp)
	if p := recommend(exp.DataVersion, units["boosted"]); p.Variant != nil || p.Items[0].Product.ID == target {
		t.Errorf("after the experiment: variant %v, first %s", p.Variant, p.Items[0].Product.ID)
	}
	var list struct {
		Experiments []struct {
			ID      string `json:"id"`
			InForce bool   `json:"in_force"`
		} `json:"experiments"`
	}
	getJSON(t, base+"/v1/experiments", http.StatusOK, &list)
	if len(list.Experiments) != 1 || list.Experiments[0].InForce {
		t.Errorf("list: %+v", list)
	}
	if status, _, body = sendJSON(t, http.MethodDelete, url, nil, map[string]string{"If-Match": `"1"`}); status != http.StatusPreconditionFailed {
		t.Errorf("DELETE with a stale ETag: %d %s", status, body)
	}
	if status, _, body = sendJSON(t, http.MethodDelete, url, nil, map[string]string{"If-Match": `"2"`}); status != http.StatusNoContent {
		t.Errorf("DELETE: %d %s", status, body)
	}
}
