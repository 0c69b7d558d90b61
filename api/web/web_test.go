package web

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

var testConfig = Config{CypherDefaultRows: 1000, CypherMaxRows: 10000, CypherDefaultTimeout: 5 * time.Second,
	CypherMaxTimeout: 30 * time.Second, MaxUploadBytes: 16 << 20}

func newHandler(t *testing.T) http.Handler {
	t.Helper()
	h, err := Handler(testConfig)
	if err != nil {
		t.Fatalf("Handler: %v", err)
	}
	return h
}

func TestHandlerRoutes(t *testing.T) {
	h := newHandler(t)
	tests := []struct {
		name, method, path, acceptEncoding string
		wantStatus                         int
		wantType                           string
		wantBody                           string // a substring of the (decoded) body
		wantGzip, wantCSP                  bool
	}{
		{"page", "GET", "/", "", 200, "text/html; charset=utf-8", `<script defer src="/ui/app.js">`, false, true},
		{"page gzip", "GET", "/", "gzip, deflate", 200, "text/html; charset=utf-8", `<main id="main"`, true, true},
		{"script", "GET", "/ui/app.js", "", 200, "text/javascript; charset=utf-8", "/v1/recommendations", false, false},
		{"script gzip", "GET", "/ui/app.js", "br;q=1, gzip;q=0.8", 200, "text/javascript; charset=utf-8", "/v1/recommendations", true, false},
		{"gzip refused", "GET", "/ui/app.css", "gzip;q=0", 200, "text/css; charset=utf-8", ".card", false, false},
		{"config", "GET", "/ui/config.json", "", 200, "application/json", `"max_rows":10000`, false, false},
		{"head", "HEAD", "/", "", 200, "text/html; charset=utf-8", "", false, true},
		{"unknown asset", "GET", "/ui/nope.js", "", 404, "application/problem+json", `"status":404`, false, false},
		{"index only at /", "GET", "/ui/index.html", "", 404, "application/problem+json", "no page asset", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.path, nil)
			if tt.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tt.acceptEncoding)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Fatalf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := rec.Header().Get("Content-Type"); got != tt.wantType {
				t.Errorf("Content-Type = %q, want %q", got, tt.wantType)
			}
			if got := rec.Header().Get("Content-Encoding") == "gzip"; got != tt.wantGzip {
				t.Errorf("gzip = %v, want %v", got, tt.wantGzip)
			}
			if got := strings.Contains(rec.Header().Get("Content-Security-Policy"), "script-src 'self'"); got != tt.wantCSP {
				t.Errorf("CSP = %q, want set: %v", rec.Header().Get("Content-Security-Policy"), tt.wantCSP)
			}
			body := rec.Body.Bytes()
			if tt.wantGzip {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatalf("gzip body: %v", err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatalf("gunzip: %v", err)
				}
			}
			if tt.method == "HEAD" && len(body) != 0 {
				t.Errorf("HEAD sent a body of %d bytes", len(body))
			}
			if !strings.Contains(string(body), tt.wantBody) {
				t.Errorf("body lacks %q: %.300s", tt.wantBody, body)
			}
		})
	}
}

func TestHandlerRevalidatesByETag(t *testing.T) {
	h := newHandler(t)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/ui/app.css", nil))
	etag := rec.Header().Get("ETag")
	if etag == "" || rec.Header().Get("Cache-Control") != "no-cache" {
		t.Fatalf("ETag %q, Cache-Control %q: want an ETag and no-cache", etag, rec.Header().Get("Cache-Control"))
	}
	tests := []struct {
		ifNoneMatch string
		want        int
	}{{etag, http.StatusNotModified}, {`"other", ` + etag, http.StatusNotModified}, {`"other"`, http.StatusOK}}
	for _, tt := range tests {
		req := httptest.NewRequest("GET", "/ui/app.css", nil)
		req.Header.Set("If-None-Match", tt.ifNoneMatch)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("If-None-Match %s: status %d, want %d", tt.ifNoneMatch, rec.Code, tt.want)
		}
	}
}

