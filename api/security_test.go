package api

// Hostile cases of docs/SECURITY.md (section "API"): each runs the attack of issue 21,
// bounded in count and time and on loopback only, asserts the refusal, and checks that the
// other clients are still served and that nothing leaked.

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/sharedstate"
)

// secKeys are the credentials of the review: two app keys A and B, a merchandiser, an
// analyst and an admin.
type secKeys struct {
	a, b, merch, analyst, admin string
	ring                        *auth.Ring
}

func newSecKeys(t *testing.T) secKeys {
	t.Helper()
	var k secKeys
	var lines []string
	for _, x := range []struct {
		dst  *string
		role auth.Role
		name string
	}{{&k.a, auth.RoleApp, "a"}, {&k.b, auth.RoleApp, "b"}, {&k.merch, auth.RoleMerchandiser, "m"},
		{&k.analyst, auth.RoleAnalyst, "n"}, {&k.admin, auth.RoleAdmin, "d"}} {
		tok, line, err := auth.New(x.role, x.name)
		if err != nil {
			t.Fatal(err)
		}
		*x.dst = tok
		lines = append(lines, line)
	}
	ring, err := auth.Parse(strings.NewReader(strings.Join(lines, "\n")))
	if err != nil {
		t.Fatal(err)
	}
	k.ring = ring
	return k
}

// gatedCatalogue answers product "slow" only when release is closed (or the request ends),
// like an analyst's long query; other products at once.
type gatedCatalogue struct {
	fakeCatalogue
	entered chan struct{}
	release chan struct{}
}

func (g *gatedCatalogue) Product(ctx context.Context, id string) (graph.ProductDetail, error) {
	if id == "slow" {
		g.entered <- struct{}{}
		select {
		case <-g.release:
		case <-ctx.Done():
			return graph.ProductDetail{}, ctx.Err()
		}
	}
	return graph.ProductDetail{Product: graph.Product{ID: id, Name: "Serum"}}, nil
}

// serve starts h on a loopback port (the real net/http server, so read deadlines and
// connection states apply) and returns its base URL.
func serveLoopback(t *testing.T, h http.Handler, conns *ConnLimit) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 2 * time.Second}
	if conns != nil {
		srv.ConnState = conns.ConnState
		ln = conns.Listener(ln)
	}
	go srv.Serve(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		srv.Close()
	})
	return "http://" + ln.Addr().String()
}

// get calls url with the key and returns the status, within limit.
func get(t *testing.T, url, key string, limit time.Duration) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	c := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v (other clients must keep being served)", url, err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// Finding 4: 8 connections from key A send their bodies at 1 byte a second. The bodies are
// read before a slot is taken, so B and the admin are served at once, and the slow senders
// are cut off at the body deadline with 408.
func TestSecuritySlowBodiesHoldNoSlot(t *testing.T) {
	k := newSecKeys(t)
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: k.ring,
		Shedding: Shedding{MaxInFlight: 8, QueueWait: 10 * time.Millisecond},
		Bodies:   Bodies{Timeout: 1500 * time.Millisecond}})
	base := serveLoopback(t, h, nil)
	addr := strings.TrimPrefix(base, "http://")
	var slow []net.Conn
	for range 8 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "POST /v1/routine/check HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{", addr, k.a)
		slow = append(slow, c)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() { // one byte a second on every slow connection
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				for _, c := range slow {
					c.Write([]byte(" "))
				}
			}
		}
	})
	defer func() { close(stop); wg.Wait() }()
	time.Sleep(200 * time.Millisecond) // every slow body has started
	for name, key := range map[string]string{"B": k.b, "admin": k.admin} {
		if got := get(t, base+"/v1/products/p1", key, 2*time.Second); got != http.StatusOK {
			t.Fatalf("%s while A sends slow bodies: status %d, want 200", name, got)
		}
	}
	// A slow sender is answered 408 once its body deadline passes.
	slow[0].SetReadDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(slow[0]), nil)
	if err != nil {
		t.Fatalf("slow sender: %v, want a 408 answer", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestTimeout {
		t.Fatalf("slow sender: status %d, want 408", resp.StatusCode)
	}
}

// Finding 4, second form: 8 slow queries (12 s analyst queries in the review) from key A
// take only A's share of the slots; B and the admin are answered while they run, and A's
// queries beyond its share are refused with 503 and Retry-After.
func TestSecuritySlowQueriesTakeOnlyTheKeyShare(t *testing.T) {
	k := newSecKeys(t)
	cat := &gatedCatalogue{entered: make(chan struct{}, 16), release: make(chan struct{})}
	h := New(Deps{Catalogue: cat, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: k.ring,
		Shedding: Shedding{MaxInFlight: 8, QueueWait: 10 * time.Millisecond}})
	codes := make(chan int, 8)
	for range 8 {
		go func() {
			w := httptest.NewRecorder()
			req := httptest.NewRequest(http.MethodGet, "/v1/products/slow", nil)
			req.Header.Set("X-API-Key", k.a)
			h.ServeHTTP(w, req)
			codes <- w.Code
		}()
	}
	<-cat.entered
	<-cat.entered
	<-cat.entered
	<-cat.entered // A's share: half of the 8 slots
	refused := 0
	for range 4 {
		if c := <-codes; c == http.StatusServiceUnavailable {
			refused++
		}
	}
	if refused != 4 {
		t.Fatalf("A's queries beyond its share: %d refused, want 4", refused)
	}
	for name, key := range map[string]string{"B": k.b, "admin": k.admin} {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, "/v1/products/p1", nil)
		req.Header.Set("X-API-Key", key)
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("%s while A's slow queries run: status %d, want 200", name, w.Code)
		}
	}
	close(cat.release)
	for range 4 {
		if c := <-codes; c != http.StatusOK {
			t.Fatalf("A's admitted query: status %d", c)
		}
	}
}

