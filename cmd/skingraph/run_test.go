package main

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// syncBuffer is a bytes.Buffer safe for the logger and the test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// started is a run of the program in the background.
type started struct {
	addr   string
	logs   *syncBuffer
	stdout *syncBuffer
	cancel context.CancelFunc
	done   chan error
}

// stop cancels the run (as Ctrl-C would) and returns its error.
func (s *started) stop(t *testing.T) error {
	t.Helper()
	s.cancel()
	select {
	case err := <-s.done:
		return err
	case <-time.After(2 * time.Minute):
		t.Fatal("run did not return after cancel")
		return nil
	}
}

// start runs the program with args and env until it serves HTTP.
func start(t testing.TB, env map[string]string, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{logs: &syncBuffer{}, stdout: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		s.done <- run(ctx, args, Env{
			Getenv: func(k string) string { return env[k] },
			Stdout: s.stdout, Stderr: s.logs,
			Ready: func(addr string) { ready <- addr },
		})
	}()
	select {
	case s.addr = <-ready:
	case err := <-s.done:
		cancel()
		t.Fatalf("run %v returned before serving: %v\nlogs:\n%s", args, err, s.logs)
	case <-time.After(4 * time.Minute):
		cancel()
		t.Fatalf("run %v did not serve within 4 minutes\nlogs:\n%s", args, s.logs)
	}
	t.Cleanup(func() { cancel() })
	return s
}

// existingNeo4j is the environment that points the program at the shared test server.
func existingNeo4j(t testing.TB) map[string]string {
	db := neo4jtest.Server(t)
	return map[string]string{
		"SKINGRAPH_NEO4J_URI": db.URI, "SKINGRAPH_NEO4J_USER": db.Username, "SKINGRAPH_NEO4J_PASSWORD": db.Password,
	}
}

func getJSON(t *testing.T, url string, wantStatus int, into any) http.Header {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != wantStatus {
		var b bytes.Buffer
		b.ReadFrom(resp.Body)
		t.Fatalf("GET %s: status %d, want %d; body %s", url, resp.StatusCode, wantStatus, b.String())
	}
	if into != nil {
		if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
			t.Fatalf("GET %s: decode: %v", url, err)
		}
	}
	return resp.Header
}

type productResponse struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Ingredients []struct {
		INCI      string   `json:"inci"`
		Position  int      `json:"position"`
		Functions []string `json:"functions"`
	} `json:"ingredients"`
	Outcomes []struct {
		Kind  string `json:"kind"`
		Count int    `json:"count"`
	} `json:"outcomes"`
}

// TestUpServesDemoProductFromNeo4j is the README's first command end to end against the
// shared Neo4j: migrate, load the demo data into the empty graph, serve, answer the README's
// curl, and shut down cleanly on cancel.
func TestUpServesDemoProductFromNeo4j(t *testing.T) {
	neo4jtest.Store(t) // an empty, migrated graph
	s := start(t, existingNeo4j(t), "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr

	var ready struct {
		Status string            `json:"status"`
		Checks map[string]string `json:"checks"`
	}
	getJSON(t, base+"/readyz", http.StatusOK, &ready)
	if ready.Status != "ready" || ready.Checks["neo4j"] != "ok" || ready.Checks["schema"] != "ok" {
		t.Errorf("readyz = %+v", ready)
	}

	var p productResponse
	h := getJSON(t, base+"/v1/products/demo-0001", http.StatusOK, &p)
	if p.ID != "demo-0001" || p.Name == "" || len(p.Ingredients) < 3 {
		t.Fatalf("product = %+v, want demo-0001 with its ingredients", p)
	}
	for i, in := range p.Ingredients {
		if in.Position < 1 || in.INCI == "" || (i > 0 && in.Position < p.Ingredients[i-1].Position && p.Ingredients[i-1].Position != 0) {
			t.Errorf("ingredient %d = %+v: want label order with positions", i, in)
		}
	}
	if h.Get("X-Request-ID") == "" {
		t.Error("response has no X-Request-ID")
	}

	var problem struct {
		Type   string `json:"type"`
		Title  string `json:"title"`
		Status int    `json:"status"`
	}
	h = getJSON(t, base+"/v1/products/no-such-product", http.StatusNotFound, &problem)
	if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") || problem.Status != 404 {
		t.Errorf("missing product: content type %q, problem %+v", ct, problem)
	}

	if err := s.stop(t); err != nil {
		t.Fatalf("up returned %v after cancel", err)
	}
	if !strings.Contains(s.logs.String(), "demo data loaded") {
		t.Errorf("logs do not say the demo data was loaded:\n%s", s.logs)
	}
}

// TestLoadDemoTwiceChangesNothing runs `skingraph load demo` twice: the second load reports
// every record unchanged and leaves the data version where it was.
func TestLoadDemoTwiceChangesNothing(t *testing.T) {
	neo4jtest.Store(t)
	env := existingNeo4j(t)
	var first, second syncBuffer
	for _, out := range []*syncBuffer{&first, &second} {
		err := run(context.Background(), []string{"load", "demo"}, Env{
			Getenv: func(k string) string { return env[k] }, Stdout: out, Stderr: &syncBuffer{},
		})
		if err != nil {
			t.Fatalf("load demo: %v", err)
		}
	}
	if !strings.Contains(first.String(), "committed; data version 1") {
		t.Errorf("first load:\n%s", first.String())
	}
	if !strings.Contains(second.String(), "nothing changed; data version 1") || strings.Contains(second.String(), "created 1") {
		t.Errorf("second load should change nothing:\n%s", second.String())
	}
}

