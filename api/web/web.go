// Package web serves the skingraph web pages: the bundle built from src/ (TypeScript, esbuild)
// into dist/ and embedded in the binary, and /ui/config.json, which tells the pages the closed
// vocabularies and the server's limits so they never drift from the API.
//
// Routes (mounted by package api): "/" is the single page (hash routing: #/find, #/product/ID,
// #/merchandiser, #/explorer); "/ui/..." are its assets. Assets are served with an ETag (their
// content hash) and gzip when the client accepts it.
package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/skingraph/skingraph/graph"
)

//go:embed all:dist
var dist embed.FS

// Dist is the built bundle (index.html, app.js, app.css).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil {
		panic(err) // "dist" is a constant path embedded above
	}
	return sub
}

// Config is what the pages are told about the server they run against.
type Config struct {
	CypherDefaultRows    int
	CypherMaxRows        int
	CypherDefaultTimeout time.Duration
	CypherMaxTimeout     time.Duration
	MaxUploadBytes       int64
}

// csp allows only this origin's script, style and fetches; the SVG graphs are built with the DOM.
const csp = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// asset is one file ready to serve.
type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

// Handler serves the pages and their assets. It returns an error when the embedded bundle has
// no index.html (the UI was not built: run make build).
func Handler(cfg Config) (http.Handler, error) {
	assets := map[string]*asset{}
	err := fs.WalkDir(Dist(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasPrefix(d.Name(), ".") {
			return err
		}
		b, err := fs.ReadFile(Dist(), p)
		if err != nil {
			return fmt.Errorf("read %s: %w", p, err)
		}
		assets["/"+p] = newAsset(p, b)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web assets: %w", err)
	}
	if assets["/index.html"] == nil {
		return nil, fmt.Errorf("web assets: dist/index.html is missing; build the UI with 'make build' (npm ci && npm run build in api/web)")
	}
	conf, err := json.Marshal(configJSON(cfg))
	if err != nil {
		return nil, fmt.Errorf("web config: %w", err)
	}
	assets["/config.json"] = newAsset("config.json", conf)
	return &handler{assets: assets}, nil
}

func newAsset(name string, b []byte) *asset {
	sum := sha256.Sum256(b)
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	a := &asset{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	if buf.Len() < len(b) {
		a.gz = buf.Bytes()
	}
	return a
}

// configJSON is /ui/config.json.
func configJSON(cfg Config) map[string]any {
	return map[string]any{
		"skin_types":    graph.SkinTypes.Names(),
		"skin_tones":    graph.SkinTones.Names(),
		"concerns":      graph.Concerns.Names(),
		"sensitivities": graph.Sensitivities.Names(),
		"categories":    graph.Categories.Names(),
		"cypher": map[string]any{
			"default_rows": cfg.CypherDefaultRows, "max_rows": cfg.CypherMaxRows,
			"default_timeout_ms": cfg.CypherDefaultTimeout.Milliseconds(), "max_timeout_ms": cfg.CypherMaxTimeout.Milliseconds(),
		},
		"max_upload_bytes": cfg.MaxUploadBytes,
	}
}

type handler struct {
	assets map[string]*asset
}

// ServeHTTP answers "/" with index.html and "/ui/NAME" with an asset; anything else is 404.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	name := ""
	switch {
	case r.URL.Path == "/" || r.URL.Path == "/index.html":
		name = "/index.html"
	case strings.HasPrefix(r.URL.Path, "/ui/"):
		name = strings.TrimPrefix(r.URL.Path, "/ui")
	}
	a := h.assets[name]
	if a == nil || name == "/index.html" && strings.HasPrefix(r.URL.Path, "/ui/") {
		notFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("ETag", a.etag)
	hd.Set("Cache-Control", "no-cache") // revalidate by ETag: a new build is seen at once
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Add("Vary", "Accept-Encoding")
	if name == "/index.html" {
		hd.Set("Content-Security-Policy", csp)
		hd.Set("Referrer-Policy", "no-referrer")
		hd.Set("X-Frame-Options", "DENY")
	}
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		hd.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		enc, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(strings.TrimSpace(params), " ", "") != "q=0" {
			return true
		}
	}
	return false
}

// notFound writes the API's problem+json shape for an unknown page asset.
func notFound(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusNotFound)
	_ = json.NewEncoder(w).Encode(map[string]any{"type": "about:blank", "title": "Not found", "status": http.StatusNotFound,
		"detail": "no page asset at " + r.URL.Path})
}
