package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/loadgen"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// scrape returns the /metrics text of a running server.
func scrape(t *testing.T, base string) string {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	return string(b)
}

// metricValue returns the value of one series ("" when absent).
func metricValue(text, series string) string {
	for _, line := range strings.Split(text, "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return v
		}
	}
	return ""
}

// getTiming GETs url and returns the status and the Server-Timing header without its first
// entry, the shedding's queue wait, which every shed-able route has (the test fails without
// it).
func getTiming(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	st := resp.Header.Get("Server-Timing")
	queue, rest, ok := strings.Cut(st, ", ")
	if !ok || !strings.HasPrefix(queue, "queue;dur=") {
		t.Errorf("GET %s: Server-Timing %q does not start with the queue wait", url, st)
		return resp.StatusCode, st
	}
	return resp.StatusCode, rest
}

// TestMetricsAndServerTimingOverHTTP serves the demo data from a real Neo4j, makes requests as
// a client would and checks what /metrics and Server-Timing say about them.
func TestMetricsAndServerTimingOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	s := start(t, existingNeo4j(t), "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr

	// A product read goes to Neo4j: its time is in Server-Timing.
	status, st := getTiming(t, base+"/v1/products/demo-0001")
	if status != 200 || !strings.HasPrefix(st, "neo4j;dur=") || !strings.Contains(st, "total;dur=") {
		t.Errorf("product: %d Server-Timing %q", status, st)
	}
	getTiming(t, base+"/v1/products/nope")

	// The same recommendation twice or more: a miss that ranks, then cache hits (Ristretto
	// admits sets asynchronously, so allow a few requests).
	const rec = "/v1/recommendations?skin_type=oily&concerns=acne&limit=5"
	status, st = getTiming(t, base+rec)
	if status != 200 || !strings.HasPrefix(st, "cache;desc=miss, rank;dur=") {
		t.Errorf("first recommendation: %d Server-Timing %q", status, st)
	}
	hit := false
	for i := 0; i < 20 && !hit; i++ {
		time.Sleep(10 * time.Millisecond)
		_, st = getTiming(t, base+rec)
		hit = strings.HasPrefix(st, "cache;dur=") && strings.Contains(st, ";desc=hit, total;dur=")
	}
	if !hit {
		t.Errorf("no cache hit; last Server-Timing %q", st)
	}

	// Asked for gzip, a page comes compressed with its own ETag, and that ETag revalidates.
	gz := func(etag string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, base+rec, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	resp := gz("")
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || resp.Header.Get("Content-Encoding") != "gzip" || !strings.HasSuffix(etag, `-gzip"`) {
		t.Errorf("gzip page: %d %v", resp.StatusCode, resp.Header)
	}
	if resp = gz(etag); resp.StatusCode != http.StatusNotModified || !strings.Contains(resp.Header.Get("Server-Timing"), "total;dur=") {
		t.Errorf("revalidating the gzip ETag: %d %v", resp.StatusCode, resp.Header)
	}

	// skingraph bench against the live server: a short uncached run, reported as JSON.
	var out syncBuffer
	err := run(context.Background(), []string{"bench", "--url", base, "--mode", "uncached", "--workers", "2",
		"--duration", "500ms", "--warmup", "0s", "--json", "-"}, Env{Getenv: func(string) string { return "" }, Stdout: &out, Stderr: io.Discard})
	var rep loadgen.Report
	if err != nil || json.Unmarshal([]byte(out.String()), &rep) != nil {
		t.Fatalf("bench: %v %s", err, out.String())
	}
	if rep.Mode != "uncached" || rep.Requests == 0 || rep.Errors != 0 || !(rep.P50 <= rep.P99 && rep.P99 <= rep.P999) {
		t.Errorf("bench report %+v", rep)
	}

	// The server records a request's duration after its answer is written, so the bench may
	// have counted its last answers a moment before they are in /metrics.
	const benchSeries = `skingraph_http_request_duration_seconds_count{method="POST",route="/v1/recommendations",status_class="2xx"}`
	waitFor(t, "the bench's requests in /metrics", 10*time.Second, func() bool {
		v, err := strconv.ParseFloat(metricValue(scrape(t, base), benchSeries), 64)
		return err == nil && v >= float64(rep.Requests)
	})
	var stat struct {
		DataVersion int64 `json:"data_version"`
		Cache       struct {
			Hits, Misses uint64
			Pages        struct{ Hits, Misses uint64 }
			Results      struct{ Hits, Misses uint64 }
		} `json:"cache"`
	}
	getJSON(t, base+"/v1/status", 200, &stat)
	text := scrape(t, base)
	num := func(series string) float64 {
		t.Helper()
		v := metricValue(text, series)
		f, err := strconv.ParseFloat(v, 64)
		if err != nil {
			t.Errorf("series %s = %q\n%s", series, v, text)
		}
		return f
	}
	tests := []struct {
		series string
		check  func(float64) bool
		want   string
	}{
		{`skingraph_http_requests_total{code="200",method="GET",route="/v1/products/:id"}`, func(v float64) bool { return v == 1 }, "1"},
		{`skingraph_http_requests_total{code="404",method="GET",route="/v1/products/:id"}`, func(v float64) bool { return v == 1 }, "1"},
		{`skingraph_http_errors_total{code="404"}`, func(v float64) bool { return v == 1 }, "1"},
		{`skingraph_http_request_duration_seconds_count{method="GET",route="/v1/recommendations",status_class="2xx"}`, func(v float64) bool { return v >= 3 }, ">= 3"},
		{benchSeries, func(v float64) bool { return v >= float64(rep.Requests) }, "at least the bench's requests"},
		{`skingraph_http_requests_total{code="304",method="GET",route="/v1/recommendations"}`, func(v float64) bool { return v == 1 }, "1"},
		{`skingraph_neo4j_query_duration_seconds_count{operation="product"}`, func(v float64) bool { return v == 2 }, "2"},
		{`skingraph_neo4j_query_duration_seconds_count{operation="project"}`, func(v float64) bool { return v >= 1 }, ">= 1 (the first projection)"},
		{`skingraph_neo4j_query_duration_seconds_count{operation="data_version"}`, func(v float64) bool { return v >= 1 }, ">= 1"},
		{`skingraph_page_cache_hits_total`, func(v float64) bool { return v >= 1 && v >= float64(stat.Cache.Pages.Hits) }, ">= 1 and >= the page hits /v1/status saw"},
		{`skingraph_page_cache_misses_total`, func(v float64) bool { return v >= 1 }, ">= 1"},
		{`skingraph_result_cache_hits_total`, func(v float64) bool { return v >= float64(stat.Cache.Results.Hits) }, ">= the result hits /v1/status saw"},
		{`skingraph_result_cache_misses_total`, func(v float64) bool { return v >= 1 }, ">= 1"},
		{`skingraph_projection_data_version`, func(v float64) bool { return v == float64(stat.DataVersion) && v >= 1 }, "the status's data version"},
		{`skingraph_projection_age_seconds`, func(v float64) bool { return v > 0 && v < 600 }, "in (0, 600)"},
		{`skingraph_projection_build_seconds{phase="build"}`, func(v float64) bool { return v > 0 }, "> 0"},
		{`skingraph_projection_build_seconds{phase="prepare"}`, func(v float64) bool { return v > 0 }, "> 0 (the ranker's terms, before the first projection was served)"},
		{`skingraph_projection_size{kind="nodes"}`, func(v float64) bool { return v > 0 }, "> 0"},
		{`skingraph_projection_refresh_failing`, func(v float64) bool { return v == 0 }, "0"},
		{`skingraph_projection_snapshots_total{how="rebuild"}`, func(v float64) bool { return v == 0 }, "0 (no change needed a full build)"},
		{`skingraph_projection_snapshots_total{how="delta"}`, func(v float64) bool { return v >= 0 }, "a count"},
		{`skingraph_projection_delta_seconds{phase="embed"}`, func(v float64) bool { return v >= 0 && v < 60 }, "in [0, 60)"},
	}
	for _, tt := range tests {
		if v := num(tt.series); !tt.check(v) {
			t.Errorf("%s = %v, want %s", tt.series, v, tt.want)
		}
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