// Finding 4, third form: a 1 MiB body of unknown concerns is refused by its size and list
// length at once, with a short answer, without a suggestion per term.
func TestSecurityUnknownConcernFloodIsCheap(t *testing.T) {
	d := rankingDeps(t)
	h := New(d)
	var b strings.Builder
	b.WriteString(`{"profile":{"concerns":[`)
	for i := 0; b.Len() < maxBody-64; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `"zzunknown%dqq"`, i)
	}
	b.WriteString(`]}}`)
	w := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, "/v1/recommendations", strings.NewReader(b.String()))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(w, req)
	var p Problem
	if w.Code != http.StatusUnprocessableEntity || json.Unmarshal(w.Body.Bytes(), &p) != nil {
		t.Fatalf("status %d %.300s, want 422", w.Code, w.Body)
	}
	if len(p.Errors) != 1 || p.Errors[0].Field != "profile.concerns" || w.Body.Len() > 2048 {
		t.Fatalf("answer of %d bytes with %d errors (%+v): want one error naming profile.concerns", w.Body.Len(), len(p.Errors), p.Errors)
	}
	// 64 unknown terms (the most a list may hold): only maxSuggestions get a "did you mean".
	var terms []string
	for i := range maxListItems {
		terms = append(terms, fmt.Sprintf(`"acnee%d"`, i))
	}
	w = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodPost, "/v1/recommendations", strings.NewReader(`{"profile":{"concerns":[`+strings.Join(terms, ",")+`]}}`))
	h.ServeHTTP(w, req)
	if w.Code != http.StatusUnprocessableEntity || strings.Count(w.Body.String(), "did you mean") > maxSuggestions {
		t.Fatalf("status %d, %d suggestions: want 422 with at most %d", w.Code, strings.Count(w.Body.String(), "did you mean"), maxSuggestions)
	}
	// Another client is still answered.
	w = httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/v1/recommendations?skin_type=oily", nil))
	if w.Code != http.StatusOK {
		t.Fatalf("an ordinary request afterwards: %d", w.Code)
	}
}

