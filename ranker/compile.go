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

	concerns []graph.Attr
	skinType *graph.Attr // the profile's skin type, nil when not declared
	priors   *priors     // the ranker's per-projection terms (set by Rank before explaining)
	// population scales the peer and prior families: Params.LikedPopulationScale when the
	// profile lists a known liked product, else 1.
	population float64
	// history is set when the profile lists a liked product the projection knows: the plan's
	// params are then Params.For(true) (HistoryWeights, HistoryRecentHalfLifeDays); without
	// history, a profile with a known concern is ranked with Params.ConcernSet()
	// (Params.ForRequest).
	history bool
	// concernSet is set when the plan's weights are Params.ConcernWeights (no history, a
	// known concern, a concern set given): its per-projection terms are cached apart.
	concernSet  bool
	peers       []peerAttr
	harmTargets []graph.Attr // the profile's skin type and concerns (AGGRAVATES targets that penalise)
	// concernIng[i] is Σ efficacy·confidence over ingredient i's TREATS edges to the profile's
	// concerns; nil when the profile names no concern.
	concernIng []float64
	// safetyIng[i] is Σ severity over ingredient i's AGGRAVATES edges to harmTargets.
	safetyIng []float64
	claimMask uint32 // bit c set when concern c is in the profile
	// treating and aggravating list the ingredients with a non-zero concernIng / safetyIng.
	treating, aggravating []int32

	ingIdx     *ingIndex        // the projection's ingredients with edges; nil or another projection's: none
	excluded   []bool           // by product index (pooled with the score buffers)
	hidden     []bool           // by product index: liked or disliked (pooled with the score buffers)
	excludeIng map[int32]string // ingredient -> why it excludes the products that contain it
	liked      []int32
	category   uint32 // bit c set for each allowed category id; 0 = every category
	brand      map[string]bool

	rules *activeRules // the merchandising rules in force for the request; nil = none
}

