package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/google/go-cmp/cmp"
	"github.com/rs/zerolog"
)

// pendingRoutes are operations the spec already describes (DESIGN.md section 4, issue 5) whose
// handlers other branches are adding. The lead empties this list when merging them; from then
// on a spec path without a route fails TestOpenAPICoversRoutes like a route without a spec.
var pendingRoutes = map[string]bool{}

var ginParam = regexp.MustCompile(`:([A-Za-z0-9_]+)`)

func TestOpenAPICoversRoutes(t *testing.T) {
	r := newRouter(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	routes := map[string]bool{}
	for _, rt := range r.Routes() {
		if rt.Path == "/" || strings.HasPrefix(rt.Path, "/ui/") {
			continue // the web pages, not the API
		}
		routes[rt.Method+" "+ginParam.ReplaceAllString(rt.Path, "{$1}")] = true
	}
	s, err := parseSpec()
	if err != nil {
		t.Fatal(err)
	}
	inSpec := map[string]bool{}
	for path, ops := range s.Paths {
		for method := range ops {
			inSpec[strings.ToUpper(method)+" "+path] = true
		}
	}
	var missing, extra []string
	for k := range routes {
		if !inSpec[k] {
			missing = append(missing, k)
		}
	}
	for k := range inSpec {
		if !routes[k] && !pendingRoutes[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not described in api/openapi.json", k)
	}
	for _, k := range extra {
		t.Errorf("api/openapi.json describes %s, which has no route (and is not in pendingRoutes)", k)
	}
	if len(routes) < 15 {
		t.Errorf("only %d routes found: %v", len(routes), routes)
	}
	// Every $ref names a schema that exists.
	for _, m := range regexp.MustCompile(`"#/components/schemas/([A-Za-z]+)"`).FindAllSubmatch(openAPISpec, -1) {
		if _, ok := s.Components.Schemas[string(m[1])]; !ok {
			t.Errorf("$ref to unknown schema %s", m[1])
		}
	}
}

func TestOpenAPIAndDocsAreServed(t *testing.T) {
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	resp, body := serveOnce(t, h, "GET", "/openapi.json", "", nil)
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &doc) != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json: %d %.200s", resp.StatusCode, body)
	}
	resp, page := serveOnce(t, h, "GET", "/docs", "", nil)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("docs: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	// Every operation is on the page, and the page fetches nothing from elsewhere.
	for path, ops := range doc.Paths {
		for method := range ops {
			if !strings.Contains(page, "<code>"+path+"</code>") || !strings.Contains(page, `class="m `+method+`">`+strings.ToUpper(method)) {
				t.Errorf("docs page lacks %s %s", method, path)
			}
		}
	}
	for _, bad := range []string{"<script", "<link", "src=", "https://"} {
		if strings.Contains(page, bad) {
			t.Errorf("docs page contains %q: it must be self-contained", bad)
		}
	}
	if !strings.Contains(page, `id="schema-Problem"`) {
		t.Error("docs page lacks the problem+json schema")
	}
}

func TestGzipWhenAskedOnly(t *testing.T) {
	big := strings.Repeat(`{"id":"p","name":"A serum"},`, 100)
	r := newRouter(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	r.GET("/test/big", func(c *gin.Context) { c.Data(200, "application/json", []byte(big)) })
	r.GET("/test/tiny", func(c *gin.Context) { c.Data(200, "application/json", []byte(`{"ok":true}`)) })
	r.GET("/test/events", func(c *gin.Context) {
		c.Header("Content-Type", "text/event-stream")
		c.Status(200)
		for range 3 {
			_, _ = c.Writer.WriteString("data: " + big + "\n\n")
			c.Writer.Flush()
		}
	})
	h := compress(r)
	tests := []struct {
		name, path, accept string
		wantGzip           bool
	}{
		{"big body, gzip asked", "/test/big", "gzip, deflate", true},
		{"big body, not asked", "/test/big", "", false},
		{"big body, other coding asked", "/test/big", "br", false},
		{"tiny body", "/test/tiny", "gzip", false},
		{"event stream", "/test/events", "gzip", false},
		{"spec", "/openapi.json", "gzip", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			hdr := map[string]string{}
			if tt.accept != "" {
				hdr["Accept-Encoding"] = tt.accept
			}
			resp, body := serveOnce(t, h, "GET", tt.path, "", hdr)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			gotGzip := resp.Header.Get("Content-Encoding") == "gzip"
			if gotGzip != tt.wantGzip {
				t.Fatalf("Content-Encoding = %q, want gzip %v", resp.Header.Get("Content-Encoding"), tt.wantGzip)
			}
			if gotGzip {
				zr, err := gzip.NewReader(bytes.NewReader([]byte(body)))
				if err != nil {
					t.Fatal(err)
				}
				plain, err := io.ReadAll(zr)
				if err != nil {
					t.Fatal(err)
				}
				if tt.path == "/test/big" && string(plain) != big {
					t.Errorf("decompressed body differs")
				}
				if len(body) >= len(plain) {
					t.Errorf("gzip did not shrink the body: %d >= %d", len(body), len(plain))
				}
			} else if tt.path == "/test/big" && body != big {
				t.Errorf("plain body differs")
			}
			if tt.path == "/test/events" && strings.Count(body, "data: ") != 3 {
				t.Errorf("event stream = %.100s", body)
			}
		})
	}
}

var serverTiming = regexp.MustCompile(`^([a-z0-9]+(;dur=[0-9]+\.[0-9]{3})?(;desc=[a-z]+)?, )*total;dur=[0-9]+\.[0-9]{3}$`)

func TestServerTimingOnEveryResponse(t *testing.T) {
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	tests := []struct {
		method, path string
		wantStatus   int
		wantEntries  []string // names before total
	}{
		{"GET", "/healthz", 200, nil},
		{"GET", "/readyz", 200, []string{"neo4j"}}, // ping and schema check add up in one entry
		{"GET", "/v1/products/p1", 200, []string{"neo4j"}},
		{"GET", "/v1/products/p2", 404, []string{"neo4j"}},
		{"GET", "/v1/nothing-here", 404, nil},
		{"POST", "/v1/recommendations", 400, nil},
		{"GET", "/metrics", 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			resp, _ := serveOnce(t, h, tt.method, tt.path, "", map[string]string{"Content-Type": "application/json"})
			st := resp.Header.Get("Server-Timing")
			if resp.StatusCode != tt.wantStatus || !serverTiming.MatchString(st) {
				t.Fatalf("%d Server-Timing %q", resp.StatusCode, st)
			}
			var names []string
			for _, e := range strings.Split(st, ", ") {
				if n := strings.SplitN(e, ";", 2)[0]; n != "total" {
					names = append(names, n)
				}
			}
			if diff := cmp.Diff(tt.wantEntries, names); diff != "" {
				t.Errorf("entries of %q (-want +got):\n%s", st, diff)
			}
		})
	}
}

