package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// checkAnswer fails unless w is a well-formed answer: never a 5xx, JSON for 200,
// problem+json for errors.
func checkAnswer(t *testing.T, w *httptest.ResponseRecorder, allowed ...int) {
	t.Helper()
	ok := false
	for _, s := range allowed {
		ok = ok || w.Code == s
	}
	if !ok {
		t.Fatalf("status %d (allowed %v): %s", w.Code, allowed, w.Body)
	}
	if w.Code == http.StatusNotModified {
		return
	}
	if w.Code >= 400 && w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("status %d with content type %q", w.Code, w.Header().Get("Content-Type"))
	}
	var v map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
		t.Fatalf("status %d: body is not a JSON object: %v: %q", w.Code, err, w.Body)
	}
}

func FuzzRecommendationsPOST(f *testing.F) {
	for _, seed := range []string{
		`{"profile":{"skin_type":"oily","concerns":["acne"]},"limit":5}`,
		`{"profile":{"skin_type":"dry","sensitivities":["fragrance"],"avoid_ingredients":["retinol"]},"filters":{"categories":["serum"],"max_price":30},"explain":"full","fields":["name","price"]}`,
		`{"profile":{"liked_products":["p01"],"disliked_products":["p02"]},"cursor":"eyJ2IjozLCJrIjoiYSIsIm8iOjV9"}`,
		`{"profile":{"skin_typ":"oily"}}`,
		`{"limit":-1}`, `{"limit":1e309}`, `[]`, `null`, `{"profile":null}`, `{}{}`, ``,
		`{"profile":{"concerns":[1,2]}}`, `{"cursor":"` + strings.Repeat("A", 800) + `"}`,
	} {
		f.Add(seed)
	}
	h := New(rankingDeps(f))
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/v1/recommendations", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		checkAnswer(t, w, http.StatusOK, http.StatusBadRequest, http.StatusUnprocessableEntity, http.StatusRequestEntityTooLarge)
	})
}

func FuzzRecommendationsGET(f *testing.F) {
	for _, seed := range []string{
		"skin_type=oily&concerns=acne,pores&limit=3",
		"skin_type=dry&categories=serum&max_price=20&explain=summary&fields=name",
		"concerns=acne&cursor=eyJ2IjozLCJrIjoiYSIsIm8iOjEwMDAwMDAwMDB9",
		"limit=abc", "max_price=-1", "unknown=1", "skin_type=%ff%fe", "concerns=" + strings.Repeat("acne,", 300),
		"explain=verbose", "cursor=!!!", "limit=100&cursor=",
	} {
		f.Add(seed, "")
		f.Add(seed, `"v3-x", W/"y", *`)
	}
	h := New(rankingDeps(f))
	f.Fuzz(func(t *testing.T, query, ifNoneMatch string) {
		req, err := http.NewRequest(http.MethodGet, "/v1/recommendations?"+query, nil)
		if err != nil {
			return // not a URL a client could send
		}
		if ifNoneMatch != "" && !strings.ContainsAny(ifNoneMatch, "\r\n\x00") {
			req.Header.Set("If-None-Match", ifNoneMatch)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		checkAnswer(t, w, http.StatusOK, http.StatusNotModified, http.StatusBadRequest, http.StatusUnprocessableEntity)
	})
}

func FuzzCursor(f *testing.F) {
	f.Add(encodeCursor(cursor{Version: 3, Key: "abc", Offset: 10}))
	f.Add("eyJ2IjozLCJrIjoiIiwibyI6LTF9") // empty key, negative offset
	f.Add("")
	f.Add("%%%")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := decodeCursor(s)
		if err != nil {
			return
		}
		if c.Offset < 0 || c.Key == "" {
			t.Fatalf("decodeCursor(%q) accepted %+v", s, c)
		}
		again, err := decodeCursor(encodeCursor(c))
		if err != nil || again != c {
			t.Fatalf("round trip of %+v gave %+v, %v", c, again, err)
		}
	})
}

func FuzzETagMatches(f *testing.F) {
	f.Add(`"v3-k-0-1-"`, `"v3-k-0-1-"`)
	f.Add(`W/"v3-k-0-1-", "other"`, `"v3-k-0-1-"`)
	f.Add(`*`, `"x"`)
	f.Add(``, `"x"`)
	f.Fuzz(func(t *testing.T, header, etag string) {
		got := etagMatches(header, etag)
		if header == etag && strings.TrimSpace(etag) == etag && !strings.Contains(etag, ",") && etag != "" && !got {
			t.Fatalf("etagMatches(%q, itself) = false", etag)
		}
		if header == "" && etag != "" && got {
			t.Fatalf("an empty If-None-Match matched %q", etag)
		}
	})
}
