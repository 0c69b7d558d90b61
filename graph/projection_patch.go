package graph

import (
	"cmp"
	"slices"
	"time"
)

// The in-place path of Apply: the new projection is the old one with the changed lists
// spliced into copies of the arrays that hold them. Products and ingredients that appear are
// inserted first without edges (withProducts, withIngredients), and those that go are patched
// to no edges and dropped last (withoutProducts, withoutIngredients); both shift the dense ids
// of the others and renumber the arrays that hold ids (O(array), memory copies). Arrays nothing changed in are shared with the old projection
// (for a rating event: the products, CONTAINS and its reverse, the ingredient edges, the
// indexes). Splicing copies a whole array (a memory copy, O(array)); the per-item work
// (sorting, co-review counting) is proportional to the change. Derived values that depend on
// every row are recomputed when their inputs changed: the outcome index and the priors
// (O(outcomes)), the claim index (O(products)), the review ages when the most recent review
// moved (O(reviews)) and the reviewer numbering when a reviewer appears or goes (O(positive
// reviews)).

// applyInPlace applies d by patching; ok is false when d does not describe a consistent
// change (a row for an id it does not name, an ingredient that goes while an untouched product
// still uses it): Apply then rebuilds.
func (p *Projection) applyInPlace(d *Delta) (*Projection, bool) {
	r := &d.Rows
	rows := map[string]*productRows{}
	byID := map[string]ProjectedProduct{}
	for _, x := range r.products {
		rows[x.ID] = &productRows{node: x}
		byID[x.ID] = x
	}
	// New products first join p without edges (their dense ids shift the others'); then all
	// touched products are patched alike, a product that goes patched to no edges, no
	// outcomes and no reviews, and dropped at the end (withoutProducts).
	var adds []ProjectedProduct
	var removes []string
	for _, id := range d.Products {
		x, had := p.productByID[id]
		n, has := byID[id]
		switch {
		case had && !has:
			node := p.Products[x]
			node.Claims, node.Suits = nil, nil
			rows[id] = &productRows{node: node}
			removes = append(removes, id)
		case has && !had:
			adds = append(adds, n)
		}
	}
	if len(adds) > 0 {
		p = p.withProducts(adds)
	}
	var tp []int32
	for _, id := range d.Products {
		if x, ok := p.productByID[id]; ok {
			tp = append(tp, x)
		}
	}
	if len(rows) != len(tp) {
		return nil, false
	}
	ingRows := map[string]int{}
	for k, i := range r.ingredients {
		ingRows[i.INCI] = k
	}
	// New ingredients join first, without edges (their dense ids shift the others'); an
	// ingredient that goes is patched to no edges and dropped at the end (withoutIngredients).
	var addsI []ProjectedIngredient
	var removesI []string
	for _, inci := range d.Ingredients {
		_, had := p.ingredientByINCI[inci]
		k, has := ingRows[inci]
		switch {
		case had && !has:
			removesI = append(removesI, inci)
		case has && !had:
			addsI = append(addsI, r.ingredients[k])
		}
	}
	if len(addsI) > 0 {
		p = p.withIngredients(addsI)
	}
	var ti []int32
	withRows := 0
	for _, inci := range d.Ingredients {
		if i, ok := p.ingredientByINCI[inci]; ok {
			ti = append(ti, i)
			if _, has := ingRows[inci]; has {
				withRows++
			}
		}
	}
	if len(ingRows) != withRows {
		return nil, false
	}
	q := *p
	q.Version, q.BuiltAt, q.inPlace = d.To, time.Now().UTC(), true
	if d.Rules {
		q.Rules = slices.Clone(r.rules)
		slices.SortFunc(q.Rules, func(a, b Rule) int { return cmp.Compare(a.ID, b.ID) })
		q.Experiments = slices.Clone(r.experiments)
		slices.SortFunc(q.Experiments, func(a, b Experiment) int { return cmp.Compare(a.ID, b.ID) })
	}
	q.patchIngredients(p, r, ti, ingRows)
	q.patchProducts(p, r, tp, rows)
	out, ok := &q, true
	if len(removes) > 0 {
		if out, ok = out.withoutProducts(removes); !ok {
			return nil, false
		}
	}
	if len(removesI) > 0 {
		return out.withoutIngredients(removesI)
	}
	return out, true
}

