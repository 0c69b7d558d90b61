package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/graph"
)

// keyedServer returns a server that accepts one key per role (and their tokens).
func keyedServer(t *testing.T, lines ...string) (http.Handler, map[auth.Role]string, []string) {
	t.Helper()
	tokens := map[auth.Role]string{}
	for _, r := range auth.Roles {
		tok, line, err := auth.New(r, string(r)+"-test")
		if err != nil {
			t.Fatal(err)
		}
		tokens[r] = tok
		lines = append(lines, line)
	}
	ring, err := auth.Parse(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	r := newRouter(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: ring})
	var routes []string
	for _, ri := range r.Routes() {
		routes = append(routes, ri.Method+" "+ri.Path)
	}
	return r, tokens, routes
}

func TestEveryRouteHasAnAccessRule(t *testing.T) {
	_, _, routes := keyedServer(t)
	for _, rt := range routes {
		if _, ok := routeAccess[rt]; !ok {
			t.Errorf("route %s is missing from routeAccess (it would be admin-only)", rt)
		}
	}
}

func TestEveryRouteChecksKeyAndRole(t *testing.T) {
	h, tokens, routes := keyedServer(t)
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt, " ")
		need, listed := routeAccess[rt]
		if !listed {
			t.Errorf("route %s has no access rule", rt)
			continue
		}
		url := strings.NewReplacer(":id", "p1", ":inci", "niacinamide").Replace(path)
		call := func(header, value string) int {
			req := httptest.NewRequest(method, url, strings.NewReader("{}"))
			req.Header.Set("Content-Type", "application/json")
			if header != "" {
				req.Header.Set(header, value)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			return w.Code
		}
		t.Run(rt, func(t *testing.T) {
			if need == public {
				if got := call("", ""); got == http.StatusUnauthorized || got == http.StatusForbidden {
					t.Fatalf("public route answered %d without a key", got)
				}
				return
			}
			if got := call("", ""); got != http.StatusUnauthorized {
				t.Fatalf("no key: status %d, want 401", got)
			}
			if got := call("Authorization", "Bearer sg_abcd1234_"+strings.Repeat("z", 32)); got != http.StatusUnauthorized {
				t.Fatalf("unknown key: status %d, want 401", got)
			}
			for role, tok := range tokens {
				got := call("Authorization", "Bearer "+tok)
				if need.allows(role) {
					if got == http.StatusUnauthorized || got == http.StatusForbidden {
						t.Fatalf("%s key: status %d, want it let through", role, got)
					}
				} else if got != http.StatusForbidden {
					t.Fatalf("%s key: status %d, want 403", role, got)
				}
			}
			// X-API-Key works as well as the bearer header.
			if got := call("X-API-Key", tokens[auth.RoleAdmin]); got == http.StatusUnauthorized || got == http.StatusForbidden {
				t.Fatalf("admin key in X-API-Key: status %d", got)
			}
		})
	}
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	tok, line, err := auth.New(auth.RoleApp, "slow-app")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := auth.Parse(strings.NewReader(line + " 0.5 2"))
	if err != nil {
		t.Fatal(err)
	}
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: ring})
	var codes []int
	var retry string
	for i := 0; i < 3; i++ {
		req := httptest.NewRequest(http.MethodGet, "/v1/products/p1", nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		codes = append(codes, w.Code)
		retry = w.Header().Get("Retry-After")
		if w.Code == http.StatusTooManyRequests && w.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("429 content type %q", w.Header().Get("Content-Type"))
		}
	}
	if codes[0] == http.StatusTooManyRequests || codes[1] == http.StatusTooManyRequests || codes[2] != http.StatusTooManyRequests {
		t.Fatalf("statuses %v: want the burst of 2 through, then 429", codes)
	}
	if n, err := strconv.Atoi(retry); err != nil || n < 1 || n > 2 {
		t.Fatalf("Retry-After = %q, want 1 or 2 seconds at 0.5 requests/s", retry)
	}
}

// slowCatalogue holds every product lookup until release is closed.
type slowCatalogue struct {
	fakeCatalogue
	entered chan struct{}
	release chan struct{}
}

