package api

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// The HTTP benchmarks drive the whole router in-process (middleware, handler, ranking,
// encoding, caches) without a network, so that before/after comparisons of the request path
// are not drowned by the loopback and the load generator. docs/PERFORMANCE.md has the figures
// over real HTTP (skingraph bench).

// discardWriter is a ResponseWriter that keeps the status and counts the body, so the
// benchmarks measure the server and not a recorder's buffer.
type discardWriter struct {
	header http.Header
	code   int
	n      int
}

func newDiscardWriter() *discardWriter { return &discardWriter{header: http.Header{}} }

func (w *discardWriter) Header() http.Header { return w.header }
func (w *discardWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *discardWriter) Write(p []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	w.n += len(p)
	return len(p), nil
}

func benchmarkGET(b *testing.B, gzip bool) {
	h := New(rankingDeps(b))
	target := "/v1/recommendations?skin_type=oily&concerns=acne&sensitivities=fragrance&limit=10&explain=full"
	send := func() {
		w := newDiscardWriter()
		r := httptest.NewRequest(http.MethodGet, target, nil)
		if gzip {
			r.Header.Set("Accept-Encoding", "gzip")
		}
		h.ServeHTTP(w, r)
		if w.code != http.StatusOK || w.n == 0 {
			b.Fatalf("status %d, %d bytes", w.code, w.n)
		}
	}
	send() // the first answer fills the caches
	b.ReportAllocs()
	for b.Loop() {
		send()
	}
}

// BenchmarkHTTPCached is a repeated GET answered from the caches.
func BenchmarkHTTPCached(b *testing.B) { benchmarkGET(b, false) }

// BenchmarkHTTPCachedGzip is the same GET from a client that accepts gzip.
func BenchmarkHTTPCachedGzip(b *testing.B) { benchmarkGET(b, true) }

// BenchmarkHTTPUncached posts a different request each time (the price cap changes), so every
// one is ranked and encoded with full explanations.
func BenchmarkHTTPUncached(b *testing.B) { benchmarkUncached(b, false) }

// BenchmarkHTTPUncachedGzip is the same from a client that accepts gzip (each page is also
// compressed).
func BenchmarkHTTPUncachedGzip(b *testing.B) { benchmarkUncached(b, true) }

func benchmarkUncached(b *testing.B, gzip bool) {
	h := New(rankingDeps(b))
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		i++
		body := `{"profile":{"skin_type":"oily","concerns":["acne","aging"],"sensitivities":["fragrance"]},` +
			`"filters":{"max_price":` + strconv.Itoa(1000+i) + `},"limit":10,"explain":"full"}`
		w := newDiscardWriter()
		r := httptest.NewRequest(http.MethodPost, "/v1/recommendations", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		if gzip {
			r.Header.Set("Accept-Encoding", "gzip")
		}
		h.ServeHTTP(w, r)
		if w.code != http.StatusOK || w.n == 0 {
			b.Fatalf("status %d, %d bytes", w.code, w.n)
		}
	}
}