// patchIngredients replaces the nodes and edge lists of the ingredients ti from r.
func (q *Projection) patchIngredients(p *Projection, r *ProjectionBuilder, ti []int32, ingRows map[string]int) {
	if len(ti) == 0 {
		return
	}
	touched := make(map[int32]bool, len(ti))
	for _, i := range ti {
		touched[i] = true
	}
	var nodes []ProjectedIngredient
	treats, aggravs := map[int32][]Treat{}, map[int32][]Aggravates{}
	for _, i := range ti {
		k, has := ingRows[p.Ingredients[i].INCI] // an ingredient that goes keeps its node until dropped
		if has && r.ingredients[k] != p.Ingredients[i] {
			n := r.ingredients[k]
			if nodes == nil {
				nodes = slices.Clone(p.Ingredients)
			}
			nodes[i] = n
		}
		treats[i], aggravs[i] = []Treat{}, []Aggravates{}
	}
	for _, t := range r.treats {
		if i, ok := p.ingredientByINCI[t.inci]; ok && touched[i] {
			treats[i] = append(treats[i], t.treat)
		}
	}
	for _, a := range r.aggravs {
		if i, ok := p.ingredientByINCI[a.inci]; ok && touched[i] {
			aggravs[i] = append(aggravs[i], a.agg)
		}
	}
	for i, ts := range treats {
		slices.SortStableFunc(ts, func(a, c Treat) int { return cmp.Compare(a.Concern, c.Concern) })
		if slices.Equal(ts, p.Treats(i)) {
			delete(treats, i)
		}
	}
	for i, as := range aggravs {
		slices.SortStableFunc(as, func(a, c Aggravates) int {
			return cmp.Or(cmp.Compare(a.Attr.Kind, c.Attr.Kind), cmp.Compare(a.Attr.ID, c.Attr.ID))
		})
		if slices.Equal(as, p.Aggravations(i)) {
			delete(aggravs, i)
		}
	}
	if nodes != nil {
		q.Ingredients = nodes
	}
	if len(treats) > 0 {
		q.treatsOff, q.treats = splice(p.treatsOff, p.treats, treats)
	}
	if len(aggravs) > 0 {
		q.aggravOff, q.aggravations = splice(p.aggravOff, p.aggravations, aggravs)
	}

	// Conflicts are stored on both ends: the lists of the touched ingredients and of every
	// ingredient in conflict with one (before or after) change.
	conflicts := map[int32][]ConflictEdge{}
	for _, i := range ti {
		conflicts[i] = []ConflictEdge{}
		for _, c := range p.Conflicts(i) {
			if !touched[c.Other] {
				conflicts[c.Other] = nil // filled below
			}
		}
	}
	for _, c := range r.conflicts {
		a, ok1 := p.ingredientByINCI[c.a]
		b, ok2 := p.ingredientByINCI[c.b]
		if ok1 && ok2 && (touched[a] || touched[b]) {
			conflicts[a], conflicts[b] = conflicts[a], conflicts[b] // make sure both have an entry
		}
	}
	for o := range conflicts {
		if touched[o] {
			continue
		}
		var kept []ConflictEdge
		for _, c := range p.Conflicts(o) {
			if !touched[c.Other] {
				kept = append(kept, c)
			}
		}
		conflicts[o] = kept
	}
	for _, c := range r.conflicts {
		a, ok1 := p.ingredientByINCI[c.a]
		b, ok2 := p.ingredientByINCI[c.b]
		if !ok1 || !ok2 || !(touched[a] || touched[b]) {
			continue
		}
		conflicts[a] = append(conflicts[a], ConflictEdge{Other: b, Severity: c.severity, Reason: c.reason})
		conflicts[b] = append(conflicts[b], ConflictEdge{Other: a, Severity: c.severity, Reason: c.reason})
	}
	for i, cs := range conflicts {
		slices.SortStableFunc(cs, func(a, c ConflictEdge) int {
			return cmp.Or(cmp.Compare(a.Other, c.Other), cmp.Compare(c.Severity, a.Severity), cmp.Compare(a.Reason, c.Reason))
		})
		cs = slices.CompactFunc(cs, func(a, c ConflictEdge) bool { return a.Other == c.Other })
		if slices.Equal(cs, p.Conflicts(i)) {
			delete(conflicts, i)
		} else {
			conflicts[i] = cs
		}
	}
	if len(conflicts) > 0 {
		q.conflictOff, q.conflicts = splice(p.conflictOff, p.conflicts, conflicts)
	}
}

// productRows are one touched product's rows, normalised as Build does.
type productRows struct {
	node      ProjectedProduct
	claims    []int8
	suits     []int8
	uses      []Use
	outcomes  []OutcomeStats
	allAt     []int64 // review times, descending
	pos       []posReview
	reviewers []string // distinct positive reviewers, ascending
}

type posReview struct {
	at   int64
	skin int8
}

