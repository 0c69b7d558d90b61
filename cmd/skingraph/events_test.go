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

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// send makes one request with a JSON body and returns the status and the body.
func send(t *testing.T, method, url, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func dataVersion(t *testing.T, base string) int64 {
	t.Helper()
	var st struct {
		DataVersion int64 `json:"data_version"`
	}
	getJSON(t, base+"/v1/status", http.StatusOK, &st)
	return st.DataVersion
}

// TestEventsAndProfilesEndToEnd drives the feedback routes of a running server against a
// real Neo4j: consent, events, idempotency, the bounded-rate outcome refresh, export and
// erase; and checks that neither the client's id nor the key reaches the logs.
func TestEventsAndProfilesEndToEnd(t *testing.T) {
	neo4jtest.Store(t)
	env := existingNeo4j(t)
	const key = "an-end-to-end-test-key-of-at-least-32-chars"
	const client = "client-alice-4711"
	env["SKINGRAPH_PSEUDONYM_KEY"] = key
	env["SKINGRAPH_OUTCOME_REFRESH_INTERVAL"] = "200ms"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	v0 := dataVersion(t, base)
	outcomesOf := func() []any {
		t.Helper()
		var p struct {
			Outcomes []any `json:"outcomes"`
		}
		getJSON(t, base+"/v1/products/demo-0001", http.StatusOK, &p)
		return p.Outcomes
	}
	approx := cmpopts.EquateApprox(0, 1e-9) // recomputed means may differ in the last bit
	before := outcomesOf()

	events := `{"events":[
		{"id":"e2e-1","type":"view","product_id":"demo-0001"},
		{"id":"e2e-2","type":"rating","product_id":"demo-0001","profile_id":"` + client + `","rating":1,"at":"2025-04-01T09:00:00Z"},
		{"id":"e2e-3","type":"effect","product_id":"demo-0001","profile_id":"` + client + `","effect":"breakout"}]}`
	steps := []struct {
		name, method, path, body string
		wantStatus               int
		want                     string
	}{
		{"profile without consent", "PUT", "/v1/profiles/" + client, `{"profile":{"skin_type":"oily"}}`, 422, `"field":"consent"`},
		{"events before consent", "POST", "/v1/events", events, 422, `"field":"events[1].profile_id"`},
		{"profile", "PUT", "/v1/profiles/" + client, `{"consent":true,"profile":{"skin_type":"oily","skin_tone":"medium","concerns":["acne"]}}`, 201, `"skin_type":"oily"`},
		{"events", "POST", "/v1/events", events, 200, `{"created":3,"duplicates":0,"received":3}`},
		{"same events again", "POST", "/v1/events", events, 200, `{"created":0,"duplicates":3,"received":3}`},
		{"same id, other content", "POST", "/v1/events", `{"events":[{"id":"e2e-1","type":"click","product_id":"demo-0001"}]}`, 409, `"field":"events[0].id"`},
		{"unknown product", "POST", "/v1/events", `{"events":[{"id":"e2e-9","type":"view","product_id":"nope"}]}`, 422, `"field":"events[0].product_id"`},
	}
	for _, st := range steps {
		status, body := send(t, st.method, base+st.path, st.body)
		if status != st.wantStatus || !strings.Contains(body, st.want) {
			t.Fatalf("%s: %s %s = %d %s; want %d with %s", st.name, st.method, st.path, status, body, st.wantStatus, st.want)
		}
	}

	// The refresher folds the rating and the effect into the outcomes and bumps the version once.
	deadline := time.Now().Add(time.Minute)
	for dataVersion(t, base) == v0 {
		if time.Now().After(deadline) {
			t.Fatal("the data version did not move after rating and effect events")
		}
		time.Sleep(100 * time.Millisecond)
	}
	v1 := dataVersion(t, base)
	if after := outcomesOf(); cmp.Equal(before, after, approx) {
		t.Errorf("outcomes of demo-0001 did not change after the profile's rating and breakout: %v", after)
	}

	status, body := send(t, "GET", base+"/v1/profiles/"+client+"/export", "")
	var exp struct {
		Pseudonym string `json:"pseudonym"`
		Profile   struct {
			SkinType string `json:"skin_type"`
		} `json:"profile"`
		ConsentedAt time.Time `json:"consented_at"`
		Events      []struct {
			ID, Type string
		} `json:"events"`
	}
	if err := json.Unmarshal([]byte(body), &exp); status != 200 || err != nil {
		t.Fatalf("export = %d %s (%v)", status, body, err)
	}
	if exp.Profile.SkinType != "oily" || exp.ConsentedAt.IsZero() || len(exp.Events) != 2 || exp.Events[0].ID != "e2e-2" ||
		!strings.HasPrefix(exp.Pseudonym, "profile-") || strings.Contains(body, client) {
		t.Errorf("export = %s", body)
	}

	if status, body := send(t, "DELETE", base+"/v1/profiles/"+client, ""); status != 204 {
		t.Fatalf("erase = %d %s", status, body)
	}
	if status, body := send(t, "DELETE", base+"/v1/profiles/"+client, ""); status != 404 {
		t.Fatalf("second erase = %d %s, want 404 (nothing of the tenant's left to erase)", status, body)
	}
	if status, _ := send(t, "GET", base+"/v1/profiles/"+client+"/export", ""); status != 404 {
		t.Errorf("export after erase = %d, want 404", status)
	}
	if diff := cmp.Diff(before, outcomesOf(), approx); diff != "" {
		t.Errorf("outcomes of demo-0001 after the erase differ from those before the events (-before +after):\n%s", diff)
	}
	deadline = time.Now().Add(time.Minute)
	for dataVersion(t, base) == v1 {
		if time.Now().After(deadline) {
			t.Fatal("the served data version did not move after the erase")
		}
		time.Sleep(100 * time.Millisecond)
	}

	if err := s.stop(t); err != nil {
		t.Fatalf("up returned %v", err)
	}
	logs := s.logs.String()
	for _, secret := range []string{client, key, "oily"} {
		if strings.Contains(logs, secret) {
			t.Errorf("the logs hold %q:\n%s", secret, logs)
		}
	}
	if !strings.Contains(logs, "outcomes refreshed from events") {
		t.Errorf("the logs do not mention the outcome refresh:\n%s", logs)
	}
}

func TestPseudonymKeyResolution(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name        string
		cfg         Config
		wantEnabled bool
	}{
		{"configured key", Config{PseudonymKey: strings.Repeat("k", 32), Neo4jURI: "bolt://x"}, true},
		{"existing neo4j without key: disabled", Config{Neo4jURI: "bolt://x", DataDir: dir}, false},
		{"local neo4j: generated in the key dir", Config{DataDir: filepath.Join(dir, "local")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := pseudonymizer(&tt.cfg, zerolog.Nop())
			if err != nil || (p != nil) != tt.wantEnabled {
				t.Fatalf("pseudonymizer = %v, %v; want enabled %v", p, err, tt.wantEnabled)
			}
		})
	}
	// The generated key is kept (0600) and used again at the next start.
	cfg := Config{DataDir: filepath.Join(dir, "local")}
	first, _ := pseudonymizer(&cfg, zerolog.Nop())
	second, err := pseudonymizer(&cfg, zerolog.Nop())
	if err != nil || first.Pseudonym("profile", "a") != second.Pseudonym("profile", "a") {
		t.Errorf("the generated key changed between starts (%v)", err)
	}
	// It sits beside the Neo4j data folder, not in it.
	fi, err := os.Stat(filepath.Join(dir, "local-keys", pseudonymKeyFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v; want mode 0600", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "local", pseudonymKeyFile)); err == nil {
		t.Error("a key file in the Neo4j data folder")
	}

	// A key an older build left in the data folder is moved to the key dir, unchanged.
	legacy := Config{DataDir: filepath.Join(dir, "legacy")}
	os.MkdirAll(legacy.DataDir, 0o755)
	os.WriteFile(filepath.Join(legacy.DataDir, pseudonymKeyFile), []byte(strings.Repeat("l", 40)+"\n"), 0o600)
	moved, err := pseudonymizer(&legacy, zerolog.Nop())
	want, _ := graph.NewPseudonymizer([]byte(strings.Repeat("l", 40)))
	if err != nil || moved.Fingerprint() != want.Fingerprint() {
		t.Errorf("legacy key: %v, %v", moved, err)
	}
	if _, err := os.Stat(filepath.Join(legacy.DataDir, pseudonymKeyFile)); err == nil {
		t.Error("the legacy key is still in the Neo4j data folder")
	}
}

// TestDataKeyRing: the key derived from the pseudonym key is the oldest of every ring; keys
// from SKINGRAPH_DATA_KEYS or, locally, from a generated file (0600, beside the data folder)
// come after it, and the last seals; bad keys are refused without showing them.
func TestDataKeyRing(t *testing.T) {
	dir := t.TempDir()
	pseudo, _ := graph.NewPseudonymizer([]byte(strings.Repeat("k", 32)))
	k2, k3 := strings.Repeat("ab", 32), strings.Repeat("cd", 32)
	tests := []struct {
		name    string
		cfg     Config
		wantIDs []string
	}{
		{"existing neo4j, no data keys: derived", Config{Neo4jURI: "bolt://x"}, []string{"p0"}},
		{"configured", Config{Neo4jURI: "bolt://x", DataKeys: "k2:" + k2 + ",k3:" + k3}, []string{"p0", "k2", "k3"}},
		{"local: generated", Config{DataDir: filepath.Join(dir, "local")}, []string{"p0", "k1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := dataKeyRing(&tt.cfg, pseudo, zerolog.Nop())
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantIDs, r.IDs()); diff != "" || r.Current() != tt.wantIDs[len(tt.wantIDs)-1] {
				t.Errorf("ids (-want +got):\n%s (current %s)", diff, r.Current())
			}
		})
	}
	fi, err := os.Stat(filepath.Join(dir, "local-keys", dataKeysFile))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("data keys file: %v; want mode 0600", err)
	}
	// Rotation: append a key to the file; the ring seals with it and still opens with k1.
	cfg := Config{DataDir: filepath.Join(dir, "local")}
	before, _ := dataKeyRing(&cfg, pseudo, zerolog.Nop())
	sealed, _ := before.Seal([]byte("x"), nil)
	f, _ := os.OpenFile(filepath.Join(dir, "local-keys", dataKeysFile), os.O_APPEND|os.O_WRONLY, 0)
	fmt.Fprintf(f, "k2 %s\n", k2)
	f.Close()
	after, err := dataKeyRing(&cfg, pseudo, zerolog.Nop())
	if err != nil || after.Current() != "k2" {
		t.Fatalf("after appending k2: %v, %v", after, err)
	}
	if got, err := after.Open(sealed, nil); err != nil || string(got) != "x" {
		t.Errorf("k1's record under the rotated ring: %q, %v", got, err)
	}
	bad := Config{Neo4jURI: "bolt://x", DataKeys: "k2:" + k2[:10]}
	if errs := fmt.Sprint(bad.validateFeedback()); !strings.Contains(errs, "SKINGRAPH_DATA_KEYS: key 1") || strings.Contains(errs, k2[:10]) {
		t.Errorf("a short data key: %v", errs)
	}
}

