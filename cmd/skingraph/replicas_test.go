package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/testcontainers"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// replicaKeys writes a keys file of a merchandiser, an app and a "limited" app key allowed a
// burst of limitedBurst and then one request every 100 s, and a "fast" app key (benchmarks).
const limitedBurst = 6

// loginFailuresForTest is the burst of failed logins an address gets (api's loginFailures).
const loginFailuresForTest = 30

func replicaKeys(t testing.TB) (string, map[string]string) {
	t.Helper()
	tokens := map[string]string{}
	var lines []string
	for _, k := range []struct {
		role  auth.Role
		name  string
		extra string
	}{{auth.RoleMerchandiser, "merch", ""}, {auth.RoleApp, "app", ""}, {auth.RoleApp, "limited", " 0.01 " + strconv.Itoa(limitedBurst)}, {auth.RoleApp, "fast", " 100000 100000"}, {auth.RoleAdmin, "ops", ""}} {
		tok, line, err := auth.New(k.role, k.name)
		if err != nil {
			t.Fatal(err)
		}
		tokens[k.name] = tok
		lines = append(lines, line+k.extra)
	}
	path := filepath.Join(t.TempDir(), "api-keys")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, tokens
}

// call sends one request with a key and returns the status, the headers and the body.
func call(t *testing.T, method, url, token, contentType, body string, header ...string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

// TestReplicasBehindHAProxy runs two `skingraph serve` over one Neo4j behind HAProxy (from
// Debian, started by the test: round robin, health check on /readyz), once with the shared
// state in Neo4j and once in Redis (a redis-server of the test's own), and checks what a
// client of the load balancer relies on:
//   - a product upload through replica A is ranked in recommendations on replica B within
//     the refresh bound;
//   - SSE /v1/updates on B announces the data version of that write;
//   - the same Idempotency-Key replayed on B gets A's answer (and with another body, 422);
//   - a key's rate limit holds across the replicas: burst N through the load balancer, which
//     sends requests to both, gives N answers and then 429s;
//   - with A stopped, the load balancer answers from B.
func TestReplicasBehindHAProxy(t *testing.T) {
	neo4jtest.Demo(t)
	keys, tok := replicaKeys(t)
	for _, kind := range []string{sharedNeo4j, sharedRedis} {
		t.Run(kind, func(t *testing.T) {
			ctx := context.Background()
			env := existingNeo4j(t)
			env["SKINGRAPH_API_KEYS_FILE"] = keys
			env["SKINGRAPH_REFRESH_INTERVAL"] = "200ms"
			env["SKINGRAPH_SHARED_STATE"] = kind
			env["SKINGRAPH_TRUSTED_PROXIES"] = "127.0.0.1" // HAProxy
			if kind == sharedRedis {
				rd, err := testcontainers.StartRedis(ctx)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { rd.Stop() })
				env["SKINGRAPH_REDIS_URL"] = "redis://" + rd.Addr + "/0"
			}
			a := start(t, env, "serve", "--http-addr", "127.0.0.1:0")
			b := start(t, env, "serve", "--http-addr", "127.0.0.1:0")
			lb, err := testcontainers.StartHAProxy(ctx, func(bind string) string {
				return testcontainers.HAProxyConfig(bind, []string{a.addr, b.addr}, 200*time.Millisecond)
			})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { lb.Stop() })
			baseA, baseB, baseLB := "http://"+a.addr, "http://"+b.addr, "http://"+lb.Addr
			for _, s := range []*started{a, b} {
				if !strings.Contains(s.logs.String(), `"shared_state":"`+kind+`"`) {
					t.Fatalf("a replica does not report its shared state %s:\n%s", kind, s.logs)
				}
			}
			// Both replicas pass HAProxy's health check before the test goes on.
			waitFor(t, "HAProxy to route to both replicas", 30*time.Second, func() bool {
				return strings.Count(a.logs.String(), `"route":"/readyz"`) > 0 && strings.Count(b.logs.String(), `"route":"/readyz"`) > 0
			})

			// SSE on B, opened before the write.
			sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
			defer cancel()
			req, _ := http.NewRequestWithContext(sctx, http.MethodGet, baseB+"/v1/updates", nil)
			req.Header.Set("Authorization", "Bearer "+tok["app"])
			resp, err := http.DefaultClient.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("GET /v1/updates on B: %v %v", resp, err)
			}
			defer resp.Body.Close()
			events := make(chan string, 16)
			go func() {
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if line := sc.Text(); strings.HasPrefix(line, "data: ") {
						events <- strings.TrimPrefix(line, "data: ")
					}
				}
				close(events)
			}()

			// A write through A, with an Idempotency-Key.
			before := statusVersionAs(t, baseB, tok["app"])
			brand := "Replica Lab " + kind
			product := fmt.Sprintf(`[{"id":"replica-%s-1","name":"Replica Clear Gel","brand":%q,"category":"treatment","price":17,
				"ingredients":"Water, Salicylic Acid 2%%, Zinc PCA","claims":["acne"],"suits":["oily"]}]`, kind, brand)
			idem := "replicas-" + kind + "-" + strconv.FormatInt(time.Now().UnixNano(), 10)
			status, h, first := call(t, "POST", baseA+"/v1/products", tok["merch"], "application/json", product, "Idempotency-Key", idem)
			if status != http.StatusOK || h.Get("Idempotent-Replayed") != "" || !strings.Contains(first, `"created":1`) {
				t.Fatalf("upload through A: %d %s (replayed %q); want 200 with one product created", status, first, h.Get("Idempotent-Replayed"))
			}
			written := time.Now()

			// The same key on B: A's answer, not a second run (which would count the product
			// unchanged under another load id).
			status, h, replayed := call(t, "POST", baseB+"/v1/products", tok["merch"], "application/json", product, "Idempotency-Key", idem)
			if status != http.StatusOK || h.Get("Idempotent-Replayed") != "true" || replayed != first {
				t.Fatalf("replay on B: %d (replayed %q)\n%s\nwant A's answer\n%s", status, h.Get("Idempotent-Replayed"), replayed, first)
			}
			status, _, reused := call(t, "POST", baseB+"/v1/products", tok["merch"], "application/json", strings.Replace(product, "17", "18", 1), "Idempotency-Key", idem)
			if status != http.StatusUnprocessableEntity || !strings.Contains(reused, "Idempotency-Key") {
				t.Fatalf("the key with another body on B: %d %s; want 422 naming Idempotency-Key", status, reused)
			}

			// B ranks the new product once its projection has the new version.
			ask := `{"profile":{"skin_type":"oily","concerns":["acne"]},"filters":{"brands":[` + strconv.Quote(brand) + `]},"limit":5}`
			deadline := time.Now().Add(30 * time.Second)
			for {
				status, _, body := call(t, "POST", baseB+"/v1/recommendations", tok["app"], "application/json", ask)
				if status == http.StatusOK && strings.Contains(body, "replica-"+kind+"-1") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("B does not rank the product written through A after 30 s: %d %s", status, body)
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Logf("%s: a product written through A was ranked on B after %s (refresh interval 200ms)", kind, time.Since(written).Round(time.Millisecond))

			// SSE on B: the version it had, then the one of A's write.
			want := `"data_version":` + strconv.FormatInt(before+1, 10)
			timeout := time.After(time.Minute)
			for seen := []string{}; ; {
				select {
				case e, ok := <-events:
					if !ok {
						t.Fatalf("B's update stream ended; events %v", seen)
					}
					seen = append(seen, e)
					if !strings.Contains(e, want) {
						continue
					}
				case <-timeout:
					t.Fatalf("B's update stream did not announce %s within a minute; events %v", want, seen)
				}
				break
			}

			// Rate limits across replicas, through the load balancer.
			a0, b0 := strings.Count(a.logs.String(), `"route":"/v1/status"`), strings.Count(b.logs.String(), `"route":"/v1/status"`)
			var codes []int
			for range limitedBurst + 4 {
				status, _, _ := call(t, "GET", baseLB+"/v1/status", tok["limited"], "", "")
				codes = append(codes, status)
			}
			ok, refused := 0, 0
			for i, c := range codes {
				switch {
				case c == http.StatusOK && i < limitedBurst:
					ok++
				case c == http.StatusTooManyRequests && i >= limitedBurst:
					refused++
				}
			}
			if ok != limitedBurst || refused != 4 {
				t.Errorf("through HAProxy, a key of burst %d got %v; want %d answers, then 429s", limitedBurst, codes, limitedBurst)
			}
			aN, bN := strings.Count(a.logs.String(), `"route":"/v1/status"`)-a0, strings.Count(b.logs.String(), `"route":"/v1/status"`)-b0
			if aN == 0 || bN == 0 || aN+bN != len(codes) {
				t.Errorf("HAProxy sent %d requests to A and %d to B, want both replicas to serve some of %d", aN, bN, len(codes))
			}
			// Failed logins count per client behind the proxy (X-Forwarded-For, which HAProxy
			// extends and the replicas trust from it) and across the replicas: one client's
			// bad keys lock out that client, not the others the proxy forwards.
			var logins []int
			for i := range loginFailuresForTest + 2 {
				status, _, _ := call(t, "GET", baseLB+"/v1/status", fmt.Sprintf("sg_abcd1234_%032d", i), "", "", "X-Forwarded-For", "192.0.2.9")
				logins = append(logins, status)
			}
			if logins[0] != http.StatusUnauthorized || logins[len(logins)-1] != http.StatusTooManyRequests {
				t.Errorf("%d bad keys from one client through HAProxy: %v; want 401s, then 429", len(logins), logins)
			}
			if status, _, _ := call(t, "GET", baseLB+"/v1/status", tok["app"], "", "", "X-Forwarded-For", "192.0.2.9"); status != http.StatusTooManyRequests {
				t.Errorf("a good key from the guessing client: %d, want 429", status)
			}
			if status, _, _ := call(t, "GET", baseLB+"/v1/status", tok["app"], "", "", "X-Forwarded-For", "192.0.2.10"); status != http.StatusOK {
				t.Errorf("a good key from another client behind HAProxy: %d, want 200", status)
			}

			// Each replica times its shared store on /metrics.
			for name, base := range map[string]string{"A": baseA, "B": baseB} {
				status, _, metrics := call(t, "GET", base+"/metrics", tok["ops"], "", "")
				series := `skingraph_shared_state_duration_seconds_count{operation="take",store="` + kind + `"}`
				if status != http.StatusOK || !strings.Contains(metrics, series) {
					t.Errorf("replica %s: /metrics (%d) has no %s", name, status, series)
				}
			}
			cancel()

			// A replica that stops leaves the rotation: HAProxy's /readyz check takes it out
			// and the other answers every request.
			if err := a.stop(t); err != nil {
				t.Errorf("replica A shutdown: %v", err)
			}
			served := 0
			waitFor(t, "HAProxy to answer 10 requests in a row with A stopped", 30*time.Second, func() bool {
				if status, _, _ := call(t, "GET", baseLB+"/v1/status", tok["app"], "", ""); status == http.StatusOK {
					served++
				} else {
					served = 0
				}
				return served >= 10
			})
			if err := b.stop(t); err != nil {
				t.Errorf("replica B shutdown: %v", err)
			}
		})
	}
}

