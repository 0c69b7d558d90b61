package ranker

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// KindRule is the Why kind of a merchandising rule's contribution.
const KindRule = "rule"

// Merchandising rules sit on top of the sum of the families (DESIGN.md section 3). The rules
// of a projection are compiled once per projection (ruleSet: each rule's products resolved to
// dense ids); a request then only picks the rules in force (period and condition) and applies
// them:
//
//	filter      the matching products are excluded, reported with reason "rule:<name>"
//	boost/bury  ±Amount is added to each matching product's score, one Why of kind rule each
//	pin         the product is placed at Position of the ranking (1-based, over all pages);
//	            its score is set between its neighbours' scores (kept as is when it already
//	            lies there), and a Why of kind rule carries the difference, so that
//	            score == Σ why[].contribution still holds and the list stays sorted by score
//
// A pinned product must be eligible (filters, exclusions, stock, filter rules): a pin never
// brings back what safety or the request left out. Pins are applied in order of position,
// then rule id; a product pinned twice takes its first pin. Everything is a function of the
// projection, the request and the set of rules in force, so rankings stay deterministic.

// compiledRule is one rule resolved against a projection.
type compiledRule struct {
	rule     *graph.Rule
	products []int32 // the matching products, ascending (boost, bury, filter)
	pin      int32   // the pinned product; -1 when the projection does not have it
	delta    float64 // boost: +Amount, bury: −Amount
	// condition masks (bit per vocabulary id); 0 = no condition on that attribute
	skinTypes, concerns, categories uint32
	// experimental: an experiment names the rule, so it applies only to its variants
	experimental bool
}

// ruleSet is a projection's rules, compiled.
type ruleSet struct {
	proj     *graph.Projection
	rules    []compiledRule         // by rule id
	variants map[string]*variantSet // by Request.Variant (experiments.go)
}

// rulesFor returns the compiled rules of p, compiling them on the first request of p.
func (r *Ranker) rulesFor(p *graph.Projection) *ruleSet {
	if r.base != nil {
		return r.base.rulesFor(p) // a variant's ranker shares its base's
	}
	if rs := r.ruleCache.Load(); rs != nil && rs.proj == p {
		return rs
	}
	rs := compileRules(p)
	r.compileVariants(rs)
	r.ruleCache.Store(rs)
	return rs
}

func vocabMask(v *graph.Vocabulary, names []string) uint32 {
	var m uint32
	all := v.Names()
	for _, n := range names {
		if c, ok := v.Canonical(n); ok {
			for id, name := range all {
				if name == c {
					m |= 1 << uint(id)
				}
			}
		}
	}
	return m
}

func compileRules(p *graph.Projection) *ruleSet {
	rs := &ruleSet{proj: p}
	for i := range p.Rules {
		rule := &p.Rules[i]
		cr := compiledRule{rule: rule, pin: -1,
			skinTypes:  vocabMask(graph.SkinTypes, rule.Condition.SkinTypes),
			concerns:   vocabMask(graph.Concerns, rule.Condition.Concerns),
			categories: vocabMask(graph.Categories, rule.Condition.Categories),
		}
		switch rule.Kind {
		case graph.RuleBoost:
			cr.delta = rule.Amount
		case graph.RuleBury:
			cr.delta = -rule.Amount
		}
		if rule.Kind == graph.RulePin {
			if x, ok := p.ProductIndex(rule.ProductID); ok {
				cr.pin = x
			}
		} else {
			cr.products = matchProducts(p, rule.Match)
		}
		rs.rules = append(rs.rules, cr)
	}
	return rs
}

// matchProducts lists the products of p that meet every non-empty list of m, ascending.
func matchProducts(p *graph.Projection, m graph.RuleMatch) []int32 {
	if m.Empty() {
		return nil
	}
	var brands, ids map[string]bool
	if len(m.Brands) > 0 {
		brands = map[string]bool{}
		for _, b := range m.Brands {
			brands[b] = true
		}
	}
	if len(m.ProductIDs) > 0 {
		ids = map[string]bool{}
		for _, id := range m.ProductIDs {
			ids[id] = true
		}
	}
	cats := vocabMask(graph.Categories, m.Categories)
	claims := vocabMask(graph.Concerns, m.Claims)
	var ings map[int32]bool
	if len(m.Ingredients) > 0 {
		ings = map[int32]bool{}
		for _, inci := range m.Ingredients {
			if i, ok := p.IngredientIndex(inci); ok {
				ings[i] = true
			}
		}
		if len(ings) == 0 {
			return nil // no product contains an ingredient the projection does not know
		}
	}
	var out []int32
	for x := range int32(len(p.Products)) {
		prod := &p.Products[x]
		if brands != nil && !brands[prod.Brand] {
			continue
		}
		if ids != nil && !ids[prod.ID] {
			continue
		}
		if len(m.Categories) > 0 {
			if c := p.CategoryID(x); c < 0 || cats&(1<<uint(c)) == 0 {
				continue
			}
		}
		if len(m.Claims) > 0 && !slices.ContainsFunc(prod.Claims, func(c int8) bool { return claims&(1<<uint(c)) != 0 }) {
			continue
		}
		if ings != nil && !slices.ContainsFunc(p.Uses(x), func(u graph.Use) bool { return ings[u.Ingredient] }) {
			continue
		}
		out = append(out, x)
	}
	return out
}