func TestRunRejectsBadFeedbackConfig(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string
	}{
		{"short key", map[string]string{"SKINGRAPH_PSEUDONYM_KEY": "short-secret"}, "SKINGRAPH_PSEUDONYM_KEY is too short"},
		{"bad refresh interval", map[string]string{"SKINGRAPH_OUTCOME_REFRESH_INTERVAL": "often"}, "SKINGRAPH_OUTCOME_REFRESH_INTERVAL"},
		{"zero refresh interval", map[string]string{"SKINGRAPH_OUTCOME_REFRESH_INTERVAL": "0s"}, "outcome refresh interval must be positive"},
		{"bad flush size", map[string]string{"SKINGRAPH_EVENTS_FLUSH_EVENTS": "-3"}, "events flush size must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), []string{"serve"}, Env{
				Getenv: func(k string) string { return tt.env[k] }, Stdout: io.Discard, Stderr: io.Discard,
			})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || strings.Contains(err.Error(), "short-secret") {
				t.Errorf("run = %v, want an error containing %q (and not the key)", err, tt.wantErr)
			}
		})
	}
}

// TestLoadSephoraKeepsOneKey loads a small Sephora file under one key, loads it again under
// the same key (nothing changes), and refuses it under another key before writing anything.
func TestLoadSephoraKeepsOneKey(t *testing.T) {
	neo4jtest.Store(t)
	dir := t.TempDir()
	write := func(name string, lines ...string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Join(lines, "\r\n")+"\r\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	products := write("product_info.csv",
		`primary_category,secondary_category,tertiary_category,product_name,product_id,brand_name,price_usd,size,rating,reviews,ingredients,highlights`,
		`Skincare,Treatments,Face Serums,Serum,P1,B,10,,4,3,"['Water, Niacinamide 10%, Glycerin']",`)
	reviews := write("reviews.csv",
		`,author_id,rating,is_recommended,helpfulness,submission_time,review_text,review_title,skin_tone,eye_color,skin_type,product_id,product_name`,
		`0,11,5,1.0,,2023-02-01,No breakouts and my skin is smoother.,,light,,dry,P1,x`)
	load := func(key string) (string, error) {
		env := existingNeo4j(t)
		env["SKINGRAPH_PSEUDONYM_KEY"] = key
		var out syncBuffer
		err := run(context.Background(), []string{"load", "sephora", "--products", products, "--reviews", reviews}, Env{
			Getenv: func(k string) string { return env[k] }, Stdout: &out, Stderr: io.Discard,
		})
		return out.String(), err
	}
	keyA, keyB := strings.Repeat("a", 40), strings.Repeat("b", 40)
	steps := []struct {
		name, key, wantOut string
		wantErr            string
	}{
		{"first load", keyA, "committed; data version 1", ""},
		{"same key again", keyA, "nothing changed; data version 1", ""},
		{"another key", keyB, "", "the graph's sephora pseudonyms were made under another key"},
	}
	for _, s := range steps {
		out, err := load(s.key)
		switch {
		case s.wantErr == "" && err != nil:
			t.Fatalf("%s: %v", s.name, err)
		case s.wantErr != "" && (err == nil || !strings.Contains(err.Error(), s.wantErr)):
			t.Fatalf("%s: error %v, want %q", s.name, err, s.wantErr)
		case !strings.Contains(out, s.wantOut):
			t.Fatalf("%s: printed\n%s\nwant %q", s.name, out, s.wantOut)
		}
		if err != nil && (strings.Contains(err.Error(), keyB) || strings.Contains(err.Error(), keyA)) {
			t.Errorf("%s: the error shows a key: %v", s.name, err)
		}
	}
}