// compile plans req on p; the plan's per-ingredient and exclusion arrays are buf's, so the plan
// must not outlive buf. idx (p's ingIndex; nil: every ingredient) says which ingredients
// have the edges the plan reads.
func compile(p *graph.Projection, vecs Vectors, params Params, req Request, buf *buffers, idx *ingIndex) *plan {
	pl := &plan{proj: p, vecs: vecs, params: params, req: req, ingIdx: idx, hidden: buf.hidden}
	prof := req.Profile
	if a, ok := graph.AttrOf(graph.AttrSkinType, prof.SkinType); ok {
		pl.peers = append(pl.peers, peerAttr{a, params.AttrWeight.SkinType})
		pl.harmTargets = append(pl.harmTargets, a)
		pl.skinType = &a
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

	// The ingredients with TREATS and with AGGRAVATES edges, ascending (as a scan of every
	// ingredient visits them); buf is told which entries may be written before any is.
	var treats, aggravates []int32
	if idx != nil && idx.proj == p {
		treats, aggravates = idx.treats, idx.aggravates
		buf.ingDirty = [2][]int32{treats, aggravates}
	} else {
		all := make([]int32, len(p.Ingredients))
		for i := range all {
			all[i] = int32(i)
		}
		treats, aggravates = all, all
		buf.ingAllDirty = true
	}
	if len(pl.concerns) > 0 {
		pl.concernIng = buf.ingFit
		for _, i := range treats {
			for _, t := range p.Treats(i) {
				if pl.claimMask&(1<<uint(t.Concern)) != 0 {
					pl.concernIng[i] += t.Efficacy * params.Evidence[graph.EvidenceName(t.Evidence)]
				}
			}
			if pl.concernIng[i] != 0 {
				pl.treating = append(pl.treating, i)
			}
		}
	}
	if len(pl.harmTargets) > 0 {
		pl.safetyIng = buf.ingHarm
		for _, i := range aggravates {
			for _, a := range p.Aggravations(i) {
				if containsAttr(pl.harmTargets, a.Attr) {
					pl.safetyIng[i] += a.Severity
				}
			}
			if pl.safetyIng[i] != 0 {
				pl.aggravating = append(pl.aggravating, i)
			}
		}
	}

	// Hard exclusions: avoided ingredients and ingredients aggravating a declared sensitivity.
	pl.excluded = buf.excluded
	pl.excludeIng = map[int32]string{}
	exclude := func(i int32, reason string) {
		if _, done := pl.excludeIng[i]; done {
			return
		}
		pl.excludeIng[i] = reason
		for _, x := range p.UsedBy(i) {
			pl.excluded[x] = true
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
		for _, i := range aggravates {
			for _, a := range p.Aggravations(i) {
				if containsAttr(sens, a.Attr) {
					exclude(i, "aggravates sensitivity: "+a.Attr.Name())
					break
				}
			}
		}
	}
	for _, id := range prof.LikedProducts {
		if x, ok := p.ProductIndex(id); ok {
			pl.liked = append(pl.liked, x)
			pl.hidden[x] = true // already liked: not a new recommendation
		}
	}
	pl.population = 1
	pl.history = len(pl.liked) > 0
	if pl.history {
		pl.population = params.LikedPopulationScale
	}
	pl.params = params.ForRequest(pl.history, len(pl.concerns) > 0)
	pl.concernSet = !pl.history && len(pl.concerns) > 0 && params.ConcernWeights != nil
	for _, id := range prof.DislikedProducts {
		if x, ok := p.ProductIndex(id); ok {
			pl.hidden[x] = true
		}
	}
	for _, c := range req.Filters.Categories {
		if a, ok := graph.Categories.Canonical(c); ok {
			for id, name := range graph.Categories.Names() {
				if name == a {
					pl.category |= 1 << uint(id)
				}
			}
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

// exclusion says why product x is excluded: out of stock (ReasonOutOfStock), or the first
// excluding ingredient on its label.
func (pl *plan) exclusion(x int32) Exclusion {
	if pl.proj.OutOfStock(x) {
		return Exclusion{ProductID: pl.proj.Products[x].ID, Reason: ReasonOutOfStock}
	}
	if name, ok := pl.rules.filteredBy(x); ok {
		return Exclusion{ProductID: pl.proj.Products[x].ID, Reason: "rule:" + name}
	}
	for _, u := range pl.proj.Uses(x) {
		if reason, ok := pl.excludeIng[u.Ingredient]; ok {
			return Exclusion{ProductID: pl.proj.Products[x].ID, Ingredient: pl.proj.Ingredients[u.Ingredient].INCI, Reason: reason}
		}
	}
	return Exclusion{ProductID: pl.proj.Products[x].ID}
}

// passesFilters is plan.eligible's filter part: category, price and brand.
func (pl *plan) passesFilters(x int32) bool {
	p := pl.proj
	if pl.category != 0 {
		if c := p.CategoryID(x); c < 0 || pl.category&(1<<uint(c)) == 0 {
			return false
		}
	}
	if pl.req.Filters.MaxPrice > 0 && p.Price(x) > pl.req.Filters.MaxPrice {
		return false
	}
	return pl.brand == nil || pl.brand[p.Products[x].Brand]
}

// eligible reports whether product x passes the filters and is neither excluded nor disliked.
// Excluded products are checked last so that the exclusion report lists only products the
// filters would otherwise have shown. Rank's selection pass (selectRange) inlines it.
func (pl *plan) eligible(x int32) (ok, excluded bool) {
	if !pl.passesFilters(x) || pl.hidden[x] {
		return false, false // a hidden product is liked (not a new recommendation) or disliked
	}
	if pl.excluded[x] || pl.proj.OutOfStock(x) {
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

// positionWeight is the weight of the k-th ingredient of a label: 1/sqrt(k), from a table
// for the positions labels have (the concern-fit and safety walks take one per edge).
func positionWeight(pos int16) float64 {
	if pos < 1 {
		pos = 1
	}
	if int(pos) < len(positionWeights) {
		return positionWeights[pos]
	}
	return 1 / math.Sqrt(float64(pos))
}

// positionWeights[k] is 1/sqrt(k), the same value positionWeight computes past the table.
var positionWeights = func() (t [256]float64) {
	for k := 1; k < len(t); k++ {
		t[k] = 1 / math.Sqrt(float64(k))
	}
	return t
}()