// has reports whether x is among the rule's products.
func (cr *compiledRule) has(x int32) bool {
	_, ok := slices.BinarySearch(cr.products, x)
	return ok
}

// appliesTo reports whether the rule's condition holds for the plan's request.
func (cr *compiledRule) appliesTo(pl *plan) bool {
	if cr.skinTypes != 0 && (pl.skinType == nil || cr.skinTypes&(1<<uint(pl.skinType.ID)) == 0) {
		return false
	}
	if cr.concerns != 0 && cr.concerns&pl.claimMask == 0 {
		return false
	}
	if cr.categories != 0 && cr.categories&pl.category == 0 {
		return false
	}
	return true
}

// activeRules are the rules in force for one request.
type activeRules struct {
	boosts  []*compiledRule // boost and bury, by rule id
	filters []*compiledRule // by rule id
	pins    []*compiledRule // by position, then rule id
}

// activate picks the rules of rs in force at now for the plan's request and marks the
// products of filter rules excluded. It returns nil when no rule applies.
func (rs *ruleSet) activate(pl *plan, now time.Time) *activeRules {
	if len(rs.rules) == 0 {
		return nil
	}
	var a activeRules
	var variant *variantSet
	if pl.req.Variant != "" {
		variant = rs.variants[pl.req.Variant]
	}
	for i := range rs.rules {
		cr := &rs.rules[i]
		if !cr.rule.ActiveAt(now) || !cr.appliesTo(pl) {
			continue
		}
		if cr.experimental && (variant == nil || !variant.rules[cr.rule.ID]) {
			continue
		}
		switch cr.rule.Kind {
		case graph.RuleBoost, graph.RuleBury:
			if len(cr.products) > 0 {
				a.boosts = append(a.boosts, cr)
			}
		case graph.RuleFilter:
			a.filters = append(a.filters, cr)
			for _, x := range cr.products {
				pl.excluded[x] = true
			}
		case graph.RulePin:
			if cr.pin >= 0 {
				a.pins = append(a.pins, cr)
			}
		}
	}
	if len(a.boosts)+len(a.filters)+len(a.pins) == 0 {
		return nil
	}
	slices.SortStableFunc(a.pins, func(x, y *compiledRule) int { return x.rule.Position - y.rule.Position })
	return &a
}

// addBoosts adds every boost and bury in force to the scores of its products in out (the
// request's per-product family sums): work proportional to the matching products, nothing
// added to the per-product selection loop.
func (a *activeRules) addBoosts(out []float64) {
	if a == nil {
		return
	}
	for _, cr := range a.boosts {
		for _, x := range cr.products {
			out[x] += cr.delta
		}
	}
}

// filteredBy returns the name of the first filter rule (by id) that excludes x.
func (a *activeRules) filteredBy(x int32) (string, bool) {
	if a == nil {
		return "", false
	}
	for _, cr := range a.filters {
		if cr.has(x) {
			return cr.rule.Name, true
		}
	}
	return "", false
}

// ruleWhy is the explanation of one rule's contribution to x.
func ruleWhy(rule *graph.Rule, contribution float64, text string) Why {
	return Why{
		Kind: KindRule, Contribution: contribution, Text: text,
		Path:   Path{Nodes: []NodeRef{{Label: "Rule", Key: "id", Value: rule.ID, Name: rule.Name}}},
		Cypher: "MATCH path = (r:Rule {id: " + quote(rule.ID) + "}) RETURN path",
		Evidence: map[string]any{"rule_id": rule.ID, "rule": rule.Name, "rule_kind": rule.Kind,
			"revision": rule.Revision},
	}
}

