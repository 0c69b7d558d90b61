package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestExperimentAssignmentIsStableAndFollowsShares(t *testing.T) {
	e := Experiment{ID: "exp_00000000000000aa", Variants: []Variant{{Name: "control", Share: 20}, {Name: "b", Share: 80}}}
	counts := make([]int, 2)
	for i := range 10000 {
		unit := fmt.Sprintf("profile-%d", i)
		v := e.Assign(unit)
		if again := e.Assign(unit); again != v {
			t.Fatalf("%s: assigned %d then %d", unit, v, again)
		}
		counts[v]++
	}
	if counts[0] < 1800 || counts[0] > 2200 {
		t.Errorf("control got %d of 10000 requests, want about 2000 (share 20)", counts[0])
	}
	if e.Assign("") != ControlVariantIndex {
		t.Errorf("a request without a unit is not in the control")
	}
	other := e
	other.ID = "exp_00000000000000bb"
	same := 0
	for i := range 1000 {
		u := fmt.Sprintf("p%d", i)
		if e.Assign(u) == other.Assign(u) {
			same++
		}
	}
	if same > 800 {
		t.Errorf("two experiments assign %d of 1000 units alike: the hash ignores the experiment", same)
	}
}

func TestExperimentValidationNamesEveryField(t *testing.T) {
	at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		e    Experiment
		want []string
	}{
		{"good", Experiment{Name: "x", Variants: []Variant{{Name: "control", Share: 50}, {Name: "b", Share: 50, Weights: map[string]float64{"safety": 2}}}}, nil},
		{"empty", Experiment{}, []string{"name", "variants"}},
		{"bad variants", Experiment{Name: "x", From: at, Until: at, Variants: []Variant{
			{Name: "Control", Share: 0}, {Name: "b", Share: 60, Weights: map[string]float64{"safety": 0.5, "colour": 1}, RuleIDs: []string{" "}}, {Name: "b", Share: 30}}},
			[]string{"until", "variants[0].name", "variants[0].share", "variants[1].weights.colour", "variants[1].weights.safety", "variants[1].rule_ids[0]", "variants[2].name", "variants"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.e.Validate()
			var got []string
			var verr *ValidationError
			if errors.As(err, &verr) {
				for _, f := range verr.Fields {
					got = append(got, f.Field)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("fields (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRecommendationIDsNameTheirVariant(t *testing.T) {
	nonce := [12]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 255}
	for _, tt := range []struct{ exp, variant string }{{"", ""}, {"exp_0123456789abcdef", "control"}} {
		id := RecommendationID(nonce, tt.exp, tt.variant)
		e, v, ok := ParseRecommendationID(id)
		if !ok || e != tt.exp || v != tt.variant {
			t.Errorf("%s: parsed %q %q %v, want %q %q", id, e, v, ok, tt.exp, tt.variant)
		}
	}
	for _, bad := range []string{"", "rec.", "rec.0102", "rec.0102030405060708090a0bff.exp_1.b", "x.0102030405060708090a0bff", "rec.0102030405060708090a0bff.exp_0123456789abcdef"} {
		if _, _, ok := ParseRecommendationID(bad); ok {
			t.Errorf("%q parsed as a recommendation id", bad)
		}
	}
	a := Experiment{From: at(1), Until: at(5)}
	for _, tt := range []struct {
		o    Experiment
		want bool
	}{{Experiment{From: at(5)}, false}, {Experiment{Until: at(1)}, false}, {Experiment{Until: at(2)}, true}, {Experiment{}, true}, {Experiment{From: at(4), Until: at(9)}, true}} {
		if got := a.Overlaps(&tt.o); got != tt.want {
			t.Errorf("[1,5) overlaps %v-%v: %v, want %v", tt.o.From.Day(), tt.o.Until.Day(), got, tt.want)
		}
	}
}

func at(day int) time.Time { return time.Date(2026, 12, day, 0, 0, 0, 0, time.UTC) }

// TestWilsonAndZTest checks the interval and the test against values computed independently
// (with Python's math.erfc).
func TestWilsonAndZTest(t *testing.T) {
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-4 }
	w := Wilson(10, 100)
	if !near(w.Rate, 0.1) || !near(w.Low, 0.05523) || !near(w.High, 0.17437) {
		t.Errorf("Wilson(10, 100) = %+v, want 0.1 in [0.05523, 0.17437]", w)
	}
	if w := Wilson(0, 0); w.Low != 0 || w.High != 1 || w.Rate != 0 {
		t.Errorf("Wilson(0, 0) = %+v", w)
	}
	c := CompareProportions(Wilson(100, 1000), Wilson(130, 1000))
	if !near(c.Diff, 0.03) || !near(c.Z, 2.10274) || !near(c.P, 0.03549) {
		t.Errorf("z-test 100/1000 vs 130/1000 = %+v, want diff 0.03, z 2.10274, p 0.03549", c)
	}
	if c := CompareProportions(Wilson(0, 10), Wilson(0, 10)); c.P != 1 {
		t.Errorf("no variance: p %v, want 1", c.P)
	}
}

// TestAttributedEvents: a recommendation id names its experiment and variant; only the four
// actions carry one; a position needs one and is bounded; an unattributed event keeps the
// content hash it had before attribution existed.
func TestAttributedEvents(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	rec := RecommendationID([12]byte{7}, "exp_0123456789abcdef", "boosted")
	ok, err := ValidateEvents([]Event{{ID: "a", Type: EventClick, ProductID: "p1", RecommendationID: rec, Position: 3}}, now)
	if err != nil || ok[0].Experiment != "exp_0123456789abcdef" || ok[0].Variant != "boosted" {
		t.Fatalf("valid attributed click: %+v, %v", ok, err)
	}
	_, err = ValidateEvents([]Event{
		{ID: "b", Type: EventClick, ProductID: "p1", RecommendationID: "rec.nope"},
		{ID: "c", Type: EventRating, ProductID: "p1", Rating: 5, RecommendationID: rec},
		{ID: "d", Type: EventView, ProductID: "p1", Position: 2},
		{ID: "e", Type: EventView, ProductID: "p1", RecommendationID: rec, Position: MaxEventPosition + 1},
	}, now)
	var verr *ValidationError
	var got []string
	if errors.As(err, &verr) {
		for _, f := range verr.Fields {
			got = append(got, f.Field)
		}
	}
	want := []string{"events[0].recommendation_id", "events[1].recommendation_id", "events[2].position", "events[3].position"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fields (-want +got):\n%s", diff)
	}
	plain := Event{Type: EventView, ProductID: "p1"}
	// The hash as it was computed before attribution: stored events keep matching their ids.
	before := sha256.Sum256([]byte(strings.Join([]string{EventView, "p1", "", "0", "", ""}, "\x00")))
	if h := plain.ContentHash(); h != hex.EncodeToString(before[:16]) {
		t.Errorf("an unattributed event's hash changed: %s", h)
	}
	attributed := plain
	attributed.RecommendationID = rec
	if plain.ContentHash() == attributed.ContentHash() {
		t.Errorf("the recommendation id is not part of the content")
	}
}
