package ranker

import (
	"fmt"
	"testing"

	"github.com/skingraph/skingraph/graph"
)

// BenchmarkRankExperiment is BenchmarkRankRules' uncached ranking with 20 rules and an
// experiment whose variants try 4 of the rules or scale two weights: requests outside the
// experiment (or in a control that changes nothing), in the rules variant, and in the weights
// variant (its own ranker, priors computed once per projection in the warm-up). Compare with
// BenchmarkRankRules/rules=20 for the experiments' cost (docs/PERFORMANCE.md).
func BenchmarkRankExperiment(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, variant := range []string{"", "rules", "weights"} {
			name := variant
			if name == "" {
				name = "outside"
			}
			b.Run(fmt.Sprintf("products=%d/variant=%s", n, name), func(b *testing.B) {
				p := syntheticProjection(b, n, 42)
				p.Rules = benchRules(p, 20)
				e := graph.Experiment{ID: "exp_00000000000000be", Name: "bench", Variants: []graph.Variant{
					{Name: "control", Share: 34},
					{Name: "rules", Share: 33, RuleIDs: []string{"rule-00", "rule-02", "rule-03", "rule-04"}},
					{Name: "weights", Share: 33, Weights: map[string]float64{"peer_rating": 2, "recent": 0.5}},
				}}
				p.Experiments = []graph.Experiment{e}
				key := ""
				for i, v := range e.Variants {
					if v.Name == variant {
						key = e.VariantKey(i)
					}
				}
				reqs := make([]Request, len(benchProfiles))
				for i, r := range benchProfiles {
					r.Variant = key
					reqs[i] = r
				}
				benchmarkRankRequests(b, p, reqs)
			})
		}
	}
}