func (s *slowCatalogue) Product(ctx context.Context, id string) (graph.ProductDetail, error) {
	s.entered <- struct{}{}
	<-s.release
	return graph.ProductDetail{Product: graph.Product{ID: id, Name: "Serum"}}, nil
}

func TestSheddingRefusesBeyondCapacityAndKeepsProbes(t *testing.T) {
	cat := &slowCatalogue{entered: make(chan struct{}, 4), release: make(chan struct{})}
	h := New(Deps{Catalogue: cat, Health: fakeHealth{}, Log: zerolog.Nop(),
		Shedding: Shedding{MaxInFlight: 2, QueueWait: 10 * time.Millisecond}})
	done := make(chan int, 2)
	for i := 0; i < 2; i++ {
		go func() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/products/p1", nil))
			done <- w.Code
		}()
	}
	<-cat.entered
	<-cat.entered
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/products/p2", nil))
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("third request: status %d Retry-After %q, want 503 with Retry-After", w.Code, w.Header().Get("Retry-After"))
	}
	probe := httptest.NewRecorder()
	h.ServeHTTP(probe, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if probe.Code != http.StatusOK {
		t.Fatalf("/healthz under load: %d", probe.Code)
	}
	close(cat.release)
	for i := 0; i < 2; i++ {
		if code := <-done; code != http.StatusOK {
			t.Fatalf("accepted request: status %d", code)
		}
	}
	after := httptest.NewRecorder()
	h.ServeHTTP(after, httptest.NewRequest(http.MethodGet, "/v1/products/p3", nil))
	if after.Code != http.StatusOK {
		t.Fatalf("after the load: status %d", after.Code)
	}
}

// openCircuit is a Health whose circuit breaker is open.
type openCircuit struct{ fakeHealth }

func (openCircuit) BreakerState() string { return "open" }

func TestReadyzReportsTheCircuitThroughInstrumentation(t *testing.T) {
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: openCircuit{fakeHealth{err: graph.ErrUnavailable}}, Log: zerolog.Nop()})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "neo4j_circuit: open") {
		t.Fatalf("readyz %d %s: want 503 naming the open circuit", w.Code, w.Body)
	}
}

// queueWait reads the queue entry of a Server-Timing header; ok is false without one.
func queueWait(t *testing.T, header string) (time.Duration, bool) {
	t.Helper()
	for _, e := range strings.Split(header, ", ") {
		if v, found := strings.CutPrefix(e, "queue;dur="); found {
			ms, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("Server-Timing %q: %v", header, err)
			}
			return time.Duration(ms * float64(time.Millisecond)), true
		}
	}
	return 0, false
}

// TestSheddingReportsTheQueueWaitOfAdmittedRequests: a request that finds every slot taken
// waits, is admitted when one frees within QueueWait, and its Server-Timing queue entry
// reports the wait, within the bound; a request admitted at once reports a wait too.
func TestSheddingReportsTheQueueWaitOfAdmittedRequests(t *testing.T) {
	const bound = 5 * time.Second
	cat := &slowCatalogue{entered: make(chan struct{}, 4), release: make(chan struct{})}
	h := New(Deps{Catalogue: cat, Health: fakeHealth{}, Log: zerolog.Nop(),
		Shedding: Shedding{MaxInFlight: 1, QueueWait: bound}})
	first := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/products/p1", nil))
		first <- w
	}()
	<-cat.entered
	queued := make(chan *httptest.ResponseRecorder, 1)
	go func() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/products/p2", nil))
		queued <- w
	}()
	time.Sleep(20 * time.Millisecond) // let the second request queue behind the first
	close(cat.release)
	for name, ch := range map[string]chan *httptest.ResponseRecorder{"first": first, "queued": queued} {
		w := <-ch
		d, ok := queueWait(t, w.Header().Get("Server-Timing"))
		if w.Code != http.StatusOK || !ok || d < 0 || d > bound {
			t.Errorf("%s request: status %d, Server-Timing %q: want 200 with a queue wait within %s",
				name, w.Code, w.Header().Get("Server-Timing"), bound)
		}
	}
}
