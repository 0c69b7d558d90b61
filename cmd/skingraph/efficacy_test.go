package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// efficacyResponse is the answer to POST /v1/efficacy.
type efficacyResponse struct {
	LoadID string `json:"load_id"`
	DryRun bool   `json:"dry_run"`
	Counts struct {
		Created, Updated, Unchanged int
	} `json:"counts"`
	DataVersion int64 `json:"data_version"`
	Errors      []struct {
		Row     int    `json:"row"`
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func postEfficacy(t *testing.T, url, contentType, body string, wantStatus int) efficacyResponse {
	t.Helper()
	resp, err := http.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNotFound {
		t.Fatalf("POST %s: 404: the route is not wired (api.Deps.EfficacyLoader and v1.POST(\"/efficacy\", ...)): %s", url, b)
	}
	if resp.StatusCode != wantStatus {
		t.Fatalf("POST %s: status %d, want %d: %s", url, resp.StatusCode, wantStatus, b)
	}
	var out efficacyResponse
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("POST %s: decode %s: %v", url, b, err)
	}
	return out
}

func statusVersion(t *testing.T, base string) int64 {
	t.Helper()
	var st struct {
		DataVersion int64 `json:"data_version"`
	}
	getJSON(t, base+"/v1/status", http.StatusOK, &st)
	return st.DataVersion
}

// TestPostEfficacyOverHTTP is the merchandiser's upload end to end on the demo data: a file
// with bad rows is refused as a whole with every bad row named, a good file loads once and
// changes nothing the second time, and a dry run counts without writing.
func TestPostEfficacyOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	s := start(t, existingNeo4j(t), "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	url := base + "/v1/efficacy"
	before := statusVersion(t, base)

	bad := postEfficacy(t, url, "text/csv", badEfficacy, http.StatusUnprocessableEntity)
	type issue struct {
		Row            int
		Field, Message string
	}
	var got []issue
	for _, e := range bad.Errors {
		got = append(got, issue{e.Row, e.Field, e.Message})
	}
	want := []issue{
		{3, "subject", `unknown ingredient "nacinamide" (did you mean "niacinamide"?)`},
		{4, "source", "required"},
		{4, "concern", `unknown concern "acnee" (did you mean "acne"?)`},
		{4, "effect_size", "must be between 0 and 1, got 1.5"},
		{4, "sample_size", "must be at least 1, got 0"},
		{4, "date", `must be a date YYYY-MM-DD, got "2020-02-30"`},
		{5, "subject", `unknown product "demo-00001" (did you mean "demo-0001"?)`},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("bad rows (-want +got):\n%s", diff)
	}
	if v := statusVersion(t, base); v != before {
		t.Errorf("data version after a refused file = %d, want %d", v, before)
	}

	dry := postEfficacy(t, url+"?dry_run=true", "text/csv", goodEfficacy, http.StatusOK)
	if !dry.DryRun || dry.Counts.Created+dry.Counts.Updated != 3 || dry.DataVersion != before {
		t.Errorf("dry run = %+v, want 3 created or updated and data version %d", dry, before)
	}
	if v := statusVersion(t, base); v != before {
		t.Errorf("data version after a dry run = %d, want %d", v, before)
	}

	first := postEfficacy(t, url, "text/csv", goodEfficacy, http.StatusOK)
	if first.Counts != dry.Counts || first.DataVersion != before+1 || first.LoadID == "" {
		t.Errorf("first load = %+v, want the dry run's counts %+v and data version %d", first, dry.Counts, before+1)
	}
	second := postEfficacy(t, url, "text/csv", goodEfficacy, http.StatusOK)
	if second.Counts.Created != 0 || second.Counts.Updated != 0 || second.Counts.Unchanged != 3 || second.DataVersion != before+1 {
		t.Errorf("second load = %+v, want 3 unchanged and data version %d", second, before+1)
	}

	// The same claims as JSON are the same claims: nothing changes.
	asJSON := `[{"subject_type":"ingredient","subject":"Niacinamide","concern":"pores","effect_size":0.5,"sample_size":80,"evidence":"clinical","source":"Study A","date":"2021-03-04"}]`
	third := postEfficacy(t, url, "application/json", asJSON, http.StatusOK)
	if third.Counts.Unchanged != 1 || third.DataVersion != before+1 {
		t.Errorf("JSON load of a stored claim = %+v, want 1 unchanged", third)
	}
	if err := s.stop(t); err != nil {
		t.Errorf("run: %v", err)
	}
}
