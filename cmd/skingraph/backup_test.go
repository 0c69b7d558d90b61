package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// backupRequests are the answers compared before and after a restore: recommendations with
// the full why for several profiles, and similar products.
var backupRequests = []struct {
	name, path string
	body       any
}{
	{"oily acne", "/v1/recommendations", map[string]any{"profile": map[string]any{"skin_type": "oily", "concerns": []string{"acne", "pores"},
		"sensitivities": []string{"fragrance"}}, "limit": 10, "explain": "full"}},
	{"dry aging", "/v1/recommendations", map[string]any{"profile": map[string]any{"skin_type": "dry", "skin_tone": "medium",
		"concerns": []string{"aging", "hyperpigmentation"}, "liked_products": []string{"demo-0001"}}, "limit": 10, "explain": "full"}},
	{"combination redness", "/v1/recommendations", map[string]any{"profile": map[string]any{"skin_type": "combination",
		"concerns": []string{"redness", "dryness"}, "avoid_ingredients": []string{"Alcohol Denat."}}, "filters": map[string]any{"max_price": 40},
		"limit": 10, "explain": "full"}},
	{"similar demo-0001", "/v1/products/demo-0001/similar?limit=8", nil},
	{"similar demo-0042", "/v1/products/demo-0042/similar?limit=8", nil},
	{"product demo-0001", "/v1/products/demo-0001", nil},
}

// answers asks every backupRequest and returns the decoded bodies without generated_at.
func answers(t *testing.T, base string) map[string]any {
	t.Helper()
	out := map[string]any{}
	for _, r := range backupRequests {
		var body []byte
		if r.body != nil {
			resp, b := post(t, base+r.path, r.body)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: status %d: %s", r.name, resp.StatusCode, b)
			}
			body = b
		} else {
			var v any
			getJSON(t, base+r.path, http.StatusOK, &v)
			body, _ = json.Marshal(v)
		}
		var v map[string]any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		delete(v, "generated_at")
		delete(v, "recommendation_id") // fresh for every answer
		out[r.name] = v
	}
	return out
}

// runCommand runs one command of the program to its end.
func runCommand(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), args, Env{Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr})
	return stdout.String(), err
}

