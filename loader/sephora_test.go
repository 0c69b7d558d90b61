package loader

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// sephoraRecorder is a Writer that records the load it is handed (it is not a database).
type sephoraRecorder struct {
	loads []graph.Load
}

func (w *sephoraRecorder) WriteLoad(_ context.Context, load graph.Load) (graph.LoadResult, error) {
	w.loads = append(w.loads, load)
	return graph.LoadResult{LoadID: load.ID, Changed: true}, nil
}

var _ Writer = (*sephoraRecorder)(nil)

// crlf joins lines with CRLF, as the Sephora files are written.
func crlf(lines ...string) string { return strings.Join(lines, "\r\n") + "\r\n" }

// The header of the fixtures: the real columns in another order, plus one of our own.
const productsHeader = `extra_column,primary_category,secondary_category,tertiary_category,product_name,product_id,brand_name,price_usd,size,rating,reviews,ingredients,highlights`

func TestReadSephoraProducts(t *testing.T) {
	in := "\ufeff" + crlf(
		productsHeader,
		`x,Skincare,Cleansers,Toners,Glow Toner,P1,Brand A,28.0,"3.4 oz/ 100 mL",4.5,120,"['Water, Glycolic Acid 7%, Glycerin.']","['Vegan', 'Good for: Acne/Blemishes', 'Good for: Dark spots', 'Good for: Dullness/Uneven Texture', 'Good for: Frizz', 'Best for Oily, Combo, Normal Skin']"`,
		`x,Skincare,Value & Gift Sets,,Duo Kit,P2,Brand B,45,,,,"['Cleanser:', 'Water, Glycerin.', 'Serum:', 'Aqua, Niacinamide 10%, Glycerin.']",`,
		`x,Skincare,Treatments,Face Serums,"Serum, ""the"" one",P3,Brand C,60,,3,7.0,"['Water, Niacinamide']","['Good for: Anti-Aging', 'Good for: Loss of firmness', 'Best for Dry Skin']"`,
		`x,Skincare,Mini Size,,Mini Multi-Active Toner,P4,Brand D,12,,,,,`,
		`x,Hair,Treatments,Hair Oil,Hair Oil,H1,Brand E,30,,,,"['Argan Oil']","['Good for: Dryness', 'Best for Dry Skin']"`,
	)
	got, err := readSephoraProductList(strings.NewReader(in), "product_info.csv", inci.Default(), SephoraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []graph.Product{
		{
			ID: "P1", Name: "Glow Toner", Brand: "Brand A", Category: "toner", Subcategory: "Toners",
			Price: 28, Size: "3.4 oz/ 100 mL", Rating: 4.5, ReviewCount: 120,
			Highlights:      []string{"Vegan", "Good for: Acne/Blemishes", "Good for: Dark spots", "Good for: Dullness/Uneven Texture", "Good for: Frizz", "Best for Oily, Combo, Normal Skin"},
			Claims:          []string{"acne", "hyperpigmentation", "dullness"},
			Suits:           []string{"oily", "combination", "normal"},
			IngredientsText: "['Water, Glycolic Acid 7%, Glycerin.']",
			Ingredients: []graph.ProductIngredient{
				{INCI: "water", Name: "Water", Position: 1},
				{INCI: "glycolic acid", Name: "Glycolic Acid 7%", Position: 2, Concentration: "7%"},
				{INCI: "glycerin", Name: "Glycerin", Position: 3},
			},
		},
		{
			ID: "P2", Name: "Duo Kit", Brand: "Brand B", Subcategory: "Value & Gift Sets", Price: 45,
			IngredientsText: "['Cleanser:', 'Water, Glycerin.', 'Serum:', 'Aqua, Niacinamide 10%, Glycerin.']",
			Ingredients: []graph.ProductIngredient{
				{INCI: "water", Name: "Water", Position: 1, List: "Cleanser"},
				{INCI: "glycerin", Name: "Glycerin", Position: 2, List: "Cleanser"},
				{INCI: "water", Name: "Aqua", Position: 1, List: "Serum"},
				{INCI: "niacinamide", Name: "Niacinamide 10%", Position: 2, Concentration: "10%", List: "Serum"},
				{INCI: "glycerin", Name: "Glycerin", Position: 3, List: "Serum"},
			},
		},
		{
			ID: "P3", Name: `Serum, "the" one`, Brand: "Brand C", Category: "serum", Subcategory: "Face Serums",
			Price: 60, Rating: 3, ReviewCount: 7,
			Highlights:      []string{"Good for: Anti-Aging", "Good for: Loss of firmness", "Best for Dry Skin"},
			Claims:          []string{"aging"},
			Suits:           []string{"dry"},
			IngredientsText: "['Water, Niacinamide']",
			Ingredients: []graph.ProductIngredient{
				{INCI: "water", Name: "Water", Position: 1},
				{INCI: "niacinamide", Name: "Niacinamide", Position: 2},
			},
		},
		{ID: "P4", Name: "Mini Multi-Active Toner", Brand: "Brand D", Category: "toner", Subcategory: "Mini Size", Price: 12},
		{
			// Hair highlights are about hair: no claims, no suits; no skincare category.
			ID: "H1", Name: "Hair Oil", Brand: "Brand E", Subcategory: "Hair Oil", Price: 30,
			Highlights:      []string{"Good for: Dryness", "Best for Dry Skin"},
			IngredientsText: "['Argan Oil']",
			Ingredients:     []graph.ProductIngredient{{INCI: "argania spinosa kernel oil", Name: "Argan Oil", Position: 1}},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("products (-want +got):\n%s", diff)
	}

	skincare, err := readSephoraProductList(strings.NewReader(in), "product_info.csv", inci.Default(), SephoraOptions{SkincareOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(skincare) != 4 || skincare[3].ID != "P4" {
		t.Errorf("SkincareOnly kept %d products, want the 4 skincare ones", len(skincare))
	}
}

func TestSephoraCategory(t *testing.T) {
	tests := []struct{ primary, secondary, tertiary, name, want string }{
		{"Skincare", "Moisturizers", "Moisturizers", "", "moisturizer"},
		{"Skincare", "Moisturizers", "Night Creams", "", "moisturizer"},
		{"Skincare", "Moisturizers", "Face Oils", "", "face-oil"},
		{"Skincare", "Moisturizers", "Mists & Essences", "", "mist"},
		{"Skincare", "Cleansers", "Face Wash & Cleansers", "", "cleanser"},
		{"Skincare", "Cleansers", "Exfoliators", "", "exfoliant"},
		{"Skincare", "Cleansers", "Toners", "", "toner"},
		{"Skincare", "Cleansers", "Blotting Papers", "", ""},
		{"Skincare", "Treatments", "Face Serums", "", "serum"},
		{"Skincare", "Treatments", "Facial Peels", "", "exfoliant"},
		{"Skincare", "Treatments", "Blemish & Acne Treatments", "", "treatment"},
		{"Skincare", "Eye Care", "Eye Masks", "", "eye-care"},
		{"Skincare", "Sunscreen", "Face Sunscreen", "", "sunscreen"},
		{"Skincare", "Masks", "Sheet Masks", "", "mask"},
		{"Skincare", "Lip Balms & Treatments", "", "", "lip-care"},
		{"Skincare", "High Tech Tools", "Anti-Aging", "", ""},
		{"Skincare", "Value & Gift Sets", "", "Cleanser Duo", ""},
		{"Skincare", "Mini Size", "", "Mini Rare Earth Deep Pore Cleansing Clay Mask", "mask"},
		{"Skincare", "Mini Size", "", "Mini Precleanse Cleansing Oil", "cleanser"},
		{"Skincare", "Mini Size", "", "Mini Crème de la Mer Moisturizer", "moisturizer"},
		{"Skincare", "Mini Size", "", "Mini Must Haves Skincare Set", ""},
		{"Men", "Skincare", "Face Wash", "", "cleanser"},
		{"Makeup", "Lip", "Lipstick", "", ""},
	}
	for _, tt := range tests {
		if got := sephoraCategory(tt.primary, tt.secondary, tt.tertiary, tt.name); got != tt.want {
			t.Errorf("sephoraCategory(%q, %q, %q, %q) = %q, want %q", tt.primary, tt.secondary, tt.tertiary, tt.name, got, tt.want)
		}
	}
}

func TestReadSephoraProductsNamesEveryBadRow(t *testing.T) {
	in := crlf(
		productsHeader,
		`x,Skincare,Treatments,Face Serums,Good,P1,B,10,,4,3,,`,
		`x,Skincare,Treatments,Face Serums,No id,,B,10,,4,3,,`,
		`x,Skincare,Treatments,Face Serums,Cheap,P2,B,-5,,4,3,,`,
		`x,Skincare,Treatments,Face Serums,"Multi
line name",P3,B,ten,,5.5,many,,"['Vegan'"`,
		`x,Skincare,Treatments,Face Serums,Again,P1,B,10,,-1,-2,,`,
		`x,Skincare,Treatments,Face Serums,,P4,B,NaN,,,1.5,,`,
		`x,Skincare,too,few,fields`,
		`x,Hair,Hair Oil,,Skipped bad price,P5,B,-1,,,,,`,
	)
	_, err := readSephoraProductList(strings.NewReader(in), "product_info.csv", inci.Default(), SephoraOptions{SkincareOnly: true})
	want := []string{
		`product_info.csv, row 3, product_id: required`,
		`product_info.csv, row 4, price_usd: must not be negative, got -5`,
		`product_info.csv, row 5, price_usd: must be a number, got "ten"`,
		`product_info.csv, row 5, rating: must be between 0 and 5, got 5.5`,
		`product_info.csv, row 5, reviews: must be a whole number, got "many"`,
		`product_info.csv, row 5, highlights: must be a Python list of strings such as ['Vegan', 'Good for: Dryness']`,
		`product_info.csv, row 7, product_id: duplicate of row 2`,
		`product_info.csv, row 7, rating: must be between 0 and 5, got -1`,
		`product_info.csv, row 7, reviews: must not be negative, got -2`,
		`product_info.csv, row 8, product_name: required`,
		`product_info.csv, row 8, price_usd: must be a number, got "NaN"`,
		`product_info.csv, row 8, reviews: must be a whole number, got "1.5"`,
		`product_info.csv, row 9: has 5 fields, the header has 13`,
	}
	if diff := cmp.Diff(want, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestReadSephoraFileErrors(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"empty", "", []string{`p.csv: empty file: a Sephora products file starts with a header row`}},
		{"not CSV", `{"product_id": "P1", "name": "JSON Lines"}` + "\n", []string{
			`p.csv, row 1: not a Sephora products CSV file: it looks like JSON (JSON Lines files end in .jsonl)`,
		}},
		{"not text", "\x1f\x8b\x08\x00\xff\xfe,\x00\x01\n", []string{
			`p.csv, row 1: not a Sephora products CSV file: it holds binary data (a NUL byte at offset 3)`,
		}},
		{"other CSV", "name,price\nSerum,10\n", []string{
			`p.csv, row 1: not a Sephora products CSV file: the header row has none of the columns product_id, product_name, primary_category`,
		}},
		{"missing column", "product_id,product_name\nP1,Serum\n", []string{
			`p.csv, row 1, primary_category: required column is missing`,
		}},
		{"broken quoting", crlf(
			"product_id,product_name,primary_category",
			`P1,Fine,Skincare`,
			`P2,"Open quote,Skincare`,
			`P3,Never read,Skincare`,
		), []string{
			`p.csv, row 3: broken quoting: extraneous or missing " in quoted-field (line 4, column 24); the rest of the file was not read`,
		}},
		{"bare quote", crlf(
			"product_id,product_name,primary_category",
			`P1,5" tall,Skincare`,
		), []string{
			`p.csv, row 2: broken quoting: bare " in non-quoted-field (line 2, column 5); the rest of the file was not read`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readSephoraProductList(strings.NewReader(tt.in), "p.csv", inci.Default(), SephoraOptions{})
			if diff := cmp.Diff(tt.want, fieldErrors(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
	got, err := readSephoraProductList(strings.NewReader("product_id,product_name,primary_category\r\n"), "p.csv", inci.Default(), SephoraOptions{})
	if err != nil || len(got) != 0 {
		t.Errorf("header only: %v, %v; want no products and no error", got, err)
	}
}

const reviewsHeader = `,author_id,rating,is_recommended,helpfulness,submission_time,review_text,review_title,skin_tone,eye_color,skin_type,product_id,product_name`

func TestReadSephoraReviews(t *testing.T) {
	const author = "5182718480"
	in := "\ufeff" + crlf(
		reviewsHeader,
		`0,`+author+`,5,1.0,0.9,2023-02-27,"Broke me out at first, then
my skin cleared. No irritation.",Love it,lightMedium,brown,combination,P1,Serum`,
		`1,`+author+`,2,0.0,,2023-02-27,It did nothing.,Meh,notSureST,,,P1,Serum`,
		`2,`+author+`,5,1.0,0.9,2023-02-27,"Broke me out at first, then
my skin cleared. No irritation.",Love it,lightMedium,brown,combination,P1,Serum`,
		`3,42,4,,,2023-01-05 13:04:05,So hydrating!,,fairLight,,Oily,P2,Toner`,
	)
	got, err := readSephoraReviewList(strings.NewReader(in), "reviews.csv")
	if err != nil {
		t.Fatal(err)
	}
	reviewer := sephoraReviewer(author)
	want := []graph.Review{
		{
			ID:       sephoraReviewID(reviewer, "P1", time.Date(2023, 2, 27, 0, 0, 0, 0, time.UTC), "Love it", "Broke me out at first, then\nmy skin cleared. No irritation."),
			Reviewer: reviewer, ProductID: "P1", Rating: 5, Recommended: true, At: time.Date(2023, 2, 27, 0, 0, 0, 0, time.UTC),
			SkinType: "combination", SkinTone: "light-medium", Effects: []string{"breakout", "improved"},
		},
		{
			ID:       sephoraReviewID(reviewer, "P1", time.Date(2023, 2, 27, 0, 0, 0, 0, time.UTC), "Meh", "It did nothing."),
			Reviewer: reviewer, ProductID: "P1", Rating: 2, At: time.Date(2023, 2, 27, 0, 0, 0, 0, time.UTC),
			Effects: []string{"no-change"},
		},
		{
			ID:       sephoraReviewID(sephoraReviewer("42"), "P2", time.Date(2023, 1, 5, 13, 4, 5, 0, time.UTC), "", "So hydrating!"),
			Reviewer: sephoraReviewer("42"), ProductID: "P2", Rating: 4, At: time.Date(2023, 1, 5, 13, 4, 5, 0, time.UTC),
			SkinType: "oily", SkinTone: "fair-light", Effects: []string{"hydration"},
		},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reviews (-want +got):\n%s", diff)
	}
	res, err := readSephoraReviews(strings.NewReader(in), "reviews.csv", nil)
	if err != nil || res.duplicates != 1 || res.rows != 4 {
		t.Errorf("rows %d, duplicates %d, err %v; want 4 rows, 1 duplicate", res.rows, res.duplicates, err)
	}

	// Pseudonyms: stable, prefixed, and the author id appears in no field of any review.
	if !strings.HasPrefix(reviewer, "sephora-") || len(reviewer) != len("sephora-")+32 || reviewer != sephoraReviewer(author) {
		t.Errorf("reviewer = %q", reviewer)
	}
	if !strings.HasPrefix(got[0].ID, "sephora-r-") || got[0].ID == got[1].ID {
		t.Errorf("review ids %q, %q", got[0].ID, got[1].ID)
	}
	for _, r := range got[:2] {
		if dump := fmt.Sprintf("%#v", r); strings.Contains(dump, author) {
			t.Errorf("the raw author id appears in %s", dump)
		}
	}
}

func TestReadSephoraReviewsNamesEveryBadRow(t *testing.T) {
	in := crlf(
		reviewsHeader,
		`0,,5,1.0,,2023-02-27,text,title,,,,P1,x`,
		`1,998877,6,yes,,27/02/2023,text,title,,,,,x`,
		`2,998877,4.5,1,,,text,title,,,,P1,x`,
	)
	_, err := readSephoraReviewList(strings.NewReader(in), "reviews.csv")
	want := []string{
		`reviews.csv, row 2, author_id: required`,
		`reviews.csv, row 3, product_id: required`,
		`reviews.csv, row 3, rating: must be a whole number from 1 to 5, got "6"`,
		`reviews.csv, row 3, is_recommended: must be 1, 0 or empty, got "yes"`,
		`reviews.csv, row 3, submission_time: must be a date such as 2023-02-27, got "27/02/2023"`,
		`reviews.csv, row 4, rating: must be a whole number from 1 to 5, got "4.5"`,
		`reviews.csv, row 4, submission_time: required`,
	}
	if diff := cmp.Diff(want, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
	for _, f := range want {
		if strings.Contains(f, "998877") {
			t.Errorf("an error message quotes an author id: %s", f)
		}
	}
}

func TestLoadSephora(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	products := write("product_info.csv", crlf(
		productsHeader,
		`x,Skincare,Treatments,Face Serums,Serum,P1,B,10,,4,3,"['Water, Niacinamide 10%, Glycerin']",`,
		`x,Skincare,Moisturizers,Moisturizers,Cream,P2,B,20,,4,3,"['Water, Squalane']",`,
		`x,Makeup,Lip,Lipstick,Lipstick,M1,B,20,,4,3,,`,
	))
	reviews1 := write("reviews_a.csv", crlf(
		reviewsHeader,
		`0,11,5,1.0,,2023-02-01,No breakouts and my skin is smoother.,,light,,dry,P1,x`,
		`1,12,1,0.0,,2023-02-02,Broke me out.,,,,oily,P1,x`,
		`2,11,4,1.0,,2023-02-03,Nice.,,light,,dry,M1,x`,
		`3,13,4,1.0,,2023-02-03,Nice.,,,,,P9,x`,
	))
	reviews2 := write("reviews_b.csv", crlf(
		reviewsHeader,
		`7,12,1,0.0,,2023-02-02,Broke me out.,,,,oily,P1,x`,
		`8,14,3,,,2023-02-04,So hydrating.,,,,,P2,x`,
	))
	w := &sephoraRecorder{}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	res, stats, err := LoadSephora(context.Background(), w, products, []string{reviews1, reviews2}, SephoraOptions{SkincareOnly: true}, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(w.loads) != 1 {
		t.Fatalf("%d loads written, want 1", len(w.loads))
	}
	load := w.loads[0]
	if res.LoadID != "sephora-20260102T030405Z" || load.Kind != "sephora" || !load.At.Equal(now) ||
		load.Source != "sephora: product_info.csv, reviews_a.csv, reviews_b.csv" {
		t.Errorf("load %q kind %q at %v source %q", load.ID, load.Kind, load.At, load.Source)
	}
	if len(load.Ingredients) < 100 {
		t.Errorf("the load carries %d knowledge-base ingredients, want the bundled base", len(load.Ingredients))
	}
	wantStats := SephoraStats{
		ProductRows: 3, Products: 2, ProductsSkipped: 1, Ingredients: 4, CuratedIngredients: 4,
		ReviewRows: 6, Reviews: 3, Reviewers: 3, DuplicateReviews: 1,
		ReviewsOfSkippedProducts: 1, ReviewsOfUnknownProducts: 1,
		Effects: map[string]int{"improved": 1, "breakout": 1, "hydration": 1},
	}
	if diff := cmp.Diff(wantStats, stats); diff != "" {
		t.Errorf("stats (-want +got):\n%s", diff)
	}
	var ids []string
	for _, r := range load.Reviews {
		ids = append(ids, r.ProductID+":"+strings.Join(r.Effects, "+"))
	}
	if diff := cmp.Diff([]string{"P1:improved", "P1:breakout", "P2:hydration"}, ids); diff != "" {
		t.Errorf("reviews (-want +got):\n%s", diff)
	}

	// A bad file writes nothing; a missing file is not found.
	bad := write("bad.csv", crlf(productsHeader, `x,Skincare,Masks,Face Masks,Mask,P1,B,-3,,,,,`))
	w = &sephoraRecorder{}
	if _, _, err := LoadSephora(context.Background(), w, bad, nil, SephoraOptions{}, now); !errors.Is(err, graph.ErrInvalid) || len(w.loads) != 0 {
		t.Errorf("bad products: err %v, %d loads written; want ErrInvalid and none", err, len(w.loads))
	}
	if _, _, err := LoadSephora(context.Background(), w, products, []string{filepath.Join(dir, "nope.csv")}, SephoraOptions{}, now); !errors.Is(err, graph.ErrNotFound) || len(w.loads) != 0 {
		t.Errorf("missing reviews file: err %v, %d loads written; want ErrNotFound and none", err, len(w.loads))
	}
}

// TestSephoraReviewerPseudonymKey checks that the demo key keeps the pseudonyms of earlier
// loads (HMAC-SHA-256 of the author id, first 128 bits) and that a configured key gives
// other, stable pseudonyms.
func TestSephoraReviewerPseudonymKey(t *testing.T) {
	const author = "5182718480"
	in := crlf(reviewsHeader, `0,`+author+`,5,1.0,0.9,2023-02-27,Nice,Love it,lightMedium,brown,combination,P1,Serum`)
	mac := hmac.New(sha256.New, []byte(DemoPseudonymKey))
	mac.Write([]byte(author))
	demo := "sephora-" + hex.EncodeToString(mac.Sum(nil)[:16])
	key, err := graph.NewPseudonymizer([]byte("a deployment's own secret key, 32+ bytes"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		pseudo *graph.Pseudonymizer
		want   string
	}{
		{"demo key", nil, demo},
		{"configured key", key, key.Pseudonym("sephora", author)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := readSephoraReviews(strings.NewReader(in), "reviews.csv", tt.pseudo)
			if err != nil {
				t.Fatal(err)
			}
			if got := res.reviews[0].Reviewer; got != tt.want {
				t.Errorf("reviewer = %q, want %q", got, tt.want)
			}
		})
	}
	if key.Pseudonym("sephora", author) == demo {
		t.Error("the configured key gives the demo key's pseudonym")
	}
}
