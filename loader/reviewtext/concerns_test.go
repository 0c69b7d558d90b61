package reviewtext

import (
	"bufio"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

func TestConcerns(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		{"This cleared up my acne.", []string{"acne"}},
		{"Great for acne.", nil},                                 // not the reviewer's
		{"I don't have acne but it's nice.", nil},                // negated
		{"No more breakouts since I started!", []string{"acne"}}, // had them
		{"It caused redness on my cheeks.", nil},                 // an outcome, not a concern
		{"My skin is not dull anymore.", []string{"dullness"}},
		{"If you have dark spots, try it.", nil},
		{"My fine lines and dark spots look better.", []string{"aging", "hyperpigmentation"}},
		{"I'm acne-prone.", []string{"acne"}},
		{"", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Concerns(tt.text)); diff != "" {
			t.Errorf("Concerns(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
}

// TestConcernsFixture measures the concern model on the hand-labelled fixture:
// micro-averaged precision and recall over (text, concern) pairs must stay at or above the
// figures recorded in docs/EVALUATION.md.
func TestConcernsFixture(t *testing.T) {
	f, err := os.Open("testdata/concerns.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var texts, tp, fp, fn int
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		row := sc.Text()
		if row == "" || strings.HasPrefix(row, "#") {
			continue
		}
		labels, text, ok := strings.Cut(row, "\t")
		if !ok {
			t.Fatalf("concerns.tsv:%d: want labels<TAB>text, got %q", line, row)
		}
		var want []string
		if labels != "-" {
			for _, c := range strings.Split(labels, ",") {
				if _, ok := graph.Concerns.Canonical(c); !ok {
					t.Fatalf("concerns.tsv:%d: %q is not a concern", line, c)
				}
				want = append(want, c)
			}
		}
		texts++
		got := Concerns(text)
		for _, c := range got {
			if slices.Contains(want, c) {
				tp++
			} else {
				fp++
				t.Logf("concerns.tsv:%d: false %s: %q", line, c, text)
			}
		}
		for _, c := range want {
			if !slices.Contains(got, c) {
				fn++
				t.Logf("concerns.tsv:%d: missed %s: %q", line, c, text)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if texts < 200 {
		t.Fatalf("fixture has %d texts, want at least 200", texts)
	}
	precision, recall := float64(tp)/float64(tp+fp), float64(tp)/float64(tp+fn)
	t.Logf("%d texts, %d labelled concerns: precision %.3f, recall %.3f (tp %d, fp %d, fn %d)", texts, tp+fn, precision, recall, tp, fp, fn)
	if precision < minConcernPrecision || recall < minConcernRecall {
		t.Errorf("precision %.3f, recall %.3f; want at least %.2f and %.2f", precision, recall, minConcernPrecision, minConcernRecall)
	}
}

// The floors of the concern model on the fixture (docs/EVALUATION.md has the measured figures).
const minConcernPrecision, minConcernRecall = 0.90, 0.85
