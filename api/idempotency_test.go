package api

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
)

// countingProducts counts the loads that reach it and answers with the next version.
type countingProducts struct {
	loads atomic.Int64
	fail  bool
}

func (p *countingProducts) LoadProducts(_ context.Context, body io.Reader, _ string, dryRun bool) (graph.LoadResult, error) {
	if _, err := io.ReadAll(body); err != nil {
		return graph.LoadResult{}, err
	}
	n := p.loads.Add(1)
	if p.fail {
		return graph.LoadResult{}, graph.ErrUnavailable
	}
	return graph.LoadResult{LoadID: "load-" + string(rune('0'+n)), Changed: true, Version: graph.DataVersion{N: 10 + n},
		Counts: map[string]graph.Counts{"products": {Created: 1}}}, nil
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	loader := &countingProducts{}
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), ProductLoader: loader})
	send := func(key, body string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "/v1/products", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if key != "" {
			req.Header.Set("Idempotency-Key", key)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	const body = `[{"id":"p9","name":"Gel","category":"cleanser"}]`
	first := send("k-1", body)
	again := send("k-1", body)
	if first.Code != http.StatusOK || again.Code != http.StatusOK {
		t.Fatalf("statuses %d, %d", first.Code, again.Code)
	}
	if loader.loads.Load() != 1 {
		t.Fatalf("%d loads ran, want 1 for two requests with one key", loader.loads.Load())
	}
	if first.Body.String() != again.Body.String() || again.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay %q (replayed %q), first %q", again.Body, again.Header().Get("Idempotent-Replayed"), first.Body)
	}
	if w := send("k-1", `[{"id":"p10","name":"Gel","category":"cleanser"}]`); w.Code != http.StatusUnprocessableEntity ||
		!strings.Contains(w.Body.String(), "Idempotency-Key") {
		t.Fatalf("same key, other body: %d %s; want 422 naming the key", w.Code, w.Body)
	}
	if w := send("k-2", body); w.Code != http.StatusOK || loader.loads.Load() != 2 {
		t.Fatalf("a new key: status %d, %d loads; want a second load", w.Code, loader.loads.Load())
	}
	if w := send("", body); w.Code != http.StatusOK || loader.loads.Load() != 3 {
		t.Fatalf("no key: status %d, %d loads; want a third load", w.Code, loader.loads.Load())
	}
	if w := send("bad key with spaces", body); w.Code != http.StatusBadRequest {
		t.Fatalf("malformed key: status %d, want 400", w.Code)
	}
}

func TestIdempotencyKeyLetsAFailedWriteBeRetried(t *testing.T) {
	loader := &countingProducts{fail: true}
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), ProductLoader: loader})
	for i := 1; i <= 2; i++ {
		req := httptest.NewRequest(http.MethodPost, "/v1/products", strings.NewReader(`[]`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "retry-me")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusServiceUnavailable || loader.loads.Load() != int64(i) {
			t.Fatalf("attempt %d: status %d, %d loads; want 503 and the write tried again", i, w.Code, loader.loads.Load())
		}
	}
}

// TestIdempotencyKeyIsReleasedWhenTheHandlerPanics: the recoverer answers 500 and the key is
// free again, so that the retry runs instead of getting 409 for a day.
func TestIdempotencyKeyIsReleasedWhenTheHandlerPanics(t *testing.T) {
	store := newIdempotencyStore()
	r := gin.New()
	r.Use(recoverer(zerolog.Nop()), idempotency(store, zerolog.Nop()))
	calls := 0
	r.POST("/v1/products", func(c *gin.Context) {
		calls++
		if calls == 1 {
			panic("boom")
		}
		c.String(http.StatusOK, "ok")
	})
	post := func() *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/v1/products", strings.NewReader("id,name\n"))
		req.Header.Set("Idempotency-Key", "panics")
		r.ServeHTTP(w, req)
		return w
	}
	if w := post(); w.Code != http.StatusInternalServerError {
		t.Fatalf("first request: %d, want 500 from the recoverer", w.Code)
	}
	if w := post(); w.Code != http.StatusOK || w.Header().Get("Idempotent-Replayed") != "" || calls != 2 {
		t.Fatalf("retry: %d (replayed %q), %d calls; want the retry to run", w.Code, w.Header().Get("Idempotent-Replayed"), calls)
	}
	if store.Len() != 1 {
		t.Fatalf("store keeps %d records, want the retry's answer", store.Len())
	}
}
