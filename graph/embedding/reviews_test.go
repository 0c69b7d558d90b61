package embedding

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"gonum.org/v1/gonum/mat"

	"github.com/skingraph/skingraph/graph"
)

// reviewGraph builds six products: a1 and a2 liked by the same three reviewers (u1-u3), a3 by
// u3 and u4, b1 and b2 by u5 and u6 (u6 also rated a1 2★: not an edge), z0 without reviews,
// and w1 rated positively only by "big", a reviewer of more than graph.MaxReviewerFanout
// products (filler products f…), who counts in no list.
func reviewGraph(t testing.TB) *graph.Projection {
	t.Helper()
	var b graph.ProjectionBuilder
	for _, id := range []string{"a1", "a2", "a3", "b1", "b2", "z0", "w1"} {
		b.AddProduct(graph.ProjectedProduct{ID: id})
	}
	at := time.Date(2023, 1, 10, 0, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		u, x   string
		rating int
	}{
		{"u1", "a1", 5}, {"u1", "a2", 4}, {"u2", "a1", 4}, {"u2", "a2", 5}, {"u3", "a1", 5}, {"u3", "a2", 5},
		{"u3", "a3", 4}, {"u4", "a3", 5}, {"u5", "b1", 5}, {"u5", "b2", 4}, {"u6", "b1", 4}, {"u6", "b2", 5},
		{"u6", "a1", 2}, {"big", "w1", 5},
	} {
		b.AddReview(r.u, r.x, r.rating, at)
	}
	for k := range graph.MaxReviewerFanout {
		id := fmt.Sprintf("f%04d", k)
		b.AddProduct(graph.ProjectedProduct{ID: id})
		b.AddReview("big", id, 5, at)
	}
	return mustBuild(t, &b)
}

// referenceReviewFastRP computes the review-graph FastRP the textbook way: the dense
// weighted adjacency of products and reviewers (reviewers of at most MaxReviewerFanout
// products, rows in id order), S = D⁻¹A, in float64.
func referenceReviewFastRP(p *graph.Projection, edges []ReviewEdge, o Options) *mat.Dense {
	o = o.withDefaults()
	nP := len(p.Products)
	byReviewer := map[string]map[int32]float64{}
	for _, e := range edges {
		if byReviewer[e.Reviewer] == nil {
			byReviewer[e.Reviewer] = map[int32]float64{}
		}
		byReviewer[e.Reviewer][e.Product] += e.Weight
	}
	var reviewers []string
	for u, xs := range byReviewer {
		for x, w := range xs {
			if w == 0 {
				delete(xs, x)
			}
		}
		if len(xs) > 0 && len(xs) <= graph.MaxReviewerFanout {
			reviewers = append(reviewers, u)
		}
	}
	slices.Sort(reviewers)
	n := nP + len(reviewers)
	a := mat.NewDense(n, n, nil)
	for i, u := range reviewers {
		for x, w := range byReviewer[u] {
			w = float64(float32(w))
			a.Set(int(x), nP+i, w)
			a.Set(nP+i, int(x), w)
		}
	}
	return propagateReference(a, func(r int) uint64 {
		h := fnv.New64a()
		if r < nP {
			h.Write([]byte("p\x00" + p.Products[r].ID))
		} else {
			h.Write([]byte("u\x00" + reviewers[r-nP]))
		}
		return h.Sum64()
	}, o)
}

// positiveEdges are the projection's reviewer lists as edges of weight 1.
func positiveEdges(p *graph.Projection) []ReviewEdge {
	var out []ReviewEdge
	for x := range int32(len(p.Products)) {
		for _, u := range p.CoReviewers(x) {
			out = append(out, ReviewEdge{Reviewer: p.ReviewerID(u), Product: x, Weight: 1})
		}
	}
	return out
}

func TestComputeReviewsMatchesReference(t *testing.T) {
	p := reviewGraph(t)
	// weighted edges: repeated (summed), zero (left out), in any order
	weighted := []ReviewEdge{{"v2", 1, 0.5}, {"v1", 0, 2}, {"v1", 1, 0.25}, {"v2", 2, 3}, {"v1", 0, 1}, {"v3", 2, 0}, {"v3", 3, 1.5}, {"v2", 3, 0.1}}
	for _, tt := range []struct {
		o     Options
		edges []ReviewEdge // nil: ComputeReviews
	}{
		{Options{Seed: 7, Dim: 16}, nil},
		{Options{Seed: 3, Dim: 8, Iterations: []float64{0.5, 1, 0, 2, 1}}, nil},
		{Options{Seed: 5, Dim: 16}, weighted},
	} {
		o := tt.o
		var e *ReviewEmbeddings
		var err error
		edges := tt.edges
		if edges == nil {
			e, err = ComputeReviews(context.Background(), p, o)
			edges = positiveEdges(p)
		} else {
			e, err = ComputeReviewEdges(context.Background(), p, edges, o)
		}
		if err != nil {
			t.Fatal(err)
		}
		want := referenceReviewFastRP(p, edges, o)
		for x := range int32(len(p.Products)) {
			got := e.Product(x)
			for k := range got {
				if d := math.Abs(float64(got[k]) - want.At(int(x), k)); d > 1e-5 {
					t.Fatalf("options %+v: product %s, entry %d: got %v, want %v", o, p.Products[x].ID, k, got[k], want.At(int(x), k))
				}
			}
		}
	}
}