// Finding 3: many writes, each with a new Idempotency-Key and a large answer. Answers over
// the bound are not kept; the kept ones stay within the byte budget, the oldest going first.
func TestSecurityIdempotencyStoreIsBoundedInBytes(t *testing.T) {
	const budget = 1 << 20 // answers over idempotencyMaxAnswer (64 KiB) are never kept
	store := sharedstate.NewMemoryIdempotency(10_000, budget, idempotencyTTL)
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	size := 0
	r.Use(idempotency(store, zerolog.Nop()))
	r.POST("/v1/products", func(c *gin.Context) {
		c.Data(http.StatusUnprocessableEntity, "application/problem+json", []byte(strings.Repeat("x", size)))
	})
	post := func(key string) *httptest.ResponseRecorder {
		w := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/v1/products", strings.NewReader("id,name\n"))
		req.Header.Set("Idempotency-Key", key)
		r.ServeHTTP(w, req)
		return w
	}
	size = 10 << 20 // the review's 10 MB error answers
	for i := range 20 {
		if w := post(fmt.Sprintf("big-%d", i)); w.Code != http.StatusUnprocessableEntity || w.Body.Len() != size {
			t.Fatalf("big answer %d: status %d, %d bytes", i, w.Code, w.Body.Len())
		}
	}
	if store.Bytes() != 0 || store.Len() != 0 {
		t.Fatalf("after 20 answers of 10 MB: the store keeps %d answers, %d bytes; want none", store.Len(), store.Bytes())
	}
	size = 40 << 10
	for i := range 200 {
		post(fmt.Sprintf("mid-%d", i))
		if store.Bytes() > budget {
			t.Fatalf("after %d answers of 40 KiB: %d bytes kept, budget %d", i+1, store.Bytes(), budget)
		}
	}
	// The newest answer replays; the oldest was dropped (and runs again).
	if w := post("mid-199"); w.Header().Get("Idempotent-Replayed") != "true" {
		t.Fatal("the newest answer is not replayed")
	}
	if w := post("mid-0"); w.Header().Get("Idempotent-Replayed") == "true" {
		t.Fatal("the oldest answer is still kept past the byte budget")
	}
}

// Finding 5: 200 connections that send nothing do not lock others out (the oldest idle ones
// are closed to make room), and the server never holds more than its bound.
func TestSecurityIdleConnectionsDoNotLockOthersOut(t *testing.T) {
	k := newSecKeys(t)
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: k.ring})
	conns := NewConnLimit(32)
	base := serveLoopback(t, h, conns)
	addr := strings.TrimPrefix(base, "http://")
	for range 200 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
	}
	for i := range 5 {
		if got := get(t, base+"/v1/products/p1", k.b, 2*time.Second); got != http.StatusOK {
			t.Fatalf("request %d with 200 idle connections open: status %d", i, got)
		}
	}
	if n := conns.Open(); n > 32 {
		t.Fatalf("%d connections held, bound 32", n)
	}
	if conns.Evicted == 0 {
		t.Fatal("no idle connection was closed to make room")
	}
}

// countingHealth counts Neo4j checks.
type countingHealth struct{ pings atomic.Int64 }

func (h *countingHealth) Ping(context.Context) error {
	h.pings.Add(1)
	time.Sleep(5 * time.Millisecond)
	return nil
}
func (h *countingHealth) SchemaReady(context.Context) (bool, error) { return true, nil }

// Finding 5: /readyz needs no key; 300 calls at once cost one Neo4j check (cached for a
// second, concurrent callers sharing the check in progress).
func TestSecurityReadyzFloodCostsOneCheck(t *testing.T) {
	health := &countingHealth{}
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: health, Log: zerolog.Nop()})
	var wg sync.WaitGroup
	var bad atomic.Int64
	for range 300 {
		wg.Go(func() {
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if w.Code != http.StatusOK {
				bad.Add(1)
			}
		})
	}
	wg.Wait()
	if bad.Load() != 0 || health.pings.Load() > 2 {
		t.Fatalf("300 probes: %d not ready, %d Neo4j checks; want all ready from at most 2 checks", bad.Load(), health.pings.Load())
	}
}

// Finding 5: one key may hold a few update streams, not 200; another key still gets one.
func TestSecurityUpdateStreamsAreCappedPerKey(t *testing.T) {
	k := newSecKeys(t)
	d := rankingDeps(t)
	stop := make(chan struct{})
	d.Keys, d.Stop, d.Streams = k.ring, stop, Streams{PerKey: 4, Total: 64}
	base := serveLoopback(t, New(d), nil)
	t.Cleanup(func() { close(stop) })
	open := func(key string) (int, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/updates", nil)
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		return resp.StatusCode, func() { cancel(); resp.Body.Close() }
	}
	for i := range 4 {
		code, closeIt := open(k.a)
		t.Cleanup(closeIt)
		if code != http.StatusOK {
			t.Fatalf("A's stream %d: status %d", i, code)
		}
	}
	for i := range 20 {
		code, closeIt := open(k.a)
		closeIt()
		if code != http.StatusTooManyRequests {
			t.Fatalf("A's stream %d beyond its cap: status %d, want 429", i+5, code)
		}
	}
	code, closeIt := open(k.b)
	defer closeIt()
	if code != http.StatusOK {
		t.Fatalf("B's stream while A holds its cap: status %d", code)
	}
}