// TestMetricsPerServer: each server has its own registry, so two servers in one process count
// their own requests; errors are counted by status.
func TestMetricsPerServer(t *testing.T) {
	a := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	b := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	for range 3 {
		serveOnce(t, a, "GET", "/v1/products/p1", "", nil)
	}
	serveOnce(t, a, "GET", "/v1/products/p2", "", nil)
	serveOnce(t, b, "GET", "/healthz", "", nil)
	serveOnce(t, b, "BREW", "/healthz", "", nil)
	_, textA := serveOnce(t, a, "GET", "/metrics", "", nil)
	_, textB := serveOnce(t, b, "GET", "/metrics", "", nil)
	tests := []struct {
		name, text, series, want string
	}{
		{"a: requests 200", textA, `skingraph_http_requests_total{code="200",method="GET",route="/v1/products/:id"}`, "3"},
		{"a: requests 404", textA, `skingraph_http_requests_total{code="404",method="GET",route="/v1/products/:id"}`, "1"},
		{"a: latency count", textA, `skingraph_http_request_duration_seconds_count{method="GET",route="/v1/products/:id",status_class="2xx"}`, "3"},
		{"a: errors by status", textA, `skingraph_http_errors_total{code="404"}`, "1"},
		{"a: neo4j product calls", textA, `skingraph_neo4j_query_duration_seconds_count{operation="product"}`, "4"},
		{"a: a not-found is no neo4j error", textA, `skingraph_neo4j_query_errors_total{operation="product"}`, ""},
		{"b: its own request only", textB, `skingraph_http_requests_total{code="200",method="GET",route="/healthz"}`, "1"},
		{"b: unknown methods are one label", textB, `skingraph_http_requests_total{code="405",method="other",route="unmatched"}`, "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := seriesValue(tt.text, tt.series); got != tt.want {
				t.Errorf("%s = %q, want %q", tt.series, got, tt.want)
			}
		})
	}
	if strings.Contains(textB, `route="/v1/products/:id"`) {
		t.Error("server b reports server a's requests")
	}
}

// seriesValue returns the value of one series in a Prometheus text exposition ("" if absent).
func seriesValue(text, series string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

func TestStatusClass(t *testing.T) {
	for status, want := range map[int]string{101: "1xx", 200: "2xx", 304: "3xx", 404: "4xx", 422: "4xx", 503: "5xx"} {
		if got := statusClass(status); got != want {
			t.Errorf("statusClass(%d) = %s, want %s", status, got, want)
		}
	}
}

func TestETagMatchesEveryRepresentation(t *testing.T) {
	const etag = `"v3-abc-0-1-"`
	tests := []struct {
		header string
		want   bool
	}{
		{`"v3-abc-0-1-"`, true},
		{`W/"v3-abc-0-1-"`, true},
		{`"v3-abc-0-1--gzip"`, true}, // the ETag the gzip middleware sent
		{`"x", "v3-abc-0-1--gzip"`, true},
		{`*`, true},
		{`"v2-abc-0-1-"`, false},
		{`"v3-abc-0-1-"-gzip`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := etagMatches(tt.header, etag); got != tt.want {
			t.Errorf("etagMatches(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}
