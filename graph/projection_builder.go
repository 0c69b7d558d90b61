package graph

import (
	"cmp"
	"fmt"
	"slices"
	"time"
)

// ProjectionBuilder collects nodes and edges (streamed from the store in any order) and
// builds a Projection. Edges that name unknown products, ingredients or attributes are
// counted in Skipped and left out; they cannot be ranked.
type ProjectionBuilder struct {
	products    []ProjectedProduct
	ingredients []ProjectedIngredient
	contains    []rawUse
	treats      []rawTreat
	aggravs     []rawAggrav
	conflicts   []rawConflict
	outcomes    []rawOutcome
	claims      []rawAttrEdge
	suits       []rawAttrEdge
	reviews     []rawReview
	rules       []Rule
	experiments []Experiment

	// Skipped counts edges left out because an end was unknown.
	Skipped int
}

type rawUse struct {
	product, inci string
	use           Use
}
type rawTreat struct {
	inci  string
	treat Treat
}
type rawAggrav struct {
	inci string
	agg  Aggravates
}
type rawConflict struct {
	a, b     string
	severity float64
	reason   string
}
type rawOutcome struct {
	product string
	stats   OutcomeStats
}
type rawAttrEdge struct {
	product string
	id      int8
}

// AddRule adds a merchandising rule (the projection carries the rules of its data version).
func (b *ProjectionBuilder) AddRule(r Rule) { b.rules = append(b.rules, r) }

// AddExperiment adds an experiment (the projection carries the experiments of its data version).
func (b *ProjectionBuilder) AddExperiment(e Experiment) { b.experiments = append(b.experiments, e) }

// AddProduct adds a product node.
func (b *ProjectionBuilder) AddProduct(p ProjectedProduct) { b.products = append(b.products, p) }

// AddIngredient adds an ingredient node.
func (b *ProjectionBuilder) AddIngredient(i ProjectedIngredient) {
	b.ingredients = append(b.ingredients, i)
}

// AddContains adds a CONTAINS edge. Positions are clamped to 1..32767 (a missing position
// counts as first).
func (b *ProjectionBuilder) AddContains(productID, inci string, position int, mayContain bool) {
	position = max(1, min(position, 32767))
	b.contains = append(b.contains, rawUse{productID, inci, Use{Position: int16(position), MayContain: mayContain}})
}

// AddTreats adds a TREATS edge; unknown concerns or evidence levels are skipped.
func (b *ProjectionBuilder) AddTreats(inci, concern, evidence string, efficacy float64, source string) {
	c, ok1 := AttrOf(AttrConcern, concern)
	ev, ok2 := Evidence.index(evidence)
	if !ok1 || !ok2 {
		b.Skipped++
		return
	}
	b.treats = append(b.treats, rawTreat{inci, Treat{Concern: c.ID, Evidence: ev, Efficacy: efficacy, Source: source}})
}

// AddAggravates adds an AGGRAVATES edge to an attribute of the given kind (KindSkinType, ...).
func (b *ProjectionBuilder) AddAggravates(inci, kind, target string, severity float64, reason string) {
	k, ok := ParseAttrKind(kind)
	if !ok {
		b.Skipped++
		return
	}
	a, ok := AttrOf(k, target)
	if !ok {
		b.Skipped++
		return
	}
	b.aggravs = append(b.aggravs, rawAggrav{inci, Aggravates{Attr: a, Severity: severity, Reason: reason}})
}

// AddConflict adds a CONFLICTS_WITH edge (stored on both ingredients).
func (b *ProjectionBuilder) AddConflict(a, c string, severity float64, reason string) {
	b.conflicts = append(b.conflicts, rawConflict{a, c, severity, reason})
}

// AddClaim adds a CLAIMS edge from a product to a concern.
func (b *ProjectionBuilder) AddClaim(productID, concern string) {
	if a, ok := AttrOf(AttrConcern, concern); ok {
		b.claims = append(b.claims, rawAttrEdge{productID, a.ID})
	} else {
		b.Skipped++
	}
}

// AddSuits adds a SUITS edge from a product to a skin type.
func (b *ProjectionBuilder) AddSuits(productID, skinType string) {
	if a, ok := AttrOf(AttrSkinType, skinType); ok {
		b.suits = append(b.suits, rawAttrEdge{productID, a.ID})
	} else {
		b.Skipped++
	}
}

// AddOutcome adds a product's outcome aggregate for one attribute.
func (b *ProjectionBuilder) AddOutcome(o Outcome) {
	k, ok := ParseAttrKind(o.Kind)
	if !ok {
		b.Skipped++
		return
	}
	a, ok := AttrOf(k, o.Attribute)
	if !ok {
		b.Skipped++
		return
	}
	s := OutcomeStats{Attr: a, Count: int32(o.Count), MeanRating: o.MeanRating, RecommendRate: o.RecommendRate}
	for e, n := range o.Effects {
		if i, ok := EffectIndex(e); ok {
			s.Effects[i] = int32(n)
		}
	}
	b.outcomes = append(b.outcomes, rawOutcome{o.ProductID, s})
}

