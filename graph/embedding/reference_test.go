package embedding

import (
	"math"
	"testing"

	"github.com/skingraph/skingraph/graph"
	"gonum.org/v1/gonum/mat"
)

// referenceFastRP computes FastRP the textbook way, in float64 with dense gonum matrices and an
// adjacency matrix built straight from the projection, as the package comment defines it.
func referenceFastRP(p *graph.Projection, o Options) *mat.Dense {
	o = o.withDefaults()
	l := newLayout(p)
	n := l.rows()
	a := mat.NewDense(n, n, nil)
	link := func(u, v int, w float64) {
		if u >= 0 && v >= 0 && w > 0 {
			a.Set(u, v, a.At(u, v)+float64(float32(w)))
			a.Set(v, u, a.At(v, u)+float64(float32(w)))
		}
	}
	w := o.Weights
	for x := range p.Products {
		for _, u := range p.Uses(int32(x)) {
			c := w.Contains
			if u.MayContain {
				c = w.MayContain
			}
			link(x, l.ingredient(u.Ingredient), c/math.Sqrt(float64(max(u.Position, 1))))
		}
		for _, c := range p.Products[x].Claims {
			link(x, l.attr(graph.Attr{Kind: graph.AttrConcern, ID: c}, false), w.Claims)
		}
		for _, s := range p.Products[x].Suits {
			link(x, l.attr(graph.Attr{Kind: graph.AttrSkinType, ID: s}, false), w.Suits)
		}
		for _, oc := range p.Outcomes(int32(x)) {
			lean := (oc.MeanRating - 3) / 2
			link(x, l.attr(oc.Attr, lean < 0), w.Outcomes*math.Log1p(float64(oc.Count))*math.Abs(lean))
		}
	}
	for i := range p.Ingredients {
		for _, t := range p.Treats(int32(i)) {
			link(l.ingredient(int32(i)), l.attr(graph.Attr{Kind: graph.AttrConcern, ID: t.Concern}, false), w.Treats*t.Efficacy)
		}
		for _, ag := range p.Aggravations(int32(i)) {
			link(l.ingredient(int32(i)), l.attr(ag.Attr, true), w.Aggravates*ag.Severity)
		}
	}
	return propagateReference(a, func(r int) uint64 { return rowKey(p, l, r) }, o)
}

// propagateReference is FastRP's propagation, dense and unoptimised: S = D⁻¹A (a made
// row-stochastic in place), N⁰ the random rows keyed by key(r), E = Σ_k α_k · N^k with
// N^k = S N^(k-1), each step's rows normalised to unit L2 norm unless o.NoStepNormalise, and E's
// rows at the end.
func propagateReference(a *mat.Dense, key func(r int) uint64, o Options) *mat.Dense {
	n, _ := a.Dims()
	for r := range n {
		if v := a.RowView(r).(*mat.VecDense); mat.Sum(v) > 0 {
			v.ScaleVec(1/mat.Sum(v), v)
		}
	}
	nk := mat.NewDense(n, o.Dim, nil)
	row := make([]float32, o.Dim)
	for r := range n {
		randomRow(row, o.Seed, key(r), o.Sparsity)
		for k, v := range row {
			nk.Set(r, k, float64(v))
		}
	}
	e := mat.NewDense(n, o.Dim, nil)
	e.Scale(o.Iterations[0], nk)
	for _, alpha := range o.Iterations[1:] {
		nk.Mul(a, nk)
		if !o.NoStepNormalise {
			normaliseRows(nk)
		}
		var step mat.Dense
		step.Scale(alpha, nk)
		e.Add(e, &step)
	}
	normaliseRows(e)
	return e
}

func normaliseRows(m *mat.Dense) {
	r, _ := m.Dims()
	for i := range r {
		v := m.RowView(i).(*mat.VecDense)
		if n := mat.Norm(v, 2); n > 0 {
			v.ScaleVec(1/n, v)
		}
	}
}

func TestComputeMatchesReference(t *testing.T) {
	p := families(t)
	tests := []struct {
		name string
		opts Options
	}{
		{"defaults", Options{Seed: 5}},
		{"with r0 and unnormalised steps", Options{Seed: 5, Dim: 8, Iterations: []float64{0.5, 1, 0.25}, NoStepNormalise: true}},
		{"one step", Options{Seed: 9, Dim: 32, Iterations: []float64{0, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustCompute(t, p, tt.opts)
			want := referenceFastRP(p, tt.opts)
			for r := range e.l.rows() {
				for k, got := range e.row(r) {
					if w := want.At(r, k); math.Abs(float64(got)-w) > 1e-5 {
						t.Fatalf("row %d, entry %d = %v, want %v", r, k, got, w)
					}
				}
			}
		})
	}
}
