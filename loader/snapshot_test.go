package loader

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/graph"
)

// sampleSnapshot holds one record of every kind, with the values a faithful snapshot must
// carry (label positions and headings, may-contain, pseudonyms, hashes, nanosecond times).
func sampleSnapshot() graph.Snapshot {
	at := time.Date(2025, 3, 4, 10, 0, 0, 123456789, time.UTC)
	three := 3
	return graph.Snapshot{
		Version: graph.DataVersion{N: 7, At: at},
		Ingredients: []graph.SnapshotIngredient{
			{Ingredient: graph.Ingredient{INCI: "niacinamide", Name: "Niacinamide", Aliases: []string{"Vitamin B3"}, Functions: []string{"skin conditioning"},
				Comedogenic: &three, Source: "kb", Treats: []graph.Treatment{{Concern: "redness", Efficacy: 0.1 + 0.2, Evidence: "clinical", Source: "s"}},
				Aggravates: []graph.Aggravation{{Kind: graph.KindSensitivity, Target: "fragrance", Severity: 0.5, Reason: "r", Source: "s"}},
				Conflicts:  []graph.Conflict{{INCI: "water", Severity: 0.2, Reason: "r", Source: "s"}}}, Curated: true, Hash: "h1"},
			{Ingredient: graph.Ingredient{INCI: "water", Name: "Aqua"}},
		},
		Products: []graph.SnapshotProduct{{Product: graph.Product{ID: "p1", Name: "Kit", Category: "serum", Price: 12.5, Rating: 4.25, ReviewCount: 2,
			Claims: []string{"acne"}, Suits: []string{"oily"}, Highlights: []string{}, IngredientsText: "Day: Aqua, Niacinamide 10%. Night: Aqua",
			Ingredients: []graph.ProductIngredient{{INCI: "water", Name: "Aqua", Position: 1, List: "Day"},
				{INCI: "niacinamide", Name: "Niacinamide", Position: 2, Concentration: "10%", MayContain: true, List: "Day"}}},
			Hash: "h2", EventCounts: map[string]int64{"view": 1, "rating": 0}, OutcomesStale: true}},
		Reviewers: []graph.SnapshotReviewer{{ID: "sephora-0a1b", Attributes: []graph.Attribute{{Kind: graph.KindSkinType, Name: "oily"}}}},
		Reviews: []graph.SnapshotReview{{Review: graph.Review{ID: "r1", Reviewer: "sephora-0a1b", ProductID: "p1", Rating: 4, Recommended: true, At: at,
			SkinType: "oily", Concerns: []string{"acne"}, Effects: []string{}}, Hash: "h3"}},
		Claims: []graph.SnapshotClaim{{EfficacyClaim: graph.EfficacyClaim{SubjectType: graph.SubjectProduct, Subject: "p1", Concern: "acne", SkinType: "oily",
			EffectSize: 0.4, SampleSize: 12, Evidence: "clinical", Source: "panel", Date: time.Date(2024, 6, 7, 0, 0, 0, 0, time.UTC)}, LoadID: "efficacy-1", Hash: "h4"}},
		Profiles: []graph.StoredProfile{{ID: "profile-9f", Profile: graph.SkinProfile{SkinType: "dry", Concerns: []string{}, Sensitivities: []string{"fragrance"},
			AvoidIngredients: []string{}}, ConsentedAt: at, UpdatedAt: at.Add(time.Second)}},
		Events: []graph.SnapshotEvent{{Event: graph.Event{ID: "e1", Type: graph.EventRating, ProductID: "p1", ProfileID: "profile-9f", Rating: 2, At: at,
			AtGiven: true, SkinType: "dry", Concerns: []string{"acne"}, Tenant: "shop", Source: "k1"}, ReceivedAt: at.Add(time.Millisecond), Hash: "h5"},
			{Event: graph.Event{ID: "e1", Type: graph.EventView, ProductID: "p1", At: at, Tenant: "other"}, ReceivedAt: at, Hash: "h6"}}, // ids are per tenant
		Sources:       []graph.Source{{ID: "demo-1", Kind: "demo", Citation: "demo", LoadedAt: at, Counts: `{"products":{"Created":1}}`}},
		PseudonymKeys: []graph.PseudonymKey{{Namespace: "profile", Fingerprint: "abcd", At: at}},
		Rules: []graph.Rule{{ID: "rule_00aa", Name: "Spring serums", Kind: graph.RuleBoost, Amount: 0.3,
			Condition: graph.RuleCondition{SkinTypes: []string{"oily"}}, Match: graph.RuleMatch{Categories: []string{"serum"}, Brands: []string{"Acme"}},
			From: at, Revision: 3, CreatedBy: "k1", UpdatedBy: "k2", CreatedAt: at, UpdatedAt: at.Add(time.Hour)}},
		Outcomes:      []graph.Outcome{{ProductID: "p1", Kind: graph.KindSkinType, Attribute: "oily", Count: 3, MeanRating: 10.0 / 3, RecommendRate: 0.5, Effects: map[string]int{"improved": 1}}},
		NodeCounts:    map[string]int64{"Product": 1},
		RelCounts:     map[string]int64{"CONTAINS": 2},
	}
}

