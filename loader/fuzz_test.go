package loader

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// Every importer, fed any bytes, must either read records or refuse with a structured
// graph.ErrInvalid error (file, row, field): never panic, never an unstructured error.

// fuzzSeeds are the bad-input fixtures plus a few good rows of each format.
func fuzzSeeds(f *testing.F, good ...string) {
	files, _ := filepath.Glob("testdata/bad/*")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, g := range good {
		f.Add([]byte(g))
	}
}

func checkRead(t *testing.T, err error) {
	t.Helper()
	if err != nil && !errors.Is(err, graph.ErrInvalid) {
		t.Fatalf("refused without a structured error: %v", err)
	}
}

var fuzzNorm = inci.New(map[string]string{"aqua": "water", "eau": "water"})

func FuzzReadProducts(f *testing.F) {
	fuzzSeeds(f, `{"id":"p1","name":"Gel","category":"cleanser","price":9.5,"ingredients":"Aqua, Glycerin","claims":["acne"],"suits":["oily"]}`+"\n",
		`[{"id":"p1","name":"Gel","category":"cleanser"}]`)
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ReadProducts(bytes.NewReader(b), "products.jsonl", fuzzNorm)
		checkRead(t, err)
		_, err = ReadProductUpload(bytes.NewReader(b), "upload", "", fuzzNorm)
		checkRead(t, err)
	})
}

func FuzzReadProductsCSV(f *testing.F) {
	fuzzSeeds(f, "id,name,brand,category,price,ingredients,claims,suits\np1,Gel,B,cleanser,9.5,\"Aqua, Glycerin\",acne,oily\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := readProductsCSV(bytes.NewReader(b), "products.csv", fuzzNorm)
		checkRead(t, err)
	})
}

func FuzzReadReviews(f *testing.F) {
	fuzzSeeds(f, `{"id":"r1","reviewer":"u1","product_id":"p1","rating":4,"recommended":true,"at":"2023-01-02T00:00:00Z","skin_type":"oily"}`+"\n",
		"id,reviewer,product_id,rating,recommended,at,skin_type\nr1,u1,p1,4,true,2023-01-02T00:00:00Z,oily\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ReadReviews(bytes.NewReader(b), "reviews.jsonl")
		checkRead(t, err)
		_, err = readReviewsCSV(bytes.NewReader(b), "reviews.csv")
		checkRead(t, err)
	})
}

func FuzzReadIngredients(f *testing.F) {
	fuzzSeeds(f, `{"inci":"niacinamide","name":"Niacinamide","functions":["skin conditioning"],"comedogenic":0}`+"\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := ReadIngredients(bytes.NewReader(b), "ingredients.jsonl")
		checkRead(t, err)
		_, err = readIngredientsCSV(bytes.NewReader(b), "ingredients.csv")
		checkRead(t, err)
	})
}

func FuzzReadEfficacy(f *testing.F) {
	fuzzSeeds(f, "subject_type,subject,concern,skin_type,effect_size,sample_size,evidence,source,date\ningredient,Niacinamide,acne,,0.5,80,clinical,Study A,2021-03-04\n",
		`[{"subject_type":"ingredient","subject":"retinol","concern":"aging","effect_size":0.4,"sample_size":20,"evidence":"clinical","source":"S","date":"2020-01-02"}]`)
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, format := range []string{"", "csv", "json"} {
			_, err := ReadEfficacy(context.Background(), bytes.NewReader(b), "efficacy", format, testSubjects)
			checkRead(t, err)
		}
	})
}

func FuzzReadSephora(f *testing.F) {
	fuzzSeeds(f, "product_id,product_name,brand_name,price_usd,ingredients,highlights,primary_category,secondary_category,tertiary_category,rating,reviews\n"+
		"P1,Gel,B,12,\"['Aqua, Glycerin']\",\"['Vegan']\",Skincare,Cleansers,Face Wash & Cleansers,4.2,10\n",
		"author_id,rating,is_recommended,submission_time,review_text,skin_tone,skin_type,product_id\n1,5,1.0,2023-01-02,Great no breakouts,light,oily,P1\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, err := readSephoraProductList(bytes.NewReader(b), "product_info.csv", fuzzNorm, SephoraOptions{})
		checkRead(t, err)
		_, err = readSephoraReviewList(bytes.NewReader(b), "reviews.csv")
		checkRead(t, err)
	})
}

func FuzzReadCosmeticsAndCosIng(f *testing.F) {
	fuzzSeeds(f, "Label,Brand,Name,Price,Rank,Ingredients,Combination,Dry,Normal,Oily,Sensitive\nMoisturizer,B,Cream,30,4.1,\"Water, Glycerin\",1,1,0,0,1\n",
		"COSING Ref No,INCI name,INN name,Ph. Eur. Name,CAS No,EC No,Chem/IUPAC Name / Description,Restriction,Update Date,Function\n1,NIACINAMIDE,,,98-92-0,,desc,,01/01/2020,SKIN CONDITIONING\n")
	f.Fuzz(func(t *testing.T, b []byte) {
		_, _, err := readCosmetics(bytes.NewReader(b), "cosmetics.csv", fuzzNorm)
		checkRead(t, err)
		_, err = readCosIng(bytes.NewReader(b), "cosing.csv", fuzzNorm)
		checkRead(t, err)
	})
}

func TestReadProductUploadFormats(t *testing.T) {
	for _, tc := range []struct{ format, body string }{
		{"json", `[{"id":"p1","name":"Gel","category":"cleanser","ingredients":"Aqua, Glycerin"}]`},
		{"", `{"id":"p1","name":"Gel","category":"cleanser","ingredients":"Aqua, Glycerin"}` + "\n"},
		{"csv", "id,name,category,ingredients\np1,Gel,cleanser,\"Aqua, Glycerin\"\n"},
	} {
		ps, err := ReadProductUpload(bytes.NewReader([]byte(tc.body)), "upload", tc.format, fuzzNorm)
		if err != nil || len(ps) != 1 || ps[0].ID != "p1" || len(ps[0].Ingredients) != 2 || ps[0].Ingredients[0].INCI != "water" {
			t.Errorf("format %q: %+v, %v", tc.format, ps, err)
		}
	}
	if _, err := ReadProductUpload(bytes.NewReader(nil), "upload", "xml", fuzzNorm); !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("format xml: %v", err)
	}
}
