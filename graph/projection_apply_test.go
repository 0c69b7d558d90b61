package graph

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// applyState is a graph as builder rows, mutated at random; the oracle of Apply is a full
// Build of the mutated rows.
type applyState struct {
	rng         *rand.Rand
	ingredients map[string]ProjectedIngredient
	treats      []rawTreat
	aggravs     []rawAggrav
	conflicts   []rawConflict
	products    map[string]ProjectedProduct
	contains    []rawUse
	claims      []rawAttrEdge
	suits       []rawAttrEdge
	outcomes    []rawOutcome
	reviews     []rawReview
	rules       []Rule
	nextID      int
	base        time.Time
}

func newApplyState(seed uint64) *applyState {
	s := &applyState{rng: rand.New(rand.NewPCG(seed, 5)), ingredients: map[string]ProjectedIngredient{}, products: map[string]ProjectedProduct{},
		base: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)}
	for i := range 15 {
		s.ingredients[fmt.Sprintf("ing-%02d", i)] = ProjectedIngredient{INCI: fmt.Sprintf("ing-%02d", i), Name: "n", Comedogenic: -1}
		s.ingredientEdges(fmt.Sprintf("ing-%02d", i))
	}
	for range 30 {
		s.newProduct()
	}
	for range 150 {
		s.addReview()
	}
	return s
}

