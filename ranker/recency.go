package ranker

import (
	"fmt"
	"math"

	"github.com/skingraph/skingraph/graph"
)

// RecentScaleDays are the half-lives, in days, of the multi-scale recent volumes
// (Weights.RecentScales and Weights.PeerRecentScales, element by element). A linear blend of
// several half-lives can follow a trend no single half-life fits: what sold this week and what
// sold this month.
var RecentScaleDays = [NumRecentScales]float64{1, 3, 7, 14, 30}

// NumRecentScales is the number of half-lives in RecentScaleDays.
const NumRecentScales = 5

// scaleVolume is Σ 2^(−age/h) over the positive reviews of ages (seconds), the ones by
// reviewers of skin type skin when skin >= 0 (skins parallel to ages), in the ages' order.
func scaleVolume(ages []int32, skins []int8, skin int8, h float64) (v float64, n int) {
	for k, a := range ages {
		if skin >= 0 && skins[k] != skin {
			continue
		}
		v += math.Exp2(-float64(a) / 86400 / h)
		n++
	}
	return v, n
}

// recencyScales holds, for one projection, the multi-scale volumes' maxima and the weighted
// sums by product: overall (added to the prior) and by skin type (added per request).
type recencyScales struct {
	maxAll  [NumRecentScales]float64
	maxSkin [][NumRecentScales]float64 // by skin type id
	peer    [][]float64                // by skin type id, by product: Σ_k w_k · v_k,t(x) / max v_k,t; nil when every PeerRecentScales weight is 0
}

func anyNonZero(w [NumRecentScales]float64) bool {
	for _, v := range w {
		if v != 0 {
			return true
		}
	}
	return false
}

// computeRecencyScales fills the multi-scale maxima and returns the overall term by product
// (nil when every RecentScales weight is 0).
func (pl *plan) computeRecencyScales(rs *recencyScales) []float64 {
	p, w := pl.proj, pl.params.Weights
	n := len(p.Products)
	var all []float64
	if anyNonZero(w.RecentScales) {
		vols := make([][NumRecentScales]float64, n)
		for x := range n {
			ages := p.PositiveReviewAges(int32(x))
			for k, h := range RecentScaleDays {
				if w.RecentScales[k] != 0 {
					vols[x][k], _ = scaleVolume(ages, nil, -1, h)
					rs.maxAll[k] = max(rs.maxAll[k], vols[x][k])
				}
			}
		}
		all = make([]float64, n)
		for x := range n {
			for k := range RecentScaleDays {
				if w.RecentScales[k] != 0 && rs.maxAll[k] > 0 {
					all[x] += w.RecentScales[k] * vols[x][k] / rs.maxAll[k]
				}
			}
		}
	}
	nT := len(graph.SkinTypes.Names())
	rs.maxSkin = make([][NumRecentScales]float64, nT)
	if anyNonZero(w.PeerRecentScales) {
		rs.peer = make([][]float64, nT)
		vols := make([][NumRecentScales]float64, n)
		for t := range nT {
			clear(vols)
			for x := range n {
				ages, skins := p.PositiveReviewAges(int32(x)), p.PositiveReviewSkinTypes(int32(x))
				for k, h := range RecentScaleDays {
					if w.PeerRecentScales[k] != 0 {
						vols[x][k], _ = scaleVolume(ages, skins, int8(t), h)
						rs.maxSkin[t][k] = max(rs.maxSkin[t][k], vols[x][k])
					}
				}
			}
			rs.peer[t] = make([]float64, n)
			for x := range n {
				for k := range RecentScaleDays {
					if w.PeerRecentScales[k] != 0 && rs.maxSkin[t][k] > 0 {
						rs.peer[t][x] += w.PeerRecentScales[k] * vols[x][k] / rs.maxSkin[t][k]
					}
				}
			}
		}
	}
	return all
}

// recencyWhys explains x's multi-scale recent volumes, one reason per half-life with a
// non-zero weight and a non-zero volume: overall (kind prior), then among the profile's skin
// type (kind peer).
func (pl *plan) recencyWhys(x int32, productNode NodeRef, add func(Why)) {
	if pl.priors == nil || (!anyNonZero(pl.params.Weights.RecentScales) && (pl.skinType == nil || pl.priors.recency.peer == nil)) {
		return
	}
	p, w, rs := pl.proj, pl.params.Weights, &pl.priors.recency
	ages, skins := p.PositiveReviewAges(x), p.PositiveReviewSkinTypes(x)
	latest := p.LastReviewAt().UTC().Format("2006-01-02")
	id := quote(p.Products[x].ID)
	for k, h := range RecentScaleDays {
		if w.RecentScales[k] == 0 || rs.maxAll[k] == 0 {
			continue
		}
		v, n := scaleVolume(ages, nil, -1, h)
		if n == 0 {
			continue
		}
		add(Why{
			Kind: KindPrior, Contribution: pl.population * w.RecentScales[k] * v / rs.maxAll[k],
			Text: fmt.Sprintf("%s rated %d stars or more here; counting each half as much for every %g days before the latest review (%s), %.2f, against %.2f for the product with the most",
				plural(n, "review"), graph.CoReviewMinRating, h, latest, v, rs.maxAll[k]),
			Path:   Path{Nodes: []NodeRef{productNode}},
			Cypher: recencyCypher(id, "", h),
			Evidence: map[string]any{"reviews": n, "half_life_days": h, "volume": v, "max_volume": rs.maxAll[k],
				"min_rating": graph.CoReviewMinRating, "latest_review": latest},
		})
	}
	if pl.skinType == nil || rs.peer == nil {
		return
	}
	t := *pl.skinType
	for k, h := range RecentScaleDays {
		if w.PeerRecentScales[k] == 0 || rs.maxSkin[t.ID][k] == 0 {
			continue
		}
		v, n := scaleVolume(ages, skins, t.ID, h)
		if n == 0 {
			continue
		}
		top := rs.maxSkin[t.ID][k]
		add(Why{
			Kind: KindPeer, Contribution: pl.population * w.PeerRecentScales[k] * v / top,
			Text: fmt.Sprintf("%s rated it %d stars or more, people %s; counting each half as much for every %g days before the latest review (%s), %.2f, against %.2f for the product with the most",
				plural(n, "reviewer"), graph.CoReviewMinRating, attrPhrase(t), h, latest, v, top),
			Path:   Path{Nodes: []NodeRef{productNode}},
			Cypher: recencyCypher(id, t.Name(), h),
			Evidence: map[string]any{"reviews": n, "skin_type": t.Name(), "half_life_days": h, "volume": v, "max_volume": top,
				"min_rating": graph.CoReviewMinRating, "latest_review": latest},
		})
	}
}

// recencyCypher is the query that reads one multi-scale volume of product id (a quoted
// literal): its positive reviews, by reviewers of skinType when not "", with their ages.
func recencyCypher(id, skinType string, h float64) string {
	filter := ""
	if skinType != "" {
		filter = " AND r.skin_type = " + quote(skinType)
	}
	return fmt.Sprintf(`MATCH path = (x:Product {id: %s})
CALL () { MATCH (:Reviewer)-[r:REVIEWED]->(:Product) RETURN max(r.at) AS latest }
CALL (x, latest) {
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(x) WHERE r.rating >= %d%s
  WITH latest.epochSeconds - r.at.epochSeconds AS age ORDER BY age
  RETURN count(age) AS reviews, reduce(s = 0.0, a IN collect(age) | s + 2.0 ^ (-toFloat(a) / 86400 / %g)) AS volume
}
RETURN path, reviews, volume`, id, graph.CoReviewMinRating, filter, h)
}