// boostWhys are the boost and bury rules that touch x, by rule id.
func (a *activeRules) boostWhys(x int32, full bool) []Why {
	if a == nil {
		return nil
	}
	var out []Why
	for _, cr := range a.boosts {
		if !cr.has(x) {
			continue
		}
		verb := "boosts"
		if cr.rule.Kind == graph.RuleBury {
			verb = "buries"
		}
		w := ruleWhy(cr.rule, cr.delta, fmt.Sprintf("Merchandising rule %q %s this product by %s", cr.rule.Name, verb, strconv.FormatFloat(cr.rule.Amount, 'g', -1, 64)))
		if !full {
			w.Path, w.Cypher, w.Evidence = Path{}, "", nil
		}
		out = append(out, w)
	}
	return out
}

// pinGap separates a pinned product from its only neighbour at either end of the list.
const pinGap = 0.01

// applyPins places the pinned products of a in ranked (the best candidates, best first) and
// returns the new list and, per pinned product, the rule and the lift added to its score.
// score gives a product's score before pins; eligible says whether a product may be shown.
func (a *activeRules) applyPins(ranked []scored, score func(int32) float64, eligible func(int32) bool) ([]scored, map[int32]pinLift) {
	if a == nil || len(a.pins) == 0 {
		return ranked, nil
	}
	lifts := map[int32]pinLift{}
	var order []*compiledRule
	for _, cr := range a.pins {
		if _, dup := lifts[cr.pin]; dup || !eligible(cr.pin) {
			continue
		}
		lifts[cr.pin] = pinLift{rule: cr.rule}
		order = append(order, cr)
	}
	if len(order) == 0 {
		return ranked, nil
	}
	list := make([]scored, 0, len(ranked)+len(order))
	for _, c := range ranked {
		if _, pinned := lifts[c.x]; !pinned {
			list = append(list, c)
		}
	}
	for _, cr := range order {
		at := cr.rule.Position - 1
		if at > len(list) {
			delete(lifts, cr.pin) // beyond the candidates kept: not on any page asked
			continue
		}
		list = slices.Insert(list, at, scored{x: cr.pin, score: score(cr.pin)})
	}
	// Scores: each pinned item between its neighbours (the previous one final already).
	for i := range list {
		l, pinned := lifts[list[i].x]
		if !pinned {
			continue
		}
		base := list[i].score
		j := i + 1
		for j < len(list) {
			if _, p := lifts[list[j].x]; !p {
				break
			}
			j++
		}
		run := float64(j - i)
		hasPrev, hasNext := i > 0, j < len(list)
		var prev, next float64
		if hasPrev {
			prev = list[i-1].score
		}
		if hasNext {
			next = list[j].score
		}
		target := base
		switch {
		case hasPrev && hasNext:
			if base > prev || base < next {
				target = prev - (prev-next)/(run+1)
			}
		case hasPrev:
			if base > prev {
				target = prev - pinGap
			}
		case hasNext:
			if base < next {
				target = next + pinGap*run
			}
		}
		list[i].score = target
		l.lift = target - base
		lifts[list[i].x] = l
	}
	return list, lifts
}

// pinLift is what a pin rule added to its product's score.
type pinLift struct {
	rule *graph.Rule
	lift float64
}

// why explains a pin.
func (l pinLift) why(position int, full bool) Why {
	w := ruleWhy(l.rule, l.lift, fmt.Sprintf("Merchandising rule %q pins this product at position %d", l.rule.Name, position))
	if !full {
		w.Path, w.Cypher, w.Evidence = Path{}, "", nil
	}
	return w
}

// RulesEpoch names the rules' periods passed at t on the current snapshot: "" when no rule
// has a period boundary at or before t, else "-r" and how many boundaries (from, until) have
// passed. Callers add it to cache keys: a rule coming into or out of force changes rankings
// without a new data version.
func (e *Engine) RulesEpoch(t time.Time) string {
	s := e.snap.Load()
	if s == nil {
		return ""
	}
	return rulesEpoch(s.Projection.Rules, t)
}

func rulesEpoch(rules []graph.Rule, t time.Time) string {
	n := 0
	for i := range rules {
		r := &rules[i]
		if !r.From.IsZero() && !t.Before(r.From) {
			n++
		}
		if !r.Until.IsZero() && !t.Before(r.Until) {
			n++
		}
	}
	if n == 0 {
		return ""
	}
	return "-r" + strconv.Itoa(n)
}
