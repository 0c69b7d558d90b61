package loader

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph/inci"
)

const cosmeticsHeader = "Label,Brand,Name,Price,Rank,Ingredients,Combination,Dry,Normal,Oily,Sensitive\n"

func TestReadCosmetics(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     []string // id-less summary: name category suits highlights ingredients
		wantErrs []string
		wantDups int
	}{
		{name: "flags become suits, sensitive a highlight",
			in:   cosmeticsHeader + "Moisturizer,A,Cream,10,4.2,\"Water, Glycerin\",1,1,0,0,1\nSun protect,B,SPF,20,0,No Info,0,0,0,0,0\nTreatment,C,Dot,9,0,Visit the C boutique,0,0,0,0,0\n",
			want: []string{"Cream moisturizer combination+dry suits sensitive skin 2", "SPF sunscreen   0", "Dot treatment   0"}},
		{name: "same product twice is read once",
			in:       cosmeticsHeader + "Cleanser,A,Wash,10,4,Water,0,0,0,1,0\nCleanser,A,Wash,10,4,Water,0,0,0,1,0\n",
			want:     []string{"Wash cleanser oily  1"},
			wantDups: 1},
		{name: "bad rows",
			in: cosmeticsHeader + "Moistrizer,A,Cream,-1,6,Water,2,0,0,0,0\nCleanser,A,Wash,10,4,Water,0,0,0,1,0\nCleanser,A,Wash,12,4,Water,0,0,0,1,0\n,,NoBrand,1,1,Water,0,0,0,0,0\n",
			wantErrs: []string{
				`c.csv, row 2, Label: unknown label "Moistrizer" (the labels are Moisturizer, Cleanser, Face Mask, Treatment, Eye cream, Sun protect) (did you mean "moisturizer"?)`,
				"c.csv, row 2, Price: must not be negative, got -1",
				"c.csv, row 2, Rank: must be between 0 and 5, got 6",
				`c.csv, row 2, Combination: must be 0 or 1, got "2"`,
				"c.csv, row 4, Name: duplicate of line 3 with different values",
				"c.csv, row 5, Brand: required",
				`c.csv, row 5, Label: unknown label "" (the labels are Moisturizer, Cleanser, Face Mask, Treatment, Eye cream, Sun protect)`,
			}},
		{name: "missing flag column", in: "Label,Brand,Name,Price,Rank,Ingredients,Combination,Dry,Normal,Oily\n",
			wantErrs: []string{"c.csv, row 1, Sensitive: required column is missing"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, st, err := readCosmetics(strings.NewReader(tc.in), "c.csv", inci.Default())
			if tc.wantErrs != nil {
				if diff := cmp.Diff(tc.wantErrs, fieldErrors(t, err)); diff != "" {
					t.Errorf("errors (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, strings.Join([]string{p.Name, p.Category, strings.Join(p.Suits, "+"), strings.Join(p.Highlights, "+"), itoa(len(p.Ingredients))}, " "))
				if !strings.HasPrefix(p.ID, "cosmetics-") {
					t.Errorf("id %q", p.ID)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("products (-want +got):\n%s", diff)
			}
			if st.Duplicates != tc.wantDups {
				t.Errorf("duplicates %d, want %d", st.Duplicates, tc.wantDups)
			}
		})
	}
}

func TestReadCosIng(t *testing.T) {
	in := "inci_name,cas_number,einecs_number,function\n" +
		"GLYCERIN,56-81-5,200-289-5,\"Humectant, Solvent\"\n" +
		"Glycerin,,,Skin Conditioning - Humectant\n" + // listed twice: union
		"AQUA,7732-18-5,,Solvent\n" + // an alias of water
		"STRANGE THING,,,Not Reported\n" +
		"MISC,,,Skin Conditioning - Miscellaneous\n"
	got, err := readCosIng(strings.NewReader(in), "cosing.csv", inci.New(map[string]string{"aqua": "water"}))
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range got {
		lines = append(lines, e.INCI+" "+e.CAS+" "+strings.Join(e.Functions, "+"))
	}
	want := []string{"glycerin 56-81-5 humectant+solvent", "water 7732-18-5 solvent", "strange thing  ", "misc  skin conditioning"}
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	_, err = readCosIng(strings.NewReader("name,functions\nx,y\n"), "cosing.csv", inci.Default())
	if diff := cmp.Diff([]string{"cosing.csv, row 1: not a CosIng CSV file: the header row has none of the columns inci_name, function"}, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
