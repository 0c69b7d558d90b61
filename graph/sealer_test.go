package graph

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func ring(t *testing.T, ids ...string) *KeyRing {
	t.Helper()
	var keys []DataKey
	for _, id := range ids {
		keys = append(keys, DataKey{ID: id, Secret: []byte(strings.Repeat(id[:1], DataKeySize))})
	}
	r, err := NewKeyRing(keys)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestKeyRingSealsWithTheNewestAndOpensWithAny(t *testing.T) {
	old, both := ring(t, "a1"), ring(t, "a1", "b2")
	sealed, err := old.Seal([]byte("oily"), []byte("node-1"))
	if err != nil || !strings.HasPrefix(sealed, "a1:") || strings.Contains(sealed, "oily") {
		t.Fatalf("Seal = %q, %v", sealed, err)
	}
	if got, err := both.Open(sealed, []byte("node-1")); err != nil || string(got) != "oily" {
		t.Errorf("a ring with the old key opens = %q, %v", got, err)
	}
	resealed, _ := both.Seal([]byte("oily"), []byte("node-1"))
	if SealedKeyID(resealed) != "b2" || both.Current() != "b2" {
		t.Errorf("the newest key seals: %q", resealed)
	}
	tests := []struct {
		name, sealed, aad string
		ring              *KeyRing
	}{
		{"another node", sealed, "node-2", both},
		{"unknown key", resealed, "node-1", old},
		{"altered", sealed[:len(sealed)-2] + "AA", "node-1", both},
		{"malformed", "a1:!!", "node-1", both},
	}
	for _, tt := range tests {
		if _, err := tt.ring.Open(tt.sealed, []byte(tt.aad)); !errors.Is(err, ErrSealed) {
			t.Errorf("%s: Open = %v, want ErrSealed", tt.name, err)
		}
	}
	if s := both.String(); strings.Contains(s, strings.Repeat("a", DataKeySize)) {
		t.Errorf("String shows a secret: %s", s)
	}
	for _, bad := range [][]DataKey{nil, {{ID: "x", Secret: []byte("short")}}, {{ID: "bad id", Secret: make([]byte, 32)}},
		{{ID: "a", Secret: make([]byte, 32)}, {ID: "a", Secret: make([]byte, 32)}}} {
		if _, err := NewKeyRing(bad); err == nil {
			t.Errorf("NewKeyRing(%v) accepted", bad)
		}
	}
}

func TestTenantPseudonymsDiffer(t *testing.T) {
	p, _ := NewPseudonymizer([]byte("0123456789abcdef0123"))
	a, b := p.TenantPseudonym("profile", "a", "alice"), p.TenantPseudonym("profile", "b", "alice")
	if a == b || !strings.HasPrefix(a, "profile-") || a != p.TenantPseudonym("profile", "a", "alice") {
		t.Errorf("pseudonyms %s and %s", a, b)
	}
	if p.Tag("event", "ab", "c") == p.Tag("event", "a", "bc") {
		t.Error("tags of different parts collide")
	}
}

func TestReports(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(id, typ, product, profile, source string, rating int, effect string, at time.Duration, skin string) RecordedEvent {
		return RecordedEvent{Event: Event{ID: id, Type: typ, ProductID: product, ProfileID: profile, Source: source, Rating: rating,
			Effect: effect, At: t0.Add(at), SkinType: skin}, ReceivedAt: t0.Add(at)}
	}
	events := []RecordedEvent{
		ev("1", EventRating, "p", "x", "k", 5, "", 0, "oily"),
		ev("2", EventRating, "p", "x", "k", 2, "", time.Minute, "dry"), // x's latest rating and skin
		ev("3", EventEffect, "p", "x", "k", 0, "breakout", 30*time.Second, "oily"),
		ev("4", EventRating, "p", "", "k", 5, "", 0, ""),                 // anonymous: no evidence
		ev("5", EventView, "p", "y", "k", 0, "", 0, "oily"),              // not an outcome event
		ev("6", EventRating, "p", "y", "k", 4, "", 2*time.Hour, "oily"),  // y, k's second profile
		ev("7", EventRating, "p", "z", "k", 3, "", 3*time.Hour, "oily"),  // k's third: over the cap
		ev("8", EventRating, "p", "w", "k", 3, "", 26*time.Hour, "oily"), // next period
		ev("9", EventRating, "q", "z", "k", 1, "", 3*time.Hour, "oily"),  // another product
	}
	got := Reports(events, EvidenceCaps{Period: 24 * time.Hour, PerSource: 2})
	want := []Report{
		{ProductID: "p", Profile: "x", SkinType: "dry", Rating: 2, Effect: "breakout"},
		{ProductID: "p", Profile: "y", SkinType: "oily", Rating: 4},
		{ProductID: "p", Profile: "w", SkinType: "oily", Rating: 3},
		{ProductID: "q", Profile: "z", SkinType: "oily", Rating: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Reports (-want +got):\n%s", diff)
	}
}
