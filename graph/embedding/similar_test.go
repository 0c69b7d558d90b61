package embedding

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	gocmp "github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestCosine(t *testing.T) {
	tests := []struct {
		name string
		a, b []float32
		want float64
	}{
		{"same", []float32{1, 2, 2}, []float32{1, 2, 2}, 1},
		{"scaled", []float32{1, 2, 2}, []float32{2, 4, 4}, 1},
		{"opposite", []float32{1, 0}, []float32{-3, 0}, -1},
		{"orthogonal", []float32{1, 0}, []float32{0, 5}, 0},
		{"zero", []float32{0, 0}, []float32{1, 1}, 0},
		{"both zero", []float32{0, 0}, []float32{0, 0}, 0},
		{"nil", nil, []float32{1, 1}, 0},
		{"half", []float32{1, 0}, []float32{1, float32(math.Sqrt(3))}, 0.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Cosine(tt.a, tt.b)
			if math.IsNaN(got) || math.Abs(got-tt.want) > 1e-7 {
				t.Errorf("Cosine(%v, %v) = %v, want %v", tt.a, tt.b, got, tt.want)
			}
		})
	}
}

func TestCosineLengthMismatchPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Cosine of lengths 2 and 3 did not panic")
		}
	}()
	Cosine([]float32{1, 2}, []float32{1, 2, 3})
}

func TestSimilar(t *testing.T) {
	e := fromVectors(2,
		[]float32{1, 0},   // 0: the query
		[]float32{1, 1},   // 1: 0.707
		[]float32{0, 1},   // 2: 0
		[]float32{2, 2},   // 3: 0.707, ties with 1
		[]float32{0, 0},   // 4: zero, never returned
		[]float32{1, 0.1}, // 5: 0.995
		[]float32{-1, 0},  // 6: -1
	)
	odd := func(y int32) bool { return y%2 == 1 }
	tests := []struct {
		name string
		x    int32
		k    int
		keep func(int32) bool
		want []int32
	}{
		{"top 3, ties by id", 0, 3, nil, []int32{5, 1, 3}},
		{"all", 0, 10, nil, []int32{5, 1, 3, 2, 6}},
		{"kept only", 0, 2, odd, []int32{5, 1}},
		{"k zero", 0, 0, nil, nil},
		{"zero query", 4, 3, nil, nil},
		{"unknown query", 7, 3, nil, nil},
		{"nothing kept", 0, 3, func(int32) bool { return false }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int32
			for _, n := range e.Similar(tt.x, tt.k, tt.keep) {
				got = append(got, n.Product)
				if want := Cosine(e.Product(tt.x), e.Product(n.Product)); n.Similarity != want {
					t.Errorf("similarity of %d = %v, Cosine says %v", n.Product, n.Similarity, want)
				}
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Similar(%d, %d) (-want +got):\n%s", tt.x, tt.k, diff)
			}
		})
	}
}

// TestTopKMatchesSort checks the bounded heap against a full sort, with many ties.
func TestTopKMatchesSort(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n, k := rng.IntN(50), 1+rng.IntN(10)
		var all []Neighbour
		h := topK{k: k}
		for y := range int32(n) {
			nb := Neighbour{Product: y, Similarity: float64(rng.IntN(5)) / 4}
			all = append(all, nb)
		}
		rng.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		for _, nb := range all {
			h.offer(nb)
		}
		slices.SortFunc(all, func(a, b Neighbour) int {
			return cmp.Or(cmp.Compare(b.Similarity, a.Similarity), cmp.Compare(a.Product, b.Product))
		})
		want := all[:min(k, len(all))]
		if diff := gocmp.Diff(want, h.sorted(), cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("n=%d k=%d (-want +got):\n%s", n, k, diff)
		}
	}
}

func TestCentroid(t *testing.T) {
	e := fromVectors(2, []float32{1, 0}, []float32{0, 1}, []float32{0, 0}, []float32{-1, 0})
	s := float32(math.Sqrt(0.5))
	tests := []struct {
		name     string
		products []int32
		want     []float32
	}{
		{"one", []int32{0}, []float32{1, 0}},
		{"two", []int32{0, 1}, []float32{s, s}},
		{"zero and unknown ids ignored", []int32{1, 2, 9, -1}, []float32{0, 1}},
		{"cancelling", []int32{0, 3}, nil},
		{"empty", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := gocmp.Diff(tt.want, e.Centroid(tt.products), cmpopts.EquateApprox(0, 1e-6)); diff != "" {
				t.Errorf("Centroid(%v) (-want +got):\n%s", tt.products, diff)
			}
		})
	}
}

func TestNearest(t *testing.T) {
	e := fromVectors(2, []float32{1, 0}, []float32{0, 1})
	tests := []struct {
		name string
		v    []float32
		want []int32
	}{
		{"closest first", []float32{0.1, 1}, []int32{1, 0}},
		{"wrong length", []float32{1}, nil},
		{"zero", []float32{0, 0}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int32
			for _, n := range e.Nearest(tt.v, 5, nil) {
				got = append(got, n.Product)
			}
			if diff := gocmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Nearest(%v) (-want +got):\n%s", tt.v, diff)
			}
		})
	}
}
