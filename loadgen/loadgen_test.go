package loadgen

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
)

func TestConfigValidation(t *testing.T) {
	ok := Config{URL: "http://127.0.0.1:1", Mode: Cached, Workers: 1, Duration: time.Second}
	tests := []struct {
		name    string
		change  func(*Config)
		wantErr string
	}{
		{"valid", func(*Config) {}, ""},
		{"no scheme", func(c *Config) { c.URL = "127.0.0.1:8080" }, "url"},
		{"unknown mode", func(c *Config) { c.Mode = "hot" }, "mode"},
		{"no workers", func(c *Config) { c.Workers = 0 }, "workers"},
		{"no duration", func(c *Config) { c.Duration = 0 }, "duration"},
		{"negative rate", func(c *Config) { c.Rate = -1 }, "rate"},
		{"bad explain", func(c *Config) { c.Explain = "all" }, "explain"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			err := c.validate()
			if (err == nil) != (tt.wantErr == "") || (err != nil && !strings.Contains(err.Error(), tt.wantErr)) {
				t.Errorf("validate() = %v, want error naming %q", err, tt.wantErr)
			}
		})
	}
}

// TestUncachedProfilesAreValidAndVaried: the uncached mode's bodies use only vocabulary
// terms and rarely repeat, so they miss the result cache.
func TestUncachedProfilesAreValidAndVaried(t *testing.T) {
	g := newGenerator(Config{Mode: Uncached, Explain: "full", Seed: 7}, 0)
	seen := map[string]bool{}
	const n = 500
	for range n {
		r := g.next()
		method, u, raw := r.raw("http://x")
		if method != http.MethodPost || u != "http://x/v1/recommendations" || r.body == nil {
			t.Fatalf("request %s %s", method, u)
		}
		seen[string(raw)] = true
		body := *r.body
		check := func(v *graph.Vocabulary, terms ...string) {
			for _, term := range terms {
				if _, ok := v.Canonical(term); !ok {
					t.Errorf("%q is not a %s", term, v.Kind())
				}
			}
		}
		check(graph.SkinTypes, body.Profile.SkinType)
		if body.Profile.SkinTone != "" {
			check(graph.SkinTones, body.Profile.SkinTone)
		}
		check(graph.Concerns, body.Profile.Concerns...)
		check(graph.Sensitivities, body.Profile.Sensitivities...)
		check(graph.Categories, body.Filters.Categories...)
		if len(body.Profile.Concerns) < 1 || len(body.Profile.Concerns) > 3 || body.Filters.MaxPrice < 20 || body.Explain != "full" {
			t.Errorf("body %s", raw)
		}
	}
	if len(seen) < n*9/10 {
		t.Errorf("only %d distinct bodies in %d", len(seen), n)
	}
}

// TestRunCountsRequestsAndErrors drives a small HTTP server that fails one request in four
// and checks the report against what the server saw.
func TestRunCountsRequestsAndErrors(t *testing.T) {
	for _, mode := range []string{Cached, Uncached} {
		for _, rate := range []float64{0, 400} {
			t.Run(fmt.Sprintf("%s/rate=%.0f", mode, rate), func(t *testing.T) {
				var served, failed atomic.Int64
				var mu sync.Mutex
				paths := map[string]int{}
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path == "/readyz" {
						return
					}
					_, _ = io.Copy(io.Discard, r.Body)
					mu.Lock()
					paths[r.Method+" "+r.URL.Path]++
					mu.Unlock()
					if served.Add(1)%4 == 0 {
						failed.Add(1)
						http.Error(w, "no", http.StatusServiceUnavailable)
						return
					}
					_, _ = w.Write([]byte(`{"items":[]}`))
				}))
				defer srv.Close()
				rep, err := Run(context.Background(), Config{URL: srv.URL, Mode: mode, Workers: 3, Duration: 300 * time.Millisecond, Rate: rate})
				if err != nil {
					t.Fatal(err)
				}
				if rep.Requests == 0 || rep.Requests > served.Load() || rep.Errors != rep.ErrorKinds["503"] || rep.Errors == 0 || rep.Errors > failed.Load() {
					t.Errorf("report %+v; server saw %d requests, %d failed", rep, served.Load(), failed.Load())
				}
				if !(rep.P50 <= rep.P99 && rep.P99 <= rep.P999 && rep.P999 <= rep.Max) || rep.Throughput <= 0 {
					t.Errorf("quantiles out of order: %+v", rep)
				}
				want := "GET /v1/recommendations"
				if mode == Uncached {
					want = "POST /v1/recommendations"
				}
				if len(paths) != 1 || paths[want] == 0 {
					t.Errorf("requests by path = %v, want only %s", paths, want)
				}
			})
		}
	}
}

func TestRunRefusesAServerThatIsNotReady(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "building", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	_, err := Run(context.Background(), Config{URL: srv.URL, Mode: Cached, Workers: 1, Duration: time.Second})
	if err == nil || !strings.Contains(err.Error(), "readyz answered 503") {
		t.Errorf("Run = %v", err)
	}
}
