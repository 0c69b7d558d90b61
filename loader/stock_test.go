package loader

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph/inci"
)

// TestSephoraOutOfStock reads Sephora's out_of_stock column: 1 is out of stock, 0 or empty in
// stock, anything else a bad row named by row and column.
func TestSephoraOutOfStock(t *testing.T) {
	const header = `product_id,product_name,primary_category,out_of_stock`
	in := crlf(header,
		`P1,In,Skincare,0`,
		`P2,Out,Skincare,1`,
		`P3,Unknown,Skincare,`,
	)
	got, err := readSephoraProducts(strings.NewReader(in), "product_info.csv", inci.Default(), SephoraOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, p := range got.products {
		out[p.ID] = p.OutOfStock
	}
	if diff := cmp.Diff(map[string]bool{"P1": false, "P2": true, "P3": false}, out); diff != "" {
		t.Errorf("out of stock (-want +got):\n%s", diff)
	}
	_, err = readSephoraProducts(strings.NewReader(crlf(header, `P4,Bad,Skincare,yes`)), "product_info.csv", inci.Default(), SephoraOptions{})
	if diff := cmp.Diff([]string{`product_info.csv, row 2, out_of_stock: must be 0 or 1, got "yes"`}, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

// TestProductFormatsInStock reads in_stock in the project's JSON Lines and CSV product
// formats: absent means in stock.
func TestProductFormatsInStock(t *testing.T) {
	jsonl := `{"id":"a","name":"A","category":"toner","in_stock":false}
{"id":"b","name":"B","category":"toner","in_stock":true}
{"id":"c","name":"C","category":"toner"}
`
	csv := "id,name,category,in_stock\na,A,toner,0\nb,B,toner,yes\nc,C,toner,\n"
	want := map[string]bool{"a": true, "b": false, "c": false}
	for name, read := range map[string]func() (map[string]bool, error){
		"jsonl": func() (map[string]bool, error) {
			ps, err := ReadProducts(strings.NewReader(jsonl), "p.jsonl", inci.Default())
			m := map[string]bool{}
			for _, p := range ps {
				m[p.ID] = p.OutOfStock
			}
			return m, err
		},
		"csv": func() (map[string]bool, error) {
			ps, err := readProductsCSV(strings.NewReader(csv), "p.csv", inci.Default())
			m := map[string]bool{}
			for _, p := range ps {
				m[p.ID] = p.OutOfStock
			}
			return m, err
		},
	} {
		got, err := read()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: out of stock (-want +got):\n%s", name, diff)
		}
	}
}
