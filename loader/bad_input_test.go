package loader

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// readBad reads a fixture of testdata/bad (or content, when given) with the products or the
// reviews CSV reader and returns what it read: names of products or ids of reviews.
func readBad(t *testing.T, kind, file string, content []byte) ([]string, error) {
	t.Helper()
	if content == nil {
		var err error
		if content, err = os.ReadFile(filepath.Join("testdata", "bad", file)); err != nil {
			t.Fatal(err)
		}
	}
	var r io.Reader = bytes.NewReader(content)
	var got []string
	switch kind {
	case "products":
		ps, err := readProductsCSV(r, file, inci.Default())
		for _, p := range ps {
			got = append(got, p.ID+" "+p.Name+" "+strings.Join(p.Claims, "+"))
		}
		return got, err
	case "reviews":
		rs, err := readReviewsCSV(r, file)
		for _, rv := range rs {
			got = append(got, rv.ID)
		}
		return got, err
	}
	t.Fatalf("unknown kind %q", kind)
	return nil, nil
}

// mixedEncoding is a products file whose first 64 KiB are UTF-8 and whose last row, which
// it returns the number of, is not.
func mixedEncoding() ([]byte, int) {
	var b bytes.Buffer
	b.WriteString("id,name,category\n")
	rows := 1
	for i := 0; b.Len() < sniffSize+100; i++ {
		fmt.Fprintf(&b, "p%d,Crème,serum\n", i)
		rows++
	}
	b.WriteString("last,Cr\xe8me,serum\n")
	return b.Bytes(), rows + 1
}

// TestBadInput covers every kind of bad input of the shared CSV layer and the project's CSV
// formats: each is refused with errors naming the file, the row and (where there is one) the
// field, or, for what is accepted (byte-order mark, CRLF, Windows-1252, blank lines, a row
// repeated as it is), read correctly.
func TestBadInput(t *testing.T) {
	mixed, mixedRow := mixedEncoding()
	tests := []struct {
		name, kind, file string
		content          []byte // instead of the fixture
		wantErrs         []string
		wantRead         []string // when no error is expected
	}{
		{name: "missing column", kind: "products", file: "missing_column.csv",
			wantErrs: []string{"missing_column.csv, row 1, category: required column is missing"}},
		{name: "unknown column", kind: "products", file: "unknown_column.csv",
			wantErrs: []string{"unknown_column.csv, row 1, colour: unknown column 4 (the columns are " + strings.Join(productColumns, ", ") + ")"}},
		{name: "broken quoting", kind: "products", file: "broken_quoting.csv",
			wantErrs: []string{`broken_quoting.csv, row 3: broken quoting: extraneous or missing " in quoted-field (line 4, column 37); the rest of the file was not read`}},
		{name: "wrong number of fields", kind: "products", file: "wrong_field_count.csv",
			wantErrs: []string{"wrong_field_count.csv, row 2: has 3 fields, the header has 7"}},
		{name: "BOM and CRLF are accepted", kind: "products", file: "bom_crlf.csv",
			wantRead: []string{"p1 Good acne+pores"}},
		{name: "Windows-1252 is accepted when unambiguous", kind: "products", file: "cp1252.csv",
			wantRead: []string{"p1 Crème Brûlée – Night "}},
		{name: "neither UTF-8 nor Windows-1252", kind: "products", file: "cp1252_undefined.csv",
			wantErrs: []string{"cp1252_undefined.csv, row 3: byte 0x81 is undefined in Windows-1252 and the file is not UTF-8 either (invalid byte 0xe8 on line 2): save the file as UTF-8"}},
		{name: "mixed encodings", kind: "products", file: "mixed.csv", content: mixed,
			wantErrs: []string{"mixed.csv, row " + fmt.Sprint(mixedRow) + ", name: is not valid UTF-8 although the file starts as UTF-8 (mixed encodings); save the file as UTF-8"}},
		{name: "blank lines are skipped and counted in row numbers", kind: "products", file: "empty_lines.csv",
			wantErrs: []string{"empty_lines.csv, row 7, price: must not be negative, got -3"}},
		{name: "negative price", kind: "products", file: "negative_price.csv",
			wantErrs: []string{"negative_price.csv, row 2, price: must not be negative, got -3"}},
		{name: "unknown concern", kind: "products", file: "unknown_concern.csv",
			wantErrs: []string{`unknown_concern.csv, row 2, claims[0]: unknown concern "acnee" (did you mean "acne"?)`}},
		{name: "duplicate id with other values", kind: "products", file: "duplicate_conflict.csv",
			wantErrs: []string{"duplicate_conflict.csv, row 3, id: duplicate of line 2 with different values"}},
		{name: "duplicate id with the same values is read once", kind: "products", file: "duplicate_same.csv",
			wantRead: []string{"p1 Serum "}},
		{name: "binary file", kind: "products", file: "binary.csv",
			wantErrs: []string{"binary.csv, row 1: not a skingraph products CSV file: it holds binary data (a NUL byte at offset 3)"}},
		{name: "JSON file", kind: "products", file: "json.csv",
			wantErrs: []string{"json.csv, row 1: not a skingraph products CSV file: it looks like JSON (JSON Lines files end in .jsonl)"}},
		{name: "empty file", kind: "products", file: "empty.csv",
			wantErrs: []string{"empty.csv: empty file: a skingraph products file starts with a header row"}},
		{name: "blank file", kind: "products", file: "blank_only.csv",
			wantErrs: []string{"blank_only.csv: empty file: a skingraph products file starts with a header row"}},
		{name: "rating out of range", kind: "reviews", file: "rating_out_of_range.csv",
			wantErrs: []string{
				"rating_out_of_range.csv, row 3, rating: must be 1 to 5, got 6",
				`rating_out_of_range.csv, row 4, rating: must be a whole number, got "zero"`,
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readBad(t, tc.kind, tc.file, tc.content)
			if tc.wantErrs == nil {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				if diff := cmp.Diff(tc.wantRead, got); diff != "" {
					t.Errorf("read (-want +got):\n%s", diff)
				}
				return
			}
			if got != nil {
				t.Errorf("read %d records from a bad file, want none", len(got))
			}
			if diff := cmp.Diff(tc.wantErrs, fieldErrors(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			for _, fe := range err.(*graph.ValidationError).Fields {
				if fe.File != tc.file || (fe.Row == 0 && !strings.Contains(fe.Message, "empty file")) {
					t.Errorf("error %q does not name the file and row", fe.Error())
				}
			}
		})
	}
}
