package loader

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// hugeIngredientCSV is the upload of issue 21, finding 6: one product whose ingredient cell
// lists n ingredients (about 15 MB for 700,000).
func hugeIngredientCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("id,name,category,ingredients\np1,Serum,serum,\"")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "ing%d", i)
	}
	b.WriteString("\"\n")
	return b.Bytes()
}

// Finding 6: a 700,000-ingredient cell is refused by its size before it is parsed, naming
// the row and field, three at once as well. Reading the file and one CSV scan allocate about
// 9 times its size (copies of the cell); the review measured +0.9 GB (60 times) for 15 MB.
func TestProductUploadRefusesAHugeIngredientCell(t *testing.T) {
	data := hugeIngredientCSV(700_000)
	norm := inci.New(nil)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	var wg sync.WaitGroup
	errs := make([]error, 3)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = ReadProductUpload(bytes.NewReader(data), "upload", "csv", norm)
		})
	}
	wg.Wait()
	runtime.ReadMemStats(&after)
	for _, err := range errs {
		var verr *graph.ValidationError
		if !errors.As(err, &verr) || len(verr.Fields) != 1 || verr.Fields[0].Row != 2 || verr.Fields[0].Field != "ingredients" {
			t.Fatalf("ReadProductUpload = %v, want one error at row 2, field ingredients", err)
		}
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 3*12*uint64(len(data)) {
		t.Fatalf("3 refused uploads of %d bytes allocated %d MB", len(data), alloc>>20)
	}
}

func TestCheckUploadBounds(t *testing.T) {
	lim := UploadLimits{MaxRows: 3, MaxRowBytes: 300, MaxCellBytes: 20, MaxIngredientsBytes: 100, MaxIngredients: 5, MaxTotalIngredients: 8}
	for _, tc := range []struct {
		name, format, data string
		want               []graph.FieldError // rows and fields only
	}{
		{"within bounds", "csv", "id,name,ingredients\np1,A,\"a, b\"\n", nil},
		{"long cell", "csv", "id,name\np1," + strings.Repeat("n", 21) + "\n", []graph.FieldError{{Row: 2, Field: "name"}}},
		{"too many ingredients", "csv", "id,ingredients\np1,\"a,b,c,d,e,f\"\n", []graph.FieldError{{Row: 2, Field: "ingredients"}}},
		{"too many rows", "csv", "id\na\nb\nc\nd\ne\n", []graph.FieldError{{Row: 5, Field: ""}}},
		{"too many ingredients in all", "csv", "id,ingredients\np1,\"a,b,c,d,e\"\np2,\"a,b,c,d,e\"\n", []graph.FieldError{{Row: 0, Field: "ingredients"}}},
		{"JSON lines: long cell", "json", `{"id":"p1","name":"` + strings.Repeat("n", 21) + `"}` + "\n", []graph.FieldError{{Row: 1, Field: "name"}}},
		{"JSON array: long row", "", `[{"id":"p1"},{"id":"p2","x":[` + strings.Repeat("1,", 200) + `1]}]`, []graph.FieldError{{Row: 2, Field: ""}}},
		{"JSON: non-string cell too long", "json", `{"id":"p1","claims":["` + strings.Repeat("a", 30) + `"]}`, []graph.FieldError{{Row: 1, Field: "claims"}}},
		{"malformed CSV passes to the reader", "csv", "id,name\n\"p1,A\n", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckUpload([]byte(tc.data), "f", tc.format, lim)
			var got []graph.FieldError
			var verr *graph.ValidationError
			if errors.As(err, &verr) {
				for _, f := range verr.Fields {
					got = append(got, graph.FieldError{Row: f.Row, Field: f.Field})
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Fatalf("CheckUpload: %v (%v), want %v", got, err, tc.want)
			}
		})
	}
}

// Product ids with NUL, a newline or '/' are refused by name.
func TestProductUploadRefusesHostileIDs(t *testing.T) {
	for _, id := range []string{"p\\u0000x", "p\\nx", "a/b", strings.Repeat("x", graph.MaxProductIDLen+1)} {
		data := `{"id":"` + id + `","name":"Serum","category":"serum"}` + "\n"
		_, err := ReadProductUpload(strings.NewReader(data), "upload", "json", inci.New(nil))
		var verr *graph.ValidationError
		if !errors.As(err, &verr) || verr.Fields[0].Field != "id" {
			t.Errorf("id %.20q: %v, want an error naming id", id, err)
		}
	}
}

// A file of 400 rows whose category is 16,000 bytes long (within the cell bound): the rows
// are named without the whole value and without an edit-distance search over it (which took
// 7.9 s a file and answered 3.2 MB).
func TestProductUploadLongUnknownTermsAreNamedBriefly(t *testing.T) {
	var b strings.Builder
	b.WriteString("id,name,category\n")
	for i := range 400 {
		fmt.Fprintf(&b, "x%d,Name,%s\n", i, strings.Repeat("q", 16000))
	}
	_, err := ReadProductUpload(strings.NewReader(b.String()), "upload", "csv", inci.New(nil))
	var verr *graph.ValidationError
	if !errors.As(err, &verr) || len(verr.Fields) < 100 {
		t.Fatalf("ReadProductUpload = %v, want the bad rows named", err)
	}
	for _, f := range verr.Fields {
		if f.Field != "category" || len(f.Message) > 120 {
			t.Fatalf("row %d: %s %.200q: want a short message naming category", f.Row, f.Field, f.Message)
		}
	}
}
