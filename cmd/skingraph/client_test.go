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
	neo4jtest.Store(t)
	s := start(t, existingNeo4j(t), "up", "--http-addr", "127.0.0.1:0")
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
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
