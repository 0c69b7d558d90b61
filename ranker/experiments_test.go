package ranker

import (
	"context"
	"encoding/json"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

// TestExperimentVariantsRankWithTheirWeightsAndRules: a variant that scales weights ranks
// like a ranker built with those weights; a rule named by an experiment applies only to the
// variant that names it (not to the control, not outside the experiment); the variant is part
// of the cache key; sums still hold.
func TestExperimentVariantsRankWithTheirWeightsAndRules(t *testing.T) {
	ctx := context.Background()
	req := Request{Profile: Profile{SkinType: "oily", Concerns: []string{"acne"}}, Limit: 10, Explain: ExplainFull}
	p := fixture(t)
	base, err := mustRanker(t).Rank(ctx, p, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	last := base.Items[len(base.Items)-1].Product.ID
	p = fixture(t)
	p.Rules = []graph.Rule{{ID: "r1", Name: "push last", Kind: graph.RuleBoost, Amount: 50,
		Match: graph.RuleMatch{ProductIDs: []string{last}}}}
	p.Experiments = []graph.Experiment{{ID: "exp_0000000000000001", Name: "t", Variants: []graph.Variant{
		{Name: "control", Share: 34},
		{Name: "boosted", Share: 33, RuleIDs: []string{"r1"}},
		{Name: "peers", Share: 33, Weights: map[string]float64{"peer_rating": 3, "claim": 0}},
	}}}
	r := mustRanker(t)
	rank := func(variant string) Result {
		t.Helper()
		q := req
		q.Variant = variant
		res, err := r.Rank(ctx, p, nil, q)
		if err != nil {
			t.Fatal(err)
		}
		checkSums(t, res)
		return res
	}
	e := &p.Experiments[0]
	if e.VariantKey(0) != "" {
		t.Fatalf("the control changes nothing, yet has key %q", e.VariantKey(0))
	}
	outside, boosted, peers := rank(""), rank(e.VariantKey(1)), rank(e.VariantKey(2))
	if diff := cmp.Diff(ids(base.Items), ids(outside.Items)); diff != "" {
		t.Errorf("outside the variant the experiment's rule applied (-want +got):\n%s", diff)
	}
	if boosted.Items[0].Product.ID != last || len(ruleWhys(boosted.Items[0])) != 1 {
		t.Errorf("variant boosted: first %s with rule whys %v, want %s boosted by r1", boosted.Items[0].Product.ID, ruleWhys(boosted.Items[0]), last)
	}

	// The weights variant ranks like a ranker with the scaled weights.
	params := DefaultParams()
	params.Weights.PeerRating *= 3
	params.HistoryWeights.PeerRating *= 3
	params.Weights.Claim, params.HistoryWeights.Claim = 0, 0
	scaled, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	want, err := scaled.Rank(ctx, fixture(t), nil, req)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(ids(want.Items), ids(peers.Items)); diff != "" {
		t.Errorf("weights variant (-want +got):\n%s", diff)
	}
	for i := range want.Items {
		if math.Abs(want.Items[i].Score-peers.Items[i].Score) > 1e-9 {
			t.Errorf("item %d: score %v, want %v", i, peers.Items[i].Score, want.Items[i].Score)
		}
	}
	for _, it := range peers.Items {
		for _, w := range it.Why {
			if w.Kind == KindClaim {
				t.Errorf("%s: claim why %+v with the claim weight scaled to 0", it.Product.ID, w)
			}
		}
	}

	q := req
	q.Variant = e.VariantKey(2)
	if Key(q) == Key(req) {
		t.Errorf("a variant's request has the key of the request outside it")
	}
}

// TestEveryExperimentWeightIsARankingWeight: each name a variant may scale is a weight of
// Weights (by its JSON name), and scaling it changes that weight only.
func TestEveryExperimentWeightIsARankingWeight(t *testing.T) {
	for name := range graph.ExperimentWeights {
		w := DefaultParams().Weights
		field := weightByName(&w, name)
		if field == nil {
			t.Errorf("%s: no such weight", name)
			continue
		}
		*field = 12345
		b, _ := json.Marshal(w)
		var m map[string]any
		_ = json.Unmarshal(b, &m)
		if m[name] != 12345.0 {
			t.Errorf("%s names another weight: %v", name, m)
		}
	}
}