// Item 3: a server without keys answers only loopback Host names and refuses cross-site
// writes; nothing reaches the loader.
func TestSecurityKeylessServerStaysLocal(t *testing.T) {
	loads := &countingProducts{}
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), ProductLoader: loads, LocalOnly: true})
	csv := "id,name,category\np9,Serum,serum\n"
	for _, tc := range []struct {
		name, method, path, host string
		header                   map[string]string
		body                     string
		want                     int
	}{
		{"DNS rebinding: foreign Host", "GET", "/v1/products/p1", "attacker.example", nil, "", http.StatusMisdirectedRequest},
		{"foreign Host with a loopback port", "GET", "/v1/products/p1", "attacker.example:8080", nil, "", http.StatusMisdirectedRequest},
		{"foreign Host on a probe", "GET", "/healthz", "rebind.attacker.example", nil, "", http.StatusMisdirectedRequest},
		{"cross-site POST without Content-Type", "POST", "/v1/products", "127.0.0.1:8080", nil, csv, http.StatusUnsupportedMediaType},
		{"form POST (text/plain)", "POST", "/v1/products", "localhost:8080", map[string]string{"Content-Type": "text/plain"}, csv, http.StatusUnsupportedMediaType},
		{"POST from another origin", "POST", "/v1/products", "localhost:8080", map[string]string{"Content-Type": "text/csv", "Origin": "https://attacker.example"}, csv, http.StatusForbidden},
		{"POST from a null origin", "POST", "/v1/products", "localhost:8080", map[string]string{"Content-Type": "text/csv", "Origin": "null"}, csv, http.StatusForbidden},
		{"Sec-Fetch-Site cross-site", "POST", "/v1/products", "localhost:8080", map[string]string{"Content-Type": "text/csv", "Sec-Fetch-Site": "cross-site"}, csv, http.StatusForbidden},
		{"DELETE from another origin", "DELETE", "/v1/profiles/x", "localhost", map[string]string{"Origin": "http://attacker.example"}, "", http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest(tc.method, tc.path, strings.NewReader(tc.body))
			req.Host = tc.host
			for k, v := range tc.header {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tc.want || w.Header().Get("Content-Type") != "application/problem+json" {
				t.Fatalf("status %d (%s), want %d problem+json", w.Code, w.Header().Get("Content-Type"), tc.want)
			}
		})
	}
	if n := loads.loads.Load(); n != 0 {
		t.Fatalf("%d refused uploads reached the loader", n)
	}
	// Local callers are served: every loopback name, and a page of this machine.
	for _, host := range []string{"localhost:8080", "127.0.0.1:9", "[::1]:8080", "localhost", "127.0.0.1"} {
		req := httptest.NewRequest(http.MethodGet, "/v1/products/p1", nil)
		req.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			t.Fatalf("Host %s: status %d", host, w.Code)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/v1/products", strings.NewReader(csv))
	req.Host = "localhost:8080"
	req.Header.Set("Content-Type", "text/csv")
	req.Header.Set("Origin", "http://localhost:8080")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || loads.loads.Load() != 1 {
		t.Fatalf("same-origin upload: status %d, %d loads", w.Code, loads.loads.Load())
	}
}

// Item 4: answers for a key are private to it, and pages and docs carry security headers.
func TestSecurityHeadersAndPrivateCaching(t *testing.T) {
	k := newSecKeys(t)
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: k.ring})
	req := httptest.NewRequest(http.MethodGet, "/v1/products/p1", nil)
	req.Header.Set("X-API-Key", k.a)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Cache-Control"), "private") ||
		!strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Authorization, X-API-Key") {
		t.Fatalf("keyed answer: %d Cache-Control %q Vary %q: want private and Vary on the key",
			w.Code, w.Header().Get("Cache-Control"), w.Header().Values("Vary"))
	}
	for _, path := range []string{"/docs", "/openapi.json", "/v1/products/p1", "/healthz"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		csp := w.Header().Get("Content-Security-Policy")
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Fatalf("%s: nosniff %q, CSP %q", path, w.Header().Get("X-Content-Type-Options"), csp)
		}
		if path == "/docs" && (!strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src")) {
			t.Fatalf("/docs CSP %q: want no script at all", csp)
		}
	}
}

