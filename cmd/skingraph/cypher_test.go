package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestCypherExplorerOverHTTP: analysts get bounded read-only queries; writes are refused by
// Neo4j and reported as 403; a runaway query stops at its timeout with 504; CSV on request.
func TestCypherExplorerOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	s := start(t, existingNeo4j(t), "up", "--http-addr", "127.0.0.1:0")
	url := "http://" + s.addr + "/v1/cypher"
	call := func(body map[string]any, accept string) (int, http.Header, string) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(out)
	}

	status, _, body := call(map[string]any{"query": "MATCH (p:Product) WHERE p.price < $max RETURN p.id AS id ORDER BY id", "params": map[string]any{"max": 20}, "limit": 3}, "")
	var table struct {
		Columns   []string `json:"columns"`
		Rows      [][]any  `json:"rows"`
		Truncated bool     `json:"truncated"`
	}
	if err := json.Unmarshal([]byte(body), &table); err != nil || status != 200 || len(table.Rows) != 3 || !table.Truncated || table.Columns[0] != "id" {
		t.Errorf("read query: %d %s", status, body)
	}

	status, h, body := call(map[string]any{"query": "MATCH (p:Product) RETURN p.id AS id, p.price AS price ORDER BY id LIMIT 2"}, "text/csv")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.HasPrefix(body, "id,price\n") || strings.Count(body, "\n") != 3 {
		t.Errorf("csv: %d %q %q", status, h.Get("Content-Type"), body)
	}

	for _, q := range []string{"CREATE (:Product {id: 'x'})", "MATCH (n) DETACH DELETE n"} {
		status, h, body = call(map[string]any{"query": q}, "")
		if status != http.StatusForbidden || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") || !strings.Contains(body, "Writing in read access mode") {
			t.Errorf("%s: %d %s", q, status, body)
		}
	}
	// LOAD CSV is refused by the plan check before Neo4j would run (and refuse) the write.
	status, h, body = call(map[string]any{"query": "LOAD CSV FROM 'file:///etc/passwd' AS r CREATE (:X)"}, "")
	if status != http.StatusForbidden || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") || !strings.Contains(body, "LOAD CSV is not allowed") || strings.Contains(body, "root:") {
		t.Errorf("LOAD CSV with a write: %d %s", status, body)
	}
	status, _, body = call(map[string]any{"query": "UNWIND range(1, 100000000) AS a UNWIND range(1, 100000000) AS b WITH a, b WHERE a * b = -1 RETURN a", "timeout_ms": 300}, "")
	if status != http.StatusGatewayTimeout {
		t.Errorf("runaway query: %d %s", status, body)
	}
	status, _, body = call(map[string]any{"query": "MATCH (n RETURN n"}, "")
	if status != http.StatusUnprocessableEntity {
		t.Errorf("syntax error: %d %s", status, body)
	}
	status, _, body = call(map[string]any{"query": "", "limit": 0, "timeout_ms": 999999}, "")
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"query"`) || !strings.Contains(body, `"field":"timeout_ms"`) {
		t.Errorf("bad bounds: %d %s", status, body)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

// TestCypherExplorerRefusesHostileQueriesOverHTTP runs the hostile-query suite with an
// analyst key through POST /v1/cypher: each is refused with problem+json (403 naming why, or
// 422 when it is not valid Cypher), no answer holds the canary (a file and a loopback HTTP
// server), the loopback server is never called; a memory hog gets 422 naming Neo4j's
// per-transaction limit, and with every explorer slot taken a query gets 429 + Retry-After.
func TestCypherExplorerRefusesHostileQueriesOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	token, line, err := auth.New(auth.RoleAnalyst, "lab")
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(t.TempDir(), "keys")
	// A rate of its own: the suite sends more requests than an analyst's default burst.
	if err := os.WriteFile(keys, []byte(line+" 1000 1000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	canary := filepath.Join(t.TempDir(), "canary.csv")
	if err := os.WriteFile(canary, []byte(neo4jtest.Canary+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var hits atomic.Int64
	loopback := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintln(w, neo4jtest.Canary)
	}))
	defer loopback.Close()

	env := existingNeo4j(t)
	env["SKINGRAPH_API_KEYS_FILE"] = keys
	env["SKINGRAPH_EXPLORER_CONCURRENCY"] = "1"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	url := "http://" + s.addr + "/v1/cypher"
	call := func(body map[string]any) (int, http.Header, string) {
		b, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", url, bytes.NewReader(b))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header, string(out)
	}

	queries := neo4jtest.HostileQueries(canary, loopback.URL)
	for _, h := range queries {
		t.Run(h.Name, func(t *testing.T) {
			req := map[string]any{"query": h.Query}
			if h.Params != nil { // a null field is refused (the contract): leave it out
				req["params"] = h.Params
			}
			status, hdr, body := call(req)
			want := http.StatusForbidden
			if h.Want == neo4jtest.Invalid {
				want = http.StatusUnprocessableEntity
			}
			if status != want || !strings.HasPrefix(hdr.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("%s\n%d %s, want %d problem+json", h.Query, status, body, want)
			}
			if h.Reason != "" && !strings.Contains(body, h.Reason) {
				t.Errorf("%s: want the reason %q", body, h.Reason)
			}
			for _, secret := range []string{neo4jtest.Canary, "root:x:0:0", "pseudonym", "sg_"} {
				if strings.Contains(body, secret) {
					t.Errorf("the answer leaks %q: %s", secret, body)
				}
			}
		})
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback server was called %d times, want 0", n)
	}

	began := time.Now()
	status, _, body := call(map[string]any{"query": "UNWIND range(1, 20000000) AS i RETURN size(collect(toString(i))) AS n", "timeout_ms": 30000})
	t.Logf("memory hog: %d after %s", status, time.Since(began).Round(time.Millisecond))
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "db.memory.transaction.max") {
		t.Errorf("memory hog: %d %s, want 422 naming db.memory.transaction.max", status, body)
	}

	// One slot (SKINGRAPH_EXPLORER_CONCURRENCY=1): a second query while a slow one runs.
	slowDone := make(chan int, 1)
	go func() {
		for { // the poll below may hold the slot for a moment: try again until this one runs
			status, _, _ := call(map[string]any{"query": "UNWIND range(1, 100000000) AS a UNWIND range(1, 100000000) AS b WITH a, b WHERE a * b = -1 RETURN a", "timeout_ms": 3000})
			if status != http.StatusTooManyRequests {
				slowDone <- status
				return
			}
		}
	}()
	busy := false
	for deadline := time.Now().Add(5 * time.Second); !busy && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		status, hdr, body := call(map[string]any{"query": "RETURN 1 AS one"})
		if status == http.StatusTooManyRequests {
			busy = true
			if hdr.Get("Retry-After") == "" || !strings.Contains(body, "concurrency limit") {
				t.Errorf("busy: Retry-After %q, body %s", hdr.Get("Retry-After"), body)
			}
		}
	}
	if !busy {
		t.Error("no 429 while the only explorer slot was taken")
	}
	if got := <-slowDone; got != http.StatusGatewayTimeout {
		t.Errorf("slow query: %d, want 504", got)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
