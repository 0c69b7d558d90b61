package ranker

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

// rankWithRules ranks the fixture with rules (a fresh projection: rules are compiled per
// projection).
func rankWithRules(t *testing.T, rules []graph.Rule, req Request) Result {
	t.Helper()
	p := fixture(t)
	p.Rules = rules
	res, err := mustRanker(t).Rank(context.Background(), p, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func checkSums(t *testing.T, res Result) {
	t.Helper()
	prev := math.Inf(1)
	for _, it := range res.Items {
		sum := 0.0
		for _, w := range it.Why {
			sum += w.Contribution
		}
		if math.Abs(sum-it.Score) > 1e-6 {
			t.Errorf("%s: score %v != sum of why %v (%+v)", it.Product.ID, it.Score, sum, it.Why)
		}
		if it.Score > prev {
			t.Errorf("%s: score %v above the previous item's %v", it.Product.ID, it.Score, prev)
		}
		prev = it.Score
	}
}

func ruleWhys(it Item) []Why {
	var out []Why
	for _, w := range it.Why {
		if w.Kind == KindRule {
			out = append(out, w)
		}
	}
	return out
}

func TestRulesBoostBuryFilterPin(t *testing.T) {
	req := Request{Profile: Profile{SkinType: "oily", Concerns: []string{"acne"}}, Limit: 10, Explain: ExplainFull}
	base := rankWithRules(t, nil, req)
	if len(base.Items) < 4 {
		t.Fatalf("fixture ranks %d items, want 4 or more", len(base.Items))
	}
	last := base.Items[len(base.Items)-1]
	scoreOf := func(res Result, id string) (float64, int) {
		for i, it := range res.Items {
			if it.Product.ID == id {
				return it.Score, i
			}
		}
		return math.NaN(), -1
	}

	t.Run("boost", func(t *testing.T) {
		res := rankWithRules(t, []graph.Rule{{ID: "r1", Name: "push last", Kind: graph.RuleBoost, Amount: 50,
			Match: graph.RuleMatch{ProductIDs: []string{last.Product.ID}}}}, req)
		checkSums(t, res)
		if res.Items[0].Product.ID != last.Product.ID {
			t.Fatalf("boosted %s not first: %v", last.Product.ID, ids(res.Items))
		}
		if s, _ := scoreOf(res, last.Product.ID); math.Abs(s-(last.Score+50)) > 1e-9 {
			t.Errorf("boosted score %v, want %v + 50", s, last.Score)
		}
		w := ruleWhys(res.Items[0])
		if len(w) != 1 || w[0].Contribution != 50 || w[0].Evidence["rule"] != "push last" || w[0].Cypher == "" {
			t.Errorf("rule whys %+v, want one of +50 named 'push last' with its Cypher", w)
		}
	})
	t.Run("bury", func(t *testing.T) {
		top := base.Items[0].Product.ID
		res := rankWithRules(t, []graph.Rule{{ID: "r1", Name: "sink", Kind: graph.RuleBury, Amount: 50,
			Match: graph.RuleMatch{ProductIDs: []string{top}}}}, req)
		checkSums(t, res)
		if res.Items[len(res.Items)-1].Product.ID != top {
			t.Fatalf("buried %s not last: %v", top, ids(res.Items))
		}
	})
	t.Run("filter", func(t *testing.T) {
		top := base.Items[0].Product.ID
		res := rankWithRules(t, []graph.Rule{{ID: "r1", Name: "no top", Kind: graph.RuleFilter,
			Match: graph.RuleMatch{ProductIDs: []string{top}}}}, req)
		checkSums(t, res)
		if _, i := scoreOf(res, top); i >= 0 {
			t.Fatalf("filtered %s ranked: %v", top, ids(res.Items))
		}
		want := []Exclusion{{ProductID: top, Reason: "rule:no top"}}
		if diff := cmp.Diff(want, res.Excluded); diff != "" || res.ExcludedCount != 1 {
			t.Errorf("excluded %d (-want +got):\n%s", res.ExcludedCount, diff)
		}
	})
	t.Run("pin", func(t *testing.T) {
		res := rankWithRules(t, []graph.Rule{{ID: "r1", Name: "feature", Kind: graph.RulePin, ProductID: last.Product.ID, Position: 2}}, req)
		checkSums(t, res)
		if got := ids(res.Items); len(got) != len(base.Items) || got[1] != last.Product.ID {
			t.Fatalf("pinned %s at 2: got %v", last.Product.ID, got)
		}
		w := ruleWhys(res.Items[1])
		if len(w) != 1 || w[0].Contribution <= 0 {
			t.Errorf("pin why %+v, want one lifting the score", w)
		}
		// The second page starts after the pinned list.
		page2 := rankWithRules(t, []graph.Rule{{ID: "r1", Name: "feature", Kind: graph.RulePin, ProductID: last.Product.ID, Position: 2}},
			Request{Profile: req.Profile, Limit: 2, Offset: 2, Explain: ExplainFull})
		if diff := cmp.Diff(ids(res.Items)[2:4], ids(page2.Items)); diff != "" {
			t.Errorf("page 2 (-want +got):\n%s", diff)
		}
	})
	t.Run("condition and period", func(t *testing.T) {
		rules := []graph.Rule{
			{ID: "r1", Name: "dry only", Kind: graph.RuleBoost, Amount: 50, Condition: graph.RuleCondition{SkinTypes: []string{"dry"}},
				Match: graph.RuleMatch{ProductIDs: []string{last.Product.ID}}},
			{ID: "r2", Name: "expired", Kind: graph.RuleBoost, Amount: 50, Until: time.Now().Add(-time.Hour),
				Match: graph.RuleMatch{ProductIDs: []string{last.Product.ID}}},
			{ID: "r3", Name: "future", Kind: graph.RuleFilter, From: time.Now().Add(time.Hour),
				Match: graph.RuleMatch{ProductIDs: []string{base.Items[0].Product.ID}}},
		}
		res := rankWithRules(t, rules, req)
		if diff := cmp.Diff(ids(base.Items), ids(res.Items)); diff != "" || res.ExcludedCount != 0 {
			t.Errorf("rules not in force changed the ranking (-want +got):\n%s", diff)
		}
		for _, it := range res.Items {
			if w := ruleWhys(it); len(w) > 0 {
				t.Errorf("%s: rule whys %+v from rules not in force", it.Product.ID, w)
			}
		}
	})
}

// TestRulesAreDeterministic ranks twice with the same rules on two projections.
func TestRulesAreDeterministic(t *testing.T) {
	rules := func() []graph.Rule {
		return []graph.Rule{
			{ID: "a", Name: "serums", Kind: graph.RuleBoost, Amount: 0.5, Match: graph.RuleMatch{Categories: []string{"serum"}}},
			{ID: "b", Name: "pin", Kind: graph.RulePin, ProductID: "p03", Position: 1},
		}
	}
	req := Request{Profile: Profile{SkinType: "dry", Concerns: []string{"aging"}}, Limit: 10, Explain: ExplainFull}
	a, b := rankWithRules(t, rules(), req), rankWithRules(t, rules(), req)
	a.Elapsed, b.Elapsed = 0, 0
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("two rankings differ (-first +second):\n%s", diff)
	}
	checkSums(t, a)
}

// TestRulesEpochCountsPassedBoundaries: the epoch changes exactly when a rule comes into or
// goes out of force.
func TestRulesEpochCountsPassedBoundaries(t *testing.T) {
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	rules := []graph.Rule{{ID: "a", From: t0, Until: t0.Add(48 * time.Hour)}, {ID: "b"}}
	for _, c := range []struct {
		at   time.Time
		want string
	}{
		{t0.Add(-time.Second), ""},
		{t0, "-r1"},
		{t0.Add(47 * time.Hour), "-r1"},
		{t0.Add(48 * time.Hour), "-r2"},
	} {
		if got := rulesEpoch(rules, c.at); got != c.want {
			t.Errorf("epoch at %s = %q, want %q", c.at, got, c.want)
		}
	}
}
