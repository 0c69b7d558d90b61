package embedding

import (
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/skingraph/skingraph/graph"
)

// randomRow fills row with the very sparse random projection of Achlioptas and Li et al.:
// each entry is +sqrt(s) or −sqrt(s) with probability 1/(2s) each and 0 otherwise, so that
// entries have mean 0 and variance 1. The entries come from a PCG generator seeded from seed
// and the row's key (rowKey) alone, so rows can be drawn in any order, by any goroutine, and a
// node keeps its row of R when products or ingredients come or go (Update relies on it).
func randomRow(row []float32, seed, key uint64, s float64) {
	var rng rand.PCG // used directly: behind a rand.Rand it would be allocated for every row
	rng.Seed(splitmix(seed), splitmix(seed^splitmix(key+0x9e3779b97f4a7c15)))
	v := float32(math.Sqrt(s))
	half := 1 / (2 * s)
	for k := range row {
		// f is uniform in [0, 1), as rand.Float64 draws it.
		switch f := float64(rng.Uint64()>>11) * 0x1p-53; {
		case f < half:
			row[k] = v
		case f < 2*half:
			row[k] = -v
		default:
			row[k] = 0
		}
	}
}

// splitmix is the SplitMix64 finaliser; it spreads nearby seeds over the whole state space.
func splitmix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// rowKey identifies row r of p's layout by its node rather than its position: FNV-1a of the
// product id or the INCI name (with a kind prefix), and the attribute index for the attribute
// rows, whose positions never change.
func rowKey(p *graph.Projection, l layout, r int) uint64 {
	h := fnv.New64a()
	switch {
	case r < l.products:
		h.Write([]byte{'p', 0})
		h.Write([]byte(p.Products[r].ID))
	case r < l.firstAttr():
		h.Write([]byte{'i', 0})
		h.Write([]byte(p.Ingredients[r-l.products].INCI))
	default:
		return uint64(r - l.firstAttr())
	}
	return h.Sum64()
}