func TestSnapshotFilesRoundTrip(t *testing.T) {
	want := sampleSnapshot()
	dir := filepath.Join(t.TempDir(), "snap")
	m, err := WriteSnapshot(dir, want, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Files) != len(snapshotFiles) || m.DataVersion.N != 7 {
		t.Errorf("manifest = %+v", m)
	}
	got, _, err := ReadSnapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("snapshot after write and read (-want +got):\n%s", diff)
	}
	if _, err := WriteSnapshot(dir, want, time.Now()); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("export into a folder that is not empty = %v, want refused", err)
	}
}

// rehash rewrites the manifest's hash of one file, as a careful forger would.
func rehash(t *testing.T, dir, name string) {
	t.Helper()
	b, _ := os.ReadFile(filepath.Join(dir, manifestFile))
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(filepath.Join(dir, name))
	sum := sha256.Sum256(data)
	for i := range m.Files {
		if m.Files[i].Name == name {
			m.Files[i].SHA256 = hex.EncodeToString(sum[:])
		}
	}
	b, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(dir, manifestFile), b, 0o644)
}

func TestReadSnapshotRefusesBadFolders(t *testing.T) {
	edit := func(name, from, to string) func(*testing.T, string) {
		return func(t *testing.T, dir string) {
			p := filepath.Join(dir, name)
			b, _ := os.ReadFile(p)
			if !strings.Contains(string(b), from) {
				t.Fatalf("%s does not hold %q", name, from)
			}
			os.WriteFile(p, []byte(strings.Replace(string(b), from, to, 1)), 0o644)
		}
	}
	tests := []struct {
		name   string
		damage func(*testing.T, string)
		want   string
	}{
		{"tampered file", edit("reviews.jsonl", `"rating":4`, `"rating":5`), "reviews.jsonl, sha256: the file's SHA-256 is"},
		{"missing file", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "events.jsonl")) }, "events.jsonl: cannot read"},
		{"no manifest", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, manifestFile)) }, "manifest.json: no such file"},
		{"other format version", edit(manifestFile, `"format_version": 2`, `"format_version": 3`), "manifest.json, format_version: this build reads snapshot formats [1 2], got 3"},
		{"unknown rule kind, rehashed", func(t *testing.T, dir string) {
			edit("rules.jsonl", `"kind":"boost"`, `"kind":"hide"`)(t, dir)
			rehash(t, dir, "rules.jsonl")
		}, "rules.jsonl, row 1, kind"},
		{"unknown field, rehashed", func(t *testing.T, dir string) {
			edit("products.jsonl", `"hash":"h2"`, `"hash":"h2","colour":"red"`)(t, dir)
			rehash(t, dir, "products.jsonl")
		}, "products.jsonl, row 1, colour: unknown field"},
		{"unknown concern, rehashed", func(t *testing.T, dir string) {
			edit("efficacy.jsonl", `"concern":"acne"`, `"concern":"akne"`)(t, dir)
			rehash(t, dir, "efficacy.jsonl")
		}, `efficacy.jsonl, row 1, concern: unknown concern "akne"`},
		{"record count, rehashed", func(t *testing.T, dir string) {
			edit("sources.jsonl", "\n", "\n\n{\"id\":\"x\",\"kind\":\"demo\",\"citation\":\"\",\"loaded_at\":\"2025-01-01T00:00:00Z\",\"counts\":\"\"}\n")(t, dir)
			rehash(t, dir, "sources.jsonl")
		}, "sources.jsonl: holds 2 records, the manifest says 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "snap")
			if _, err := WriteSnapshot(dir, sampleSnapshot(), time.Now()); err != nil {
				t.Fatal(err)
			}
			tt.damage(t, dir)
			_, _, err := ReadSnapshot(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ReadSnapshot = %v, want an error with %q", err, tt.want)
			}
			var verr *graph.ValidationError
			if errors.As(err, &verr) && !errors.Is(err, graph.ErrInvalid) {
				t.Errorf("a validation error that is not ErrInvalid: %v", err)
			}
		})
	}
}

// TestReadSnapshotOfFormat1 reads a snapshot written before rules were kept (format 1: no
// rules.jsonl): it restores everything else, with no rules.
func TestReadSnapshotOfFormat1(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "snap")
	want := sampleSnapshot()
	if _, err := WriteSnapshot(dir, want, time.Now()); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, manifestFile))
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	m.FormatVersion = 1
	m.Files = slices.DeleteFunc(m.Files, func(e ManifestEntry) bool { return e.Name == "rules.jsonl" })
	b, _ = json.Marshal(m)
	os.WriteFile(filepath.Join(dir, manifestFile), b, 0o644)
	os.Remove(filepath.Join(dir, "rules.jsonl"))

	got, _, err := ReadSnapshot(dir)
	if err != nil {
		t.Fatal(err)
	}
	want.Rules = nil
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("format 1 snapshot (-want +got):\n%s", diff)
	}
}