// Item 4: a 404 and other 4xx carry no internal error chain.
func TestSecurityErrorsCarryNoInternals(t *testing.T) {
	h := New(Deps{Catalogue: chainCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop()})
	for _, path := range []string{"/v1/products/p404", "/v1/ingredients/nothing", "/v1/nowhere"} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
		body := w.Body.String()
		if w.Code != http.StatusNotFound || strings.Contains(body, "cypher") || strings.Contains(body, "MATCH") || strings.Contains(body, "bolt") {
			t.Fatalf("%s: %d %s: want a 404 without the error chain", path, w.Code, body)
		}
	}
}

// chainCatalogue fails the way the store does, with an error chain naming internals.
type chainCatalogue struct{ fakeCatalogue }

func (chainCatalogue) Product(_ context.Context, id string) (graph.ProductDetail, error) {
	return graph.ProductDetail{}, fmt.Errorf("cypher: MATCH (p:Product {id: $id}) on bolt://10.0.0.7:7687: product %q: %w", id, graph.ErrNotFound)
}

func (chainCatalogue) Ingredient(_ context.Context, inci string) (graph.IngredientDetail, error) {
	return graph.IngredientDetail{}, fmt.Errorf("cypher: ingredient %q: %w", inci, graph.ErrNotFound)
}

// Item 4: hostile product ids and non-finite prices are refused by name.
func TestSecurityHostileIDsAndNumbers(t *testing.T) {
	d := rankingDeps(t)
	h := New(d)
	for _, tc := range []struct {
		path  string
		want  int
		field string
	}{
		{"/v1/products/p%00x", http.StatusBadRequest, "id"},
		{"/v1/products/p%0Ax", http.StatusBadRequest, "id"},
		{"/v1/products/" + strings.Repeat("x", 300), http.StatusBadRequest, "id"},
		{"/v1/products/p%00x/similar", http.StatusBadRequest, "id"},
		{"/v1/recommendations?skin_type=oily&max_price=NaN", http.StatusUnprocessableEntity, "max_price"},
		{"/v1/recommendations?skin_type=oily&max_price=Inf", http.StatusUnprocessableEntity, "max_price"},
		{"/v1/recommendations?skin_type=oily&max_price=-Inf", http.StatusUnprocessableEntity, "max_price"},
		{"/v1/ingredients/%C3%AF%C2%B9", http.StatusUnprocessableEntity, "inci"},
		{"/v1/recommendations?skin_type=", http.StatusUnprocessableEntity, "skin_type"},
		{"/v1/recommendations?skin_type=oily&avoid_ingredients=", http.StatusUnprocessableEntity, "avoid_ingredients"},
		{"/v1/recommendations?skin_type=oily&concerns=,", http.StatusUnprocessableEntity, "concerns"},
		{"/v1/recommendations?skin_type=oily&skin_tone=%20", http.StatusUnprocessableEntity, "skin_tone"},
		{"/v1/recommendations?skin_type=oily&avoid_ingredients=%C3%97%C3%B8", http.StatusUnprocessableEntity, "profile.avoid_ingredients[0]"},
	} {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, tc.path, nil))
		var p Problem
		_ = json.Unmarshal(w.Body.Bytes(), &p)
		if w.Code != tc.want || len(p.Errors) == 0 || p.Errors[0].Field != tc.field {
			t.Errorf("%.60s: %d %+v, want %d naming %s", tc.path, w.Code, p.Errors, tc.want, tc.field)
		}
	}
}

