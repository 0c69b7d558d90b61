package loader

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// fieldErrors returns the field errors of err as "row field: message" lines.
func fieldErrors(t *testing.T, err error) []string {
	t.Helper()
	var verr *graph.ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("err = %v, want a *graph.ValidationError", err)
	}
	if !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("validation error does not wrap graph.ErrInvalid")
	}
	var out []string
	for _, f := range verr.Fields {
		out = append(out, f.Error())
	}
	return out
}

func TestReadProductsNamesEveryBadRow(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"a","name":"Good","category":"serum","price":10,"ingredients":"Water, Niacinamide 10%"}`,
		``, // blank lines are allowed
		`{"id":"b","name":"","category":"serums","price":-1,"ingredients":"Water","claims":["acnee"]}`,
		`{"id":"a","name":"Dup","category":"toner"}`,
		`{"id":"c","name":"Typo","category":"serum","colour":"red"}`,
		`{"id":"d","name":"Type","category":"serum","price":"cheap"}`,
		`not json at all`,
	}, "\n")
	_, err := ReadProducts(strings.NewReader(in), "products.jsonl", inci.Default())
	want := []string{
		`products.jsonl, row 3, name: required`,
		`products.jsonl, row 3, category: unknown category "serums" (did you mean "serum"?)`,
		`products.jsonl, row 3, price: must not be negative, got -1`,
		`products.jsonl, row 3, claims[0]: unknown concern "acnee" (did you mean "acne"?)`,
		`products.jsonl, row 4, id: duplicate of line 1 with different values`,
		`products.jsonl, row 5, colour: unknown field`,
		`products.jsonl, row 6, price: must be a JSON number, not string`,
		`products.jsonl, row 7: not valid JSON: invalid character 'o' in literal null (expecting 'u')`,
	}
	if diff := cmp.Diff(want, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestReadProductsParsesIngredients(t *testing.T) {
	in := `{"id":"a","name":"Kit","category":"serum","ingredients":"Cleanser: Water/Aqua/Eau, Glycerin. Serum: Aqua, Niacinamide 10%, Glycerin"}` + "\r\n"
	got, err := ReadProducts(strings.NewReader("\xef\xbb\xbf"+in), "p.jsonl", inci.Default())
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, in := range got[0].Ingredients {
		keys = append(keys, in.List+"/"+in.INCI)
	}
	want := []string{"Cleanser/water", "Cleanser/glycerin", "Serum/water", "Serum/niacinamide", "Serum/glycerin"}
	if diff := cmp.Diff(want, keys); diff != "" {
		t.Errorf("ingredients (-want +got):\n%s", diff)
	}
	if got[0].Ingredients[3].Concentration != "10%" {
		t.Errorf("concentration = %q", got[0].Ingredients[3].Concentration)
	}
}

func TestReadReviewsValidates(t *testing.T) {
	in := strings.Join([]string{
		`{"id":"r1","reviewer":"u1","product_id":"a","rating":5,"at":"2025-01-02T03:04:05Z","skin_type":"Oily","effects":["improved"]}`,
		`{"id":"r2","reviewer":"","product_id":"a","rating":6,"at":"yesterday","skin_type":"scaly","effects":["glow"]}`,
	}, "\n")
	_, err := ReadReviews(strings.NewReader(in), "reviews.jsonl")
	want := []string{
		`reviews.jsonl, row 2, reviewer: required`,
		`reviews.jsonl, row 2, rating: must be 1 to 5, got 6`,
		`reviews.jsonl, row 2, at: must be an RFC 3339 time such as 2025-03-04T10:00:00Z, got "yesterday"`,
		`reviews.jsonl, row 2, skin_type: unknown skin type "scaly"`,
		`reviews.jsonl, row 2, effects[0]: unknown effect "glow"`,
	}
	if diff := cmp.Diff(want, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	good, err := ReadReviews(strings.NewReader(strings.Split(in, "\n")[0]), "reviews.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if good[0].SkinType != "oily" || !good[0].At.Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("review = %+v (skin type should be canonicalised)", good[0])
	}
}

func TestReadIngredientsValidates(t *testing.T) {
	in := strings.Join([]string{
		`{"inci":"niacinamide","name":"Niacinamide","treats":[{"concern":"hyperpigmentation","efficacy":0.6,"evidence":"clinical","source":"s"}],"conflicts":[{"inci":"retinol","severity":0.2,"reason":"r","source":"s"}]}`,
		`{"inci":"Retinol (Vitamin A)","name":"Retinol","treats":[{"concern":"aging","efficacy":1.5,"evidence":"anecdote","source":"s"}],"aggravates":[{"kind":"mood","target":"x","severity":0.1}],"comedogenic":9}`,
	}, "\n")
	_, err := ReadIngredients(strings.NewReader(in), "kb.jsonl")
	want := []string{
		`kb.jsonl, row 2, inci: "Retinol (Vitamin A)" is not a canonical key (want "retinol")`,
		`kb.jsonl, row 2, comedogenic: must be 0 to 5, got 9`,
		`kb.jsonl, row 2, treats[0].evidence: unknown evidence level "anecdote"`,
		`kb.jsonl, row 2, treats[0].efficacy: must be between 0 and 1, got 1.5`,
		`kb.jsonl, row 2, aggravates[0].kind: must be skin_type, concern or sensitivity, got "mood"`,
		`kb.jsonl, row 1, conflicts[0].inci: unknown ingredient "retinol"`,
	}
	if diff := cmp.Diff(want, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestEmptyAndMissingFiles(t *testing.T) {
	got, err := ReadProducts(strings.NewReader(""), "empty.jsonl", inci.Default())
	if err != nil || len(got) != 0 {
		t.Errorf("empty file: %v, %v", got, err)
	}
	_, err = Demo(fstest.MapFS{}, time.Now())
	if !errors.Is(err, graph.ErrNotFound) || !strings.Contains(err.Error(), IngredientsFile) {
		t.Errorf("missing files: err = %v", err)
	}
}

func TestDemoReadsTheBundledData(t *testing.T) {
	load, err := Demo(datasets.FS, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if len(load.Ingredients) < 150 || len(load.Products) < 250 || len(load.Reviews) < 3000 {
		t.Errorf("demo load has %d ingredients, %d products, %d reviews", len(load.Ingredients), len(load.Products), len(load.Reviews))
	}
	for _, p := range load.Products {
		if len(p.Ingredients) == 0 || p.ReviewCount > 0 && (p.Rating < 1 || p.Rating > 5) {
			t.Fatalf("product %s: %d ingredients, rating %v from %d reviews", p.ID, len(p.Ingredients), p.Rating, p.ReviewCount)
		}
	}
	if load.ID != "demo-20260101T000000Z" {
		t.Errorf("load id = %q", load.ID)
	}
	// The knowledge base and the demo labels must meet: most label ingredients are curated.
	curated := map[string]bool{}
	for _, ing := range load.Ingredients {
		curated[ing.INCI] = true
	}
	var uses, known int
	for _, p := range load.Products {
		for _, in := range p.Ingredients {
			uses++
			if curated[in.INCI] {
				known++
			}
		}
	}
	if share := float64(known) / float64(uses); share < 0.8 {
		t.Errorf("only %.0f%% of demo label ingredients are in the knowledge base", share*100)
	}
}