// statusVersionAs is statusVersion with a key.
func statusVersionAs(t *testing.T, base, token string) int64 {
	t.Helper()
	status, _, body := call(t, "GET", base+"/v1/status", token, "", "")
	var st struct {
		DataVersion int64 `json:"data_version"`
	}
	if err := json.Unmarshal([]byte(body), &st); status != http.StatusOK || err != nil {
		t.Fatalf("GET /v1/status: %d %s (%v)", status, body, err)
	}
	return st.DataVersion
}

// TestSharedStateOutage stops the Redis of a replica's shared state under it: a write that
// carries an Idempotency-Key is refused with 503 and not run (the replica cannot tell whether
// the key was used); the same write without the header runs; rate limits fall back to the
// replica's own buckets (a key's burst still ends in 429), and the log says so.
func TestSharedStateOutage(t *testing.T) {
	neo4jtest.Demo(t)
	keys, tok := replicaKeys(t)
	rd, err := testcontainers.StartRedis(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rd.Stop() })
	env := existingNeo4j(t)
	env["SKINGRAPH_API_KEYS_FILE"] = keys
	env["SKINGRAPH_REDIS_URL"] = "redis://" + rd.Addr + "/0"
	s := start(t, env, "serve", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	if err := rd.Stop(); err != nil {
		t.Fatal(err)
	}

	product := `[{"id":"outage-1","name":"Outage Gel","brand":"Outage Lab","category":"treatment","price":12,
		"ingredients":"Water, Glycerin","claims":["dryness"],"suits":["dry"]}]`
	status, h, body := call(t, "POST", base+"/v1/products", tok["merch"], "application/json", product, "Idempotency-Key", "outage-key")
	if status != http.StatusServiceUnavailable || h.Get("Content-Type") != "application/problem+json" || h.Get("Retry-After") == "" ||
		!strings.Contains(body, "Idempotency-Key") {
		t.Fatalf("write with an Idempotency-Key, Redis down: %d %q %s; want 503 problem+json with Retry-After naming the key store", status, h.Get("Content-Type"), body)
	}
	if status, _, body := call(t, "GET", base+"/v1/products/outage-1", tok["app"], "", ""); status != http.StatusNotFound {
		t.Fatalf("the refused write ran: GET the product answers %d %s", status, body)
	}
	if status, _, body := call(t, "POST", base+"/v1/products", tok["merch"], "application/json", product); status != http.StatusOK {
		t.Fatalf("write without an Idempotency-Key, Redis down: %d %s; want 200", status, body)
	}
	var codes []int
	for range limitedBurst + 2 {
		status, _, _ := call(t, "GET", base+"/v1/status", tok["limited"], "", "")
		codes = append(codes, status)
	}
	if codes[limitedBurst-1] != http.StatusOK || codes[limitedBurst] != http.StatusTooManyRequests || codes[limitedBurst+1] != http.StatusTooManyRequests {
		t.Errorf("a key of burst %d with Redis down got %v; want %d answers (this replica's buckets), then 429", limitedBurst, codes, limitedBurst)
	}
	status, _, metrics := call(t, "GET", base+"/metrics", tok["ops"], "", "")
	for _, series := range []string{`skingraph_shared_state_errors_total{operation="claim",store="redis"}`, `skingraph_shared_state_errors_total{operation="take",store="redis"}`} {
		if status != http.StatusOK || !strings.Contains(metrics, series) {
			t.Errorf("/metrics (%d) does not count the outage: no %s", status, series)
		}
	}
	if !strings.Contains(s.logs.String(), "shared rate limiter unavailable") || !strings.Contains(s.logs.String(), "idempotency store unavailable") {
		t.Errorf("the log does not report the outage:\n%s", s.logs)
	}
}
