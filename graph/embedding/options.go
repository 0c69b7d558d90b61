package embedding

import (
	"fmt"
	"math"
	"runtime"

	"github.com/skingraph/skingraph/graph"
)

// MaxDim is the largest embedding dimension Compute accepts.
const MaxDim = 4096

// Options configure Compute. The zero value asks for the defaults.
type Options struct {
	// Dim is the embedding dimension; default 64.
	Dim int
	// Seed seeds the random projection: the same seed and projection give identical embeddings.
	Seed uint64
	// Iterations weighs N₀ = R, N₁ = S·R, N₂ = S²·R, ... in the sum that makes the embedding;
	// its length is one more than the number of propagation steps. Default {0, 1, 1, 0.5}.
	Iterations []float64
	// Sparsity is s of the random projection: a non-zero entry has probability 1/s; default 3.
	Sparsity float64
	// NoStepNormalise turns off the L2 normalisation of every step (FastRP normalises; this is
	// for experiments). The final vectors are normalised either way.
	NoStepNormalise bool
	// Weights multiply the edge weights by relationship; the zero value means DefaultWeights.
	Weights Weights
	// Workers bounds the goroutines of the propagation; default runtime.GOMAXPROCS(0). The
	// result does not depend on it.
	Workers int
	// Tolerance bounds how far (L2, between unit rows) Update lets a row of Nₖ be from what
	// its neighbours' rows make it: the moves of its neighbours are passed on to a row once
	// they could have turned it by Tolerance or more. Default DefaultTolerance. Compute does
	// not use it.
	Tolerance float64
}

// DefaultTolerance is Options.Tolerance when unset: a hundredth of a unit vector, a cosine
// distance of at most about 5e-5 per row. On 100k synthetic products Update then takes tens
// of milliseconds for a rating; 1e-3 takes ten times as long (docs/PERFORMANCE.md).
const DefaultTolerance = 1e-2

// Weights multiply the weights of the edges by relationship (see the package comment). A zero
// Weights means DefaultWeights; once any field is set, a zero field leaves that relationship out.
type Weights struct {
	Contains   float64 // CONTAINS, times 1/sqrt(position)
	MayContain float64 // CONTAINS of a "may contain" use, times 1/sqrt(position)
	Treats     float64 // TREATS, times efficacy
	Aggravates float64 // AGGRAVATES, times severity
	Claims     float64 // CLAIMS
	Suits      float64 // SUITS
	Outcomes   float64 // outcome aggregates, times log1p(count)·|meanRating−3|/2
}

// DefaultWeights returns the edge weights used when Options.Weights is zero: ingredients carry
// most of a product's neighbourhood (about 9 for a 30-ingredient label), brand claims and
// reviews less, so that hubs such as "oily" do not make every product look alike. They are
// starting points for offline tuning.
func DefaultWeights() Weights {
	return Weights{
		Contains:   1,
		MayContain: 0.1,
		Treats:     1,
		Aggravates: 1,
		Claims:     0.5,
		Suits:      0.5,
		Outcomes:   0.1,
	}
}

// withDefaults returns o with every unset field set to its default.
func (o Options) withDefaults() Options {
	if o.Dim == 0 {
		o.Dim = 64
	}
	if o.Iterations == nil {
		o.Iterations = []float64{0, 1, 1, 0.5}
	}
	if o.Sparsity == 0 {
		o.Sparsity = 3
	}
	if o.Weights == (Weights{}) {
		o.Weights = DefaultWeights()
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Tolerance == 0 {
		o.Tolerance = DefaultTolerance
	}
	return o
}

// validate reports the first option out of range, wrapping graph.ErrInvalid.
func (o Options) validate() error {
	switch {
	case o.Dim < 1 || o.Dim > MaxDim:
		return invalid("dim %d is outside [1, %d]", o.Dim, MaxDim)
	case len(o.Iterations) == 0:
		return invalid("no iteration weights")
	case !(o.Sparsity >= 1) || math.IsInf(o.Sparsity, 0):
		return invalid("sparsity %v is not a finite number >= 1", o.Sparsity)
	case !finiteNonNegative(o.Tolerance):
		return invalid("tolerance %v is not a finite number >= 0", o.Tolerance)
	}
	total := 0.0
	for k, w := range o.Iterations {
		if !finiteNonNegative(w) {
			return invalid("iteration weight %d is %v, want a finite number >= 0", k, w)
		}
		total += w
	}
	if total == 0 {
		return invalid("iteration weights are all zero")
	}
	w := o.Weights
	for _, f := range []struct {
		name string
		v    float64
	}{
		{"contains", w.Contains}, {"may-contain", w.MayContain}, {"treats", w.Treats},
		{"aggravates", w.Aggravates}, {"claims", w.Claims}, {"suits", w.Suits}, {"outcomes", w.Outcomes},
	} {
		if !finiteNonNegative(f.v) {
			return invalid("%s weight is %v, want a finite number >= 0", f.name, f.v)
		}
	}
	return nil
}

func finiteNonNegative(v float64) bool { return v >= 0 && !math.IsInf(v, 1) }

func invalid(format string, args ...any) error {
	return fmt.Errorf("embedding: %w: "+format, append([]any{graph.ErrInvalid}, args...)...)
}