// patchProducts replaces the rows of the products tp (rows by id).
func (q *Projection) patchProducts(p *Projection, r *ProjectionBuilder, tp []int32, rows map[string]*productRows) {
	if len(tp) == 0 {
		return
	}
	for _, c := range r.claims {
		if pr := rows[c.product]; pr != nil && !slices.Contains(pr.claims, c.id) {
			pr.claims = append(pr.claims, c.id)
		}
	}
	for _, c := range r.suits {
		if pr := rows[c.product]; pr != nil && !slices.Contains(pr.suits, c.id) {
			pr.suits = append(pr.suits, c.id)
		}
	}
	for _, u := range r.contains {
		if pr := rows[u.product]; pr != nil {
			if i, ok := p.ingredientByINCI[u.inci]; ok {
				use := u.use
				use.Ingredient = i
				pr.uses = append(pr.uses, use)
			}
		}
	}
	for _, o := range r.outcomes {
		if pr := rows[o.product]; pr != nil {
			pr.outcomes = append(pr.outcomes, o.stats)
		}
	}
	for _, rv := range r.reviews {
		pr := rows[rv.product]
		if pr == nil {
			continue
		}
		at := atNanos(rv.at)
		pr.allAt = append(pr.allAt, at)
		if rv.rating >= CoReviewMinRating {
			skin := int8(-1)
			if rv.skinType != "" {
				if id, ok := SkinTypes.index(rv.skinType); ok {
					skin = id
				}
			}
			pr.pos = append(pr.pos, posReview{at, skin})
			pr.reviewers = append(pr.reviewers, rv.reviewer)
		}
	}
	nodes, uses, outcomes := map[int32]*productRows{}, map[int32][]Use{}, map[int32][]OutcomeStats{}
	reviews := map[int32]*productRows{}
	claimsChanged := false
	for _, x := range tp {
		pr := rows[p.Products[x].ID]
		slices.Sort(pr.claims)
		slices.Sort(pr.suits)
		pr.node.Claims, pr.node.Suits = pr.claims, pr.suits
		pr.node.CategoryID = -1
		if c, ok := Categories.index(pr.node.Category); ok {
			pr.node.CategoryID = c
		}
		if !sameProduct(pr.node, p.Products[x]) {
			nodes[x] = pr
			claimsChanged = claimsChanged || !slices.Equal(pr.claims, p.Products[x].Claims)
		}
		slices.SortFunc(pr.uses, func(a, c Use) int {
			return cmp.Or(cmp.Compare(a.Position, c.Position), cmp.Compare(a.Ingredient, c.Ingredient))
		})
		if !slices.Equal(pr.uses, p.Uses(x)) {
			uses[x] = pr.uses
		}
		slices.SortStableFunc(pr.outcomes, func(a, c OutcomeStats) int {
			return cmp.Or(cmp.Compare(a.Attr.Kind, c.Attr.Kind), cmp.Compare(a.Attr.ID, c.Attr.ID))
		})
		if !slices.Equal(pr.outcomes, p.Outcomes(x)) {
			outcomes[x] = pr.outcomes
		}
		slices.SortFunc(pr.allAt, func(a, b int64) int { return cmp.Compare(b, a) })
		slices.Sort(pr.reviewers)
		pr.reviewers = slices.Compact(pr.reviewers)
		if p.reviewsDiffer(x, pr) {
			reviews[x] = pr
		}
	}

	if len(nodes) > 0 {
		q.Products = slices.Clone(p.Products)
		q.categoryIDs, q.prices, q.outOfStock = slices.Clone(p.categoryIDs), slices.Clone(p.prices), slices.Clone(p.outOfStock)
		for x, pr := range nodes {
			q.Products[x] = pr.node
			q.categoryIDs[x], q.prices[x], q.outOfStock[x] = pr.node.CategoryID, pr.node.Price, pr.node.OutOfStock
		}
		if claimsChanged {
			q.claimedBy = make([][]int32, len(Concerns.names))
			for x := range q.Products {
				for _, c := range q.Products[x].Claims {
					q.claimedBy[c] = append(q.claimedBy[c], int32(x))
				}
			}
		}
	}
	if len(uses) > 0 {
		q.containsOff, q.contains = splice(p.containsOff, p.contains, uses)
		q.patchUsedBy(p, uses)
	}
	if len(outcomes) > 0 {
		q.outcomeOff, q.outcomes = splice(p.outcomeOff, p.outcomes, outcomes)
		q.outcomesFor = map[Attr][]OutcomeRef{}
		for x := range q.Products {
			for k := q.outcomeOff[x]; k < q.outcomeOff[x+1]; k++ {
				o := &q.outcomes[k]
				q.outcomesFor[o.Attr] = append(q.outcomesFor[o.Attr], OutcomeRef{Product: int32(x), Stats: o})
			}
		}
	}
	if len(outcomes) > 0 || len(nodes) > 0 {
		q.MaxReviewCount = 0
		q.computePriors()
	}
	if len(reviews) > 0 {
		q.patchReviews(p, reviews)
	}
}

// sameProduct compares two product nodes field by field.
func sameProduct(a, b ProjectedProduct) bool {
	return a.ID == b.ID && a.Name == b.Name && a.Brand == b.Brand && a.Category == b.Category && a.CategoryID == b.CategoryID &&
		a.Price == b.Price && a.OutOfStock == b.OutOfStock && a.Rating == b.Rating && a.ReviewCount == b.ReviewCount &&
		slices.Equal(a.Claims, b.Claims) && slices.Equal(a.Suits, b.Suits)
}

