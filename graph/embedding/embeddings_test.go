package embedding

import (
	"context"
	"errors"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/skingraph/skingraph/graph"
)

// allVectors copies every vector of e, products first, then ingredients and attributes.
func allVectors(e *Embeddings) [][]float32 {
	var vs [][]float32
	for r := range e.l.rows() {
		vs = append(vs, slices.Clone(e.row(r)))
	}
	return vs
}

// sameBits reports whether a and b are bit-identical, and otherwise the first row that differs
// (cmp.Diff is too slow for thousands of vectors).
func sameBits(a, b [][]float32) (int, bool) {
	for r := range max(len(a), len(b)) {
		if r >= len(a) || r >= len(b) || !slices.EqualFunc(a[r], b[r], func(x, y float32) bool {
			return math.Float32bits(x) == math.Float32bits(y)
		}) {
			return r, false
		}
	}
	return 0, true
}

func TestComputeDeterministic(t *testing.T) {
	p := families(t)
	base := allVectors(mustCompute(t, p, Options{Seed: 7}))
	tests := []struct {
		name string
		opts Options
		same bool
	}{
		{"same seed", Options{Seed: 7}, true},
		{"one worker", Options{Seed: 7, Workers: 1}, true},
		{"many workers", Options{Seed: 7, Workers: 16}, true},
		{"other seed", Options{Seed: 8}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, same := sameBits(base, allVectors(mustCompute(t, p, tt.opts)))
			if tt.same && !same {
				t.Errorf("row %d differs", r)
			}
			if !tt.same && same {
				t.Error("vectors are identical, want them to differ")
			}
		})
	}
}

// TestComputeManyBlocks checks that the result does not depend on the number of workers when
// the rows are split into many blocks.
func TestComputeManyBlocks(t *testing.T) {
	p := syntheticProjection(6000, 2)
	g, err := newAdjacency(context.Background(), p, DefaultWeights())
	if err != nil {
		t.Fatal(err)
	}
	if len(g.blocks) < 4 {
		t.Fatalf("%d blocks, want at least 4", len(g.blocks))
	}
	want := allVectors(mustCompute(t, p, Options{Seed: 4, Workers: 1}))
	for _, workers := range []int{2, 5} {
		if r, same := sameBits(want, allVectors(mustCompute(t, p, Options{Seed: 4, Workers: workers}))); !same {
			t.Errorf("%d workers: row %d differs from 1 worker", workers, r)
		}
	}
}

func TestComputeFamilies(t *testing.T) {
	p := families(t)
	e := mustCompute(t, p, Options{Seed: 1})
	want := map[string][]string{}
	for _, f := range []string{"a", "b", "c"} {
		for m := range 4 {
			var others []string
			for n := range 4 {
				if n != m {
					others = append(others, f+string(rune('1'+n)))
				}
			}
			want[f+string(rune('1'+m))] = others
		}
	}
	for id, members := range want {
		got := productIDs(p, e.Similar(mustProduct(t, p, id), 3, nil))
		slices.Sort(got)
		if diff := cmp.Diff(members, got); diff != "" {
			t.Errorf("Similar(%s, 3) (-want +got):\n%s", id, diff)
		}
	}
	cos := func(x, y string) float64 {
		return Cosine(e.Product(mustProduct(t, p, x)), e.Product(mustProduct(t, p, y)))
	}
	if in, out := cos("a1", "a2"), max(cos("a1", "b1"), cos("a1", "c1")); in <= out {
		t.Errorf("cosine within family %.3f <= across families %.3f", in, out)
	}
}

func TestComputeAttributes(t *testing.T) {
	p := families(t)
	e := mustCompute(t, p, Options{Seed: 1})
	centroid := func(f string) []float32 {
		var xs []int32
		for m := range 4 {
			xs = append(xs, mustProduct(t, p, f+string(rune('1'+m))))
		}
		return e.Centroid(xs)
	}
	a, b, c := centroid("a"), centroid("b"), centroid("c")
	oily := mustAttr(t, graph.AttrSkinType, "oily")
	acne := mustAttr(t, graph.AttrConcern, "acne")
	tests := []struct {
		name      string
		v         []float32
		near, far []float32
	}{
		{"oily is near the family its people like", e.Attr(oily), a, b},
		{"acne is near the family claiming and treating it", e.Attr(acne), a, c},
		{"adverse oily is near the family of the aggravating ingredient", e.AttrAdverse(oily), c, a},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if near, far := Cosine(tt.v, tt.near), Cosine(tt.v, tt.far); near <= far {
				t.Errorf("cosine to the near family %.3f <= to the far one %.3f", near, far)
			}
		})
	}
}

