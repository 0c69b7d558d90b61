package graph_test

import (
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

func TestProjectionIndexesReviews(t *testing.T) {
	var b graph.ProjectionBuilder
	for _, id := range []string{"a", "b", "c", "d"} {
		b.AddProduct(graph.ProjectedProduct{ID: id})
	}
	last := time.Date(2023, 1, 31, 12, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		reviewer, product string
		rating            int
		ago               time.Duration
	}{
		{"u1", "a", 5, 48 * time.Hour}, {"u1", "b", 4, time.Hour}, {"u1", "c", 2, 0},
		{"u2", "a", 4, 2 * time.Hour}, {"u2", "b", 5, 3 * time.Hour}, {"u2", "b", 5, 4 * time.Hour}, // u2 twice on b
		{"u3", "a", 5, 0}, {"u3", "c", 4, time.Second},
		{"u4", "b", 1, 0}, {"u4", "d", 5, 0},
		{"u4", "zz", 5, 0}, // unknown product: skipped
	} {
		b.AddReview(r.reviewer, r.product, r.rating, last.Add(-r.ago))
	}
	p, err := b.Build(graph.DataVersion{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	if b.Skipped != 1 {
		t.Errorf("skipped = %d, want 1", b.Skipped)
	}
	if !p.LastReviewAt().Equal(last) {
		t.Errorf("last review at %v, want %v", p.LastReviewAt(), last)
	}
	idx := func(id string) int32 {
		x, ok := p.ProductIndex(id)
		if !ok {
			t.Fatalf("no product %s", id)
		}
		return x
	}
	reviewers := func(x int32) []string {
		var out []string
		for _, u := range p.CoReviewers(x) {
			out = append(out, p.ReviewerID(u))
		}
		return out
	}
	type neighbour struct {
		ID     string
		Co     int32
		Cosine float64
	}
	neighbours := func(x int32) []neighbour {
		var out []neighbour
		for _, n := range p.CoReviewed(x) {
			out = append(out, neighbour{p.Products[n.Product].ID, n.Co, math.Round(p.CoReviewSimilarity(x, n.Product, n.Co)*1e4) / 1e4})
		}
		return out
	}
	tests := []struct {
		product    string
		ages       []int32
		reviewers  []string
		neighbours []neighbour
	}{
		// ratings of 4 or more count (CoReviewMinRating); u2's two reviews of b count once
		{"a", []int32{0, 7200, 172800}, []string{"u1", "u2", "u3"}, []neighbour{{"b", 2, 0.8165}, {"c", 1, 0.5774}}},
		{"b", []int32{0, 3600, 10800, 14400}, []string{"u1", "u2"}, []neighbour{{"a", 2, 0.8165}}},
		{"c", []int32{0, 1}, []string{"u3"}, []neighbour{{"a", 1, 0.5774}}},
		{"d", []int32{0}, []string{"u4"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.product, func(t *testing.T) {
			x := idx(tt.product)
			if diff := cmp.Diff(tt.ages, p.ReviewAges(x)); diff != "" {
				t.Errorf("ages (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.reviewers, reviewers(x)); diff != "" {
				t.Errorf("reviewers (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.neighbours, neighbours(x)); diff != "" {
				t.Errorf("co-review neighbours (-want +got):\n%s", diff)
			}
		})
	}
	if u, ok := p.FirstCoReviewer(idx("a"), idx("b")); !ok || p.ReviewerID(u) != "u1" {
		t.Errorf("first co-reviewer of a and b = %v, %v; want u1", u, ok)
	}
	if _, ok := p.FirstCoReviewer(idx("b"), idx("c")); ok {
		t.Error("b and c have a first co-reviewer; they share none (u1 rated c 2)")
	}
}

func TestCoReviewListsAreBounded(t *testing.T) {
	var b graph.ProjectionBuilder
	n := graph.CoReviewNeighbours + 10
	at := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	b.AddProduct(graph.ProjectedProduct{ID: "hub"})
	for i := range n {
		id := string(rune('A'+i/26)) + string(rune('a'+i%26))
		b.AddProduct(graph.ProjectedProduct{ID: id})
		// product i is co-reviewed with hub by i+1 reviewers: the later ones are more similar.
		for k := range i + 1 {
			u := id + "-" + string(rune('a'+k%26)) + string(rune('A'+k/26))
			b.AddReview(u, "hub", 5, at)
			b.AddReview(u, id, 5, at)
		}
	}
	p, err := b.Build(graph.DataVersion{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	hub, _ := p.ProductIndex("hub")
	got := p.CoReviewed(hub)
	if len(got) != graph.CoReviewNeighbours {
		t.Fatalf("hub keeps %d neighbours, want %d", len(got), graph.CoReviewNeighbours)
	}
	for i := 1; i < len(got); i++ {
		if p.CoReviewSimilarity(hub, got[i].Product, got[i].Co) > p.CoReviewSimilarity(hub, got[i-1].Product, got[i-1].Co) {
			t.Errorf("neighbour %d is more similar than neighbour %d", i, i-1)
		}
	}
	if got[0].Co != int32(n) {
		t.Errorf("most similar neighbour shares %d reviewers, want %d", got[0].Co, n)
	}
}
