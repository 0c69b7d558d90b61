package ranker

import (
	"fmt"
	"testing"

	"github.com/skingraph/skingraph/graph"
)

// benchRules are n merchandising rules in force for every bench profile (no condition, no
// period): boosts and buries by brand, category, claim and ingredient, filters by brand, and
// pins, in the proportions 8:4:4:4 for 20.
func benchRules(p *graph.Projection, n int) []graph.Rule {
	cats := graph.Categories.Names()
	concerns := graph.Concerns.Names()
	var out []graph.Rule
	for i := range n {
		r := graph.Rule{ID: fmt.Sprintf("rule-%02d", i), Name: fmt.Sprintf("bench %d", i), Revision: 1}
		switch i % 5 {
		case 0, 1:
			r.Kind, r.Amount = graph.RuleBoost, 0.2
			r.Match = graph.RuleMatch{Brands: []string{fmt.Sprintf("brand-%02d", i)}}
			if i%2 == 1 {
				r.Match = graph.RuleMatch{Categories: []string{cats[i%len(cats)]}, Claims: []string{concerns[i%len(concerns)]}}
			}
		case 2:
			r.Kind, r.Amount = graph.RuleBury, 0.3
			r.Match = graph.RuleMatch{Ingredients: []string{p.Ingredients[i*7%len(p.Ingredients)].INCI}}
		case 3:
			r.Kind = graph.RuleFilter
			r.Match = graph.RuleMatch{Brands: []string{fmt.Sprintf("brand-%02d", 40+i%10)}}
		case 4:
			r.Kind, r.ProductID, r.Position = graph.RulePin, p.Products[i*97%len(p.Products)].ID, 1+i%10
		}
		out = append(out, r)
	}
	return out
}

// BenchmarkRankRules is BenchmarkRank's uncached ranking with 0 and with 20 rules in force
// (the merchandising cost; docs/PERFORMANCE.md). The rules are compiled once per projection,
// in the warm-up, as a running server does on the first request of a data version.
func BenchmarkRankRules(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, rules := range []int{0, 20} {
			b.Run(fmt.Sprintf("products=%d/rules=%d", n, rules), func(b *testing.B) {
				p := syntheticProjection(b, n, 42)
				p.Rules = benchRules(p, rules)
				benchmarkRank(b, p)
			})
		}
	}
}