func TestComputeNodeWithoutEdges(t *testing.T) {
	p := families(t)
	e := mustCompute(t, p, Options{Seed: 1})
	z := mustProduct(t, p, "z0")
	if diff := cmp.Diff(make([]float32, e.Dim()), e.Product(z)); diff != "" {
		t.Errorf("Product(z0) (-want +got):\n%s", diff)
	}
	if got := Cosine(e.Product(z), e.Product(0)); got != 0 || math.IsNaN(got) {
		t.Errorf("Cosine(zero, a1) = %v, want 0", got)
	}
	if got := e.Similar(z, 3, nil); got != nil {
		t.Errorf("Similar(z0) = %v, want nil", got)
	}
	for _, n := range e.Similar(0, 100, nil) {
		if n.Product == z {
			t.Errorf("Similar(a1) returned z0")
		}
	}
	// The sensitivity "fragrance" has no edges either.
	fragrance := mustAttr(t, graph.AttrSensitivity, "fragrance")
	if diff := cmp.Diff(make([]float32, e.Dim()), e.Attr(fragrance)); diff != "" {
		t.Errorf("Attr(fragrance) (-want +got):\n%s", diff)
	}
}

func TestComputeTiesBrokenByID(t *testing.T) {
	var b graph.ProjectionBuilder
	for _, inci := range []string{"aqua", "glycerin", "niacinamide", "zinc"} {
		b.AddIngredient(graph.ProjectedIngredient{INCI: inci})
	}
	for _, id := range []string{"t3", "t1", "t2"} { // identical twins, added out of order
		b.AddProduct(graph.ProjectedProduct{ID: id})
		b.AddContains(id, "aqua", 1, false)
		b.AddContains(id, "glycerin", 2, false)
		b.AddContains(id, "niacinamide", 3, false)
	}
	b.AddProduct(graph.ProjectedProduct{ID: "q"})
	b.AddContains("q", "aqua", 1, false)
	b.AddContains("q", "zinc", 2, false)
	p := mustBuild(t, &b)
	e := mustCompute(t, p, Options{Seed: 3})
	got := e.Similar(mustProduct(t, p, "q"), 2, nil)
	if diff := cmp.Diff([]string{"t1", "t2"}, productIDs(p, got)); diff != "" {
		t.Errorf("Similar(q, 2) (-want +got):\n%s", diff)
	}
	if len(got) == 2 && got[0].Similarity != got[1].Similarity {
		t.Errorf("twins have similarities %v and %v, want equal", got[0].Similarity, got[1].Similarity)
	}
}

func TestComputeCancelled(t *testing.T) {
	p := families(t)
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	expired, cancel2 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel2()
	for _, ctx := range []context.Context{cancelled, expired} {
		e, err := Compute(ctx, p, Options{})
		if !errors.Is(err, ctx.Err()) || e != nil {
			t.Errorf("Compute = %v, %v; want nil, %v", e, err, ctx.Err())
		}
	}
}

func TestComputeInvalidOptions(t *testing.T) {
	p := families(t)
	tests := []struct {
		name string
		opts Options
	}{
		{"negative dim", Options{Dim: -1}},
		{"huge dim", Options{Dim: MaxDim + 1}},
		{"no iterations", Options{Iterations: []float64{}}},
		{"NaN iteration", Options{Iterations: []float64{0, math.NaN()}}},
		{"negative iteration", Options{Iterations: []float64{0, -1}}},
		{"zero iterations", Options{Iterations: []float64{0, 0}}},
		{"sparsity below 1", Options{Sparsity: 0.5}},
		{"negative weight", Options{Weights: Weights{Contains: 1, Claims: -1}}},
		{"infinite weight", Options{Weights: Weights{Contains: math.Inf(1)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Compute(context.Background(), p, tt.opts); !errors.Is(err, graph.ErrInvalid) {
				t.Errorf("Compute = %v, want graph.ErrInvalid", err)
			}
		})
	}
}

func TestEmbeddingsAccessors(t *testing.T) {
	p := families(t)
	e := mustCompute(t, p, Options{Dim: 16, Seed: 1})
	tests := []struct {
		name string
		got  []float32
		len  int
	}{
		{"product", e.Product(0), 16},
		{"last product", e.Product(int32(len(p.Products) - 1)), 16},
		{"negative product", e.Product(-1), 0},
		{"product out of range", e.Product(int32(len(p.Products))), 0},
		{"ingredient", e.Ingredient(0), 16},
		{"ingredient out of range", e.Ingredient(int32(len(p.Ingredients))), 0},
		{"attribute", e.Attr(graph.Attr{Kind: graph.AttrSensitivity, ID: 5}), 16},
		{"attribute id out of range", e.Attr(graph.Attr{Kind: graph.AttrSkinType, ID: 4}), 0},
		{"unknown kind", e.AttrAdverse(graph.Attr{Kind: 9}), 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if len(tt.got) != tt.len {
				t.Errorf("len = %d, want %d", len(tt.got), tt.len)
			}
			if n := math.Sqrt(sumSquares(tt.got)); n != 0 && math.Abs(n-1) > 1e-5 {
				t.Errorf("norm = %v, want 1 or 0", n)
			}
		})
	}
	if e.Dim() != 16 || e.NumProducts() != len(p.Products) || e.Version() != p.Version {
		t.Errorf("Dim, NumProducts, Version = %d, %d, %v", e.Dim(), e.NumProducts(), e.Version())
	}
}

func TestComputeEmptyProjection(t *testing.T) {
	var b graph.ProjectionBuilder
	e := mustCompute(t, mustBuild(t, &b), Options{})
	if e.NumProducts() != 0 || e.Similar(0, 5, nil) != nil {
		t.Errorf("empty projection: %d products", e.NumProducts())
	}
}
