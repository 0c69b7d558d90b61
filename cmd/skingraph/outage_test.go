package main

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/testcontainers"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestNeo4jOutageDegradesAndRecovers stops the Neo4j a server uses, while it serves: the
// recommendations go on from the projection with degraded: true, writes fail with 503
// problem+json and Retry-After once the circuit is open, /readyz says so; when Neo4j comes
// back on the same port the service recovers by itself, without a restart.
func TestNeo4jOutageDegradesAndRecovers(t *testing.T) {
	ctx := context.Background()
	dataDir := filepath.Join(t.TempDir(), "neo4j")
	port := freeTCPPort(t)
	opts := testcontainers.Options{Provider: testcontainers.ProviderLocal, DataDir: dataDir, Port: port, JVMFlags: neo4jtest.JVMFlags,
		Settings: neo4jtest.Settings, ClassDataSharing: true, Password: "outage-test", HeapMB: 512, PageCache: "64m"}
	db, err := testcontainers.Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			db.Stop(context.Background())
		}
	})
	env := map[string]string{"SKINGRAPH_NEO4J_URI": db.URI, "SKINGRAPH_NEO4J_USER": db.Username,
		"SKINGRAPH_NEO4J_PASSWORD": db.Password, "SKINGRAPH_REFRESH_INTERVAL": "200ms"}
	if err := run(ctx, []string{"load", "demo"}, Env{Getenv: func(k string) string { return env[k] },
		Stdout: &syncBuffer{}, Stderr: &syncBuffer{}}); err != nil {
		t.Fatalf("load demo: %v", err)
	}
	s := start(t, env, "serve", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	ask := map[string]any{"profile": map[string]any{"skin_type": "oily", "concerns": []string{"acne"}}, "limit": 5}
	recommend := func() recResponse {
		t.Helper()
		resp, body := post(t, base+"/v1/recommendations", ask)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("recommendations: status %d: %s", resp.StatusCode, body)
		}
		var r recResponse
		if err := json.Unmarshal(body, &r); err != nil {
			t.Fatal(err)
		}
		return r
	}
	healthy := recommend()
	if healthy.Degraded || len(healthy.Items) == 0 {
		t.Fatalf("before the outage: degraded %v, %d items", healthy.Degraded, len(healthy.Items))
	}

	if err := db.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	stopped = true
	waitFor(t, "the circuit to open", time.Minute, func() bool {
		var st struct {
			Circuit string `json:"neo4j_circuit"`
		}
		getJSON(t, base+"/v1/status", http.StatusOK, &st)
		return st.Circuit == "open"
	})
	during := recommend()
	if !during.Degraded || len(during.Items) != len(healthy.Items) || during.Items[0].Product.ID != healthy.Items[0].Product.ID {
		t.Fatalf("during the outage: degraded %v, %d items (want the projection's %d, degraded)", during.Degraded, len(during.Items), len(healthy.Items))
	}
	resp, err := http.Post(base+"/v1/efficacy", "text/csv", strings.NewReader(goodEfficacy))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" ||
		resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("write during the outage: status %d, Retry-After %q, Content-Type %q; want 503 problem+json with Retry-After",
			resp.StatusCode, resp.Header.Get("Retry-After"), resp.Header.Get("Content-Type"))
	}
	getJSON(t, base+"/readyz", http.StatusServiceUnavailable, nil)

	db, err = testcontainers.Start(ctx, opts)
	if err != nil {
		t.Fatalf("restart neo4j: %v", err)
	}
	stopped = false
	waitFor(t, "the service to recover", 2*time.Minute, func() bool {
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK && !recommend().Degraded
	})
	postEfficacy(t, base+"/v1/efficacy", "text/csv", goodEfficacy, http.StatusOK)
	if err := s.stop(t); err != nil {
		t.Fatalf("serve returned %v", err)
	}
	for _, want := range []string{`"to":"open"`, `"to":"closed"`} {
		if !strings.Contains(s.logs.String(), want) {
			t.Errorf("logs do not record the circuit going %s", want)
		}
	}
}

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitFor polls cond every 200 ms until it holds, failing the test after limit.
func waitFor(t *testing.T, what string, limit time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", limit, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
