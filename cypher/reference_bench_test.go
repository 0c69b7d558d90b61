package cypher_test

import (
	"testing"

	"github.com/skingraph/skingraph/ranker"
)

// referenceBenchRequest is a fixed, typical profile: every family and both exclusions are active.
var referenceBenchRequest = ranker.Request{
	Profile: ranker.Profile{
		SkinType: "combination", SkinTone: "medium", Concerns: []string{"acne", "hyperpigmentation", "pores"},
		Sensitivities: []string{"fragrance"}, AvoidIngredients: []string{"alcohol denat"},
	},
	Limit: 10,
}

// BenchmarkReferenceRank ranks the demo catalogue for one profile with the Cypher reference
// ranker (one query against the local Neo4j, including the round trip) and, for comparison,
// with the in-memory ranker on the projection of the same graph.
func BenchmarkReferenceRank(b *testing.B) {
	store, proj := loadReferenceDemo(b)
	params := ranker.DefaultParams()
	params.Weights.Affinity = 0
	rk, err := ranker.New(params)
	if err != nil {
		b.Fatal(err)
	}
	ctx := b.Context()
	b.Run("cypher", func(b *testing.B) {
		items, err := store.ReferenceRank(ctx, params, referenceBenchRequest) // warm the query plan cache
		if err != nil || len(items) == 0 {
			b.Fatalf("reference rank: %d items, err %v", len(items), err)
		}
		for b.Loop() {
			if _, err := store.ReferenceRank(ctx, params, referenceBenchRequest); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("in-memory", func(b *testing.B) {
		for b.Loop() {
			if _, err := rk.Rank(ctx, proj, nil, referenceBenchRequest); err != nil {
				b.Fatal(err)
			}
		}
	})
}
