package api

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// The served document takes the vocabularies' names and the admission layer's answers from
// the code, so the two cannot disagree (issue 18).
func TestServedOpenAPIHasVocabulariesAndAdmissionAnswers(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(openAPISpec, &doc); err != nil {
		t.Fatal(err)
	}
	// Every x-vocabulary schema carries its vocabulary's names as enum, and each vocabulary
	// the requests use is named somewhere.
	seen := map[string]int{}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if kind, ok := v["x-vocabulary"].(string); ok {
				seen[kind]++
				var got []string
				for _, e := range v["enum"].([]any) {
					got = append(got, e.(string))
				}
				if diff := cmp.Diff(vocabularies[kind].Names(), got); diff != "" {
					t.Errorf("enum of x-vocabulary %s (-want +got):\n%s", kind, diff)
				}
			}
			for _, c := range v {
				walk(c)
			}
		case []any:
			for _, c := range v {
				walk(c)
			}
		}
	}
	walk(doc)
	for _, kind := range []string{"skin-type", "skin-tone", "concern", "sensitivity", "category", "effect", "evidence"} {
		if seen[kind] == 0 {
			t.Errorf("no schema names x-vocabulary %s", kind)
		}
	}
	if got := vocabularies["category"].Names(); cmp.Diff(graph.Categories.Names(), got) != "" {
		t.Errorf("category vocabulary is not graph.Categories")
	}
	// Admission answers: on every operation; 401/403 only where a key is needed, 413/415 only
	// where a body is taken.
	tests := []struct {
		method, path string
		want, absent []string
	}{
		{"get", "/healthz", []string{"421", "429", "503"}, []string{"401", "403", "413"}},
		{"get", "/v1/products/{id}", []string{"401", "403", "421", "429", "503"}, []string{"413", "415"}},
		{"post", "/v1/recommendations", []string{"401", "403", "408", "413", "415", "421", "429", "503"}, nil},
		{"put", "/v1/profiles/{id}", []string{"200", "201", "401", "413", "415", "422"}, nil},
	}
	paths := doc["paths"].(map[string]any)
	for _, tt := range tests {
		responses := paths[tt.path].(map[string]any)[tt.method].(map[string]any)["responses"].(map[string]any)
		for _, s := range tt.want {
			if _, ok := responses[s]; !ok {
				t.Errorf("%s %s lacks %s", tt.method, tt.path, s)
			}
		}
		for _, s := range tt.absent {
			if _, ok := responses[s]; ok {
				t.Errorf("%s %s documents %s, which it cannot answer", tt.method, tt.path, s)
			}
		}
	}
}

// warnings=page gives each routine conflict once, and the two items refer to it.
func TestPageConflictsGiveEachConflictOnce(t *testing.T) {
	w := func(with, mine, theirs, text string) ranker.Warning {
		return ranker.Warning{Kind: "routine_conflict", With: with, Ingredients: [2]string{mine, theirs}, Severity: 0.8, Text: text}
	}
	items := []ranker.Item{
		{Product: graph.ProjectedProduct{ID: "a"}, Warnings: []ranker.Warning{w("b", "retinol", "glycolic acid", "a text"), w("c", "retinol", "salicylic acid", "a-c text")}},
		{Product: graph.ProjectedProduct{ID: "b"}, Warnings: []ranker.Warning{w("a", "glycolic acid", "retinol", "b text")}},
		{Product: graph.ProjectedProduct{ID: "c"}, Warnings: []ranker.Warning{w("a", "salicylic acid", "retinol", "c text")}},
		{Product: graph.ProjectedProduct{ID: "d"}},
	}
	out := toItemsJSON(items, nil, ranker.ExplainFull)
	got := pageConflicts(items, out)
	want := []conflictJSON{
		{ID: "c1", Products: [2]string{"a", "b"}, Ingredients: [2]string{"retinol", "glycolic acid"}, Severity: 0.8, Text: "a text"},
		{ID: "c2", Products: [2]string{"a", "c"}, Ingredients: [2]string{"retinol", "salicylic acid"}, Severity: 0.8, Text: "a-c text"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	wantRefs := [][]warningRefJSON{
		{{"routine_conflict", "c1", "b"}, {"routine_conflict", "c2", "c"}},
		{{"routine_conflict", "c1", "a"}},
		{{"routine_conflict", "c2", "a"}},
		{},
	}
	for i, o := range out {
		if diff := cmp.Diff(wantRefs[i], *o.Warnings.(*[]warningRefJSON)); diff != "" {
			t.Errorf("item %d warnings (-want +got):\n%s", i, diff)
		}
	}
}
