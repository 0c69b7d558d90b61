package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// sendAs makes one request with a key (and a JSON body when given).
func sendAs(t *testing.T, method, url, token, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// keysFile writes a keys file of one key per (role, name, tenant) and returns its path and
// the tokens by name.
func keysFile(t *testing.T, keys ...[3]string) (string, map[string]string) {
	t.Helper()
	tokens := map[string]string{}
	var lines []string
	for _, k := range keys {
		tok, line, err := auth.NewInTenant(auth.Role(k[0]), k[1], k[2])
		if err != nil {
			t.Fatal(err)
		}
		tokens[k[1]] = tok
		lines = append(lines, line)
	}
	path := filepath.Join(t.TempDir(), "api-keys")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, tokens
}

// TestProfilesAndEventsAcrossTenants walks every profile and event route with keys of two
// tenants (a and a2 of tenant shop-a, b of tenant shop-b, and an old-style line without a
// tenant, its own tenant): another tenant's profile answers 404 on export and erase, a PUT of
// its id makes the caller's own profile and leaves the other untouched, events naming it are
// refused as unknown, and event ids are the tenant's own.
func TestProfilesAndEventsAcrossTenants(t *testing.T) {
	neo4jtest.Demo(t)
	keys, tok := keysFile(t, [3]string{"app", "a", "shop-a"}, [3]string{"app", "a2", "shop-a"},
		[3]string{"app", "b", "shop-b"}, [3]string{"admin", "old", ""}, [3]string{"analyst", "n", ""})
	env := existingNeo4j(t)
	env["SKINGRAPH_API_KEYS_FILE"] = keys
	env["SKINGRAPH_PSEUDONYM_KEY"] = "a-tenancy-test-key-of-at-least-32-characters"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr

	steps := []struct {
		name, key, method, path, body string
		wantStatus                    int
		want                          string // substring of the body
	}{
		{"a makes alice", "a", "PUT", "/v1/profiles/alice", `{"consent":true,"profile":{"skin_type":"oily","concerns":["acne"]}}`, 201, `"skin_type":"oily"`},
		{"a makes carol", "a", "PUT", "/v1/profiles/carol", `{"consent":true,"profile":{"skin_type":"normal"}}`, 201, `"skin_type":"normal"`},
		{"a records events", "a", "POST", "/v1/events", `{"events":[
			{"id":"ev-1","type":"rating","product_id":"demo-0001","profile_id":"alice","rating":4},
			{"id":"ev-2","type":"view","product_id":"demo-0002","profile_id":"alice"}]}`, 200, `"created":2`},
		{"b cannot export a's alice", "b", "GET", "/v1/profiles/alice/export", "", 404, `"status":404`},
		{"old key cannot export a's alice", "old", "GET", "/v1/profiles/alice/export", "", 404, `"status":404`},
		{"b cannot erase a's alice", "b", "DELETE", "/v1/profiles/alice", "", 404, `"status":404`},
		{"b's events naming a's carol are refused", "b", "POST", "/v1/events", `{"events":[
			{"id":"b-1","type":"rating","product_id":"demo-0001","profile_id":"carol","rating":5}]}`, 422, `"field":"events[0].profile_id"`},
		{"b may use a's event id", "b", "POST", "/v1/events", `{"events":[{"id":"ev-1","type":"click","product_id":"demo-0003"}]}`, 200, `"created":1`},
		{"b's replay of it is b's duplicate", "b", "POST", "/v1/events", `{"events":[{"id":"ev-1","type":"click","product_id":"demo-0003"}]}`, 200, `"duplicates":1`},
		{"a's replay is still a's duplicate", "a", "POST", "/v1/events", `{"events":[
			{"id":"ev-1","type":"rating","product_id":"demo-0001","profile_id":"alice","rating":4}]}`, 200, `"duplicates":1`},
		{"a's id with other content conflicts in a", "a2", "POST", "/v1/events", `{"events":[{"id":"ev-2","type":"click","product_id":"demo-0002"}]}`, 409, `"field":"events[0].id"`},
		{"b's PUT of alice makes b's own", "b", "PUT", "/v1/profiles/alice", `{"consent":true,"profile":{"skin_type":"dry"}}`, 201, `"skin_type":"dry"`},
		{"b exports its alice", "b", "GET", "/v1/profiles/alice/export", "", 200, `"events":[]`},
		{"a's alice is untouched", "a", "GET", "/v1/profiles/alice/export", "", 200, `"skin_type":"oily"`},
		{"a2 shares tenant shop-a", "a2", "GET", "/v1/profiles/alice/export", "", 200, `"id":"ev-1"`},
		{"b erases its alice", "b", "DELETE", "/v1/profiles/alice", "", 204, ""},
		{"b's alice is gone", "b", "GET", "/v1/profiles/alice/export", "", 404, `"status":404`},
		{"a's alice is still there", "a", "GET", "/v1/profiles/alice/export", "", 200, `"skin_type":"oily"`},
		{"a erases alice", "a2", "DELETE", "/v1/profiles/alice", "", 204, ""},
		{"a's alice is gone", "a", "GET", "/v1/profiles/alice/export", "", 404, `"status":404`},
		{"a's carol is there", "a", "GET", "/v1/profiles/carol/export", "", 200, `"skin_type":"normal"`},
	}
	for _, st := range steps {
		status, body := sendAs(t, st.method, base+st.path, tok[st.key], st.body)
		if status != st.wantStatus || !strings.Contains(body, st.want) {
			t.Errorf("%s: %s %s as %s = %d %s; want %d with %s", st.name, st.method, st.path, st.key, status, body, st.wantStatus, st.want)
		}
		if st.key != "a" && st.key != "a2" && strings.Contains(body, `"skin_type":"oily"`) {
			t.Errorf("%s: another tenant's key sees a's profile: %s", st.name, body)
		}
		if st.name == "a2 shares tenant shop-a" { // a's alice and carol, b's alice; a's ev-1 and ev-2, b's ev-1
			analystSeesNoPlaintext(t, base, tok["n"], 3, 3)
		}
	}
	// a's export holds only a's events, not b's ev-1.
	_, body := sendAs(t, "GET", base+"/v1/profiles/carol/export", tok["a"], "")
	if strings.Contains(body, "demo-0003") {
		t.Errorf("a's export holds b's event: %s", body)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

// analystSeesNoPlaintext reads every Profile and Event node with an analyst's key through
// /v1/cypher: it finds them, and no plaintext personal value in them.
func analystSeesNoPlaintext(t *testing.T, base, token string, profiles, events int) {
	t.Helper()
	status, raw := sendAs(t, "POST", base+"/v1/cypher", token,
		`{"query":"MATCH (n) WHERE n:Profile OR n:Event RETURN labels(n), properties(n) ORDER BY n.id"}`)
	if status != 200 || strings.Count(raw, `"Profile"`) != profiles || strings.Count(raw, `"Event"`) != events {
		t.Errorf("analyst's read = %d %s; want %d profiles and %d events", status, raw, profiles, events)
	}
	for _, plain := range []string{`"skin_type"`, `"oily"`, `"normal"`, `"dry"`, "demo-000", "alice", "carol", `"rating"`, `"view"`, "ev-1", "shop-a", "shop-b"} {
		if strings.Contains(raw, plain) {
			t.Errorf("the analyst's read of Profile and Event nodes holds %s: %s", plain, raw)
		}
	}
}

// recommendation is an item of POST /v1/recommendations, as far as these tests read it.
type recommendation struct {
	Product struct {
		ID string `json:"id"`
	} `json:"product"`
	Why []struct {
		Kind string `json:"kind"`
		Text string `json:"text"`
	} `json:"why"`
}

// rankOf asks for the top 100 for oily skin and returns the rank (1-based) of product id and
// its peer why text for oily skin ("" and 0 when it is not in the top 100).
func rankOf(t *testing.T, base, token, id string) (int, string) {
	t.Helper()
	status, body := sendAs(t, "POST", base+"/v1/recommendations", token, `{"profile":{"skin_type":"oily"},"limit":100,"explain":"full"}`)
	if status != 200 {
		t.Fatalf("recommendations = %d %s", status, body)
	}
	var out struct {
		Items []recommendation `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &out); err != nil {
		t.Fatal(err)
	}
	for i, it := range out.Items {
		if it.Product.ID == id {
			return i + 1, peerWhy(it)
		}
	}
	return 0, ""
}

func peerWhy(it recommendation) string {
	for _, w := range it.Why {
		if w.Kind == "peer" && strings.Contains(w.Text, "with oily skin") {
			return w.Text
		}
	}
	return ""
}

// TestStuffedRatingsKeepRankAndWhy is issue 21's finding 2 through the API: one profile sends
// 400 ratings of 5 for a product far down the oily ranking, in one request. The product's rank
// and its why numbers are those after one rating of that profile ("N reviewers with oily skin
// rated it X" counts the profile once). Then 30 profiles made by one key rate it 5: with
// SKINGRAPH_EVIDENCE_PER_KEY=2, at most 2 more reviewers count.
func TestStuffedRatingsKeepRankAndWhy(t *testing.T) {
	store := neo4jtest.Demo(t)
	ctx := context.Background()
	keys, tok := keysFile(t, [3]string{"app", "shop", "shop"})
	env := existingNeo4j(t)
	env["SKINGRAPH_API_KEYS_FILE"] = keys
	env["SKINGRAPH_PSEUDONYM_KEY"] = "a-stuffing-test-key-of-at-least-32-characters"
	env["SKINGRAPH_OUTCOME_REFRESH_INTERVAL"] = "100ms"
	env["SKINGRAPH_EVIDENCE_PER_KEY"] = "2"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base, key := "http://"+s.addr, tok["shop"]

	// The target: the lowest-ranked product of the top 100 with an oily peer outcome.
	status, body := sendAs(t, "POST", base+"/v1/recommendations", key, `{"profile":{"skin_type":"oily"},"limit":100,"explain":"full"}`)
	var first struct {
		Items []recommendation `json:"items"`
	}
	if err := json.Unmarshal([]byte(body), &first); status != 200 || err != nil {
		t.Fatalf("recommendations = %d %s", status, body)
	}
	target, rank0 := "", 0
	for i, it := range first.Items {
		if i >= 30 && peerWhy(it) != "" {
			target, rank0 = it.Product.ID, i+1
		}
	}
	if target == "" {
		t.Fatalf("no product below rank 30 of %d has an oily peer outcome", len(first.Items))
	}
	settle := func(what string) {
		t.Helper()
		waitFor(t, what, time.Minute, func() bool {
			v, err := store.DataVersion(ctx)
			if err != nil {
				return false
			}
			_, body := sendAs(t, "GET", base+"/v1/status", key, "")
			var st struct {
				DataVersion int64 `json:"data_version"`
			}
			return json.Unmarshal([]byte(body), &st) == nil && st.DataVersion == v.N
		})
	}
	post := func(events []string) {
		t.Helper()
		v0, _ := store.DataVersion(ctx)
		if status, body := sendAs(t, "POST", base+"/v1/events", key, `{"events":[`+strings.Join(events, ",")+`]}`); status != 200 {
			t.Fatalf("events = %d %s", status, body)
		}
		waitFor(t, "the outcome refresh", time.Minute, func() bool {
			v, err := store.DataVersion(ctx)
			return err == nil && v.N > v0.N
		})
		settle("the served projection")
	}
	if status, body := sendAs(t, "PUT", base+"/v1/profiles/stuffer", key, `{"consent":true,"profile":{"skin_type":"oily"}}`); status != 201 {
		t.Fatalf("profile = %d %s", status, body)
	}
	rating := func(id, profile string) string {
		return fmt.Sprintf(`{"id":%q,"type":"rating","product_id":%q,"profile_id":%q,"rating":5}`, id, target, profile)
	}
	post([]string{rating("stuff-000", "stuffer")})
	rank1, why1 := rankOf(t, base, key, target)
	var flood []string
	for i := 1; i < 400; i++ {
		flood = append(flood, rating(fmt.Sprintf("stuff-%03d", i), "stuffer"))
	}
	post(flood)
	rank400, why400 := rankOf(t, base, key, target)
	t.Logf("%s: rank %d before, %d after one rating, %d after 400 (%q)", target, rank0, rank1, rank400, why400)
	if rank400 != rank1 || why400 != why1 || why1 == "" {
		t.Errorf("after 400 ratings of one profile: rank %d, why %q; want rank %d and why %q as after one", rank400, why400, rank1, why1)
	}

	// 30 profiles of one key: the cap counts 2 profiles per key, product and period, and the
	// stuffer was the first of them, so at most one more reviewer counts.
	var n1 int
	fmt.Sscanf(why1, "%d reviewers", &n1)
	var sybils []string
	for i := range 30 {
		p := fmt.Sprintf("sybil-%02d", i)
		if status, body := sendAs(t, "PUT", base+"/v1/profiles/"+p, key, `{"consent":true,"profile":{"skin_type":"oily"}}`); status != 201 {
			t.Fatalf("profile %s = %d %s", p, status, body)
		}
		sybils = append(sybils, rating("sybil-ev-"+p, p))
	}
	post(sybils)
	_, whyS := rankOf(t, base, key, target)
	var nS int
	fmt.Sscanf(whyS, "%d reviewers", &nS)
	if n1 == 0 || nS > n1+1 {
		t.Errorf("after 30 profiles of one key: %q; want at most %d reviewers (cap 2 per key, product and period, the stuffer already one)", whyS, n1+1)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

// TestDataKeyRotationAtStart: profiles and events sealed under k1 are re-sealed under k2 when
// the server starts with k2 added; after that k1 can be dropped and the export still reads
// them. No log line holds a secret.
func TestDataKeyRotationAtStart(t *testing.T) {
	store := neo4jtest.Demo(t)
	ctx := context.Background()
	k1, k2 := strings.Repeat("1a", 32), strings.Repeat("2b", 32)
	env := existingNeo4j(t)
	env["SKINGRAPH_PSEUDONYM_KEY"] = "a-rotation-test-key-of-at-least-32-characters"
	env["SKINGRAPH_DATA_KEYS"] = "k1:" + k1
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	for _, st := range []struct{ method, path, body string }{
		{"PUT", "/v1/profiles/rot-alice", `{"consent":true,"profile":{"skin_type":"oily"}}`},
		{"POST", "/v1/events", `{"events":[{"id":"rot-1","type":"rating","product_id":"demo-0001","profile_id":"rot-alice","rating":3},
			{"id":"rot-2","type":"view","product_id":"demo-0002"}]}`},
	} {
		if status, body := send(t, st.method, base+st.path, st.body); status >= 300 {
			t.Fatalf("%s %s = %d %s", st.method, st.path, status, body)
		}
	}
	_, exported := send(t, "GET", base+"/v1/profiles/rot-alice/export", "")
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	keys, err := store.PersonalDataKeys(ctx)
	if err != nil || keys["k1"] != 3 || len(keys) != 1 {
		t.Fatalf("records by key before the rotation: %v, %v; want 3 under k1", keys, err)
	}
	logs := s.logs.String()

	env["SKINGRAPH_DATA_KEYS"] = "k1:" + k1 + ",k2:" + k2
	s = start(t, env, "up", "--http-addr", "127.0.0.1:0")
	waitFor(t, "the re-seal at start", time.Minute, func() bool {
		keys, err := store.PersonalDataKeys(ctx)
		return err == nil && keys["k2"] == 3 && len(keys) == 1
	})
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	logs += s.logs.String()
	if !strings.Contains(logs, "re-sealed personal data under the current data key") {
		t.Errorf("the logs do not mention the re-seal")
	}

	env["SKINGRAPH_DATA_KEYS"] = "k2:" + k2 // k1 retired
	s = start(t, env, "up", "--http-addr", "127.0.0.1:0")
	status, again := send(t, "GET", "http://"+s.addr+"/v1/profiles/rot-alice/export", "")
	if status != 200 || again != exported {
		t.Errorf("export under k2 alone = %d %s; want %s", status, again, exported)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
	logs += s.logs.String()
	for _, secret := range []string{k1, k2, env["SKINGRAPH_PSEUDONYM_KEY"], "rot-alice"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %q", secret)
		}
	}
}
