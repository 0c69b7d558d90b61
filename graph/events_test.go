package graph_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

func fieldsOf(t *testing.T, err error) []string {
	t.Helper()
	var verr *graph.ValidationError
	var ferr *graph.FieldError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &verr):
		var out []string
		for _, f := range verr.Fields {
			out = append(out, f.Field+": "+f.Message)
		}
		return out
	case errors.As(err, &ferr):
		return []string{ferr.Field + ": " + ferr.Message}
	}
	t.Fatalf("error %v is not a validation error", err)
	return nil
}

func TestValidateEvents(t *testing.T) {
	now := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	ok := func(e graph.Event) graph.Event {
		if e.ID == "" {
			e.ID = "e1"
		}
		if e.ProductID == "" {
			e.ProductID = "p1"
		}
		return e
	}
	many := make([]graph.Event, graph.MaxEventBatch+1)
	for i := range many {
		many[i] = ok(graph.Event{ID: strings.Repeat("x", i+1)[:min(i+1, 100)] + "-" + time.Duration(i).String(), Type: graph.EventView})
	}
	tests := []struct {
		name   string
		in     []graph.Event
		want   []string // field: message
		wantEv []graph.Event
	}{
		{"view, time defaulted", []graph.Event{ok(graph.Event{Type: "view"})}, nil,
			[]graph.Event{{ID: "e1", Type: "view", ProductID: "p1", At: now}}},
		{"rating with time", []graph.Event{ok(graph.Event{Type: "rating", Rating: 4, ProfileID: "me", At: now.Add(-time.Hour).In(time.FixedZone("x", 3600))})}, nil,
			[]graph.Event{{ID: "e1", Type: "rating", ProductID: "p1", ProfileID: "me", Rating: 4, At: now.Add(-time.Hour), AtGiven: true}}},
		{"effect alias", []graph.Event{ok(graph.Event{Type: "effect", Effect: "Broke Out"})}, nil,
			[]graph.Event{{ID: "e1", Type: "effect", ProductID: "p1", Effect: "breakout", At: now}}},
		{"empty batch", nil, []string{"events: must hold at least one event"}, nil},
		{"too many", many, []string{"events: may hold at most 500 events, got 501"}, nil},
		{"every field wrong", []graph.Event{{Type: "like", Rating: 3, Effect: "breakout", ProfileID: "a\nb", At: now.Add(48 * time.Hour)}}, []string{
			"events[0].id: required",
			`events[0].type: unknown event type "like": want one of view, click, add_to_cart, purchase, rating, effect`,
			"events[0].product_id: required",
			"events[0].profile_id: may not hold control characters",
			"events[0].rating: only rating events carry a rating",
			"events[0].effect: only effect events carry an effect",
			"events[0].at: is more than a day in the future",
		}, nil},
		{"rating out of range, unknown effect, repeated id", []graph.Event{
			ok(graph.Event{Type: "rating", Rating: 6}),
			ok(graph.Event{Type: "effect", Effect: "glowy"}),
			ok(graph.Event{Type: "effect"}),
			ok(graph.Event{ID: "e2", Type: "rating"}),
		}, []string{
			"events[0].rating: a rating event needs a rating from 1 to 5, got 6",
			"events[1].id: repeats the id of events[0]",
			`events[1].effect: unknown effect "glowy"`,
			"events[2].id: repeats the id of events[0]",
			"events[2].effect: an effect event needs an effect: one of breakout, hydration, improved, irritation, no-change, purging",
			"events[3].rating: a rating event needs a rating from 1 to 5, got 0",
		}, nil},
		{"long ids", []graph.Event{{ID: strings.Repeat("i", 129), Type: "view", ProductID: strings.Repeat("p", 129)}}, []string{
			"events[0].id: may be at most 128 characters long",
			"events[0].product_id: may be at most 128 characters long",
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := graph.ValidateEvents(tt.in, now)
			if diff := cmp.Diff(tt.want, fieldsOf(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if err != nil && !errors.Is(err, graph.ErrInvalid) {
				t.Errorf("error %v does not wrap ErrInvalid", err)
			}
			if diff := cmp.Diff(tt.wantEv, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestEventContentHash(t *testing.T) {
	base := graph.Event{ID: "e1", Type: "rating", ProductID: "p1", Rating: 4}
	received := base
	received.At = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC) // server-side receive time
	tests := []struct {
		name string
		e    graph.Event
		same bool
	}{
		{"receive time is not content", received, true},
		{"profile attributes are not content", graph.Event{ID: "e1", Type: "rating", ProductID: "p1", Rating: 4, SkinType: "oily"}, true},
		{"the id is not content", graph.Event{ID: "e2", Type: "rating", ProductID: "p1", Rating: 4}, true},
		{"rating", graph.Event{ID: "e1", Type: "rating", ProductID: "p1", Rating: 5}, false},
		{"product", graph.Event{ID: "e1", Type: "rating", ProductID: "p2", Rating: 4}, false},
		{"profile", graph.Event{ID: "e1", Type: "rating", ProductID: "p1", Rating: 4, ProfileID: "profile-1"}, false},
		{"client time", graph.Event{ID: "e1", Type: "rating", ProductID: "p1", Rating: 4, At: received.At, AtGiven: true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.e.ContentHash() == base.ContentHash(); got != tt.same {
				t.Errorf("same hash = %v, want %v", got, tt.same)
			}
		})
	}
}

func TestValidateProfile(t *testing.T) {
	tests := []struct {
		name string
		in   graph.SkinProfile
		want graph.SkinProfile
		errs []string
	}{
		{"empty is fine", graph.SkinProfile{}, graph.SkinProfile{}, nil},
		{"canonical, deduplicated, sorted",
			graph.SkinProfile{SkinType: "Combo", SkinTone: "lightMedium", Concerns: []string{"wrinkles", "Acne", "aging"},
				Sensitivities: []string{"parfum"}, AvoidIngredients: []string{" Alcohol Denat. ", "alcohol denat."}},
			graph.SkinProfile{SkinType: "combination", SkinTone: "light-medium", Concerns: []string{"acne", "aging"},
				Sensitivities: []string{"fragrance"}, AvoidIngredients: []string{"Alcohol Denat."}}, nil},
		{"unknown terms", graph.SkinProfile{SkinType: "oilly", SkinTone: "green", Concerns: []string{"acne", "acnee"}, Sensitivities: []string{"x"}, AvoidIngredients: []string{""}},
			graph.SkinProfile{}, []string{
				`profile.skin_type: unknown skin type "oilly" (did you mean "oily"?)`,
				`profile.skin_tone: unknown skin tone "green"`,
				`profile.concerns[1]: unknown concern "acnee" (did you mean "acne"?)`,
				`profile.sensitivities[0]: unknown sensitivity "x"`,
				"profile.avoid_ingredients[0]: is empty",
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := graph.ValidateProfile(tt.in)
			if diff := cmp.Diff(tt.errs, fieldsOf(t, err)); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("profile (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPseudonymizer(t *testing.T) {
	if _, err := graph.NewPseudonymizer([]byte("short")); err == nil {
		t.Error("a 5-byte key was accepted")
	}
	a, _ := graph.NewPseudonymizer([]byte("0123456789abcdef-key-a"))
	b, _ := graph.NewPseudonymizer([]byte("0123456789abcdef-key-b"))
	tests := []struct {
		name string
		x, y string
		same bool
	}{
		{"stable", a.Pseudonym("profile", "alice"), a.Pseudonym("profile", "alice"), true},
		{"keyed", a.Pseudonym("profile", "alice"), b.Pseudonym("profile", "alice"), false},
		{"by id", a.Pseudonym("profile", "alice"), a.Pseudonym("profile", "bob"), false},
		{"by namespace", a.Pseudonym("profile", "alice")[len("profile-"):], a.Pseudonym("sephora", "alice")[len("sephora-"):], true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if (tt.x == tt.y) != tt.same {
				t.Errorf("%s vs %s: same = %v, want %v", tt.x, tt.y, tt.x == tt.y, tt.same)
			}
		})
	}
	p := a.Pseudonym("profile", "alice")
	if !strings.HasPrefix(p, "profile-") || len(p) != len("profile-")+32 || strings.Contains(p, "alice") {
		t.Errorf("pseudonym %q: want profile- and 32 hex digits", p)
	}
	if fa, fb := a.Fingerprint(), b.Fingerprint(); fa == fb || len(fa) != 16 || fa != a.Fingerprint() || strings.Contains(fa, "key") {
		t.Errorf("fingerprints %q, %q: want 16 hex digits, stable, by key", fa, fb)
	}
	if s := a.String(); strings.Contains(s, "key-a") {
		t.Errorf("String() shows the key: %s", s)
	}
}
