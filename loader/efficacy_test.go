package loader

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

// fakeSubjects is a graph holding a few ingredients and products.
type fakeSubjects map[string][]string // subject type -> keys

func (f fakeSubjects) Known(_ context.Context, st string, subjects []string) (map[string]bool, error) {
	out := map[string]bool{}
	for _, s := range subjects {
		for _, k := range f[st] {
			if s == k {
				out[s] = true
			}
		}
	}
	return out, nil
}

func (f fakeSubjects) SuggestSubjects(_ context.Context, st string, unknown []string) (map[string]string, error) {
	out := map[string]string{}
	for _, s := range unknown {
		out[s] = graph.Closest(s, f[st])
	}
	return out, nil
}

var testSubjects = fakeSubjects{
	graph.SubjectIngredient: {"niacinamide", "retinol", "salicylic acid", "water"},
	graph.SubjectProduct:    {"P1001", "P2002"},
}

func date(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

const goodEfficacyCSV = "\ufeffsubject_type,subject,concern,skin_type,effect_size,sample_size,evidence,source,date\r\n" +
	"ingredient,Niacinamide 5%,dark spots,,0.62,120,clinical,\"Hakozaki 2002, Br J Dermatol\",2002-07-01\r\n" +
	"ingredient,RETINOL,aging,dry,0.7,40,Clinical,Kafi 2007,2007-05-01\r\n" +
	"\r\n" +
	"product,P1001,acne,oily,0.4,30,in vitro,Brand study 12,2024-01-15\r\n" +
	"ingredient,Niacinamide,hyperpigmentation,,0.62,120,clinical,\"Hakozaki 2002, Br J Dermatol\",2002-07-01\r\n"

func TestReadEfficacyCSV(t *testing.T) {
	got, err := ReadEfficacy(context.Background(), strings.NewReader(goodEfficacyCSV), "efficacy.csv", "", testSubjects)
	if err != nil {
		t.Fatalf("ReadEfficacy: %v", err)
	}
	want := []graph.EfficacyClaim{
		{SubjectType: "ingredient", Subject: "niacinamide", Concern: "hyperpigmentation", EffectSize: 0.62, SampleSize: 120,
			Evidence: "clinical", Source: "Hakozaki 2002, Br J Dermatol", Date: date("2002-07-01")},
		{SubjectType: "ingredient", Subject: "retinol", Concern: "aging", SkinType: "dry", EffectSize: 0.7, SampleSize: 40,
			Evidence: "clinical", Source: "Kafi 2007", Date: date("2007-05-01")},
		{SubjectType: "product", Subject: "P1001", Concern: "acne", SkinType: "oily", EffectSize: 0.4, SampleSize: 30,
			Evidence: "in-vitro", Source: "Brand study 12", Date: date("2024-01-15")},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("claims (-want +got):\n%s", diff)
	}
}

func TestReadEfficacyJSONArrayAndLines(t *testing.T) {
	array := `[
	 {"subject_type":"ingredient","subject":"Salicylic Acid","concern":"acne","effect_size":0.5,"sample_size":60,"evidence":"clinical","source":"S1","date":"2019-02-03"},
	 {"subject_type":"product","subject":"P2002","concern":"pores","skin_type":"combo","effect_size":"0.3","sample_size":12,"evidence":"expert","source":"Panel","date":"2023-10-10"}
	]`
	lines := `{"subject_type":"ingredient","subject":"Salicylic Acid","concern":"acne","effect_size":0.5,"sample_size":60,"evidence":"clinical","source":"S1","date":"2019-02-03"}` +
		"\n\n" + `{"subject_type":"product","subject":"P2002","concern":"pores","skin_type":"combo","effect_size":"0.3","sample_size":12,"evidence":"expert","source":"Panel","date":"2023-10-10"}` + "\n"
	want := []graph.EfficacyClaim{
		{SubjectType: "ingredient", Subject: "salicylic acid", Concern: "acne", EffectSize: 0.5, SampleSize: 60,
			Evidence: "clinical", Source: "S1", Date: date("2019-02-03")},
		{SubjectType: "product", Subject: "P2002", Concern: "pores", SkinType: "combination", EffectSize: 0.3, SampleSize: 12,
			Evidence: "expert-consensus", Source: "Panel", Date: date("2023-10-10")},
	}
	for _, tc := range []struct{ name, format, body string }{
		{"array sniffed", "", array},
		{"array", FormatJSON, "\ufeff" + array},
		{"lines sniffed", "", lines},
		{"lines", FormatJSON, lines},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ReadEfficacy(context.Background(), strings.NewReader(tc.body), "efficacy.json", tc.format, testSubjects)
			if err != nil {
				t.Fatalf("ReadEfficacy: %v", err)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadEfficacyNamesEveryBadRow(t *testing.T) {
	in := strings.Join([]string{
		"subject_type,subject,concern,skin_type,effect_size,sample_size,evidence,source,date",
		"ingredient,niacinamide,acne,,0.5,10,clinical,S,2020-01-01",   // 2: good
		"ingredient,nacinamide,acnee,,1.5,0,clinical,S,2020-01-01",    // 3
		"product,P1010,pores,oilly,0.2,abc,anecdotal,,2020-13-01",     // 4
		"lotion,x,acne,,0.2,5,clinical,S,2020-01-01",                  // 5
		"ingredient,Niacinamide,acne,,0.6,10,clinical,S,2020-01-01",   // 6: conflicts with 2
		"ingredient,niacinamide,acne,,0.5,10,clinical,S,2020-01-01",   // 7: identical to 2, fine
		"ingredient,retinol,aging,,,,clinical,S,",                     // 8
		"product,P1001,acne,,0.3,3,clinical,S,2020-01-01,extra",       // 9
		"ingredient,retinoll,aging,dry,0.3,3.0,clinical,S,2020-02-02", // 10
	}, "\n")
	_, err := ReadEfficacy(context.Background(), strings.NewReader(in), "bad.csv", FormatCSV, testSubjects)
	want := []string{
		`bad.csv, row 3, concern: unknown concern "acnee" (did you mean "acne"?)`,
		`bad.csv, row 3, effect_size: must be between 0 and 1, got 1.5`,
		`bad.csv, row 3, sample_size: must be at least 1, got 0`,
		`bad.csv, row 4, source: required`,
		`bad.csv, row 4, skin_type: unknown skin type "oilly" (did you mean "oily"?)`,
		`bad.csv, row 4, sample_size: must be a whole number, got "abc"`,
		`bad.csv, row 4, evidence: unknown evidence level "anecdotal"`,
		`bad.csv, row 4, date: must be a date YYYY-MM-DD, got "2020-13-01"`,
		`bad.csv, row 5, subject_type: must be "ingredient" or "product", got "lotion"`,
		`bad.csv, row 6: conflicts with row 2: same subject, concern and skin type with other values`,
		`bad.csv, row 8, effect_size: required`,
		`bad.csv, row 8, sample_size: required`,
		`bad.csv, row 8, date: required`,
		`bad.csv, row 9: has 10 fields, the header has 9`,
		`bad.csv, row 10, subject: unknown ingredient "retinoll" (did you mean "retinol"?)`,
	}
	if diff := cmp.Diff(want, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestReadEfficacyUnknownSubjectsAfterSyntax(t *testing.T) {
	// Rows 3 and 4 are otherwise valid; their subjects are looked up once the file is read,
	// and their errors still come out in row order.
	in := "subject_type,subject,concern,effect_size,sample_size,evidence,source,date\n" +
		"ingredient,nacinamide,acne,0.5,10,clinical,S,2020-01-01\n" +
		"product,P1002,acne,0.5,10,clinical,S,2020-01-01\n" +
		"product,ZZZ-9,acne,0.5,10,clinical,S,2020-01-01\n" +
		"ingredient,retinol,acne,2,10,clinical,S,2020-01-01\n"
	_, err := ReadEfficacy(context.Background(), strings.NewReader(in), "subjects.csv", "", testSubjects)
	want := []string{
		`subjects.csv, row 2, subject: unknown ingredient "nacinamide" (did you mean "niacinamide"?)`,
		`subjects.csv, row 3, subject: unknown product "P1002" (did you mean "P1001"?)`,
		`subjects.csv, row 4, subject: unknown product "ZZZ-9"`,
		`subjects.csv, row 5, effect_size: must be between 0 and 1, got 2`,
	}
	if diff := cmp.Diff(want, fieldErrors(t, err)); diff != "" {
		t.Errorf("errors (-want +got):\n%s", diff)
	}
}

func TestReadEfficacyBadFiles(t *testing.T) {
	for _, tc := range []struct {
		name, format, body string
		want               []string
	}{
		{"empty", "", "", []string{`f: empty file: a skingraph efficacy file starts with a header row`}},
		{"header only", "csv", "subject_type,subject,concern,effect_size,sample_size,evidence,source,date\r\n",
			[]string{`f: no efficacy rows: the file holds no data`}},
		{"missing and unknown columns", "csv", "subject_type,subject,concern,effect,sample_size,evidence,source\n" +
			"ingredient,retinol,aging,0.5,10,clinical,S\n",
			[]string{`f, row 1, effect_size: required column is missing`, `f, row 1, date: required column is missing`}},
		{"unknown column", "csv", "subject_type,subject,concern,effect_size,sample_size,evidence,source,date,notes\n" +
			"ingredient,retinol,aging,0.5,10,clinical,S,2020-01-01,n\n",
			[]string{`f, row 1, notes: unknown column (the columns are subject_type, subject, concern, skin_type, effect_size, sample_size, evidence, source, date)`}},
		{"not csv", "", "\x00\x01\x02 binary", []string{`f, row 1: not a skingraph efficacy CSV file: it holds binary data (a NUL byte at offset 0)`}},
		{"broken quoting", "csv", "subject_type,subject,concern,effect_size,sample_size,evidence,source,date\n" +
			"ingredient,\"retinol,aging,0.5,10,clinical,S,2020-01-01\n",
			[]string{`f, row 2: broken quoting: extraneous or missing " in quoted-field (line 2, column 56); the rest of the file was not read`}},
		{"json unknown field and type", "", `[{"subject_type":"ingredient","subject":"retinol","concern":"aging","effect_size":0.5,"sample_size":10,"evidence":"clinical","source":"S","date":"2020-01-01","note":1},
			{"subject_type":"ingredient","subject":"retinol","concern":"aging","effect_size":true,"sample_size":10,"evidence":"clinical","source":"S","date":"2020-01-01"}]`,
			[]string{`f, row 1, note: unknown field`, `f, row 2, effect_size: must be a JSON number, not bool`}},
		{"json array not closed", "json", `[{"subject_type":"ingredient"`,
			[]string{`f, row 1: not valid JSON: unexpected EOF; the rest of the file was not read`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ReadEfficacy(context.Background(), strings.NewReader(tc.body), "f", tc.format, testSubjects)
			if diff := cmp.Diff(tc.want, fieldErrors(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadEfficacyUnknownFormat(t *testing.T) {
	_, err := ReadEfficacy(context.Background(), strings.NewReader("x"), "f", "xml", nil)
	if !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("err = %v, want graph.ErrInvalid", err)
	}
}
