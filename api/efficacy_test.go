package api

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
)

// fakeEfficacy answers from the body it is given: a body starting with "bad" is refused row
// by row, "down" is an unavailable Neo4j; anything else is loaded with fixed counts.
type fakeEfficacy struct {
	format string
	dryRun bool
	body   string
}

func (f *fakeEfficacy) LoadEfficacy(_ context.Context, body io.Reader, format string, dryRun bool) (graph.LoadResult, error) {
	b, err := io.ReadAll(body)
	if err != nil {
		return graph.LoadResult{}, fmt.Errorf("read: %w", err)
	}
	f.format, f.dryRun, f.body = format, dryRun, string(b)
	switch {
	case strings.HasPrefix(f.body, "bad"):
		verr := &graph.ValidationError{}
		verr.Add(2, "concern", `unknown concern "acnee" (did you mean "acne"?)`)
		verr.Add(3, "effect_size", "must be between 0 and 1, got 1.5")
		return graph.LoadResult{}, fmt.Errorf("loader: %w", verr)
	case strings.HasPrefix(f.body, "down"):
		return graph.LoadResult{}, fmt.Errorf("neo4j at bolt://internal:7687: %w", graph.ErrUnavailable)
	}
	return graph.LoadResult{LoadID: "efficacy-1", Changed: !dryRun,
		Counts:  map[string]graph.Counts{"efficacy": {Created: 2, Updated: 1, Unchanged: 4}},
		Version: graph.DataVersion{N: 7}}, nil
}

func efficacyServer(l EfficacyLoader) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.POST("/v1/efficacy", handle(zerolog.Nop(), efficacyHandler(l)))
	return r
}

func TestPostEfficacy(t *testing.T) {
	tests := []struct {
		name, path, contentType, body string
		wantStatus                    int
		wantFormat                    string
		wantDryRun                    bool
		want                          string // JSON, compared after decoding
	}{
		{"csv", "/v1/efficacy", "text/csv; charset=utf-8", "subject_type,...", 200, "csv", false,
			`{"load_id":"efficacy-1","dry_run":false,"changed":true,"counts":{"created":2,"updated":1,"unchanged":4},"data_version":7}`},
		{"json dry run", "/v1/efficacy?dry_run=true", "application/json", "[]", 200, "json", true,
			`{"load_id":"efficacy-1","dry_run":true,"changed":false,"counts":{"created":2,"updated":1,"unchanged":4},"data_version":7}`},
		{"no content type sniffs", "/v1/efficacy", "", "x", 200, "", false,
			`{"load_id":"efficacy-1","dry_run":false,"changed":true,"counts":{"created":2,"updated":1,"unchanged":4},"data_version":7}`},
		{"bad rows", "/v1/efficacy", "text/csv", "bad", 422, "csv", false,
			`{"type":"about:blank","title":"Invalid input","status":422,"detail":"the input has invalid fields; see errors","instance":"/v1/efficacy",
			  "errors":[{"row":2,"field":"concern","message":"unknown concern \"acnee\" (did you mean \"acne\"?)"},
			            {"row":3,"field":"effect_size","message":"must be between 0 and 1, got 1.5"}]}`},
		{"neo4j down", "/v1/efficacy", "text/csv", "down", 503, "csv", false,
			`{"type":"about:blank","title":"Service unavailable","status":503,"detail":"a dependency is unavailable; retry later","instance":"/v1/efficacy"}`},
		{"unsupported type", "/v1/efficacy", "application/xml", "<x/>", 415, "", false,
			`{"type":"about:blank","title":"Unsupported media type","status":415,"detail":"send text/csv, application/json or application/x-ndjson, not application/xml","instance":"/v1/efficacy"}`},
		{"bad dry_run", "/v1/efficacy?dry_run=maybe", "text/csv", "x", 400, "", false,
			`{"type":"about:blank","title":"Invalid dry_run","status":400,"instance":"/v1/efficacy","errors":[{"field":"dry_run","message":"must be true or false"}]}`},
		{"too large", "/v1/efficacy", "text/csv", strings.Repeat("x", maxUploadBody+1), 413, "", false,
			`{"type":"about:blank","title":"Body too large","status":413,"detail":"an uploaded efficacy file may hold at most 16777216 bytes","instance":"/v1/efficacy"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fake := &fakeEfficacy{}
			header := map[string]string{}
			if tt.contentType != "" {
				header["Content-Type"] = tt.contentType
			}
			resp, body := serveOnce(t, efficacyServer(fake), http.MethodPost, tt.path, tt.body, header)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantStatus, body)
			}
			var got, want any
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("body %q: %v", body, err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatalf("want: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if tt.wantStatus < 300 || tt.wantStatus == 422 || tt.wantStatus == 503 {
				if fake.format != tt.wantFormat || fake.dryRun != tt.wantDryRun || fake.body != tt.body {
					t.Errorf("loader got format %q dry run %v body %q", fake.format, fake.dryRun, fake.body)
				}
			}
		})
	}
}

func TestPostEfficacyWithoutLoader(t *testing.T) {
	resp, body := serveOnce(t, efficacyServer(nil), http.MethodPost, "/v1/efficacy", "x", map[string]string{"Content-Type": "text/csv"})
	if resp.StatusCode != http.StatusNotImplemented {
		t.Errorf("status %d, want 501: %s", resp.StatusCode, body)
	}
}