// TestConfigTellsVocabulariesAndLimits checks that the pages learn the closed vocabularies from
// package graph and the limits from the server, so the form never offers a term the API refuses.
func TestConfigTellsVocabulariesAndLimits(t *testing.T) {
	rec := httptest.NewRecorder()
	newHandler(t).ServeHTTP(rec, httptest.NewRequest("GET", "/ui/config.json", nil))
	var got struct {
		SkinTypes     []string `json:"skin_types"`
		SkinTones     []string `json:"skin_tones"`
		Concerns      []string `json:"concerns"`
		Sensitivities []string `json:"sensitivities"`
		Categories    []string `json:"categories"`
		Cypher        struct {
			DefaultRows      int   `json:"default_rows"`
			MaxRows          int   `json:"max_rows"`
			DefaultTimeoutMS int64 `json:"default_timeout_ms"`
			MaxTimeoutMS     int64 `json:"max_timeout_ms"`
		} `json:"cypher"`
		MaxUploadBytes int64 `json:"max_upload_bytes"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatalf("decode %s: %v", rec.Body, err)
	}
	for _, v := range []struct {
		name string
		got  []string
		want *graph.Vocabulary
	}{
		{"skin_types", got.SkinTypes, graph.SkinTypes}, {"skin_tones", got.SkinTones, graph.SkinTones},
		{"concerns", got.Concerns, graph.Concerns}, {"sensitivities", got.Sensitivities, graph.Sensitivities},
		{"categories", got.Categories, graph.Categories},
	} {
		if diff := cmp.Diff(v.want.Names(), v.got); diff != "" {
			t.Errorf("%s (-want +got):\n%s", v.name, diff)
		}
	}
	if got.Cypher.DefaultRows != 1000 || got.Cypher.MaxRows != 10000 || got.Cypher.DefaultTimeoutMS != 5000 ||
		got.Cypher.MaxTimeoutMS != 30000 || got.MaxUploadBytes != 16<<20 {
		t.Errorf("limits = %+v, upload %d: want the configured ones", got.Cypher, got.MaxUploadBytes)
	}
}

// TestDistMatchesSources rebuilds the bundle from src/ into a temporary folder and checks that
// the committed dist/ (what the binary embeds) is byte for byte that build. It needs node and
// the npm packages of api/web (make test installs them with npm ci).
func TestDistMatchesSources(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("node is not on PATH: install Node.js (apt-get install nodejs npm) and run 'npm ci' in api/web, or run 'make test'")
	}
	if _, err := os.Stat(filepath.Join("node_modules", "esbuild")); err != nil {
		t.Fatalf("api/web/node_modules/esbuild is missing: run 'npm ci' in api/web (make test does)")
	}
	// Read the build's inputs here too: go test caches a result by the files the test itself
	// opens, and node's reads are invisible to it.
	for _, dir := range []string{"src", "."} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				if _, err := os.ReadFile(filepath.Join(dir, e.Name())); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	out := t.TempDir()
	cmd := exec.Command(node, "build.mjs", "--out", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("node build.mjs: %v\n%s", err, b)
	}
	want := map[string][]byte{}
	err = filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		want[strings.TrimPrefix(p, out+string(filepath.Separator))] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	err = fs.WalkDir(Dist(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		b, err := fs.ReadFile(Dist(), p)
		got[p] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("the build wrote no files")
	}
	for name, w := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("dist/%s is missing: run 'make build' (or 'npm run build' in api/web) and commit dist/", name)
		} else if !bytes.Equal(g, w) {
			t.Errorf("dist/%s is stale (%d bytes, a fresh build gives %d): run 'make build' (or 'npm run build' in api/web) and commit dist/", name, len(g), len(w))
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			t.Errorf("dist/%s is not produced by the build: remove it", name)
		}
	}
}