// patchUsedBy rebuilds the reverse CONTAINS lists of the ingredients the changed products
// used before or use now.
func (q *Projection) patchUsedBy(p *Projection, uses map[int32][]Use) {
	type entry struct {
		x   int32
		pos int16
	}
	lists := map[int32][]entry{}
	for x, us := range uses {
		for _, u := range p.Uses(x) {
			lists[u.Ingredient] = nil
		}
		for _, u := range us {
			lists[u.Ingredient] = nil
		}
	}
	for i := range lists {
		var es []entry
		xs, ps := p.UsedBy(i), p.UsedByPositions(i)
		for k, x := range xs {
			if _, changed := uses[x]; !changed {
				es = append(es, entry{x, ps[k]})
			}
		}
		lists[i] = es
	}
	for x, us := range uses {
		for _, u := range us {
			pos := u.Position
			if u.MayContain {
				pos = -pos
			}
			lists[u.Ingredient] = append(lists[u.Ingredient], entry{x, pos})
		}
	}
	xs, ps := map[int32][]int32{}, map[int32][]int16{}
	for i, es := range lists {
		slices.SortFunc(es, func(a, b entry) int { return cmp.Or(cmp.Compare(a.x, b.x), cmp.Compare(abs16(a.pos), abs16(b.pos))) })
		xs[i], ps[i] = make([]int32, len(es)), make([]int16, len(es))
		for k, e := range es {
			xs[i][k], ps[i][k] = e.x, e.pos
		}
	}
	q.usedByOff, q.usedBy = splice(p.usedByOff, p.usedBy, xs)
	_, q.usedByPos = splice(p.usedByOff, p.usedByPos, ps)
}

func abs16(v int16) int16 {
	if v < 0 {
		return -v
	}
	return v
}

// reviewsDiffer reports whether product x's reviews in pr differ from p's: their times, the
// positive ones' times and skin types, or the positive reviewers.
func (p *Projection) reviewsDiffer(x int32, pr *productRows) bool {
	if p.ageOff == nil {
		return len(pr.allAt) > 0
	}
	if !slices.Equal(pr.allAt, p.reviewAt[p.ageOff[x]:p.ageOff[x+1]]) {
		return true
	}
	old := make([]posReview, 0, p.posAgeOff[x+1]-p.posAgeOff[x])
	for k := p.posAgeOff[x]; k < p.posAgeOff[x+1]; k++ {
		old = append(old, posReview{p.posAt[k], p.posSkin[k]})
	}
	cur := slices.Clone(pr.pos)
	byAt := func(a, b posReview) int { return cmp.Or(cmp.Compare(a.at, b.at), cmp.Compare(a.skin, b.skin)) }
	slices.SortFunc(old, byAt)
	slices.SortFunc(cur, byAt)
	if !slices.Equal(old, cur) {
		return true
	}
	rs := p.CoReviewers(x)
	if len(rs) != len(pr.reviewers) {
		return true
	}
	for k, u := range rs {
		if p.reviewerIDs[u] != pr.reviewers[k] {
			return true
		}
	}
	return false
}

