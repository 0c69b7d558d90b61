package main

import (
	"context"
	"net/http"
	"testing"

	"github.com/skingraph/skingraph/client"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// The typed client against the whole program on the demo data: a page with warnings=page
// has each conflict once and the items' warnings refer to it; errors are Problems.
func TestClientAgainstTheProgram(t *testing.T) {
	neo4jtest.Demo(t)
	env := existingNeo4j(t)
	env["SKINGRAPH_PSEUDONYM_KEY"] = "a-client-test-key-of-at-least-32-characters"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	ctx := context.Background()
	c := client.New("http://" + s.addr)

	page, err := c.Recommend(ctx, client.RecommendationRequest{
		Profile: client.Profile{SkinType: "oily", Concerns: []string{"acne", "aging"}},
		Limit:   50, Explain: "full", Warnings: "page"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 50 || page.DataVersion != 1 || page.NextCursor == nil {
		t.Fatalf("page: %d items, version %d, next %v", len(page.Items), page.DataVersion, page.NextCursor)
	}
	if len(page.Conflicts) == 0 {
		t.Fatal("no routine conflicts on a 50-item page of the demo data")
	}
	ids := map[string]int{}
	for _, cf := range page.Conflicts {
		if len(cf.Products) != 2 || cf.Text == "" || cf.Severity <= 0 {
			t.Errorf("conflict %+v", cf)
		}
		ids[cf.ID] = 0
	}
	for _, it := range page.Items {
		for _, w := range it.Warnings {
			if _, ok := ids[w.Conflict]; !ok || w.Text != "" || w.With == "" {
				t.Errorf("item %s warning %+v does not refer to a conflict of the page", it.Product.ID, w)
				continue
			}
			ids[w.Conflict]++
		}
	}
	for id, n := range ids {
		if n != 2 { // each conflict is between two products of the page
			t.Errorf("conflict %s is referred to %d times, want 2", id, n)
		}
	}

	st, err := c.Status(ctx)
	if err != nil || st.DataVersion != 1 || st.Neo4jCircuit != "closed" {
		t.Errorf("status = %+v, %v", st, err)
	}
	if _, err := c.Product(ctx, "nope"); !client.IsProblem(err, http.StatusNotFound) {
		t.Errorf("unknown product: %v, want a 404 problem", err)
	}
	_, err = c.Recommend(ctx, client.RecommendationRequest{Profile: client.Profile{SkinType: "scaly"}})
	if !client.IsProblem(err, http.StatusUnprocessableEntity) {
		t.Errorf("unknown skin type: %v, want a 422 problem", err)
	}

	// The catalogue calls.
	first := page.Items[0].Product.ID
	p, err := c.Product(ctx, first)
	if err != nil || p.ID != first || len(p.Ingredients) == 0 || p.Ingredients[0].INCI == "" || p.InStock == nil || !*p.InStock {
		t.Errorf("product %s = %+v, %v; want its label and in stock", first, p, err)
	}
	sim, err := c.Similar(ctx, first, 3)
	if err != nil || len(sim.Items) != 3 || sim.Items[0].Similarity <= 0 || sim.Items[0].Product.ID == first {
		t.Errorf("similar to %s = %+v, %v", first, sim, err)
	}
	found, err := c.Search(ctx, p.Name, 5)
	if err != nil || len(found.Hits) == 0 || found.Hits[0].Key != first {
		t.Errorf("search %q = %+v, %v; want %s first", p.Name, found, err, first)
	}

	// A profile, its events, its export and its erasure.
	stored, err := c.PutProfile(ctx, "client-alice", client.SkinProfile{SkinType: "dry", Concerns: []string{"redness"}})
	if err != nil || stored.Pseudonym == "" || stored.Profile.SkinType != "dry" {
		t.Fatalf("put profile = %+v, %v", stored, err)
	}
	sent, err := c.SendEvents(ctx, client.Event{ID: "c-1", Type: client.EventView, ProductID: first, ProfileID: "client-alice"},
		client.Event{ID: "c-2", Type: client.EventRating, ProductID: first, ProfileID: "client-alice", Rating: 4})
	if err != nil || sent.Received != 2 || sent.Created != 2 {
		t.Errorf("send events = %+v, %v", sent, err)
	}
	exp, err := c.ExportProfile(ctx, "client-alice")
	if err != nil || exp.Pseudonym != stored.Pseudonym || len(exp.Events) != 2 {
		t.Errorf("export = %+v, %v; want the profile and its 2 events", exp, err)
	}
	if err := c.DeleteProfile(ctx, "client-alice"); err != nil {
		t.Errorf("delete profile: %v", err)
	}
	if _, err := c.ExportProfile(ctx, "client-alice"); !client.IsProblem(err, http.StatusNotFound) {
		t.Errorf("export after erasure: %v, want a 404 problem", err)
	}

	// A rule through its life, with optimistic concurrency.
	rule, err := c.CreateRule(ctx, client.RuleInput{Name: "Client boost", Kind: "boost", Amount: 1,
		Match: client.RuleMatch{ProductIDs: []string{first}}})
	if err != nil || rule.ID == "" || rule.Revision != 1 {
		t.Fatalf("create rule = %+v, %v", rule, err)
	}
	in := rule.RuleInput
	in.Amount = 2
	updated, err := c.UpdateRule(ctx, rule.ID, rule.Revision, in)
	if err != nil || updated.Revision != 2 || updated.Amount != 2 {
		t.Errorf("update rule = %+v, %v", updated, err)
	}
	if _, err := c.UpdateRule(ctx, rule.ID, rule.Revision, in); !client.IsProblem(err, http.StatusPreconditionFailed) {
		t.Errorf("update at a stale revision: %v, want a 412 problem", err)
	}
	if rules, err := c.Rules(ctx); err != nil || len(rules) != 1 || rules[0].Name != "Client boost" {
		t.Errorf("rules = %+v, %v", rules, err)
	}
	if err := c.DeleteRule(ctx, rule.ID, 2); err != nil {
		t.Errorf("delete rule: %v", err)
	}

	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
