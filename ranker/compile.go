package ranker

import (
	"math"

	"github.com/skingraph/skingraph/graph"
)

// peerAttr is one attribute of the profile that peer outcomes are looked up by.
type peerAttr struct {
	attr   graph.Attr
	weight float64
}

// plan is a request compiled against one projection: everything per-request that the
// per-product loops read, precomputed once.
type plan struct {
	proj   *graph.Projection
	vecs   Vectors
	params Params
	req    Request

	concerns    []graph.Attr
	peers       []peerAttr
	harmTargets []graph.Attr // the profile's skin type and concerns (AGGRAVATES targets that penalise)
	// concernIng[i] is Σ efficacy·confidence over ingredient i's TREATS edges to the profile's
	// concerns; nil when the profile names no concern.
	concernIng []float64
	// safetyIng[i] is Σ severity over ingredient i's AGGRAVATES edges to harmTargets.
	safetyIng []float64
	claimMask uint32 // bit c set when concern c is in the profile

	excluded  []bool              // by product index
	exclusion map[int32]Exclusion // first reason per excluded product
	liked     []int32
	disliked  map[int32]bool
	category  map[string]bool
	brand     map[string]bool
}

func compile(p *graph.Projection, vecs Vectors, params Params, req Request) *plan {
	pl := &plan{proj: p, vecs: vecs, params: params, req: req, disliked: map[int32]bool{}}
	prof := req.Profile
	if a, ok := graph.AttrOf(graph.AttrSkinType, prof.SkinType); ok {
		pl.peers = append(pl.peers, peerAttr{a, params.AttrWeight.SkinType})
		pl.harmTargets = append(pl.harmTargets, a)
	}
	if a, ok := graph.AttrOf(graph.AttrSkinTone, prof.SkinTone); ok {
		pl.peers = append(pl.peers, peerAttr{a, params.AttrWeight.SkinTone})
	}
	seen := map[graph.Attr]bool{}
	for _, c := range prof.Concerns {
		a, ok := graph.AttrOf(graph.AttrConcern, c)
		if !ok || seen[a] {
			continue
		}
		seen[a] = true
		pl.concerns = append(pl.concerns, a)
		pl.peers = append(pl.peers, peerAttr{a, params.AttrWeight.Concern})
		pl.harmTargets = append(pl.harmTargets, a)
		pl.claimMask |= 1 << uint(a.ID)
	}

	nI := len(p.Ingredients)
	if len(pl.concerns) > 0 {
		pl.concernIng = make([]float64, nI)
		for i := range nI {
			for _, t := range p.Treats(int32(i)) {
				if pl.claimMask&(1<<uint(t.Concern)) != 0 {
					pl.concernIng[i] += t.Efficacy * params.Evidence[graph.EvidenceName(t.Evidence)]
				}
			}
		}
	}
	if len(pl.harmTargets) > 0 {
		pl.safetyIng = make([]float64, nI)
		for i := range nI {
			for _, a := range p.Aggravations(int32(i)) {
				if containsAttr(pl.harmTargets, a.Attr) {
					pl.safetyIng[i] += a.Severity
				}
			}
		}
	}

	// Hard exclusions: avoided ingredients and ingredients aggravating a declared sensitivity.
	pl.excluded = make([]bool, len(p.Products))
	pl.exclusion = map[int32]Exclusion{}
	exclude := func(i int32, reason string) {
		for _, x := range p.UsedBy(i) {
			if !pl.excluded[x] {
				pl.excluded[x] = true
				pl.exclusion[x] = Exclusion{ProductID: p.Products[x].ID, Ingredient: p.Ingredients[i].INCI, Reason: reason}
			}
		}
	}
	for _, inci := range prof.AvoidIngredients {
		if i, ok := p.IngredientIndex(inci); ok {
			exclude(i, "avoided ingredient")
		}
	}
	if len(prof.Sensitivities) > 0 {
		var sens []graph.Attr
		for _, s := range prof.Sensitivities {
			if a, ok := graph.AttrOf(graph.AttrSensitivity, s); ok {
				sens = append(sens, a)
			}
		}
		for i := range nI {
			for _, a := range p.Aggravations(int32(i)) {
				if containsAttr(sens, a.Attr) {
					exclude(int32(i), "aggravates sensitivity: "+a.Attr.Name())
					break
				}
			}
		}
	}
	for _, id := range prof.LikedProducts {
		if x, ok := p.ProductIndex(id); ok {
			pl.liked = append(pl.liked, x)
		}
	}
	for _, id := range prof.DislikedProducts {
		if x, ok := p.ProductIndex(id); ok {
			pl.disliked[x] = true
		}
	}
	if len(req.Filters.Categories) > 0 {
		pl.category = map[string]bool{}
		for _, c := range req.Filters.Categories {
			pl.category[c] = true
		}
	}
	if len(req.Filters.Brands) > 0 {
		pl.brand = map[string]bool{}
		for _, b := range req.Filters.Brands {
			pl.brand[b] = true
		}
	}
	return pl
}

// eligible reports whether product x passes the filters and is neither excluded nor disliked.
// Excluded products are checked last so that the exclusion report lists only products the
// filters would otherwise have shown.
func (pl *plan) eligible(x int32) (ok, excluded bool) {
	prod := &pl.proj.Products[x]
	if pl.category != nil && !pl.category[prod.Category] {
		return false, false
	}
	if pl.brand != nil && !pl.brand[prod.Brand] {
		return false, false
	}
	if pl.req.Filters.MaxPrice > 0 && prod.Price > pl.req.Filters.MaxPrice {
		return false, false
	}
	if pl.disliked[x] {
		return false, false
	}
	for _, l := range pl.liked {
		if l == x {
			return false, false // already liked: not a new recommendation
		}
	}
	if pl.excluded[x] {
		return false, true
	}
	return true, false
}

func containsAttr(as []graph.Attr, a graph.Attr) bool {
	for _, b := range as {
		if a == b {
			return true
		}
	}
	return false
}

// positionWeight is the weight of the k-th ingredient of a label: 1/sqrt(k).
func positionWeight(pos int16) float64 {
	if pos < 1 {
		pos = 1
	}
	return 1 / math.Sqrt(float64(pos))
}
