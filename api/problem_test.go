package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
)

func TestToProblemMapsEverySentinelOnce(t *testing.T) {
	verr := &graph.ValidationError{File: "f.csv"}
	verr.Add(3, "price", "must not be negative")
	tests := []struct {
		err        error
		wantStatus int
		wantDetail string
		wantErrors []FieldIssue
	}{
		// 4xx do not show the error chain either (it names packages and internal ids).
		{fmt.Errorf("cypher: product \"p\": %w", graph.ErrNotFound), 404, "there is no such resource", nil},
		{fmt.Errorf("op: %w", verr), 422, "the input has invalid fields; see errors", []FieldIssue{{File: "f.csv", Row: 3, Field: "price", Message: "must not be negative"}}},
		{fmt.Errorf("loader: %w", &graph.FieldError{Field: "limit", Message: "too big"}), 422, "limit: too big", []FieldIssue{{Field: "limit", Message: "too big"}}},
		{fmt.Errorf("op: %w", graph.ErrConflict), 409, "the request conflicts with the current state of the resource", nil},
		{fmt.Errorf("op: %w", graph.ErrForbidden), 403, "this key may not do this", nil},
		{fmt.Errorf("op: %w", &graph.Reason{Kind: graph.ErrLimit, Text: "db.memory.transaction.max threshold reached"}), 422, "db.memory.transaction.max threshold reached", nil},
		{fmt.Errorf("op: %w", &graph.Reason{Kind: graph.ErrBusy, Text: "2 queries run"}), 429, "2 queries run", nil},
		{fmt.Errorf("op: %w", &graph.Reason{Kind: graph.ErrForbidden, Text: "LOAD CSV is not allowed"}), 403, "LOAD CSV is not allowed", nil},
		// 5xx never leak the cause.
		{fmt.Errorf("neo4j at bolt://secret-host:7687: %w", graph.ErrUnavailable), 503, "a dependency is unavailable; retry later", nil},
		{errors.New("nil pointer somewhere internal"), 500, "the server failed to answer; the request id identifies it in the logs", nil},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			p := toProblem(tt.err)
			if p.Status != tt.wantStatus || p.Detail != tt.wantDetail {
				t.Errorf("toProblem = %d %q, want %d %q", p.Status, p.Detail, tt.wantStatus, tt.wantDetail)
			}
			if diff := cmp.Diff(tt.wantErrors, p.Errors); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

type fakeHealth struct{ err error }

func (f fakeHealth) Ping(context.Context) error                { return f.err }
func (f fakeHealth) SchemaReady(context.Context) (bool, error) { return f.err == nil, nil }

type fakeCatalogue struct{}

func (fakeCatalogue) Product(_ context.Context, id string) (graph.ProductDetail, error) {
	if id == "p1" {
		return graph.ProductDetail{Product: graph.Product{ID: "p1", Name: "Serum"}}, nil
	}
	return graph.ProductDetail{}, fmt.Errorf("product %q: %w", id, graph.ErrNotFound)
}

func (fakeCatalogue) Ingredient(_ context.Context, inci string) (graph.IngredientDetail, error) {
	return graph.IngredientDetail{}, fmt.Errorf("ingredient %q: %w", inci, graph.ErrNotFound)
}

func (fakeCatalogue) Search(context.Context, string, int) ([]graph.SearchHit, error) { return nil, nil }

func serveOnce(t *testing.T, h http.Handler, method, path, body string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	resp := rec.Result()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestRoutesAnswerWithProblemsAndRequestIDs(t *testing.T) {
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	tests := []struct {
		method, path string
		header       map[string]string
		wantStatus   int
		wantType     string
	}{
		{"GET", "/healthz", nil, 200, "application/json"},
		{"GET", "/readyz", nil, 200, "application/json"},
		{"GET", "/v1/products/p1", nil, 200, "application/json"},
		{"GET", "/v1/products/p2", nil, 404, "application/problem+json"},
		{"GET", "/v1/nothing-here", nil, 404, "application/problem+json"},
		{"DELETE", "/healthz", nil, 405, "application/problem+json"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, body := serveOnce(t, h, tt.method, tt.path, "", tt.header)
			if resp.StatusCode != tt.wantStatus || !strings.HasPrefix(resp.Header.Get("Content-Type"), tt.wantType) {
				t.Errorf("%d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
			}
			if resp.Header.Get("X-Request-ID") == "" {
				t.Error("no X-Request-ID")
			}
			if tt.wantStatus >= 400 {
				var p Problem
				if err := json.Unmarshal([]byte(body), &p); err != nil || p.Status != tt.wantStatus || p.Title == "" {
					t.Errorf("problem = %s", body)
				}
			}
		})
	}
	// A client's request id is echoed when well formed and replaced when not.
	resp, _ := serveOnce(t, h, "GET", "/healthz", "", map[string]string{"X-Request-ID": "abc-123"})
	if got := resp.Header.Get("X-Request-ID"); got != "abc-123" {
		t.Errorf("request id = %q", got)
	}
	resp, _ = serveOnce(t, h, "GET", "/healthz", "", map[string]string{"X-Request-ID": "bad id\"with quotes"})
	if got := resp.Header.Get("X-Request-ID"); got == "" || strings.Contains(got, " ") {
		t.Errorf("request id = %q", got)
	}
	// Readiness fails with 503 when Neo4j does not answer.
	down := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{err: graph.ErrUnavailable}, Log: zerolog.Nop()})
	resp, body := serveOnce(t, down, "GET", "/readyz", "", nil)
	if resp.StatusCode != 503 || !strings.Contains(body, "neo4j: unreachable") {
		t.Errorf("readyz with neo4j down: %d %s", resp.StatusCode, body)
	}
}

func TestDecodeJSONNamesProblems(t *testing.T) {
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	tests := []struct {
		name, body, contentType string
		wantStatus              int
		wantInBody              string
	}{
		{"unknown nested fields", `{"profile":{"skin_typ":"oily","x":1},"limt":3}`, "application/json", 422, `"field":"limt"`},
		{"wrong type", `{"limit":"ten"}`, "application/json", 422, `"field":"limit","message":"must be a JSON number"`},
		{"syntax", `{"limit":`, "application/json", 400, "Malformed JSON"},
		{"two values", `{} {}`, "application/json", 400, "more than one JSON value"},
		{"empty", ``, "application/json", 400, "the body is empty"},
		{"not json", `limit=3`, "application/x-www-form-urlencoded", 415, "send application/json"},
		{"too large", `{"profile":{"concerns":["` + strings.Repeat("a", maxBody) + `"]}}`, "application/json", 413, "at most"},
		{"null body", `null`, "application/json", 400, "not null"},
		{"null field", `{"fields":null}`, "application/json", 422, `"field":"fields","message":"must not be null`},
		{"null item", `{"profile":{"liked_products":[null]}}`, "application/json", 422, `"field":"profile.liked_products[0]"`},
		{"empty explain", `{"explain":""}`, "application/json", 422, `"field":"explain","message":"must not be empty`},
		{"limit 0", `{"limit":0}`, "application/json", 422, `"field":"limit","message":"must not be 0`},
		{"limit 1.5", `{"limit":1.5}`, "application/json", 422, `"field":"limit","message":"must be a JSON number"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := serveOnce(t, h, "POST", "/v1/recommendations", tt.body, map[string]string{"Content-Type": tt.contentType})
			if resp.StatusCode != tt.wantStatus || !strings.Contains(body, tt.wantInBody) {
				t.Errorf("got %d %s; want %d containing %q", resp.StatusCode, body, tt.wantStatus, tt.wantInBody)
			}
		})
	}
}

func TestDecodeJSONReadsWholeNumbersAsIntegers(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{`{"limit":63.0}`, `{"limit":63}`},
		{`{"limit":6.3e1,"a":[1.0,2.5,{"b":-0.0}]}`, `{"a":[1,2.5,{"b":-0}],"limit":63}`},
		{`{"limit":63}`, `{"limit":63}`},
		{`{"big":1e300}`, `{"big":1e300}`},
	}
	for _, tt := range tests {
		dec := json.NewDecoder(strings.NewReader(tt.in))
		dec.UseNumber()
		var raw any
		if err := dec.Decode(&raw); err != nil {
			t.Fatal(err)
		}
		integralNumbers(raw)
		got, _ := json.Marshal(raw)
		if diff := cmp.Diff(tt.want, string(got)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.in, diff)
		}
	}
}