// Build sorts and indexes everything into a Projection for version v.
func (b *ProjectionBuilder) Build(v DataVersion) (*Projection, error) {
	p := &Projection{Version: v, BuiltAt: time.Now().UTC()}
	slices.SortFunc(b.products, func(x, y ProjectedProduct) int { return cmp.Compare(x.ID, y.ID) })
	slices.SortFunc(b.ingredients, func(x, y ProjectedIngredient) int { return cmp.Compare(x.INCI, y.INCI) })
	p.Products, p.Ingredients = b.products, b.ingredients
	slices.SortFunc(b.rules, func(x, y Rule) int { return cmp.Compare(x.ID, y.ID) })
	p.Rules = b.rules
	slices.SortFunc(b.experiments, func(x, y Experiment) int { return cmp.Compare(x.ID, y.ID) })
	p.Experiments = b.experiments
	p.productByID = make(map[string]int32, len(p.Products))
	for i, x := range p.Products {
		if _, dup := p.productByID[x.ID]; dup {
			return nil, fmt.Errorf("projection: duplicate product %q", x.ID)
		}
		p.productByID[x.ID] = int32(i)
	}
	p.ingredientByINCI = make(map[string]int32, len(p.Ingredients))
	for i, x := range p.Ingredients {
		if _, dup := p.ingredientByINCI[x.INCI]; dup {
			return nil, fmt.Errorf("projection: duplicate ingredient %q", x.INCI)
		}
		p.ingredientByINCI[x.INCI] = int32(i)
	}
	nP, nI := len(p.Products), len(p.Ingredients)

	// CONTAINS, by product then position; and its reverse.
	type keyedUse struct {
		x int32
		u Use
	}
	uses := make([]keyedUse, 0, len(b.contains))
	for _, r := range b.contains {
		x, ok1 := p.productByID[r.product]
		i, ok2 := p.ingredientByINCI[r.inci]
		if !ok1 || !ok2 {
			b.Skipped++
			continue
		}
		r.use.Ingredient = i
		uses = append(uses, keyedUse{x, r.use})
	}
	slices.SortFunc(uses, func(a, c keyedUse) int {
		return cmp.Or(cmp.Compare(a.x, c.x), cmp.Compare(a.u.Position, c.u.Position), cmp.Compare(a.u.Ingredient, c.u.Ingredient))
	})
	p.containsOff = make([]int32, nP+1)
	p.contains = make([]Use, len(uses))
	usedByCount := make([]int32, nI+1)
	for k, u := range uses {
		p.containsOff[u.x+1]++
		p.contains[k] = u.u
		usedByCount[u.u.Ingredient+1]++
	}
	prefix(p.containsOff)
	p.usedByOff = prefix(usedByCount)
	p.usedBy = make([]int32, len(uses))
	p.usedByPos = make([]int16, len(uses))
	fill := append([]int32(nil), p.usedByOff[:nI]...)
	for _, u := range uses { // uses are sorted by product, so each list ascends
		k := fill[u.u.Ingredient]
		p.usedBy[k] = u.x
		p.usedByPos[k] = u.u.Position
		if u.u.MayContain {
			p.usedByPos[k] = -u.u.Position
		}
		fill[u.u.Ingredient]++
	}

	// Per-ingredient edge lists.
	p.treatsOff, p.treats = groupBy(nI, b.treats, func(r rawTreat) (int32, bool) { return lookup(p.ingredientByINCI, r.inci) },
		func(r rawTreat) Treat { return r.treat }, func(a, c Treat) int { return cmp.Compare(a.Concern, c.Concern) }, &b.Skipped)
	p.aggravOff, p.aggravations = groupBy(nI, b.aggravs, func(r rawAggrav) (int32, bool) { return lookup(p.ingredientByINCI, r.inci) },
		func(r rawAggrav) Aggravates { return r.agg },
		func(a, c Aggravates) int {
			return cmp.Or(cmp.Compare(a.Attr.Kind, c.Attr.Kind), cmp.Compare(a.Attr.ID, c.Attr.ID))
		}, &b.Skipped)
	var both []rawConflict
	for _, c := range b.conflicts {
		both = append(both, c, rawConflict{c.b, c.a, c.severity, c.reason})
	}
	p.conflictOff, p.conflicts = groupBy(nI, both, func(r rawConflict) (int32, bool) {
		_, ok := p.ingredientByINCI[r.b]
		i, ok2 := p.ingredientByINCI[r.a]
		return i, ok && ok2
	}, func(r rawConflict) ConflictEdge {
		return ConflictEdge{Other: p.ingredientByINCI[r.b], Severity: r.severity, Reason: r.reason}
	}, func(a, c ConflictEdge) int {
		// the most severe edge of a pair first (dedupConflicts keeps it), whatever order the
		// edges came in
		return cmp.Or(cmp.Compare(a.Other, c.Other), cmp.Compare(c.Severity, a.Severity), cmp.Compare(a.Reason, c.Reason))
	}, &b.Skipped)
	p.conflictOff, p.conflicts = dedupConflicts(p.conflictOff, p.conflicts)

	// Per-product outcomes, claims and suits.
	p.outcomeOff, p.outcomes = groupBy(nP, b.outcomes, func(r rawOutcome) (int32, bool) { return lookup(p.productByID, r.product) },
		func(r rawOutcome) OutcomeStats { return r.stats },
		func(a, c OutcomeStats) int {
			return cmp.Or(cmp.Compare(a.Attr.Kind, c.Attr.Kind), cmp.Compare(a.Attr.ID, c.Attr.ID))
		}, &b.Skipped)
	for _, e := range b.claims {
		if x, ok := p.productByID[e.product]; ok && !slices.Contains(p.Products[x].Claims, e.id) {
			p.Products[x].Claims = append(p.Products[x].Claims, e.id)
		}
	}
	for _, e := range b.suits {
		if x, ok := p.productByID[e.product]; ok && !slices.Contains(p.Products[x].Suits, e.id) {
			p.Products[x].Suits = append(p.Products[x].Suits, e.id)
		}
	}
	p.claimedBy = make([][]int32, len(Concerns.names))
	p.categoryIDs = make([]int8, len(p.Products))
	p.prices = make([]float64, len(p.Products))
	p.outOfStock = make([]bool, len(p.Products))
	p.outcomesFor = map[Attr][]OutcomeRef{}
	for i := range p.Products {
		x := &p.Products[i]
		slices.Sort(x.Claims)
		slices.Sort(x.Suits)
		for _, c := range x.Claims {
			p.claimedBy[c] = append(p.claimedBy[c], int32(i))
		}
		x.CategoryID = -1
		if c, ok := Categories.index(x.Category); ok {
			x.CategoryID = c
		}
		p.categoryIDs[i], p.prices[i], p.outOfStock[i] = x.CategoryID, x.Price, x.OutOfStock
		for k := p.outcomeOff[i]; k < p.outcomeOff[i+1]; k++ {
			o := &p.outcomes[k]
			p.outcomesFor[o.Attr] = append(p.outcomesFor[o.Attr], OutcomeRef{Product: int32(i), Stats: o})
		}
	}
	p.computePriors()
	p.buildReviews(b.reviews, &b.Skipped)
	return p, nil
}