func TestComputeReviews(t *testing.T) {
	p := reviewGraph(t)
	ctx := context.Background()
	e, err := ComputeReviews(ctx, p, Options{Seed: 1, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	vec := func(id string) []float32 {
		x, ok := p.ProductIndex(id)
		if !ok {
			t.Fatalf("no product %s", id)
		}
		return e.Product(x)
	}
	cos := func(a, b string) float64 { return Cosine(vec(a), vec(b)) }
	// Same reviewers, same vector; a product sharing a reviewer is nearer than one sharing none.
	if c := cos("a1", "a2"); math.Abs(c-1) > 1e-6 {
		t.Errorf("cos(a1, a2) = %v, want 1 (same reviewers)", c)
	}
	if near, far := cos("a1", "a3"), cos("a1", "b1"); !(near > far) {
		t.Errorf("cos(a1, a3) = %v, cos(a1, b1) = %v: want the co-reviewed a3 nearer", near, far)
	}
	// No positive reviewer (z0), or only one above the fan-out limit (w1): the zero vector.
	for _, id := range []string{"z0", "w1"} {
		if n := sumSquares(vec(id)); n != 0 {
			t.Errorf("%s: norm² %v, want the zero vector", id, n)
		}
	}
	if n := math.Sqrt(sumSquares(vec("b2"))); math.Abs(n-1) > 1e-6 {
		t.Errorf("b2: norm %v, want 1", n)
	}
	if e.Product(-1) != nil || e.Product(int32(len(p.Products))) != nil {
		t.Error("Product out of range: want nil")
	}
	if e.Dim() != 64 || e.NumProducts() != len(p.Products) || e.Version() != p.Version {
		t.Errorf("Dim %d, NumProducts %d, Version %v", e.Dim(), e.NumProducts(), e.Version())
	}
	// Deterministic, and the same whatever the number of workers.
	again, err := ComputeReviews(ctx, p, Options{Seed: 1, Workers: 4})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(e.data, again.data); diff != "" {
		t.Errorf("workers 1 vs 4 (-want +got):\n%s", diff)
	}
	other, err := ComputeReviews(ctx, p, Options{Seed: 2})
	if err != nil {
		t.Fatal(err)
	}
	if cmp.Equal(e.data, other.data) {
		t.Error("seeds 1 and 2 gave the same vectors")
	}
	// WeightedCentroid: a1 alone is a1's direction; nothing weighted is nil.
	a1, _ := p.ProductIndex("a1")
	c := e.WeightedCentroid(func(x int32) float64 {
		if x == a1 {
			return 3
		}
		return 0
	})
	if diff := cmp.Diff(vec("a1"), c, cmpopts.EquateApprox(0, 1e-6)); diff != "" {
		t.Errorf("centroid of a1 (-want +got):\n%s", diff)
	}
	if c := e.WeightedCentroid(func(int32) float64 { return 0 }); c != nil {
		t.Errorf("empty centroid: got %v, want nil", c)
	}
}

func TestComputeReviewsErrors(t *testing.T) {
	p := reviewGraph(t)
	if _, err := ComputeReviews(context.Background(), p, Options{Dim: -1}); !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("dim -1: got %v, want graph.ErrInvalid", err)
	}
	for _, tt := range []struct {
		edges []ReviewEdge
		want  string
	}{
		{[]ReviewEdge{{"u", 0, 1}, {"u", int32(len(p.Products)), 1}}, "review edge 1: product"},
		{[]ReviewEdge{{"u", -1, 1}}, "review edge 0: product -1"},
		{[]ReviewEdge{{"u", 0, 1}, {"u", 1, math.NaN()}}, "review edge 1: weight NaN"},
		{[]ReviewEdge{{"u", 0, -1}}, "review edge 0: weight -1"},
	} {
		_, err := ComputeReviewEdges(context.Background(), p, tt.edges, Options{})
		if !errors.Is(err, graph.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: got %v, want graph.ErrInvalid naming %q", tt.edges, err, tt.want)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ComputeReviews(ctx, p, Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: got %v, want context.Canceled", err)
	}
}

// reviewProjection builds nP products and about nR reviews by reviewers of 1-20 reviews each,
// products drawn with a Zipf-like skew, three reviews in four rated 4 or 5 (as in the Sephora
// files).
func reviewProjection(nP, nR int) *graph.Projection {
	rng := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(rng, 1.1, 4, uint64(nP-1))
	var b graph.ProjectionBuilder
	ids := make([]string, nP)
	for i := range ids {
		ids[i] = fmt.Sprintf("p%07d", i)
		b.AddProduct(graph.ProjectedProduct{ID: ids[i]})
	}
	at := time.Date(2023, 1, 31, 0, 0, 0, 0, time.UTC)
	for u, n := 0, 0; n < nR; u++ {
		uid := "u" + strconv.Itoa(u)
		for range 1 + rng.IntN(20) {
			rating := 1 + rng.IntN(3)
			if rng.IntN(4) != 0 {
				rating = 4 + rng.IntN(2)
			}
			b.AddReview(uid, ids[zipf.Uint64()], rating, at.Add(-time.Duration(rng.IntN(90*24))*time.Hour))
			n++
		}
	}
	p, err := b.Build(graph.DataVersion{N: 1})
	if err != nil {
		panic(err)
	}
	return p
}

// BenchmarkComputeReviews times the review-graph embeddings at the Sephora graph's size (2,420
// products, 14,636 reviews) and at bench-scale's 100k products and 1M reviews.
func BenchmarkComputeReviews(b *testing.B) {
	for _, s := range []struct{ products, reviews int }{{2420, 14636}, {100_000, 1_000_000}} {
		b.Run(fmt.Sprintf("products=%d/reviews=%d", s.products, s.reviews), func(b *testing.B) {
			p := reviewProjection(s.products, s.reviews)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := ComputeReviews(context.Background(), p, Options{Seed: 1}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