// TestExportImportRoundTrip loads the demo data, efficacy claims, a consented profile and its
// events, takes the served answers, exports, wipes the graph and imports: the restored graph
// serves the same answers (every why with its text, contribution, path and cypher) at the
// same data version, and exporting it again gives the same files byte for byte. A tampered
// snapshot and an import into a graph that is not empty are refused and write nothing.
func TestExportImportRoundTrip(t *testing.T) {
	store := neo4jtest.Demo(t)
	ctx := context.Background()
	env := existingNeo4j(t)
	env["SKINGRAPH_PSEUDONYM_KEY"] = "a-backup-test-key-of-at-least-32-characters"
	env["SKINGRAPH_OUTCOME_REFRESH_INTERVAL"] = "100ms"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr

	eff := postEfficacy(t, base+"/v1/efficacy", "text/csv", `subject_type,subject,concern,skin_type,effect_size,sample_size,evidence,source,date
ingredient,Niacinamide,hyperpigmentation,,0.71,120,clinical,"Hakozaki 2002, Br J Dermatol",2002-07-01
ingredient,Retinol,aging,dry,0.4,25,clinical,Kafi 2007,2007-05-01
product,demo-0001,dryness,,0.3,12,expert-consensus,Brand panel 12,2024-06-07
`, http.StatusOK)
	for _, st := range []struct{ method, path, body string }{
		{"PUT", "/v1/profiles/backup-alice", `{"consent":true,"profile":{"skin_type":"oily","skin_tone":"medium","concerns":["acne"],"sensitivities":["fragrance"]}}`},
		{"PUT", "/v1/profiles/backup-bob", `{"consent":true,"profile":{"skin_type":"dry"}}`},
		{"POST", "/v1/events", `{"events":[
			{"id":"bk-1","type":"view","product_id":"demo-0001"},
			{"id":"bk-2","type":"rating","product_id":"demo-0001","profile_id":"backup-alice","rating":1,"at":"2025-04-01T09:00:00Z"},
			{"id":"bk-3","type":"effect","product_id":"demo-0002","profile_id":"backup-alice","effect":"breakout"},
			{"id":"bk-4","type":"purchase","product_id":"demo-0003","profile_id":"backup-bob"},
			{"id":"bk-5","type":"rating","product_id":"demo-0003","profile_id":"backup-bob","rating":5}]}`},
		{"POST", "/v1/rules", `{"name":"Backup boost","kind":"boost","amount":2,"condition":{"skin_types":["oily"]},"match":{"product_ids":["demo-0004"]}}`},
	} {
		if status, body := send(t, st.method, base+st.path, st.body); status >= 300 {
			t.Fatalf("%s %s = %d %s", st.method, st.path, status, body)
		}
	}
	// An experiment with an attributed click: its figures are part of the backup.
	if status, body := send(t, "POST", base+"/v1/experiments",
		`{"name":"Backup experiment","variants":[{"name":"control","share":50},{"name":"other","share":50}]}`); status != http.StatusCreated {
		t.Fatalf("POST /v1/experiments = %d %s", status, body)
	}
	var shown struct {
		RecommendationID string  `json:"recommendation_id"`
		Experiment       *string `json:"experiment"`
		Items            []struct {
			Product struct {
				ID string `json:"id"`
			} `json:"product"`
		} `json:"items"`
	}
	waitFor(t, "an answer in the new experiment", time.Minute, func() bool {
		resp, page := post(t, base+"/v1/recommendations", map[string]any{"profile": map[string]any{"skin_type": "dry"}, "limit": 2, "assignment_id": "backup-unit"})
		if err := json.Unmarshal(page, &shown); err != nil || resp.StatusCode != http.StatusOK || len(shown.Items) == 0 {
			t.Fatalf("recommendation: %d %s", resp.StatusCode, page)
		}
		return shown.Experiment != nil
	})
	if status, body := send(t, "POST", base+"/v1/events", fmt.Sprintf(`{"events":[{"id":"bk-6","type":"click","product_id":%q,"recommendation_id":%q,"position":1}]}`,
		shown.Items[0].Product.ID, shown.RecommendationID)); status >= 300 {
		t.Fatalf("attributed event: %d %s", status, body)
	}
	// Wait for the outcome refresh and for the served projection to catch up with it.
	waitFor(t, "the outcome refresh after rating events", time.Minute, func() bool {
		v, err := store.DataVersion(ctx)
		return err == nil && v.N > eff.DataVersion && dataVersion(t, base) == v.N
	})
	want := answers(t, base)
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "snap")
	if _, err := runCommand(t, env, "export", dir); err != nil {
		t.Fatalf("export: %v", err)
	}
	first, _, err := loader.ReadSnapshot(dir)
	if err != nil {
		t.Fatalf("read the export: %v", err)
	}
	if len(first.Experiments) != 1 || len(first.ExperimentDays) != 1 || len(first.Attributions) != 1 || !first.Attributions[0].Click {
		t.Errorf("snapshot holds %d experiments, %d experiment days, %d attributions (%+v); want 1, 1, 1 with a click",
			len(first.Experiments), len(first.ExperimentDays), len(first.Attributions), first.Attributions)
	}
	if len(first.Profiles) != 2 || len(first.Events) != 6 || len(first.Claims) != 3 || len(first.Sources) < 2 || len(first.PseudonymKeys) == 0 || len(first.Rules) != 1 {
		t.Errorf("snapshot holds %d profiles, %d events, %d claims, %d sources, %d pseudonym keys, %d rules; want 2, 6, 3, >= 2, >= 1, 1",
			len(first.Profiles), len(first.Events), len(first.Claims), len(first.Sources), len(first.PseudonymKeys), len(first.Rules))
	}

	if err := store.Wipe(ctx); err != nil {
		t.Fatal(err)
	}
	empty, err := store.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// A tampered file: refused before anything is written.
	tampered := filepath.Join(t.TempDir(), "tampered")
	copyDir(t, dir, tampered)
	reviews := filepath.Join(tampered, "reviews.jsonl")
	b, err := os.ReadFile(reviews)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(reviews, bytes.Replace(b, []byte(`"rating":5`), []byte(`"rating":4`), 1), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := runCommand(t, env, "import", tampered)
	if !errors.Is(err, graph.ErrInvalid) || !strings.Contains(out, "reviews.jsonl, sha256:") {
		t.Errorf("import of a tampered snapshot = %v, printed %q; want ErrInvalid naming reviews.jsonl's sha256", err, out)
	}
	if after, err := store.ReadSnapshot(ctx); err != nil || !cmp.Equal(empty, after) {
		t.Errorf("a refused import wrote something (%v)", err)
	}

	if _, err := runCommand(t, env, "import", dir); err != nil {
		t.Fatalf("import: %v", err)
	}
	if _, err := runCommand(t, env, "import", dir); !errors.Is(err, graph.ErrConflict) || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("import into a graph that is not empty = %v, want ErrConflict saying so", err)
	}

	s = start(t, env, "serve", "--http-addr", "127.0.0.1:0")
	got := answers(t, "http://"+s.addr)
	// The serving process derived the embeddings behind /similar incrementally after its writes
	// (within the embedding tolerance: docs/SCALING.md), the importing one computes them in
	// full: their cosines may differ in the fifth decimal. Every other answer must be equal.
	embeddingDrift := cmp.FilterPath(func(p cmp.Path) bool { return strings.Contains(p.GoString(), `["similar `) },
		cmpopts.EquateApprox(0, 1e-4))
	if diff := cmp.Diff(want, got, embeddingDrift); diff != "" {
		t.Errorf("answers after export, wipe and import differ (-before +after):\n%s", diff)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}

	again := filepath.Join(t.TempDir(), "again")
	if _, err := runCommand(t, env, "export", again); err != nil {
		t.Fatalf("second export: %v", err)
	}
	for _, f := range []string{"ingredients.jsonl", "products.jsonl", "reviewers.jsonl", "reviews.jsonl", "efficacy.jsonl",
		"profiles.jsonl", "events.jsonl", "sources.jsonl", "pseudonym_keys.jsonl", "rules.jsonl", "experiments.jsonl", "experiment_days.jsonl", "attributions.jsonl", "outcomes.jsonl"} {
		a, errA := os.ReadFile(filepath.Join(dir, f))
		b, errB := os.ReadFile(filepath.Join(again, f))
		if errA != nil || errB != nil || !bytes.Equal(a, b) {
			t.Errorf("%s differs between the export and the export of its restore (%v, %v)", f, errA, errB)

		}
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.CopyFS(to, os.DirFS(from)); err != nil {
		t.Fatal(err)
	}
}
