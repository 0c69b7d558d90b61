package embedding

import (
	"cmp"
	"fmt"
	"math"
	"slices"
)

// Neighbour is a product and its cosine similarity to a query.
type Neighbour struct {
	Product    int32
	Similarity float64
}

// Cosine returns the cosine similarity of a and b, computed in float64 so that it does not
// depend on the order of float32 rounding: 0 when either is zero or empty, never NaN for finite
// input. It panics when both are non-empty and their lengths differ.
func Cosine(a, b []float32) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	if len(a) != len(b) {
		panic(fmt.Sprintf("embedding: cosine of vectors of lengths %d and %d", len(a), len(b)))
	}
	return cosine(dot(a, b), math.Sqrt(sumSquares(a)), math.Sqrt(sumSquares(b)))
}

// cosine divides a dot product by the norms, 0 when a norm is 0.
func cosine(dot, na, nb float64) float64 {
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / (na * nb)
}

// dot returns the dot product of a and b in float64, summed in a fixed order over four
// accumulators. The product of two float32 values is exact in float64, so the result is the
// same with or without fused multiply-add.
func dot(a, b []float32) float64 {
	b = b[:len(a)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(a); k += 4 {
		a4, b4 := a[k:k+4:k+4], b[k:k+4:k+4]
		s0 += float64(a4[0]) * float64(b4[0])
		s1 += float64(a4[1]) * float64(b4[1])
		s2 += float64(a4[2]) * float64(b4[2])
		s3 += float64(a4[3]) * float64(b4[3])
	}
	for ; k < len(a); k++ {
		s0 += float64(a[k]) * float64(b[k])
	}
	return (s0 + s1) + (s2 + s3)
}

func sumSquares(a []float32) float64 { return dot(a, a) }

// unitFloat32 returns sum scaled to unit length as float32, or nil for the zero vector: the
// centroids' last step.
func unitFloat32(sum []float64) []float32 {
	n := math.Sqrt(sumSquares64(sum))
	if n == 0 {
		return nil
	}
	c := make([]float32, len(sum))
	for k, v := range sum {
		c[k] = float32(v / n)
	}
	return c
}

func sumSquares64(a []float64) float64 {
	s := 0.0
	for _, v := range a {
		s += v * v
	}
	return s
}

// Similar returns the k products most similar to product x by cosine, most similar first, ties
// broken by the smaller id. It leaves out x itself, products with a zero vector and products
// for which keep (when not nil) returns false. It returns nil when x has a zero vector or is
// not a product. The cost is O(n·Dim + n·log k) for n products.
func (e *Embeddings) Similar(x int32, k int, keep func(y int32) bool) []Neighbour {
	return e.Nearest(e.Product(x), k, func(y int32) bool { return y != x && (keep == nil || keep(y)) })
}

// Nearest returns the k products whose vectors are most similar to v by cosine (for instance a
// Centroid or an Attr vector), most similar first, ties broken by the smaller id. It leaves out
// products with a zero vector and products for which keep (when not nil) returns false. It
// returns nil when v is zero or its length is not Dim.
func (e *Embeddings) Nearest(v []float32, k int, keep func(y int32) bool) []Neighbour {
	if k <= 0 || len(v) != e.dim {
		return nil
	}
	nv := math.Sqrt(sumSquares(v))
	if nv == 0 {
		return nil
	}
	h := topK{k: k}
	for y := range int32(e.l.products) {
		ny := e.norms[y]
		if ny == 0 || (keep != nil && !keep(y)) {
			continue
		}
		h.offer(Neighbour{Product: y, Similarity: cosine(dot(v, e.row(int(y))), nv, ny)})
	}
	return h.sorted()
}

// topK keeps the k best neighbours seen so far in a min-heap whose root is the worst of them.
type topK struct {
	k    int
	heap []Neighbour
}

// better orders neighbours: higher similarity first, then smaller id.
func better(a, b Neighbour) bool {
	return a.Similarity > b.Similarity || (a.Similarity == b.Similarity && a.Product < b.Product)
}

func (t *topK) offer(n Neighbour) {
	h := t.heap
	if len(h) < t.k {
		h = append(h, n)
		for i := len(h) - 1; i > 0; { // sift up
			parent := (i - 1) / 2
			if !better(h[parent], h[i]) {
				break
			}
			h[parent], h[i] = h[i], h[parent]
			i = parent
		}
		t.heap = h
		return
	}
	if !better(n, h[0]) {
		return
	}
	h[0] = n
	for i := 0; ; { // sift down: move the worse child up
		worst, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && better(h[worst], h[l]) {
			worst = l
		}
		if r < len(h) && better(h[worst], h[r]) {
			worst = r
		}
		if worst == i {
			return
		}
		h[i], h[worst] = h[worst], h[i]
		i = worst
	}
}

// sorted returns the neighbours kept, best first.
func (t *topK) sorted() []Neighbour {
	if len(t.heap) == 0 {
		return nil
	}
	out := slices.Clone(t.heap)
	slices.SortFunc(out, func(a, b Neighbour) int {
		return cmp.Or(-cmp.Compare(a.Similarity, b.Similarity), cmp.Compare(a.Product, b.Product))
	})
	return out
}
