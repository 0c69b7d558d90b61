package eval

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/embedding"
	"github.com/skingraph/skingraph/ranker"
)

// TestProbeFeatures checks the candidate signals on timedReviews by hand: ages in days
// p1 {4, 4}, p2 {0, 2}, p3 {0} (rated 2).
func TestProbeFeatures(t *testing.T) {
	proj := fixture(t)
	pd := NewProbeData(Input{Proj: proj, Train: timedReviews}, nil)
	values := func(name string, q Query) []float64 {
		t.Helper()
		f := probeFeature(t, name).Value(pd, q)
		if f == nil {
			t.Fatalf("%s: no value for %+v", name, q)
		}
		var out []float64
		for _, id := range []string{"p1", "p2", "p3", "p4"} {
			x, _ := proj.ProductIndex(id)
			out = append(out, f(x))
		}
		return out
	}
	v3 := []float64{2 * math.Exp2(-4.0/3), 1 + math.Exp2(-2.0/3), 1, 0}
	v30 := []float64{2 * math.Exp2(-4.0/30), 1 + math.Exp2(-2.0/30), 1, 0}
	trend := make([]float64, 4)
	for x := range trend {
		trend[x] = v3[x]/v3[1] - v30[x]/v30[1]
	}
	// (rating − 3)/2 · 2^(−age/7): p1 two 5★ at 4 days, p2 4★ today and 5★ at 2 days, p3 2★
	// today; over the largest |value| (p1's)
	top := 2 * math.Exp2(-4.0/7)
	rating := []float64{1, (0.5 + math.Exp2(-2.0/7)) / top, -0.5 / top, 0}
	tests := []struct {
		name string
		q    Query
		want []float64
	}{
		{"trend_3_30", Query{}, trend},
		{"youth", Query{}, []float64{math.Exp2(-4.0 / 14), math.Exp2(-2.0 / 14), 1, 0}},
		{"rating_weighted_7", Query{}, rating},
		// u1 liked p1 and p2: the fixture's products have no brand, so every product shares it
		{"brand_liked", Query{Liked: []string{"p1", "p2"}}, []float64{1, 1, 1, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, values(tt.name, tt.q), cmpopts.EquateApprox(0, 1e-12)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	if probeFeature(t, "brand_liked").Value(pd, Query{}) != nil {
		t.Error("brand_liked without liked products: want no value")
	}
}

// TestBlendNDCG: a feature that lifts the relevant product to the top takes NDCG@10 to 1.
func TestBlendNDCG(t *testing.T) {
	proj := fixture(t)
	q := Query{Relevant: map[string]bool{"p3": true}, Exclude: map[string]bool{"p1": true}}
	s := []float64{5, 4, 1, 2, math.NaN()} // p1 excluded, p5 not a candidate: p2, p4, p3
	x3, _ := proj.ProductIndex("p3")
	lift := func(x int32) float64 {
		if x == x3 {
			return 1
		}
		return 0
	}
	for _, tt := range []struct {
		w, want float64
	}{{0, 1 / math.Log2(4)}, {2, 1 / math.Log2(3)}, {3.5, 1}} {
		if got := blendNDCG(proj, q, s, lift, tt.w); math.Abs(got-tt.want) > 1e-12 {
			t.Errorf("w %g: NDCG@10 = %g, want %g", tt.w, got, tt.want)
		}
	}
	if got, want := pairedZ([]float64{1, 2, 3}, []float64{0, 0, 0}), 2/(1/math.Sqrt(3)); math.Abs(got-want) > 1e-12 {
		t.Errorf("pairedZ = %g, want %g", got, want)
	}
}

// TestProbe: on one profile query whose author goes on to like p4 (the engine ranks the
// dry-skin favourite p3 above it), a candidate that lifts p4 gains at a large enough weight,
// and Probe reports that weight, both figures and every weight tried.
func TestProbe(t *testing.T) {
	proj := fixture(t)
	in := Input{Proj: proj, Train: trainReviews, Test: []graph.Review{rv("d1", "p4", 5, "dry")}}
	x4, _ := proj.ProductIndex("p4")
	lift := ProbeFeature{Name: "lift_p4", Tasks: []string{TaskProfile}, Weights: []float64{0.001, 100},
		Value: func(*ProbeData, Query) func(int32) float64 {
			return func(x int32) float64 {
				if x == x4 {
					return 1
				}
				return 0
			}
		}}
	got, err := Probe(context.Background(), in, ranker.DefaultParams(), nil, []ProbeFeature{lift})
	if err != nil {
		t.Fatal(err)
	}
	want := []ProbeResult{{Task: TaskProfile, Feature: "lift_p4", Queries: 1, Base: 1 / math.Log2(3), Alone: 1, Weight: 100, Best: 1,
		ByWeight: map[float64]float64{0.001: 1 / math.Log2(3), 100: 1}, ZByWeight: map[float64]float64{0.001: 0, 100: 0}}}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("Probe (-want +got):\n%s", diff)
	}
}

// vecs is a fixed table of product vectors (ranker.Vectors) for the probe's embedding features.
type vecs [][]float32

func (v vecs) Product(x int32) []float32 { return v[x] }

// TestProbeEmbeddings: the cosine to the liked products' centroid over the review graph
// (p1 and p2 liked by the same two reviewers: the same vector) and over given vectors, their
// mean, and the skin-type centroid weighted by positive train reviews.
func TestProbeEmbeddings(t *testing.T) {
	var b graph.ProjectionBuilder
	for _, id := range []string{"p1", "p2", "p3"} {
		b.AddProduct(graph.ProjectedProduct{ID: id})
	}
	train := []graph.Review{
		{Reviewer: "u1", ProductID: "p1", Rating: 5, SkinType: "oily", At: day},
		{Reviewer: "u1", ProductID: "p2", Rating: 4, SkinType: "oily", At: day},
		{Reviewer: "u2", ProductID: "p1", Rating: 5, SkinType: "dry", At: day},
		{Reviewer: "u2", ProductID: "p2", Rating: 5, SkinType: "dry", At: day},
		{Reviewer: "u3", ProductID: "p3", Rating: 4, SkinType: "dry", At: day},
	}
	for _, r := range train {
		b.AddTypedReview(r.Reviewer, r.ProductID, r.Rating, r.At, r.SkinType)
	}
	proj, err := b.Build(graph.DataVersion{N: 1})
	if err != nil {
		t.Fatal(err)
	}
	ing := vecs{{1, 0}, {0, 1}, {1, 1}}
	pd := NewProbeData(Input{Proj: proj, Vecs: ing, Train: train}, nil)
	values := func(name string, q Query) []float64 {
		t.Helper()
		f := probeFeature(t, name).Value(pd, q)
		if f == nil {
			t.Fatalf("%s: no value for %+v", name, q)
		}
		return []float64{f(0), f(1), f(2)}
	}
	review := pd.reviewVecs()
	rcos := embedding.Cosine(review.Product(0), review.Product(2))
	r2 := math.Sqrt2 / 2
	liked := Query{Task: TaskHistory, Liked: []string{"p1"}}
	both := Query{Task: TaskHistory, Liked: []string{"p1", "p2"}}
	// dry: p1, p2 and p3 once each; the centroid of ing is (2, 2)
	skinRev := review.WeightedCentroid(func(int32) float64 { return 1 })
	tests := []struct {
		name string
		q    Query
		want []float64
	}{
		{"emb_review_liked_max", liked, []float64{1, 1, rcos}},
		{"emb_review_liked", liked, []float64{1, 1, rcos}},
		{"emb_ingredient_liked", liked, []float64{1, 0, r2}},
		{"emb_blend_liked", liked, []float64{1, 0.5, (rcos + r2) / 2}},
		{"emb_ingredient_liked", both, []float64{r2, r2, 1}},
		{"emb_ingredient_liked_max", both, []float64{1, 1, r2}},
		{"emb_ingredient_skin_all", Query{SkinType: "dry"}, []float64{r2, r2, 1}},
		{"emb_review_skin_7", Query{SkinType: "dry"}, []float64{
			embedding.Cosine(review.Product(0), skinRev), embedding.Cosine(review.Product(1), skinRev), embedding.Cosine(review.Product(2), skinRev)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, values(tt.name, tt.q), cmpopts.EquateApprox(0, 1e-6)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	// the age-weighted review graph (every review of the same day: weight 1 each) links p1 and
	// p2 through the same two reviewers as well
	if got := values("emb_review_recent3_liked", liked); math.Abs(got[0]-1) > 1e-6 || math.Abs(got[1]-1) > 1e-6 || got[2] > 0.999 {
		t.Errorf("emb_review_recent3_liked = %v, want 1, 1 and below 1", got)
	}
	if rcos > 0.999 {
		t.Errorf("cos(p1, p3) over the review graph = %v: want p3 (no shared reviewer) apart", rcos)
	}
	if probeFeature(t, "emb_review_liked").Value(pd, Query{Task: TaskHistory}) != nil {
		t.Error("emb_review_liked without liked products: want no value")
	}
}

// probeFeature is ProbeFeatures' candidate of that name; the test fails when there is none.
func probeFeature(t *testing.T, name string) ProbeFeature {
	t.Helper()
	for _, f := range ProbeFeatures() {
		if f.Name == name {
			return f
		}
	}
	t.Fatalf("no probe candidate %q", name)
	return ProbeFeature{}
}
