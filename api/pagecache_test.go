package api

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		header string
		want   bool
	}{
		{"", false},
		{"gzip", true},
		{"GZIP", true},
		{"gzip, deflate, br", true},
		{"deflate, gzip;q=0.5", true},
		{"br", false},
		{"identity", false},
		{"gzip;q=0", false},
		{"gzip; q=0.0", false},
		{"*", true},
		{"*;q=0", false},
		{"gzip;q=0, *", false}, // named codings win over the wildcard
		{"*, gzip;q=0", false},
		{"br, *;q=0.1", true},
		{"gzip;q=abc", false},
	}
	for _, tt := range tests {
		if got := acceptsGzip(tt.header); got != tt.want {
			t.Errorf("acceptsGzip(%q) = %v, want %v", tt.header, got, tt.want)
		}
	}
}

// TestRecommendationPagesInBothCodings asks the same pages plain and gzipped, first and
// again (from the page cache), and checks that every answer decodes to the same page, with
// its own generated_at, a right Content-Length and the gzip ETag suffix.
func TestRecommendationPagesInBothCodings(t *testing.T) {
	h := New(rankingDeps(t))
	const path = "/v1/recommendations?skin_type=oily&concerns=acne&limit=5&explain=full"
	var pages []map[string]any
	ids := map[string]bool{}
	for _, accept := range []string{"", "gzip", "gzip", "", "br;q=1, gzip;q=0.5"} {
		resp, body := serveOnce(t, h, "GET", path, "", map[string]string{"Accept-Encoding": accept})
		if resp.StatusCode != 200 {
			t.Fatalf("Accept-Encoding %q: status %d: %s", accept, resp.StatusCode, body)
		}
		if got, want := resp.Header.Get("Content-Length"), strconv.Itoa(len(body)); got != want {
			t.Fatalf("Accept-Encoding %q: Content-Length %s, body %d bytes", accept, got, len(body))
		}
		wantGzip := accept != ""
		etag := resp.Header.Get("ETag")
		if gz := resp.Header.Get("Content-Encoding") == "gzip"; gz != wantGzip {
			t.Fatalf("Accept-Encoding %q: Content-Encoding %q", accept, resp.Header.Get("Content-Encoding"))
		}
		if strings.HasSuffix(etag, gzipETagSuffix+`"`) != wantGzip {
			t.Errorf("Accept-Encoding %q: ETag %s", accept, etag)
		}
		plain := []byte(body)
		if wantGzip {
			zr, err := gzip.NewReader(bytes.NewReader(plain))
			if err != nil {
				t.Fatal(err)
			}
			zr.Multistream(false) // one member: the page and its generated_at in one stream
			if plain, err = io.ReadAll(zr); err != nil {
				t.Fatalf("Accept-Encoding %q: gzip body: %v", accept, err)
			}
			if len(body) >= len(plain) {
				t.Errorf("gzip did not shrink the page: %d >= %d", len(body), len(plain))
			}
		}
		var page map[string]any
		if err := json.Unmarshal(plain, &page); err != nil {
			t.Fatalf("Accept-Encoding %q: %v: %s", accept, err, plain)
		}
		if s, _ := page["generated_at"].(string); s == "" {
			t.Fatalf("Accept-Encoding %q: no generated_at", accept)
		}
		delete(page, "generated_at")
		// Every answer, cached or not, has an id of its own, and no experiment is in force.
		id, _ := page["recommendation_id"].(string)
		if id == "" || ids[id] {
			t.Errorf("Accept-Encoding %q: recommendation_id %q: want a fresh one", accept, id)
		}
		ids[id] = true
		if v, ok := page["variant"]; !ok || v != nil || page["experiment"] != nil {
			t.Errorf("Accept-Encoding %q: experiment %v, variant %v: want both null", accept, page["experiment"], v)
		}
		delete(page, "recommendation_id")
		if items, _ := page["items"].([]any); len(items) == 0 {
			t.Fatalf("Accept-Encoding %q: no items", accept)
		}
		pages = append(pages, page)
	}
	first, _ := json.Marshal(pages[0])
	for i, p := range pages[1:] {
		if got, _ := json.Marshal(p); !bytes.Equal(got, first) {
			t.Errorf("answer %d differs from the first:\n%s\n%s", i+1, got, first)
		}
	}
}

// TestPageGzipFormsDecode builds a page's fast gzip form, then its best one (as a second hit
// does), and decodes both with a generated_at tail.
func TestPageGzipFormsDecode(t *testing.T) {
	body := []byte(`{"items":[` + strings.Repeat(`{"id":"p1","why":"Contains Niacinamide (2nd ingredient)"},`, 200) + `{}],"total":201}`)
	pg := newPage(body)
	fast := pg.gzipped()
	if fast.best {
		t.Fatal("the first gzip form should be the fast one")
	}
	// Each hit asks for the best form; a hit that finds another page being recompressed
	// (another test's server may be recompressing one) leaves it to the next hit.
	deadline := time.Now().Add(10 * time.Second)
	for !pg.gzipped().best {
		if time.Now().After(deadline) {
			t.Fatal("the page was not recompressed")
		}
		pg.improve()
		time.Sleep(time.Millisecond)
	}
	best := pg.gzipped()
	if len(best.prefix) > len(fast.prefix) {
		t.Errorf("best form %d bytes, fast %d", len(best.prefix), len(fast.prefix))
	}
	tail := []byte(`,"generated_at":"2026-11-24T10:00:00Z"}`)
	want := append(append([]byte{}, body[:len(body)-1]...), tail...)
	for name, f := range map[string]*gzipForm{"fast": fast, "best": best} {
		stream := pg.gzipTail(append([]byte{}, f.prefix...), tail, f.crc)
		zr, err := gzip.NewReader(bytes.NewReader(stream))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s form decodes to %.80s…", name, got)
		}
	}
}