// TestUpWithLocalNeo4jKeepsDataAndLeavesNoProcess runs `up` twice on one data folder with a
// local Neo4j of its own: the second start finds the data and skips the demo load, and no
// Java process is left once run returns.
func TestUpWithLocalNeo4jKeepsDataAndLeavesNoProcess(t *testing.T) {
	dataDir := filepath.Join(t.TempDir(), "neo4j")
	env := map[string]string{"SKINGRAPH_DATA_DIR": dataDir, "SKINGRAPH_NEO4J_HEAP_MB": "512", "SKINGRAPH_NEO4J_PAGECACHE": "64m",
		"SKINGRAPH_NEO4J_JVM_FLAGS": strings.Join(neo4jtest.JVMFlags, " "), "SKINGRAPH_NEO4J_SETTINGS": neo4jSettings(neo4jtest.Settings)}
	for i, wantLog := range []string{"demo data loaded", "demo load skipped"} {
		s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
		var p productResponse
		getJSON(t, "http://"+s.addr+"/v1/products/demo-0001", http.StatusOK, &p)
		if len(p.Ingredients) == 0 {
			t.Errorf("run %d: product without ingredients", i+1)
		}
		if err := s.stop(t); err != nil {
			t.Fatalf("run %d: up returned %v", i+1, err)
		}
		if !strings.Contains(s.logs.String(), wantLog) {
			t.Errorf("run %d: logs do not say %q:\n%s", i+1, wantLog, s.logs)
		}
		if pids := javaProcessesUsing(dataDir); len(pids) > 0 {
			t.Errorf("run %d: java processes still running on %s: %v", i+1, dataDir, pids)
		}
	}
}

// javaProcessesUsing lists the processes whose command line mentions dir.
func javaProcessesUsing(dir string) []string {
	var pids []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(dir)) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

func TestRunRejectsBadCommandsAndConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
	}{
		{"no command", nil, nil, "no command given"},
		{"unknown command", []string{"frobnicate"}, nil, `unknown command "frobnicate"`},
		{"bad heap", []string{"up"}, map[string]string{"SKINGRAPH_NEO4J_HEAP_MB": "lots"}, "SKINGRAPH_NEO4J_HEAP_MB"},
		{"bad log level", []string{"up", "--log-level", "loud"}, nil, `log level "loud"`},
		{"bad page cache", []string{"up"}, map[string]string{"SKINGRAPH_NEO4J_PAGECACHE": "half"}, `SKINGRAPH_NEO4J_PAGECACHE "half": want auto or a size`},
		{"bad address", []string{"up", "--http-addr", "nowhere"}, nil, `http address "nowhere"`},
		{"serve without neo4j", []string{"serve"}, nil, "serve needs SKINGRAPH_NEO4J_URI"},
		{"pprof on a public address", []string{"serve"}, map[string]string{"SKINGRAPH_PPROF_ADDR": "0.0.0.0:6060"}, `pprof address "0.0.0.0:6060": want a loopback`},
		{"pprof not an address", []string{"serve"}, map[string]string{"SKINGRAPH_PPROF_ADDR": "6060"}, `pprof address "6060"`},
		{"bench bad mode", []string{"bench", "--mode", "warm"}, nil, `mode: want cached or uncached, got "warm"`},
		{"bench no server", []string{"bench", "--url", "http://127.0.0.1:1", "--duration", "1s"}, nil, "does not answer"},
		{"bench stray argument", []string{"bench", "now"}, nil, `unexpected arguments ["now"]`},
		{"neo4j uri of the http port", []string{"serve"}, map[string]string{"SKINGRAPH_NEO4J_URI": "http://db:7474"}, `neo4j URI "http://db:7474": scheme "http": want one of bolt, bolt+s, bolt+ssc, neo4j, neo4j+s, neo4j+ssc`},
		{"neo4j uri without host", []string{"serve"}, map[string]string{"SKINGRAPH_NEO4J_URI": "neo4j+s://"}, `neo4j URI "neo4j+s://": no host`},
		{"load what", []string{"load", "everything"}, map[string]string{"SKINGRAPH_NEO4J_URI": "bolt://127.0.0.1:1"}, "usage: skingraph load demo | skingraph load dir DIR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr syncBuffer
			err := run(context.Background(), tt.args, Env{
				Getenv: func(k string) string { return tt.env[k] }, Stdout: &syncBuffer{}, Stderr: &stderr,
			})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("run(%v) = %v, want an error containing %q", tt.args, err, tt.wantErr)
			}
		})
	}
}

func TestVersion(t *testing.T) {
	var out syncBuffer
	if err := run(context.Background(), []string{"version"}, Env{Getenv: func(string) string { return "" }, Stdout: &out, Stderr: &out}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "skingraph ") {
		t.Errorf("version printed %q", out.String())
	}
}

// neo4jSettings is settings as SKINGRAPH_NEO4J_SETTINGS takes them.
func neo4jSettings(settings map[string]string) string {
	pairs := make([]string, 0, len(settings))
	for _, k := range slices.Sorted(maps.Keys(settings)) {
		pairs = append(pairs, k+"="+settings[k])
	}
	return strings.Join(pairs, " ")
}
