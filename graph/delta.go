package graph

import (
	"errors"
	"fmt"
	"slices"
)

// Delta is what changed between two data versions, as the projection needs it: the ids of
// the products and ingredients that the changes touched (Merge of the feed's changes), and
// their rows as of To. Rows holds, for every touched id that exists (and is visible) at To,
// the node and its edges: for a product its CONTAINS, CLAIMS, SUITS, outcomes and REVIEWED
// edges; for an ingredient its TREATS and AGGRAVATES edges and every CONFLICTS_WITH edge with
// it at either end. A touched id without a node in Rows was deleted. With Rules, Rows holds
// every rule and every experiment of To.
type Delta struct {
	From, To    DataVersion
	Products    []string // sorted, distinct
	Ingredients []string // sorted, distinct
	Rules       bool
	// Full says the changes cannot be applied as a delta (graph.Change.Full): rebuild.
	Full bool
	Rows ProjectionBuilder
}

// ErrFullChange is returned by Apply for a Delta marked Full.
var ErrFullChange = errors.New("projection: the change asks for a full rebuild")

// Apply returns a new projection for d.To: p with the rows of d's products and ingredients
// replaced by d.Rows. p is not changed and keeps serving until the caller swaps; the two share
// what did not change. It fails when d does not start at p's version or is Full.
func (p *Projection) Apply(d *Delta) (*Projection, error) {
	if d.Full {
		return nil, ErrFullChange
	}
	if d.From.N != p.Version.N {
		return nil, fmt.Errorf("projection: a delta from version %d cannot apply to version %d", d.From.N, p.Version.N)
	}
	if d.To.N < d.From.N {
		return nil, fmt.Errorf("projection: a delta from version %d to %d goes backwards", d.From.N, d.To.N)
	}
	if q, ok := p.applyInPlace(d); ok {
		return q, nil
	}
	return p.rebuild(d)
}

// rebuild is Apply by building the new projection from p's own arrays (what the delta does
// not touch) and the delta's rows, through ProjectionBuilder: the same code as a full build,
// without reading Neo4j. Its work and memory are proportional to the whole projection; Apply
// uses it only when the in-place path cannot (applyInPlace).
func (p *Projection) rebuild(d *Delta) (*Projection, error) {
	b := p.decompile(setOf(d.Products), setOf(d.Ingredients))
	r := &d.Rows
	b.products = append(b.products, cloneProducts(r.products)...)
	b.ingredients = append(b.ingredients, r.ingredients...)
	b.contains = append(b.contains, r.contains...)
	b.treats = append(b.treats, r.treats...)
	b.aggravs = append(b.aggravs, r.aggravs...)
	b.conflicts = append(b.conflicts, r.conflicts...)
	b.outcomes = append(b.outcomes, r.outcomes...)
	b.claims = append(b.claims, r.claims...)
	b.suits = append(b.suits, r.suits...)
	b.reviews = append(b.reviews, r.reviews...)
	if d.Rules {
		b.rules, b.experiments = slices.Clone(r.rules), slices.Clone(r.experiments)
	}
	return b.Build(d.To)
}

// cloneProducts copies product nodes with their own Claims and Suits (Build appends to them).
func cloneProducts(ps []ProjectedProduct) []ProjectedProduct {
	out := slices.Clone(ps)
	for i := range out {
		out[i].Claims, out[i].Suits = slices.Clone(out[i].Claims), slices.Clone(out[i].Suits)
	}
	return out
}

func setOf(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// decompile turns p back into builder rows, leaving out the rows of the products and
// ingredients in skipP and skipI (a conflict edge with either end in skipI is left out).
// Building the result gives p again (up to its version): every array of p is derived from
// these rows in Build.
func (p *Projection) decompile(skipP, skipI map[string]bool) *ProjectionBuilder {
	b := &ProjectionBuilder{rules: slices.Clone(p.Rules), experiments: slices.Clone(p.Experiments)}
	b.ingredients = make([]ProjectedIngredient, 0, len(p.Ingredients))
	for i, ing := range p.Ingredients {
		if skipI[ing.INCI] {
			continue
		}
		b.ingredients = append(b.ingredients, ing)
		for _, t := range p.Treats(int32(i)) {
			b.treats = append(b.treats, rawTreat{ing.INCI, t})
		}
		for _, a := range p.Aggravations(int32(i)) {
			b.aggravs = append(b.aggravs, rawAggrav{ing.INCI, a})
		}
		for _, c := range p.Conflicts(int32(i)) {
			other := p.Ingredients[c.Other].INCI
			if !skipI[other] {
				b.conflicts = append(b.conflicts, rawConflict{ing.INCI, other, c.Severity, c.Reason})
			}
		}
	}
	b.products = make([]ProjectedProduct, 0, len(p.Products))
	b.contains = make([]rawUse, 0, len(p.contains))
	b.reviews = make([]rawReview, 0, len(p.ages))
	for x, prod := range p.Products {
		if skipP[prod.ID] {
			continue
		}
		x := int32(x)
		node := prod
		node.Claims, node.Suits = nil, nil
		b.products = append(b.products, node)
		for _, c := range prod.Claims {
			b.claims = append(b.claims, rawAttrEdge{prod.ID, c})
		}
		for _, s := range prod.Suits {
			b.suits = append(b.suits, rawAttrEdge{prod.ID, s})
		}
		for _, u := range p.Uses(x) {
			b.contains = append(b.contains, rawUse{prod.ID, p.Ingredients[u.Ingredient].INCI, u})
		}
		for _, o := range p.Outcomes(x) {
			b.outcomes = append(b.outcomes, rawOutcome{prod.ID, o})
		}
		b.reviews = p.appendReviews(b.reviews, x)
	}
	return b
}

// appendReviews appends rows that rebuild product x's part of the review index: its positive
// reviews with their times and skin types, spread over its distinct positive reviewers (a
// product has at least as many positive reviews as positive reviewers, and Build counts
// each reviewer once), and its other reviews' times (rated 1; nothing else is kept of them).
func (p *Projection) appendReviews(out []rawReview, x int32) []rawReview {
	if p.ageOff == nil {
		return out
	}
	id := p.Products[x].ID
	reviewers := p.CoReviewers(x)
	posAt := p.posAt[p.posAgeOff[x]:p.posAgeOff[x+1]]
	posSkin := p.PositiveReviewSkinTypes(x)
	for k, at := range posAt {
		skin := ""
		if posSkin[k] >= 0 {
			skin = SkinTypes.names[posSkin[k]]
		}
		u := reviewers[min(k, len(reviewers)-1)]
		out = append(out, rawReview{p.reviewerIDs[u], id, CoReviewMinRating, timeOf(at), skin})
	}
	// The other reviews: every review time less the positive ones (both as multisets).
	all := slices.Clone(p.reviewAt[p.ageOff[x]:p.ageOff[x+1]])
	pos := slices.Clone(posAt)
	slices.Sort(all)
	slices.Sort(pos)
	j := 0
	for _, at := range all {
		if j < len(pos) && pos[j] == at {
			j++
			continue
		}
		out = append(out, rawReview{"", id, 1, timeOf(at), ""})
	}
	return out
}
