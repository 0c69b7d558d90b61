package ranker

import (
	"math"

	"github.com/skingraph/skingraph/graph"
)

// Family names, as they appear in Why.Kind.
const (
	KindConcernFit = "concern_fit"
	KindClaim      = "claim"
	KindPeer       = "peer"
	KindSafety     = "safety"
	KindAffinity   = "affinity"
	KindPrior      = "prior"
)

// Vectors gives product embeddings (package graph/embedding implements it).
type Vectors interface {
	Product(x int32) []float32
}

func (pl *plan) concernTerm(t graph.Treat, pos int16) float64 {
	return pl.params.Weights.ConcernFit * t.Efficacy * pl.params.Evidence[graph.EvidenceName(t.Evidence)] * positionWeight(pos)
}

// peerStats is the smoothed view of one outcome and its contribution.
type peerStats struct {
	rating, good, bad float64 // smoothed mean rating and good/bad effect shares
	volume            float64 // ln(1 + number of reviews)
	total             float64
}

var (
	effImproved, _   = graph.EffectIndex("improved")
	effHydration, _  = graph.EffectIndex("hydration")
	effBreakout, _   = graph.EffectIndex("breakout")
	effIrritation, _ = graph.EffectIndex("irritation")
)

func (pl *plan) peerTerm(o graph.OutcomeStats, attrWeight float64) peerStats {
	st := pl.peerSmoothed(o)
	st.total = pl.population * attrWeight * pl.peerBase(st)
	return st
}

// peerSmoothed is the smoothed view of one outcome, without its contribution.
func (pl *plan) peerSmoothed(o graph.OutcomeStats) peerStats {
	p, m := pl.proj, pl.params.Smoothing
	n := float64(o.Count)
	good := float64(o.Effects[effImproved] + o.Effects[effHydration])
	bad := float64(o.Effects[effBreakout] + o.Effects[effIrritation])
	st := peerStats{
		rating: (n*o.MeanRating + m*p.MeanRating) / (n + m),
		good:   (good + m*p.MeanGood) / (n + m),
		bad:    (bad + m*p.MeanBad) / (n + m),
	}
	st.volume = math.Log1p(n)
	return st
}

// peerBase is an outcome's peer contribution at attribute weight 1 and population 1: the
// request only scales it (peerTerm), so it is computed once per projection (peerLists).
func (pl *plan) peerBase(st peerStats) float64 {
	p, w := pl.proj, pl.params.Weights
	return w.PeerRating*(st.rating-p.MeanRating)/4 + w.PeerEffects*((st.good-p.MeanGood)-2*(st.bad-p.MeanBad)) +
		w.PeerVolume*st.volume
}

func (pl *plan) safetyTerm(a graph.Aggravates, pos int16) float64 {
	return -pl.params.Weights.Safety * a.Severity * positionWeight(pos)
}

func (pl *plan) affinity(x int32) float64 {
	if len(pl.liked) == 0 || pl.vecs == nil || pl.params.Weights.Affinity == 0 {
		return 0
	}
	s := 0.0
	for _, l := range pl.liked {
		s += pl.affinityTerm(x, l)
	}
	return s
}

func (pl *plan) affinityTerm(x, liked int32) float64 {
	return pl.params.Weights.Affinity * cosine(pl.vecs.Product(x), pl.vecs.Product(liked)) / float64(len(pl.liked))
}

func (pl *plan) prior(x int32) float64 {
	if pl.params.Weights.Prior == 0 {
		return 0
	}
	shrunk, pop := pl.priorParts(x)
	return pl.params.Weights.Prior * ((shrunk-pl.proj.MeanRating)/4 + pl.params.PopularityShare*pop)
}

// priorParts returns the product's rating shrunk towards the catalogue mean and its review
// volume in [0,1] (log scale, relative to the most reviewed product).
func (pl *plan) priorParts(x int32) (shrunk, popularity float64) {
	p, m := pl.proj, pl.params.Smoothing
	prod := &p.Products[x]
	n := float64(prod.ReviewCount)
	rating := prod.Rating
	if n == 0 {
		rating = p.MeanRating
	}
	shrunk = p.MeanRating
	if n+m > 0 {
		shrunk = (n*rating + m*p.MeanRating) / (n + m)
	}
	if p.MaxReviewCount > 0 {
		popularity = math.Log1p(n) / math.Log1p(float64(p.MaxReviewCount))
	}
	return shrunk, popularity
}

// cosine is the cosine similarity of two vectors, in float64; 0 when either is zero.
func cosine(a, b []float32) float64 {
	if len(a) == 0 || len(a) != len(b) {
		return 0
	}
	var dot, na, nb float64
	for i := range a {
		x, y := float64(a[i]), float64(b[i])
		dot += x * y
		na += x * x
		nb += y * y
	}
	if na == 0 || nb == 0 {
		return 0
	}
	return dot / math.Sqrt(na*nb)
}
