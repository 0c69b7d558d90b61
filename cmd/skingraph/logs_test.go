package main

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestLogsHoldNoProfileDataOrSecrets exercises every route of a server with API keys, with
// marked profile data, ids, queries and keys, and reads its whole log: none of them may be
// there. Logs name routes by template, keys by their holder's name, profiles not at all.
func TestLogsHoldNoProfileDataOrSecrets(t *testing.T) {
	neo4jtest.Demo(t)
	token, line, err := auth.New(auth.RoleAdmin, "ops-team")
	if err != nil {
		t.Fatal(err)
	}
	keys := filepath.Join(t.TempDir(), "api-keys")
	if err := os.WriteFile(keys, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const pseudonymKey = "zzsecret-pseudonym-key-0123456789abcdef"
	env := existingNeo4j(t)
	env["SKINGRAPH_API_KEYS_FILE"] = keys
	env["SKINGRAPH_PSEUDONYM_KEY"] = pseudonymKey
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr

	const (
		clientID   = "zzclient-7731"
		avoid      = "zzavoid-ingredient"
		liked      = "zzliked-product"
		query      = "zzsearch-words"
		cypherText = "zzcypher-literal"
		eventID    = "zzevent-42"
	)
	calls := []struct{ method, path, contentType, body string }{
		{"GET", "/healthz", "", ""},
		{"GET", "/readyz", "", ""},
		{"GET", "/v1/status", "", ""},
		{"GET", "/metrics", "", ""},
		{"GET", "/openapi.json", "", ""},
		{"GET", "/docs", "", ""},
		{"GET", "/", "", ""},
		{"GET", "/ui/app.js", "", ""},
		{"PUT", "/v1/profiles/" + clientID, "application/json",
			`{"consent": true, "profile": {"skin_type": "oily", "concerns": ["acne"], "avoid_ingredients": ["` + avoid + `"]}}`},
		{"POST", "/v1/recommendations", "application/json",
			`{"profile": {"skin_type": "oily", "concerns": ["acne"], "avoid_ingredients": ["` + avoid + `"], "liked_products": ["` + liked + `"]}, "explain": "full"}`},
		{"GET", "/v1/recommendations?skin_type=oily&concerns=acne&avoid_ingredients=" + avoid, "", ""},
		{"POST", "/v1/recommendations", "application/json", `{"profile": {"skin_type": "` + avoid + `"}}`}, // refused, naming the field
		{"GET", "/v1/products/demo-0001", "", ""},
		{"GET", "/v1/products/demo-0001/similar", "", ""},
		{"GET", "/v1/products/" + liked, "", ""}, // 404
		{"GET", "/v1/search?q=" + query, "", ""},
		{"GET", "/v1/ingredients/niacinamide", "", ""},
		{"POST", "/v1/routine/check", "application/json", `{"product_ids": ["demo-0001", "demo-0002"]}`},
		{"POST", "/v1/events", "application/json",
			`{"events": [{"id": "` + eventID + `", "type": "rating", "product_id": "demo-0001", "profile_id": "` + clientID + `", "rating": 2}]}`},
		{"GET", "/v1/profiles/" + clientID + "/export", "", ""},
		{"POST", "/v1/cypher", "application/json", `{"query": "RETURN '` + cypherText + `' AS x"}`},
		{"POST", "/v1/cypher", "application/json", `{"query": "CREATE (:Leak {v: '` + cypherText + `'})"}`}, // 403
		{"POST", "/v1/efficacy?dry_run=true", "text/csv", goodEfficacy},
		{"POST", "/v1/products?dry_run=true", "application/json", `[{"id":"zz-new","name":"Gel","category":"cleanser"}]`},
		{"DELETE", "/v1/profiles/" + clientID, "", ""},
	}
	for _, c := range calls {
		req, _ := http.NewRequest(c.method, base+c.path, strings.NewReader(c.body))
		if c.contentType != "" {
			req.Header.Set("Content-Type", c.contentType)
		}
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", c.method, c.path, err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode >= 500 {
			t.Errorf("%s %s: status %d", c.method, c.path, resp.StatusCode)
		}
	}
	// A wrong key and no key are refused and logged without the key either.
	for _, h := range []string{"Bearer " + token + "x", ""} {
		req, _ := http.NewRequest("GET", base+"/v1/status", nil)
		if h != "" {
			req.Header.Set("Authorization", h)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("key %q: status %d, want 401", h, resp.StatusCode)
		}
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	logs := s.logs.String()
	if !strings.Contains(logs, `"route":"/v1/profiles/:id"`) || !strings.Contains(logs, `"key":"ops-team"`) {
		t.Fatalf("the access log does not name routes by template and keys by holder:\n%s", logs)
	}
	_, secret, _ := strings.Cut(strings.TrimPrefix(token, "sg_"), "_") // base64url: may hold "_"
	for name, v := range map[string]string{
		"client id": clientID, "avoided ingredient": avoid, "liked product": liked, "search words": query,
		"cypher text": cypherText, "event id": eventID, "api key": token, "api key secret": secret,
		"pseudonym key": pseudonymKey, "skin type": `"oily"`,
	} {
		if strings.Contains(logs, v) {
			t.Errorf("the logs hold the %s %q", name, v)
		}
	}
}
