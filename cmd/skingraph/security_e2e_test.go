package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// writeKeys writes a keys file of lines.
func writeKeys(t *testing.T, path string, lines ...string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil { // as editors and deploy tools replace files
		t.Fatal(err)
	}
}

// TestLiveKeysReloadOnChangeAndKeepTheRingOnErrors: a changed keys file replaces the keys at
// the next check; a broken or empty one leaves the keys in force.
func TestLiveKeysReloadOnChangeAndKeepTheRingOnErrors(t *testing.T) {
	_, lineA, _ := auth.New(auth.RoleApp, "a")
	tokB, lineB, _ := auth.New(auth.RoleApp, "b")
	path := filepath.Join(t.TempDir(), "keys")
	writeKeys(t, path, lineA, lineB)
	ring, err := loadKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	live := newLiveKeys(path, ring)
	if changed, err := live.reload(false); changed || err != nil {
		t.Fatalf("unchanged file: changed %v, %v", changed, err)
	}
	writeKeys(t, path, lineB)
	if changed, err := live.reload(false); !changed || err != nil || live.Current().Len() != 1 {
		t.Fatalf("after removing A: changed %v, %v, %d keys", changed, err, live.Current().Len())
	}
	for _, broken := range []string{"# no key left", "not a key line"} {
		writeKeys(t, path, broken)
		if changed, err := live.reload(false); changed || err == nil {
			t.Fatalf("file %q: changed %v, err %v: want an error and the keys kept", broken, changed, err)
		}
		if _, err := live.Current().Verify(tokB); err != nil {
			t.Fatalf("file %q: B no longer works: %v", broken, err)
		}
	}
	// A reload asked for (SIGHUP) reads the file even when it looks unchanged.
	writeKeys(t, path, lineA, lineB)
	live.seen, _ = stampOf(path)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reload := make(chan struct{})
	go live.watch(ctx, time.Hour, reload, zerolog.Nop())
	reload <- struct{}{}
	deadline := time.Now().Add(5 * time.Second)
	for live.Current().Len() != 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if live.Current().Len() != 2 {
		t.Fatal("a reload did not read the file")
	}
}

