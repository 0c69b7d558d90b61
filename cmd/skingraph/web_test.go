package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestWebPagesInBrowser runs the browser tests of the web pages (api/web/e2e, Playwright
// driving Debian's chromium headless) against the whole program serving the demo data from a
// real Neo4j. Screenshots of every page, desktop and phone width, are saved under
// artifacts/web/ (git-ignored). It needs node, chromium and the npm packages of api/web: make
// test installs all three; without them the test fails and says what to install.
func TestWebPagesInBrowser(t *testing.T) {
	webDir, err := filepath.Abs(filepath.Join("..", "..", "api", "web"))
	if err != nil {
		t.Fatal(err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: the browser tests need Node.js (apt-get install nodejs npm); make test installs what it can")
	}
	if _, err := os.Stat(filepath.Join(webDir, "node_modules", "playwright-core")); err != nil {
		t.Fatalf("playwright-core is not installed in %s: run 'npm ci' there (make test does)", webDir)
	}
	chromium := os.Getenv("SKINGRAPH_CHROMIUM")
	if chromium == "" {
		chromium = "/usr/bin/chromium"
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Fatalf("no chromium at %s: install Debian's (apt-get install -y chromium; make test does as root) or set SKINGRAPH_CHROMIUM", chromium)
	}
	artifacts, err := filepath.Abs(filepath.Join("..", "..", "artifacts", "web"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(artifacts); err != nil {
		t.Fatal(err)
	}

	neo4jtest.Demo(t) // the demo data, at data version 1, as up leaves an empty graph
	env := existingNeo4j(t)
	env["SKINGRAPH_PSEUDONYM_KEY"] = "a-browser-test-key-of-at-least-32-characters" // events (the dashboard's)
	env["SKINGRAPH_REFRESH_INTERVAL"] = "100ms"                                     // rules and experiments served soon
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	getJSON(t, base+"/readyz", http.StatusOK, nil)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, "--test", "--test-reporter=spec", "e2e/ui.test.mjs")
	cmd.Dir = webDir
	cmd.Env = append(os.Environ(), "SKINGRAPH_E2E_BASE="+base, "SKINGRAPH_E2E_ARTIFACTS="+artifacts, "SKINGRAPH_CHROMIUM="+chromium)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("browser tests failed (%v); screenshots in %s\n%s\nserver logs:\n%s", err, artifacts, out, s.logs)
	}
	t.Logf("browser tests:\n%s", out)
	for _, name := range []string{"find-desktop", "find-phone", "product-desktop", "product-phone", "merchandiser-errors-desktop",
		"merchandiser-phone", "explorer-desktop", "explorer-refused-desktop", "explorer-phone", "rules-desktop", "rules-conflict-desktop",
		"rules-phone", "dashboard-desktop", "dashboard-phone"} {
		if st, err := os.Stat(filepath.Join(artifacts, name+".png")); err != nil || st.Size() < 1000 {
			t.Errorf("screenshot %s.png missing or empty: %v", name, err)
		}
	}
	if err := s.stop(t); err != nil {
		t.Errorf("run: %v", err)
	}
}