// patchReviews replaces the reviews of the products in changed: their ages (all products'
// when the most recent review moved), positive reviews, reviewers (renumbering them when one
// appears or goes) and the co-review lists of every product that shares a positive reviewer
// with a product whose reviewers changed.
func (q *Projection) patchReviews(p *Projection, changed map[int32]*productRows) {
	nP := int32(len(p.Products))
	// The most recent review: each product's times are descending, so its first is its latest.
	last := int64(noTime)
	for x := range nP {
		if pr, ok := changed[x]; ok {
			if len(pr.allAt) > 0 {
				last = max(last, pr.allAt[0])
			}
		} else if p.ageOff[x] < p.ageOff[x+1] {
			last = max(last, p.reviewAt[p.ageOff[x]])
		}
	}
	lastAt := time.Time{}
	if last != noTime {
		lastAt = timeOf(last)
	}
	moved := last != atNanos(p.lastReviewAt)
	if moved {
		q.lastReviewAt = lastAt
	}

	// All reviews: times spliced, ages recomputed where needed.
	allAt := map[int32][]int64{}
	for x, pr := range changed {
		allAt[x] = pr.allAt
	}
	q.ageOff, q.reviewAt = splice(p.ageOff, p.reviewAt, allAt)
	if moved {
		q.ages = make([]int32, len(q.reviewAt))
		for k, at := range q.reviewAt {
			q.ages[k] = reviewAge(lastAt, timeOf(at))
		}
	} else {
		ages := map[int32][]int32{}
		for x, pr := range changed {
			a := make([]int32, len(pr.allAt))
			for k, at := range pr.allAt {
				a[k] = reviewAge(lastAt, timeOf(at))
			}
			ages[x] = a
		}
		_, q.ages = splice(p.ageOff, p.ages, ages)
	}

	// Positive reviews: (age, skin, time), sorted as Build sorts them.
	type agedSkin struct {
		age  int32
		skin int8
		at   int64
	}
	sortPos := func(s []agedSkin) {
		slices.SortFunc(s, func(a, b agedSkin) int {
			return cmp.Or(cmp.Compare(a.age, b.age), cmp.Compare(a.skin, b.skin), cmp.Compare(b.at, a.at))
		})
	}
	posAges, posSkin, posAt := map[int32][]int32{}, map[int32][]int8{}, map[int32][]int64{}
	for x, pr := range changed {
		s := make([]agedSkin, len(pr.pos))
		for k, r := range pr.pos {
			s[k] = agedSkin{reviewAge(lastAt, timeOf(r.at)), r.skin, r.at}
		}
		sortPos(s)
		posAges[x], posSkin[x], posAt[x] = make([]int32, len(s)), make([]int8, len(s)), make([]int64, len(s))
		for k, a := range s {
			posAges[x][k], posSkin[x][k], posAt[x][k] = a.age, a.skin, a.at
		}
	}
	q.posAgeOff, q.posAt = splice(p.posAgeOff, p.posAt, posAt)
	_, q.posSkin = splice(p.posAgeOff, p.posSkin, posSkin)
	if moved {
		q.posAges = make([]int32, len(q.posAt))
		var s []agedSkin
		for x := range nP {
			lo, hi := q.posAgeOff[x], q.posAgeOff[x+1]
			s = s[:0]
			for k := lo; k < hi; k++ {
				s = append(s, agedSkin{reviewAge(lastAt, timeOf(q.posAt[k])), q.posSkin[k], q.posAt[k]})
			}
			sortPos(s)
			for k, a := range s {
				q.posAges[lo+int32(k)], q.posSkin[lo+int32(k)], q.posAt[lo+int32(k)] = a.age, a.skin, a.at
			}
		}
	} else {
		_, q.posAges = splice(p.posAgeOff, p.posAges, posAges)
	}

	q.patchReviewers(p, changed)
}