// do sends one request and returns its status and body.
func do(t *testing.T, method, url, key, contentType string, body []byte, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("X-API-Key", key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i] == "Host" {
			req.Host = header[i+1]
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestSecurityServerEndToEnd runs the program with a keys file on a real Neo4j and replays
// findings 6 and 10 of issue 21: three 15 MB dry-run uploads with a 700,000-ingredient cell
// are refused by name while another key is served; a key removed from the file stops
// working without a restart, and a reload (what SIGHUP sends) keeps the server up.
func TestSecurityServerEndToEnd(t *testing.T) {
	neo4jtest.Store(t)
	tokA, lineA, _ := auth.New(auth.RoleApp, "a")
	tokB, lineB, _ := auth.New(auth.RoleApp, "b")
	tokM, lineM, _ := auth.New(auth.RoleMerchandiser, "m")
	keys := filepath.Join(t.TempDir(), "api-keys")
	writeKeys(t, keys, lineA, lineB, lineM)
	env := existingNeo4j(t)
	env["SKINGRAPH_API_KEYS_FILE"] = keys
	env["SKINGRAPH_KEYS_WATCH"] = "100ms"
	reload := make(chan struct{}, 1)
	s := startWithReload(t, env, reload, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr

	t.Run("finding 6: huge ingredient cells, dry run, three at once", func(t *testing.T) {
		var b bytes.Buffer
		b.WriteString("id,name,category,ingredients\nx1,Serum,serum,\"")
		for i := 0; b.Len() < 15<<20; i++ {
			if i > 0 {
				b.WriteString(", ")
			}
			fmt.Fprintf(&b, "ingredient number %d", i)
		}
		b.WriteString("\"\n")
		var wg sync.WaitGroup
		codes := make([]int, 3)
		bodies := make([]string, 3)
		for i := range codes {
			wg.Go(func() {
				codes[i], bodies[i] = do(t, "POST", base+"/v1/products?dry_run=true", tokM, "text/csv", b.Bytes())
			})
		}
		time.Sleep(50 * time.Millisecond)
		if code, _ := do(t, "GET", base+"/v1/products/demo-0001", tokB, "", nil); code != http.StatusOK {
			t.Fatalf("B during the uploads: %d", code)
		}
		wg.Wait()
		for i := range codes {
			if codes[i] != http.StatusUnprocessableEntity || !strings.Contains(bodies[i], `"field":"ingredients"`) || !strings.Contains(bodies[i], `"row":2`) {
				t.Fatalf("upload %d: %d %.300s: want 422 naming row 2, ingredients", i, codes[i], bodies[i])
			}
		}
		if code, body := do(t, "GET", base+"/readyz", "", "", nil); code != http.StatusOK {
			t.Fatalf("readyz after the uploads: %d %s", code, body)
		}
	})

	t.Run("finding 10: removed keys stop working without a restart", func(t *testing.T) {
		if code, _ := do(t, "GET", base+"/v1/products/demo-0001", tokA, "", nil); code != http.StatusOK {
			t.Fatalf("A before: %d", code)
		}
		writeKeys(t, keys, lineB, lineM)
		deadline := time.Now().Add(10 * time.Second)
		code := 0
		for time.Now().Before(deadline) {
			if code, _ = do(t, "GET", base+"/v1/products/demo-0001", tokA, "", nil); code == http.StatusUnauthorized {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if code != http.StatusUnauthorized {
			t.Fatalf("A after its removal: %d, want 401", code)
		}
		writeKeys(t, keys, lineA, lineB, lineM)
		reload <- struct{}{} // SIGHUP
		deadline = time.Now().Add(10 * time.Second)
		for time.Now().Before(deadline) {
			if code, _ = do(t, "GET", base+"/v1/products/demo-0001", tokA, "", nil); code == http.StatusOK {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		if code != http.StatusOK {
			t.Fatalf("A after it was added back and a reload: %d", code)
		}
		if !strings.Contains(s.logs.String(), "api keys reloaded") {
			t.Fatal("the log does not say the keys were reloaded")
		}
	})
	if err := s.stop(t); err != nil {
		t.Fatalf("run: %v", err)
	}
}

// TestSecurityKeylessServerEndToEnd: without a keys file the program answers only loopback
// Host names and refuses cross-site writes (finding 7); nothing is written.
func TestSecurityKeylessServerEndToEnd(t *testing.T) {
	neo4jtest.Demo(t)
	s := start(t, existingNeo4j(t), "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	csv := []byte("id,name,category\nxsite-1,Cross Site,serum\n")
	for _, tc := range []struct {
		name, method, path, ct string
		body                   []byte
		header                 []string
		want                   int
	}{
		{"DNS rebinding on the explorer", "POST", "/v1/cypher", "application/json", []byte(`{"query":"MATCH (n) RETURN count(n)"}`), []string{"Host", "rebind.attacker.example"}, http.StatusMisdirectedRequest},
		{"cross-site POST without Content-Type", "POST", "/v1/products", "", csv, []string{"Origin", "https://attacker.example"}, http.StatusForbidden},
		{"POST without Content-Type", "POST", "/v1/products", "", csv, nil, http.StatusUnsupportedMediaType},
		{"form POST", "POST", "/v1/products", "text/plain", csv, nil, http.StatusUnsupportedMediaType},
	} {
		if code, body := do(t, tc.method, base+tc.path, "", tc.ct, tc.body, tc.header...); code != tc.want {
			t.Errorf("%s: %d %.200s, want %d", tc.name, code, body, tc.want)
		}
	}
	if code, _ := do(t, "GET", base+"/v1/products/xsite-1", "", "", nil); code != http.StatusNotFound {
		t.Fatalf("a refused upload was written: GET answered %d", code)
	}
	if code, _ := do(t, "GET", base+"/v1/products/demo-0001", "", "", nil); code != http.StatusOK {
		t.Fatalf("a local client: %d", code)
	}
}

// startWithReload is start with a reload channel (what main feeds from SIGHUP).
func startWithReload(t *testing.T, env map[string]string, reload chan struct{}, args ...string) *started {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s := &started{logs: &syncBuffer{}, stdout: &syncBuffer{}, cancel: cancel, done: make(chan error, 1)}
	ready := make(chan string, 1)
	go func() {
		s.done <- run(ctx, args, Env{
			Getenv: func(k string) string { return env[k] },
			Stdout: s.stdout, Stderr: s.logs, Reload: reload,
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
