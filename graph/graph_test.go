package graph_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

func TestVocabularyCanonicalAndSuggest(t *testing.T) {
	tests := []struct {
		v           *graph.Vocabulary
		term, want  string
		ok          bool
		wantSuggest string
	}{
		{graph.Concerns, "Fine Lines/Wrinkles", "aging", true, "aging"},
		{graph.Concerns, "dark_circles", "dark-circles", true, "dark-circles"},
		{graph.Concerns, "acnee", "", false, "acne"},
		{graph.Concerns, "xylophone", "", false, ""},
		{graph.SkinTypes, "Combo", "combination", true, "combination"},
		{graph.SkinTones, "lightMedium", "light-medium", true, "light-medium"},
		{graph.Sensitivities, "Parfum", "fragrance", true, "fragrance"},
		{graph.Categories, "Moisturiser", "moisturizer", true, "moisturizer"},
	}
	for _, tt := range tests {
		t.Run(tt.v.Kind()+"/"+tt.term, func(t *testing.T) {
			got, ok := tt.v.Canonical(tt.term)
			if got != tt.want || ok != tt.ok {
				t.Errorf("Canonical(%q) = %q, %v; want %q, %v", tt.term, got, ok, tt.want, tt.ok)
			}
			if s := tt.v.Suggest(tt.term); s != tt.wantSuggest {
				t.Errorf("Suggest(%q) = %q, want %q", tt.term, s, tt.wantSuggest)
			}
		})
	}
}

func TestValidationErrorNamesEveryField(t *testing.T) {
	verr := &graph.ValidationError{File: "p.csv"}
	if verr.Err() != nil {
		t.Fatal("an empty validation error is not an error")
	}
	verr.Add(2, "price", "must not be negative")
	verr.Add(5, "category", "unknown")
	err := verr.Err()
	if !errors.Is(err, graph.ErrInvalid) || err.Error() != "invalid input: p.csv, row 2, price: must not be negative (and 1 more)" {
		t.Errorf("err = %v", err)
	}
	if fe := (&graph.FieldError{Field: "limit", Message: "too big"}); fe.Error() != "limit: too big" || !errors.Is(fe, graph.ErrInvalid) {
		t.Errorf("field error = %v", fe)
	}
}

func TestProjectionBuilderIndexesBothDirections(t *testing.T) {
	var b graph.ProjectionBuilder
	for _, inci := range []string{"water", "retinol", "glycolic acid"} {
		b.AddIngredient(graph.ProjectedIngredient{INCI: inci, Name: inci, Comedogenic: -1})
	}
	b.AddProduct(graph.ProjectedProduct{ID: "b", Category: "serum", Price: 30})
	b.AddProduct(graph.ProjectedProduct{ID: "a", Category: "toner", Price: 10})
	b.AddContains("b", "retinol", 2, false)
	b.AddContains("b", "water", 1, false)
	b.AddContains("a", "water", 1, false)
	b.AddContains("a", "glycolic acid", 0, true) // a missing position counts as first
	b.AddContains("a", "unobtainium", 3, false)  // unknown ingredient: skipped
	b.AddConflict("retinol", "glycolic acid", 0.5, "irritation")
	b.AddConflict("glycolic acid", "retinol", 0.5, "irritation") // the same pair again
	b.AddTreats("retinol", "aging", "clinical", 0.7, "s")
	b.AddTreats("retinol", "not-a-concern", "clinical", 0.7, "s") // skipped
	b.AddClaim("b", "aging")
	b.AddOutcome(graph.Outcome{ProductID: "b", Kind: graph.KindSkinType, Attribute: "dry", Count: 4, MeanRating: 4.5, Effects: map[string]int{"improved": 2}})
	p, err := b.Build(graph.DataVersion{N: 3})
	if err != nil {
		t.Fatal(err)
	}
	if b.Skipped != 2 {
		t.Errorf("skipped = %d, want 2", b.Skipped)
	}
	a, _ := p.ProductIndex("a")
	bi, _ := p.ProductIndex("b")
	if a != 0 || bi != 1 {
		t.Errorf("products are not sorted by id: a=%d b=%d", a, bi)
	}
	water, _ := p.IngredientIndex("water")
	if diff := cmp.Diff([]int32{a, bi}, p.UsedBy(water)); diff != "" {
		t.Errorf("UsedBy(water) (-want +got):\n%s", diff)
	}
	gly, _ := p.IngredientIndex("glycolic acid")
	if diff := cmp.Diff([]int16{-1}, p.UsedByPositions(gly)); diff != "" {
		t.Errorf("may-contain position (-want +got):\n%s", diff)
	}
	ret, _ := p.IngredientIndex("retinol")
	if len(p.Conflicts(ret)) != 1 || len(p.Conflicts(gly)) != 1 || p.Conflicts(ret)[0].Other != gly {
		t.Errorf("conflicts: retinol %+v, glycolic %+v", p.Conflicts(ret), p.Conflicts(gly))
	}
	aging, _ := graph.AttrOf(graph.AttrConcern, "aging")
	if diff := cmp.Diff([]int32{bi}, p.ClaimedBy(aging.ID)); diff != "" {
		t.Errorf("ClaimedBy(aging) (-want +got):\n%s", diff)
	}
	dry, _ := graph.AttrOf(graph.AttrSkinType, "dry")
	if refs := p.OutcomesFor(dry); len(refs) != 1 || refs[0].Product != bi || refs[0].Stats.Count != 4 {
		t.Errorf("OutcomesFor(dry) = %+v", refs)
	}
	if p.MeanRating != 4.5 || p.MeanGood != 0.5 || p.CategoryID(a) < 0 || p.Price(bi) != 30 {
		t.Errorf("priors %v %v, category %d, price %v", p.MeanRating, p.MeanGood, p.CategoryID(a), p.Price(bi))
	}
	var dup graph.ProjectionBuilder
	dup.AddProduct(graph.ProjectedProduct{ID: "x"})
	dup.AddProduct(graph.ProjectedProduct{ID: "x"})
	if _, err := dup.Build(graph.DataVersion{}); err == nil {
		t.Error("duplicate product ids were accepted")
	}
}