// computePriors sets the catalogue-wide means used for smoothing, from skin-type outcomes
// (every review with a skin type counts once there).
func (p *Projection) computePriors() {
	var n, ratingSum, good, bad float64
	improved, _ := EffectIndex("improved")
	hydration, _ := EffectIndex("hydration")
	breakout, _ := EffectIndex("breakout")
	irritation, _ := EffectIndex("irritation")
	for _, o := range p.outcomes {
		if o.Attr.Kind != AttrSkinType {
			continue
		}
		c := float64(o.Count)
		n += c
		ratingSum += c * float64(o.MeanRating)
		good += float64(o.Effects[improved] + o.Effects[hydration])
		bad += float64(o.Effects[breakout] + o.Effects[irritation])
	}
	p.MeanRating, p.MeanGood, p.MeanBad = 4, 0, 0
	if n > 0 {
		p.MeanRating, p.MeanGood, p.MeanBad = ratingSum/n, good/n, bad/n
	}
	for _, x := range p.Products {
		p.MaxReviewCount = max(p.MaxReviewCount, x.ReviewCount)
	}
}

// groupBy turns raw edges into a CSR list keyed by owner id, each group sorted by less.
func groupBy[R, E any](n int, raw []R, owner func(R) (int32, bool), edge func(R) E, less func(a, b E) int, skipped *int) ([]int32, []E) {
	type keyed struct {
		o int32
		e E
	}
	ks := make([]keyed, 0, len(raw))
	for _, r := range raw {
		o, ok := owner(r)
		if !ok {
			*skipped++
			continue
		}
		ks = append(ks, keyed{o, edge(r)})
	}
	slices.SortStableFunc(ks, func(a, b keyed) int { return cmp.Or(cmp.Compare(a.o, b.o), less(a.e, b.e)) })
	off := make([]int32, n+1)
	edges := make([]E, len(ks))
	for i, k := range ks {
		off[k.o+1]++
		edges[i] = k.e
	}
	return prefix(off), edges
}

// dedupConflicts removes duplicate (ingredient, other) pairs.
func dedupConflicts(off []int32, edges []ConflictEdge) ([]int32, []ConflictEdge) {
	newOff := make([]int32, len(off))
	out := edges[:0]
	for i := 0; i+1 < len(off); i++ {
		start := len(out)
		for _, e := range edges[off[i]:off[i+1]] {
			if len(out) > start && out[len(out)-1].Other == e.Other {
				continue
			}
			out = append(out, e)
		}
		newOff[i+1] = int32(len(out))
	}
	return newOff, out
}

func lookup(m map[string]int32, k string) (int32, bool) {
	v, ok := m[k]
	return v, ok
}

// prefix turns per-slot counts (shifted by one) into offsets, in place.
func prefix(off []int32) []int32 {
	for i := 1; i < len(off); i++ {
		off[i] += off[i-1]
	}
	return off
}