// Item 4: an address that sends many bad keys is throttled (429 before any key is checked);
// a good key from another address is still served.
func TestSecurityFailedLoginsAreThrottled(t *testing.T) {
	k := newSecKeys(t)
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: k.ring})
	call := func(addr, key string) int {
		req := httptest.NewRequest(http.MethodGet, "/v1/products/p1", nil)
		req.RemoteAddr = addr
		req.Header.Set("X-API-Key", key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	throttled := 0
	for i := range 100 {
		code := call("192.0.2.7:5000", fmt.Sprintf("sg_abcd1234_%032d", i))
		if code == http.StatusTooManyRequests {
			throttled++
		} else if code != http.StatusUnauthorized {
			t.Fatalf("guess %d: status %d", i, code)
		}
	}
	if throttled < 100-loginFailures-2 {
		t.Fatalf("%d of 100 guesses throttled, want all after the first %d", throttled, loginFailures)
	}
	// Even the right key from the throttled address waits; another address is served.
	if got := call("192.0.2.7:5001", k.a); got != http.StatusTooManyRequests {
		t.Fatalf("good key from the throttled address: %d, want 429", got)
	}
	if got := call("198.51.100.9:5000", k.b); got != http.StatusOK {
		t.Fatalf("good key from another address: %d, want 200", got)
	}
}

// Finding 10: a key removed from the keys file stops working without a restart; one added
// works at once.
func TestSecurityReloadedKeysApplyAtOnce(t *testing.T) {
	k := newSecKeys(t)
	tokNew, lineNew, err := auth.New(auth.RoleApp, "newcomer")
	if err != nil {
		t.Fatal(err)
	}
	without, err := auth.Parse(strings.NewReader(lineNew))
	if err != nil {
		t.Fatal(err)
	}
	var cur atomic.Pointer[auth.Ring]
	cur.Store(k.ring)
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: k.ring, KeySource: cur.Load})
	call := func(key string) int {
		req := httptest.NewRequest(http.MethodGet, "/v1/products/p1", nil)
		req.Header.Set("X-API-Key", key)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	if call(k.a) != http.StatusOK || call(tokNew) != http.StatusUnauthorized {
		t.Fatal("before the reload: A must work and the new key not")
	}
	cur.Store(without)
	if got := call(k.a); got != http.StatusUnauthorized {
		t.Fatalf("A after its removal: %d, want 401", got)
	}
	if got := call(tokNew); got != http.StatusOK {
		t.Fatalf("the added key: %d, want 200", got)
	}
}

// Item 4: openapi.json declares its security schemes, and every route needing a key says so.
func TestSecurityOpenAPIDeclaresSecurity(t *testing.T) {
	var doc struct {
		Components struct {
			SecuritySchemes map[string]struct {
				Type, Scheme, In, Name string
			} `json:"securitySchemes"`
		} `json:"components"`
		Paths map[string]map[string]struct {
			Security *[]map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(openAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Components.SecuritySchemes
	if s["bearer"].Scheme != "bearer" || s["apiKey"].Name != "X-API-Key" {
		t.Fatalf("security schemes %+v: want bearer and X-API-Key", s)
	}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			rt := strings.ToUpper(method) + " " + strings.NewReplacer("{id}", ":id", "{inci}", ":inci").Replace(path)
			need, ok := routeAccess[rt]
			if !ok || op.Security == nil {
				t.Errorf("%s: access %v, security %v: want both declared", rt, ok, op.Security)
				continue
			}
			if (need == public) != (len(*op.Security) == 0) {
				t.Errorf("%s: access %s but security %v", rt, need, *op.Security)
			}
		}
	}
}

// Finding 4, bounds of the body stage: one key may be sending PerKey bodies at once (429
// beyond, B unaffected), and all bodies together stay within the memory budget (503 beyond).
func TestSecurityBodyStageIsBoundedPerKeyAndInMemory(t *testing.T) {
	k := newSecKeys(t)
	h := New(Deps{Catalogue: fakeCatalogue{}, Health: fakeHealth{}, Log: zerolog.Nop(), Keys: k.ring,
		Bodies: Bodies{Timeout: 3 * time.Second, PerKey: 2, Memory: 3000}})
	base := serveLoopback(t, h, nil)
	addr := strings.TrimPrefix(base, "http://")
	slow := func(key string, length int) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		fmt.Fprintf(c, "POST /v1/routine/check HTTP/1.1\r\nHost: %s\r\nX-API-Key: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", addr, key, length)
		return c
	}
	answer := func(c net.Conn) int {
		c.SetReadDeadline(time.Now().Add(2 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("no answer: %v", err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	slow(k.a, 1000)
	slow(k.a, 1000)
	time.Sleep(100 * time.Millisecond)
	if got := answer(slow(k.a, 10)); got != http.StatusTooManyRequests {
		t.Fatalf("A's third body at once: %d, want 429", got)
	}
	// B's 1000 bytes fit the 3000-byte budget; the next 1000 do not.
	slow(k.b, 1000)
	time.Sleep(100 * time.Millisecond)
	if got := answer(slow(k.admin, 1000)); got != http.StatusServiceUnavailable {
		t.Fatalf("a body past the memory budget: %d, want 503", got)
	}
	if got := get(t, base+"/v1/products/p1", k.b, 2*time.Second); got != http.StatusOK {
		t.Fatalf("B's GET while bodies are pending: %d", got)
	}
}
