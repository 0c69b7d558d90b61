package api

import (
	"bufio"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestMalformedRequestCorpus replays every request under testdata/malformed. Each file is
//
//	# STATUS [FIELD]
//	METHOD /path?query
//	Header: value
//	(blank line)
//	body
//
// and the answer must have that status, be problem+json, and name FIELD among its errors.
func TestMalformedRequestCorpus(t *testing.T) {
	files, err := filepath.Glob("testdata/malformed/*.http")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	d := rankingDeps(t)
	d.ProductLoader = &countingProducts{}
	d.EfficacyLoader = &fakeEfficacy{}
	h := New(d)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			head, body, _ := strings.Cut(string(raw), "\n\n")
			sc := bufio.NewScanner(strings.NewReader(head))
			sc.Scan()
			expect := strings.Fields(strings.TrimPrefix(sc.Text(), "#"))
			status, _ := strconv.Atoi(expect[0])
			sc.Scan()
			method, target, _ := strings.Cut(sc.Text(), " ")
			req := httptest.NewRequest(method, target, strings.NewReader(body))
			for sc.Scan() {
				k, v, _ := strings.Cut(sc.Text(), ":")
				req.Header.Set(strings.TrimSpace(k), strings.TrimSpace(v))
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != status {
				t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q, want application/problem+json", ct)
			}
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != status || p.Title == "" {
				t.Fatalf("problem %+v (%v)", p, err)
			}
			if len(expect) > 1 {
				var fields []string
				for _, e := range p.Errors {
					fields = append(fields, e.Field)
				}
				if !strings.Contains(strings.Join(fields, " "), expect[1]) {
					t.Fatalf("errors name %v, want %q: %s", fields, expect[1], w.Body)
				}
			}
		})
	}
}
