package embedding

import (
	"math"
	"math/rand/v2"
)

// randomRow fills row with the very sparse random projection of Achlioptas and Li et al.:
// each entry is +sqrt(s) or −sqrt(s) with probability 1/(2s) each and 0 otherwise, so that
// entries have mean 0 and variance 1. The entries come from a PCG generator seeded from seed
// and the row index alone, so rows can be drawn in any order, by any goroutine.
func randomRow(row []float32, seed uint64, r int, s float64) {
	var rng rand.PCG // used directly: behind a rand.Rand it would be allocated for every row
	rng.Seed(splitmix(seed), splitmix(seed^splitmix(uint64(r)+0x9e3779b97f4a7c15)))
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
