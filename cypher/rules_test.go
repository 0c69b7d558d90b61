package cypher_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestRuleRevisionsAndConcurrentWriters: a rule is stored with revision 1 and its audit
// fields, each write bumps the data version and the revision, two merchandisers writing the
// same revision at once get one success and one graph.ErrStale, and the projection carries
// the rules of its version.
func TestRuleRevisionsAndConcurrentWriters(t *testing.T) {
	ctx := context.Background()
	s := neo4jtest.Store(t)
	v0, err := s.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 7, 6, 0, 0, 0, time.UTC)
	in := graph.Rule{Name: "Serums up", Kind: graph.RuleBoost, Amount: 0.5,
		Condition: graph.RuleCondition{SkinTypes: []string{"oily"}},
		Match:     graph.RuleMatch{Categories: []string{"serum"}, Brands: []string{"Acme"}},
		Until:     at.Add(30 * 24 * time.Hour)}
	r, v1, err := s.CreateRule(ctx, in, "key-a", at)
	if err != nil {
		t.Fatal(err)
	}
	if v1.N != v0.N+1 || r.Revision != 1 || r.CreatedBy != "key-a" || !r.CreatedAt.Equal(at) || r.ID == "" {
		t.Fatalf("created %+v at version %d; want revision 1 by key-a at version %d", r, v1.N, v0.N+1)
	}
	got, err := s.Rule(ctx, r.ID)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, got); diff != "" {
		t.Errorf("read back (-created +read):\n%s", diff)
	}

	// Two writers of revision 1 at once: one wins.
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			up := in
			up.Amount = float64(i + 1)
			_, _, errs[i] = s.UpdateRule(ctx, graph.Rule{ID: r.ID, Name: up.Name, Kind: up.Kind, Amount: up.Amount, Match: up.Match}, 1, "key-b", at.Add(time.Minute))
		}()
	}
	wg.Wait()
	stale := 0
	for _, err := range errs {
		switch {
		case errors.Is(err, graph.ErrStale):
			stale++
		case err != nil:
			t.Fatalf("update: %v", err)
		}
	}
	if stale != 1 {
		t.Fatalf("two writers of revision 1: errors %v, want exactly one ErrStale", errs)
	}
	got, _ = s.Rule(ctx, r.ID)
	if got.Revision != 2 || got.UpdatedBy != "key-b" || got.CreatedBy != "key-a" || !got.Until.IsZero() {
		t.Errorf("after the update: %+v; want revision 2 by key-b, created by key-a, no until", got)
	}
	if _, err := s.DeleteRule(ctx, r.ID, 1); !errors.Is(err, graph.ErrStale) {
		t.Errorf("delete of revision 1: %v, want ErrStale", err)
	}
	if _, _, err := s.UpdateRule(ctx, graph.Rule{ID: "rule_nope", Name: "x", Kind: graph.RuleFilter}, 1, "", at); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("update of an unknown rule: %v, want ErrNotFound", err)
	}

	p, err := s.Project(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Rules) != 1 || p.Rules[0].ID != r.ID || p.Rules[0].Revision != 2 {
		t.Errorf("projection rules %+v, want the rule at revision 2", p.Rules)
	}
	v, err := s.DeleteRule(ctx, r.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Rule(ctx, r.ID); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("deleted rule read: %v, want ErrNotFound", err)
	}
	if v.N != v0.N+3 {
		t.Errorf("version after create, update, delete = %d, want %d", v.N, v0.N+3)
	}
}
