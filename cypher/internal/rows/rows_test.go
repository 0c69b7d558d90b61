package rows

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

// TestHashesAreStable pins the content hashes of the rows to those the untyped builders of
// earlier builds stored (computed by them for the same values): a different hash would make
// the next load of unchanged data rewrite every record.
func TestHashesAreStable(t *testing.T) {
	three := 3
	ings, conflicts := Ingredients([]graph.Ingredient{
		{INCI: "retinol", Name: "Retinol", Aliases: []string{"vitamin a"}, Functions: []string{"anti-aging"}, Comedogenic: &three,
			Treats:     []graph.Treatment{{Concern: "aging", Efficacy: 0.7, Evidence: "strong", Source: "kb"}},
			Aggravates: []graph.Aggravation{{Kind: "skin_type", Target: "sensitive", Severity: 0.4, Reason: "irritating", Source: "kb"}},
			Conflicts:  []graph.Conflict{{INCI: "glycolic acid", Severity: 0.5, Reason: "both exfoliate", Source: "kb"}}, Source: "kb"},
		{INCI: "water", Name: "Water"},
	})
	product := graph.Product{ID: "p1", Name: "Serum", Brand: "B", Category: "serum", Subcategory: "face", Price: 12.5, OutOfStock: true,
		Size: "30ml", Rating: 4.2, ReviewCount: 17, Highlights: []string{"vegan"}, Claims: []string{"dryness", "aging"},
		Suits: []string{"oily", "dry"}, IngredientsText: "Water, Retinol", Ingredients: []graph.ProductIngredient{
			{INCI: "water", Name: "Aqua", Position: 1},
			{INCI: "retinol", Name: "Retinol", Position: 2, Concentration: "1%", MayContain: true, List: "kit"},
			{INCI: "water", Name: "Aqua", Position: 3}}}
	review := graph.Review{ID: "r1", Reviewer: "u1", ProductID: "p1", Rating: 4, Recommended: true,
		At: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("x", 3600)), SkinType: "dry", SkinTone: "light",
		Concerns: []string{"dryness", "acne"}, Effects: []string{"improved"}}
	got := map[string]string{
		"ingredient retinol": ings[0].Hash,
		"ingredient water":   ings[1].Hash,
		"product":            ToProduct(product).Hash,
		"empty product":      ToProduct(graph.Product{ID: "p0"}).Hash,
		"review":             ToReview(review).Hash,
		"empty review":       ToReview(graph.Review{ID: "r0"}).Hash,
	}
	want := map[string]string{
		"ingredient retinol": "697501c937c61bb129a217c0829011e4",
		"ingredient water":   "aa161efd390dec08f185899bf9eb0d01",
		"product":            "436977d59973d499c8de0a2638023893",
		"empty product":      "75c8d13168c453f6d82a5bf712e31b91",
		"review":             "75fc41be511faa64c3c0af1f998b0aba",
		"empty review":       "e59e5096491f9ab275109246df257d18",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("content hashes (-want +got):\n%s", diff)
	}
	wantConflicts := []Conflict{{A: "glycolic acid", B: "retinol", Severity: 0.5, Reason: "both exfoliate", Source: "kb"}}
	if diff := cmp.Diff(wantConflicts, conflicts); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
}
