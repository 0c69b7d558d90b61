package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

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

	for _, q := range []string{"CREATE (:Product {id: 'x'})", "MATCH (n) DETACH DELETE n", "LOAD CSV FROM 'file:///etc/passwd' AS r CREATE (:X)"} {
		status, h, body = call(map[string]any{"query": q}, "")
		if status != http.StatusForbidden || !strings.HasPrefix(h.Get("Content-Type"), "application/problem+json") || !strings.Contains(body, "Writing in read access mode") {
			t.Errorf("%s: %d %s", q, status, body)
		}
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