func (s *applyState) incis() []string {
	out := make([]string, 0, len(s.ingredients))
	for k := range s.ingredients {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (s *applyState) ids() []string {
	out := make([]string, 0, len(s.products))
	for k := range s.products {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (s *applyState) pick(xs []string) string { return xs[s.rng.IntN(len(xs))] }

func (s *applyState) ingredientEdges(inci string) {
	s.treats = slices.DeleteFunc(s.treats, func(r rawTreat) bool { return r.inci == inci })
	s.aggravs = slices.DeleteFunc(s.aggravs, func(r rawAggrav) bool { return r.inci == inci })
	s.conflicts = slices.DeleteFunc(s.conflicts, func(r rawConflict) bool { return r.a == inci })
	s.treats = append(s.treats, rawTreat{inci, Treat{Concern: int8(s.rng.IntN(5)), Evidence: int8(s.rng.IntN(3)), Efficacy: s.rng.Float64(), Source: "s"}})
	if s.rng.IntN(2) == 0 {
		s.aggravs = append(s.aggravs, rawAggrav{inci, Aggravates{Attr: Attr{AttrSkinType, int8(s.rng.IntN(4))}, Severity: s.rng.Float64(), Reason: "r"}})
	}
	if s.rng.IntN(2) == 0 {
		s.conflicts = append(s.conflicts, rawConflict{inci, s.pick(s.incis()), s.rng.Float64(), "c"})
	}
}

func (s *applyState) productEdges(id string) {
	s.contains = slices.DeleteFunc(s.contains, func(r rawUse) bool { return r.product == id })
	s.claims = slices.DeleteFunc(s.claims, func(r rawAttrEdge) bool { return r.product == id })
	s.suits = slices.DeleteFunc(s.suits, func(r rawAttrEdge) bool { return r.product == id })
	incis := s.incis()
	for pos := 1; pos <= 1+s.rng.IntN(5); pos++ {
		s.contains = append(s.contains, rawUse{id, s.pick(incis), Use{Position: int16(pos), MayContain: s.rng.IntN(8) == 0}})
	}
	if s.rng.IntN(2) == 0 {
		s.claims = append(s.claims, rawAttrEdge{id, int8(s.rng.IntN(5))})
	}
	s.suits = append(s.suits, rawAttrEdge{id, int8(s.rng.IntN(4))})
	s.setOutcomes(id)
}

func (s *applyState) setOutcomes(id string) {
	s.outcomes = slices.DeleteFunc(s.outcomes, func(r rawOutcome) bool { return r.product == id })
	for t := range 4 {
		if s.rng.IntN(2) == 0 {
			s.outcomes = append(s.outcomes, rawOutcome{id, OutcomeStats{Attr: Attr{AttrSkinType, int8(t)}, Count: int32(1 + s.rng.IntN(9)),
				MeanRating: 1 + 4*s.rng.Float64(), Effects: [6]int32{int32(s.rng.IntN(3))}}})
		}
	}
}

func (s *applyState) newProduct() string {
	s.nextID++
	id := fmt.Sprintf("p-%04d", s.rng.IntN(10000))
	if _, ok := s.products[id]; ok {
		return id
	}
	s.products[id] = ProjectedProduct{ID: id, Name: "n", Brand: "b", Category: "serum", Price: float64(s.rng.IntN(50)), Rating: 4, ReviewCount: s.rng.IntN(20)}
	s.productEdges(id)
	return id
}

func (s *applyState) addReview() string {
	id := s.pick(s.ids())
	at := s.base.Add(time.Duration(s.rng.IntN(1e6)) * time.Second).Add(time.Duration(s.rng.IntN(1e9)))
	reviewer := fmt.Sprintf("u%02d", s.rng.IntN(25))
	if s.rng.IntN(5) == 0 {
		reviewer = fmt.Sprintf("v%03d", s.rng.IntN(1000)) // most often a new reviewer
	}
	s.reviews = append(s.reviews, rawReview{reviewer, id, 1 + s.rng.IntN(5), at, s.pick([]string{"", "dry", "oily"})})
	return id
}

func (s *applyState) builder(keepP, keepI func(string) bool) *ProjectionBuilder {
	b := &ProjectionBuilder{rules: slices.Clone(s.rules)}
	for _, inci := range s.incis() {
		if keepI(inci) {
			b.ingredients = append(b.ingredients, s.ingredients[inci])
		}
	}
	for _, id := range s.ids() {
		if keepP(id) {
			b.products = append(b.products, s.products[id])
		}
	}
	for _, r := range s.treats {
		if keepI(r.inci) {
			b.treats = append(b.treats, r)
		}
	}
	for _, r := range s.aggravs {
		if keepI(r.inci) {
			b.aggravs = append(b.aggravs, r)
		}
	}
	for _, r := range s.conflicts {
		if keepI(r.a) || keepI(r.b) {
			b.conflicts = append(b.conflicts, r)
		}
	}
	for _, r := range s.contains {
		if keepP(r.product) {
			b.contains = append(b.contains, r)
		}
	}
	for _, r := range s.claims {
		if keepP(r.product) {
			b.claims = append(b.claims, r)
		}
	}
	for _, r := range s.suits {
		if keepP(r.product) {
			b.suits = append(b.suits, r)
		}
	}
	for _, r := range s.outcomes {
		if keepP(r.product) {
			b.outcomes = append(b.outcomes, r)
		}
	}
	for _, r := range s.reviews {
		if keepP(r.product) {
			b.reviews = append(b.reviews, r)
		}
	}
	return b
}

func (s *applyState) build(t *testing.T, v int64) *Projection {
	t.Helper()
	all := func(string) bool { return true }
	p, err := s.builder(all, all).Build(DataVersion{N: v})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// mutate makes one random change and returns what it touched.
func (s *applyState) mutate(touchedP, touchedI map[string]bool) (string, bool) {
	switch s.rng.IntN(12) {
	case 11:
		incis := s.incis()
		if len(incis) < 8 {
			return "ingredient", false
		}
		inci := s.pick(incis)
		delete(s.ingredients, inci)
		s.treats = slices.DeleteFunc(s.treats, func(r rawTreat) bool { return r.inci == inci })
		s.aggravs = slices.DeleteFunc(s.aggravs, func(r rawAggrav) bool { return r.inci == inci })
		s.conflicts = slices.DeleteFunc(s.conflicts, func(r rawConflict) bool { return r.a == inci || r.b == inci })
		s.contains = slices.DeleteFunc(s.contains, func(r rawUse) bool {
			if r.inci == inci {
				touchedP[r.product] = true // the write that deletes the ingredient changes its products' labels
			}
			return r.inci == inci
		})
		touchedI[inci] = true
		return "ingredient removed", false // patched empty, then dropped in place (withoutIngredients)
	case 10:
		ids := s.ids()
		if len(ids) < 10 {
			touchedP[s.newProduct()] = true
			return "new product", false
		}
		id := s.pick(ids)
		delete(s.products, id)
		s.contains = slices.DeleteFunc(s.contains, func(r rawUse) bool { return r.product == id })
		s.claims = slices.DeleteFunc(s.claims, func(r rawAttrEdge) bool { return r.product == id })
		s.suits = slices.DeleteFunc(s.suits, func(r rawAttrEdge) bool { return r.product == id })
		s.outcomes = slices.DeleteFunc(s.outcomes, func(r rawOutcome) bool { return r.product == id })
		s.reviews = slices.DeleteFunc(s.reviews, func(r rawReview) bool { return r.product == id })
		touchedP[id] = true
		return "product removed", false // patched empty, then dropped in place (withoutProducts)
	case 0, 1, 2:
		touchedP[s.addReview()] = true
		return "review", false
	case 3:
		k := s.rng.IntN(len(s.reviews))
		touchedP[s.reviews[k].product] = true
		s.reviews = slices.Delete(s.reviews, k, k+1)
		return "review removed", false
	case 4:
		id := s.pick(s.ids())
		s.setOutcomes(id)
		touchedP[id] = true
		return "outcomes", false
	case 5:
		id := s.pick(s.ids())
		p := s.products[id]
		p.Price, p.ReviewCount = float64(s.rng.IntN(50)), s.rng.IntN(40)
		s.products[id] = p
		s.productEdges(id)
		touchedP[id] = true
		return "product", false
	case 6:
		inci := s.pick(s.incis())
		s.ingredientEdges(inci)
		i := s.ingredients[inci]
		i.Comedogenic = int8(s.rng.IntN(5))
		s.ingredients[inci] = i
		touchedI[inci] = true
		return "ingredient", false
	case 7:
		touchedP[s.newProduct()] = true
		return "new product", false // inserted in place (withProducts)
	case 8:
		inci := fmt.Sprintf("ing-new-%d", s.rng.IntN(1000))
		_, had := s.ingredients[inci]
		defer func() { touchedI[inci] = true }()
		if had {
			return "ingredient", false
		}
		s.ingredients[inci] = ProjectedIngredient{INCI: inci, Name: "new", Comedogenic: -1}
		s.ingredientEdges(inci)
		return "new ingredient", false // inserted in place (withIngredients)
	default:
		s.rules = append(s.rules, Rule{ID: fmt.Sprintf("rule-%d", s.rng.IntN(1000)), Kind: RuleBoost, Amount: 0.1})
		return "rule", false
	}
}

// TestApplyEqualsBuild applies random changes to a projection, in place where the ids
// allow, and compares each result with a full build of the changed rows.
func TestApplyEqualsBuild(t *testing.T) {
	for seed := range uint64(40) {
		s := newApplyState(seed)
		p := s.build(t, 1)
		inPlace := 0
		for step := range 40 {
			touchedP, touchedI := map[string]bool{}, map[string]bool{}
			var whats []string
			structural, rules := false, false
			for range 1 + s.rng.IntN(3) {
				w, st := s.mutate(touchedP, touchedI)
				whats = append(whats, w)
				structural = structural || st
				rules = rules || w == "rule"
			}
			d := &Delta{From: p.Version, To: DataVersion{N: p.Version.N + 1}, Rules: rules}
			for id := range touchedP {
				d.Products = append(d.Products, id)
			}
			for inci := range touchedI {
				d.Ingredients = append(d.Ingredients, inci)
			}
			slices.Sort(d.Products)
			slices.Sort(d.Ingredients)
			d.Rows = *s.builder(func(id string) bool { return touchedP[id] }, func(inci string) bool { return touchedI[inci] })
			if !rules {
				d.Rows.rules = nil
			}
			before := p.Digest()
			next, err := p.Apply(d)
			if err != nil {
				t.Fatalf("seed %d step %d %v: Apply: %v", seed, step, whats, err)
			}
			if p.Digest() != before {
				t.Fatalf("seed %d step %d %v: Apply changed the projection it applied to", seed, step, whats)
			}
			want := s.build(t, d.To.N)
			if got, w := next.Digest(), want.Digest(); got != w {
				t.Fatalf("seed %d step %d %v (in place %v): digest %s, a full build's %s", seed, step, whats, next.AppliedInPlace(), got, w)
			}
			if next.AppliedInPlace() == structural {
				t.Errorf("seed %d step %d %v: applied in place = %v, want %v", seed, step, whats, next.AppliedInPlace(), !structural)
			}
			if next.AppliedInPlace() {
				inPlace++
			}
			p = next
		}
		if inPlace == 0 {
			t.Errorf("seed %d: no change was applied in place", seed)
		}
	}
}
