package loader

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// TestProjectCSVFormats reads one good file of each project CSV format and checks that it
// gives the same records as the JSON Lines format.
func TestProjectCSVFormats(t *testing.T) {
	norm := inci.Default()
	products, err := readProductsCSV(strings.NewReader(
		"id,name,brand,category,price,ingredients,claims,suits,highlights,rating,review_count\n"+
			"p1,Serum,Brand,serum,12.5,\"Water, Niacinamide 10%\",acne;large pores,oily; combo,vegan,4.5,12\n"), "products.csv", norm)
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := ReadProducts(strings.NewReader(
		`{"id":"p1","name":"Serum","brand":"Brand","category":"serum","price":12.5,"ingredients":"Water, Niacinamide 10%",`+
			`"claims":["acne","large pores"],"suits":["oily","combo"],"highlights":["vegan"],"rating":4.5,"review_count":12}`+"\n"), "products.jsonl", norm)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromJSON, products); diff != "" {
		t.Errorf("products CSV vs JSON Lines (-json +csv):\n%s", diff)
	}

	reviews, err := readReviewsCSV(strings.NewReader(
		"id,reviewer,product_id,rating,recommended,at,skin_type,skin_tone,concerns,effects,text\n"+
			"r1,u1,p1,4,true,2025-03-04T10:00:00Z,oily,medium,acne;pores,improved,\"Nice, really\"\n"+
			"r2,u2,p1,2,0,,,,,,\n"), "reviews.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := []graph.Review{
		{ID: "r1", Reviewer: "u1", ProductID: "p1", Rating: 4, Recommended: true, At: time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC),
			SkinType: "oily", SkinTone: "medium", Concerns: []string{"acne", "pores"}, Effects: []string{"improved"}, Text: "Nice, really"},
		{ID: "r2", Reviewer: "u2", ProductID: "p1", Rating: 2},
	}
	if diff := cmp.Diff(want, reviews); diff != "" {
		t.Errorf("reviews (-want +got):\n%s", diff)
	}

	ings, err := readIngredientsCSV(strings.NewReader(
		"inci,name,aliases,functions,comedogenic,source\n"+
			"niacinamide,Niacinamide,nicotinamide;vitamin b3,skin conditioning,0,CosIng\n"+
			"squalane,Squalane,,emollient,,\n"), "ingredients.csv")
	if err != nil {
		t.Fatal(err)
	}
	zero := 0
	wantIngs := []graph.Ingredient{
		{INCI: "niacinamide", Name: "Niacinamide", Aliases: []string{"nicotinamide", "vitamin b3"}, Functions: []string{"skin conditioning"}, Comedogenic: &zero, Source: "CosIng"},
		{INCI: "squalane", Name: "Squalane", Functions: []string{"emollient"}},
	}
	if diff := cmp.Diff(wantIngs, ings); diff != "" {
		t.Errorf("ingredients (-want +got):\n%s", diff)
	}
	_, err = readIngredientsCSV(strings.NewReader("inci,name,comedogenic\nNiacinamide,N,7\n"), "ingredients.csv")
	wantErrs := []string{
		`ingredients.csv, row 2, inci: "Niacinamide" is not a canonical key (want "niacinamide")`,
		"ingredients.csv, row 2, comedogenic: must be 0 to 5, got 7",
	}
	if diff := cmp.Diff(wantErrs, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}