// patchReviewers renumbers the reviewers when one appears or goes, splices the changed
// products' reviewer lists and recomputes the co-review lists that can have changed.
func (q *Projection) patchReviewers(p *Projection, changed map[int32]*productRows) {
	nP := int32(len(p.Products))
	// The products whose positive reviewers changed, and the fanout after the change.
	var moved []int32
	fanout := map[int32]int32{} // old reviewer index -> change of fanout
	added := map[string]int32{} // new reviewer id -> fanout
	for x, pr := range changed {
		old := p.CoReviewers(x)
		same := len(old) == len(pr.reviewers)
		for k := 0; same && k < len(old); k++ {
			same = p.reviewerIDs[old[k]] == pr.reviewers[k]
		}
		if same {
			continue
		}
		moved = append(moved, x)
		for _, u := range old {
			fanout[u]--
		}
		for _, id := range pr.reviewers {
			if u, ok := slices.BinarySearch(p.reviewerIDs, id); ok {
				fanout[int32(u)]++
			} else {
				added[id]++
			}
		}
	}
	if len(moved) == 0 {
		return
	}
	slices.Sort(moved)
	dropped := false
	for u, d := range fanout {
		if p.fanout[u]+d == 0 {
			dropped = true
		}
	}
	// Renumber: remap[old] = new index, -1 for a reviewer that has gone.
	var remap []int32
	if len(added) > 0 || dropped {
		ids := make([]string, 0, len(p.reviewerIDs)+len(added))
		for u, id := range p.reviewerIDs {
			if p.fanout[u]+fanout[int32(u)] > 0 {
				ids = append(ids, id)
			}
		}
		for id := range added {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		q.reviewerIDs = ids
		remap = make([]int32, len(p.reviewerIDs))
		for u, id := range p.reviewerIDs {
			remap[u] = -1
			if n, ok := slices.BinarySearch(ids, id); ok && p.fanout[u]+fanout[int32(u)] > 0 {
				remap[u] = int32(n)
			}
		}
	}
	index := func(id string) int32 {
		u, _ := slices.BinarySearch(q.reviewerIDs, id)
		return int32(u)
	}
	lists := map[int32][]int32{}
	for _, x := range moved {
		l := make([]int32, len(changed[x].reviewers))
		for k, id := range changed[x].reviewers {
			l[k] = index(id)
		}
		lists[x] = l
	}
	q.posOff, q.posBy = splice(p.posOff, p.posBy, lists)
	if remap != nil {
		for x := range nP {
			if _, ok := lists[x]; ok {
				continue
			}
			for k := q.posOff[x]; k < q.posOff[x+1]; k++ {
				q.posBy[k] = remap[q.posBy[k]]
			}
		}
	}
	// Each reviewer's products (ascending) and count, in the new numbering.
	nR := len(q.reviewerIDs)
	byOff := make([]int32, nR+1)
	for _, u := range q.posBy {
		byOff[u+1]++
	}
	prefix(byOff)
	byProducts := make([]int32, len(q.posBy))
	fill := slices.Clone(byOff[:nR])
	for x := range nP {
		for _, u := range q.CoReviewers(x) {
			byProducts[fill[u]] = x
			fill[u]++
		}
	}
	q.fanout = make([]int32, nR)
	for u := range q.fanout {
		q.fanout[u] = byOff[u+1] - byOff[u]
	}
	// The products whose co-review lists may change: those whose reviewers changed, and every
	// product of a reviewer they had or have who counts (at most MaxReviewerFanout products)
	// before or after.
	affected := map[int32]bool{}
	for _, x := range moved {
		affected[x] = true
		reach := func(u int32, oldFanout int32) {
			if u < 0 || (oldFanout > MaxReviewerFanout && q.fanout[u] > MaxReviewerFanout) {
				return
			}
			for _, y := range byProducts[byOff[u]:byOff[u+1]] {
				affected[y] = true
			}
		}
		for _, u := range p.CoReviewers(x) {
			n := u
			if remap != nil {
				n = remap[u]
			}
			reach(n, p.fanout[u])
		}
		for _, u := range q.CoReviewers(x) {
			of := int32(0)
			if old, ok := slices.BinarySearch(p.reviewerIDs, q.reviewerIDs[u]); ok {
				of = p.fanout[old]
			}
			reach(u, of)
		}
	}
	c := newCoCounter(int(nP))
	co := make(map[int32][]CoNeighbour, len(affected))
	for y := range affected {
		co[y] = slices.Clone(q.coReviewList(y, byOff, byProducts, c))
	}
	q.coOff, q.co = splice(p.coOff, p.co, co)
}

// splice returns a CSR list (off, data) with the lists of the keys in repl replaced: new
// arrays, the old ones unchanged. It copies the whole data array once.
func splice[E any](off []int32, data []E, repl map[int32][]E) ([]int32, []E) {
	keys := make([]int32, 0, len(repl))
	size := len(data)
	for k, v := range repl {
		keys = append(keys, k)
		size += len(v) - int(off[k+1]-off[k])
	}
	slices.Sort(keys)
	n := int32(len(off) - 1)
	newOff := make([]int32, len(off))
	newData := make([]E, 0, size)
	from := int32(0) // the next old list to copy
	for _, k := range keys {
		newData = append(newData, data[off[from]:off[k]]...)
		shift := int32(len(newData)) - off[k]
		for j := from + 1; j <= k; j++ {
			newOff[j] = off[j] + shift
		}
		newData = append(newData, repl[k]...)
		newOff[k+1] = int32(len(newData))
		from = k + 1
	}
	shift := int32(len(newData)) - off[from]
	newData = append(newData, data[off[from]:off[n]]...)
	for j := from + 1; j <= n; j++ {
		newOff[j] = off[j] + shift
	}
	return newOff, newData
}

// withProducts returns p with the products adds (not in p; sorted by ID) inserted without
// edges, reviews or outcomes: what a build of p's rows and those nodes gives. The dense ids of
// the products after each insertion shift, so the arrays that hold product ids are remapped
// (CONTAINS' reverse, the claim index, the co-review lists) and the per-product offsets get
// empty lists; the per-product data arrays are shared unchanged.
func (p *Projection) withProducts(adds []ProjectedProduct) *Projection {
	q := *p
	n := len(p.Products) + len(adds)
	q.Products = make([]ProjectedProduct, 0, n)
	newIndex := make([]int32, len(p.Products))
	isNew := make([]bool, n)
	for i, j := 0, 0; i < len(p.Products) || j < len(adds); {
		if j == len(adds) || (i < len(p.Products) && p.Products[i].ID < adds[j].ID) {
			newIndex[i] = int32(len(q.Products))
			q.Products = append(q.Products, p.Products[i])
			i++
			continue
		}
		a := adds[j]
		a.Claims, a.Suits, a.CategoryID = nil, nil, -1
		if c, ok := Categories.index(a.Category); ok {
			a.CategoryID = c
		}
		isNew[len(q.Products)] = true
		q.Products = append(q.Products, a)
		q.MaxReviewCount = max(q.MaxReviewCount, a.ReviewCount)
		j++
	}
	q.productByID = make(map[string]int32, n)
	q.categoryIDs, q.prices, q.outOfStock = make([]int8, n), make([]float64, n), make([]bool, n)
	for x, prod := range q.Products {
		q.productByID[prod.ID] = int32(x)
		q.categoryIDs[x], q.prices[x], q.outOfStock[x] = prod.CategoryID, prod.Price, prod.OutOfStock
	}
	widen := func(off []int32) []int32 {
		if off == nil {
			return nil
		}
		out := make([]int32, n+1)
		old := 0
		for x := range n {
			out[x+1] = out[x]
			if !isNew[x] {
				out[x+1] += off[old+1] - off[old]
				old++
			}
		}
		return out
	}
	q.containsOff, q.outcomeOff = widen(p.containsOff), widen(p.outcomeOff)
	q.ageOff, q.posAgeOff, q.posOff, q.coOff = widen(p.ageOff), widen(p.posAgeOff), widen(p.posOff), widen(p.coOff)
	q.usedBy = make([]int32, len(p.usedBy))
	for k, x := range p.usedBy {
		q.usedBy[k] = newIndex[x]
	}
	q.co = make([]CoNeighbour, len(p.co))
	for k, c := range p.co {
		q.co[k] = CoNeighbour{Product: newIndex[c.Product], Co: c.Co}
	}
	q.claimedBy = make([][]int32, len(p.claimedBy))
	for c, xs := range p.claimedBy {
		if xs != nil {
			q.claimedBy[c] = make([]int32, len(xs))
			for k, x := range xs {
				q.claimedBy[c][k] = newIndex[x]
			}
		}
	}
	q.outcomesFor = make(map[Attr][]OutcomeRef, len(p.outcomesFor))
	for a, refs := range p.outcomesFor {
		out := make([]OutcomeRef, len(refs))
		for k, r := range refs {
			out[k] = OutcomeRef{Product: newIndex[r.Product], Stats: r.Stats}
		}
		q.outcomesFor[a] = out
	}
	return &q
}

// withoutProducts returns p without the products ids, which must have been patched to no
// edges, outcomes and reviews (their rows in every CSR array are empty): the other products'
// dense ids shift down, and every array that holds product ids is renumbered; the arrays that
// only hold ranges are narrowed. ok is false when a product still holds anything (Apply then
// rebuilds).
func (p *Projection) withoutProducts(ids []string) (*Projection, bool) {
	gone := make([]bool, len(p.Products))
	for _, id := range ids {
		x, ok := p.productByID[id]
		if !ok {
			return nil, false
		}
		gone[x] = true
	}
	offs := []*[]int32{&p.containsOff, &p.outcomeOff, &p.ageOff, &p.posAgeOff, &p.posOff, &p.coOff}
	for x, g := range gone {
		if !g {
			continue
		}
		for _, off := range offs {
			if *off != nil && (*off)[x+1] != (*off)[x] {
				return nil, false
			}
		}
	}
	q := *p
	n := len(p.Products) - len(ids)
	newIndex := make([]int32, len(p.Products))
	q.Products = make([]ProjectedProduct, 0, n)
	q.productByID = make(map[string]int32, n)
	q.categoryIDs, q.prices, q.outOfStock = make([]int8, 0, n), make([]float64, 0, n), make([]bool, 0, n)
	q.MaxReviewCount = 0
	for x, prod := range p.Products {
		newIndex[x] = -1
		if gone[x] {
			continue
		}
		newIndex[x] = int32(len(q.Products))
		q.productByID[prod.ID] = newIndex[x]
		q.Products = append(q.Products, prod)
		q.categoryIDs, q.prices, q.outOfStock = append(q.categoryIDs, p.categoryIDs[x]), append(q.prices, p.prices[x]), append(q.outOfStock, p.outOfStock[x])
		q.MaxReviewCount = max(q.MaxReviewCount, prod.ReviewCount)
	}
	narrow := func(off []int32) []int32 {
		if off == nil {
			return nil
		}
		out := make([]int32, 1, n+1)
		for x := range gone {
			if !gone[x] {
				out = append(out, out[len(out)-1]+off[x+1]-off[x])
			}
		}
		return out
	}
	q.containsOff, q.outcomeOff = narrow(p.containsOff), narrow(p.outcomeOff)
	q.ageOff, q.posAgeOff, q.posOff, q.coOff = narrow(p.ageOff), narrow(p.posAgeOff), narrow(p.posOff), narrow(p.coOff)
	renumber := func(x int32) (int32, bool) {
		y := newIndex[x]
		return y, y >= 0
	}
	q.usedBy = make([]int32, len(p.usedBy))
	for k, x := range p.usedBy {
		var ok bool
		if q.usedBy[k], ok = renumber(x); !ok {
			return nil, false
		}
	}
	q.co = make([]CoNeighbour, len(p.co))
	for k, c := range p.co {
		y, ok := renumber(c.Product)
		if !ok {
			return nil, false
		}
		q.co[k] = CoNeighbour{Product: y, Co: c.Co}
	}
	q.claimedBy = make([][]int32, len(p.claimedBy))
	for c, xs := range p.claimedBy {
		if xs != nil {
			q.claimedBy[c] = make([]int32, len(xs))
			for k, x := range xs {
				var ok bool
				if q.claimedBy[c][k], ok = renumber(x); !ok {
					return nil, false
				}
			}
		}
	}
	q.outcomesFor = make(map[Attr][]OutcomeRef, len(p.outcomesFor))
	for a, refs := range p.outcomesFor {
		out := make([]OutcomeRef, len(refs))
		for k, r := range refs {
			y, ok := renumber(r.Product)
			if !ok {
				return nil, false
			}
			out[k] = OutcomeRef{Product: y, Stats: r.Stats}
		}
		q.outcomesFor[a] = out
	}
	return &q, true
}

// withIngredients returns p with the ingredient nodes adds (not in p) inserted without edges:
// the other ingredients' dense ids shift up, every array that holds ingredient ids (CONTAINS,
// conflicts) is renumbered, and the arrays of ranges per ingredient are widened.
func (p *Projection) withIngredients(adds []ProjectedIngredient) *Projection {
	adds = slices.Clone(adds)
	slices.SortFunc(adds, func(a, b ProjectedIngredient) int { return cmp.Compare(a.INCI, b.INCI) })
	q := *p
	n := len(p.Ingredients) + len(adds)
	q.Ingredients = make([]ProjectedIngredient, 0, n)
	newIndex := make([]int32, len(p.Ingredients))
	isNew := make([]bool, n)
	for i, j := 0, 0; i < len(p.Ingredients) || j < len(adds); {
		if j == len(adds) || (i < len(p.Ingredients) && p.Ingredients[i].INCI < adds[j].INCI) {
			newIndex[i] = int32(len(q.Ingredients))
			q.Ingredients = append(q.Ingredients, p.Ingredients[i])
			i++
			continue
		}
		isNew[len(q.Ingredients)] = true
		q.Ingredients = append(q.Ingredients, adds[j])
		j++
	}
	q.ingredientByINCI = make(map[string]int32, n)
	for i, ing := range q.Ingredients {
		q.ingredientByINCI[ing.INCI] = int32(i)
	}
	widen := func(off []int32) []int32 {
		out := make([]int32, n+1)
		old := 0
		for i := range n {
			out[i+1] = out[i]
			if !isNew[i] {
				out[i+1] += off[old+1] - off[old]
				old++
			}
		}
		return out
	}
	q.usedByOff, q.treatsOff, q.aggravOff, q.conflictOff = widen(p.usedByOff), widen(p.treatsOff), widen(p.aggravOff), widen(p.conflictOff)
	q.contains = make([]Use, len(p.contains))
	for k, u := range p.contains {
		u.Ingredient = newIndex[u.Ingredient]
		q.contains[k] = u
	}
	q.conflicts = make([]ConflictEdge, len(p.conflicts))
	for k, c := range p.conflicts {
		c.Other = newIndex[c.Other]
		q.conflicts[k] = c
	}
	return &q
}

// withoutIngredients returns p without the ingredients incis, which must have no edges left
// (no product uses them, no TREATS, AGGRAVATES or conflicts): the other ingredients' dense ids
// shift down. ok is false when one still has an edge (Apply then rebuilds).
func (p *Projection) withoutIngredients(incis []string) (*Projection, bool) {
	gone := make([]bool, len(p.Ingredients))
	for _, inci := range incis {
		i, ok := p.ingredientByINCI[inci]
		if !ok {
			return nil, false
		}
		for _, off := range [][]int32{p.usedByOff, p.treatsOff, p.aggravOff, p.conflictOff} {
			if off[i+1] != off[i] {
				return nil, false
			}
		}
		gone[i] = true
	}
	q := *p
	n := len(p.Ingredients) - len(incis)
	newIndex := make([]int32, len(p.Ingredients))
	q.Ingredients = make([]ProjectedIngredient, 0, n)
	q.ingredientByINCI = make(map[string]int32, n)
	for i, ing := range p.Ingredients {
		newIndex[i] = -1
		if !gone[i] {
			newIndex[i] = int32(len(q.Ingredients))
			q.ingredientByINCI[ing.INCI] = newIndex[i]
			q.Ingredients = append(q.Ingredients, ing)
		}
	}
	narrow := func(off []int32) []int32 {
		out := make([]int32, 1, n+1)
		for i := range gone {
			if !gone[i] {
				out = append(out, out[len(out)-1]+off[i+1]-off[i])
			}
		}
		return out
	}
	q.usedByOff, q.treatsOff, q.aggravOff, q.conflictOff = narrow(p.usedByOff), narrow(p.treatsOff), narrow(p.aggravOff), narrow(p.conflictOff)
	q.contains = make([]Use, len(p.contains))
	for k, u := range p.contains {
		if u.Ingredient = newIndex[u.Ingredient]; u.Ingredient < 0 {
			return nil, false
		}
		q.contains[k] = u
	}
	q.conflicts = make([]ConflictEdge, len(p.conflicts))
	for k, c := range p.conflicts {
		if c.Other = newIndex[c.Other]; c.Other < 0 {
			return nil, false
		}
		q.conflicts[k] = c
	}
	return &q, true
}
