package cypher_test

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// referenceTolerance is how far the two rankers' scores (and family scores) may drift apart.
const referenceTolerance = 1e-6

// referenceKinds are the families the reference ranker computes, in its order.
var referenceKinds = []string{ranker.KindConcernFit, ranker.KindClaim, ranker.KindPeer, ranker.KindSafety, ranker.KindCoReview, ranker.KindPrior}

// loadReferenceDemo returns a store on a graph holding the bundled demo data (neo4jtest.Demo:
// restored from the copy the package's first demo test loaded, or loaded when it is the first)
// and the projection built from it.
func loadReferenceDemo(tb testing.TB) (*cypher.Store, *graph.Projection) {
	tb.Helper()
	start := time.Now()
	store := neo4jtest.Demo(tb)
	ctx := tb.Context()
	proj, err := store.Project(ctx)
	if err != nil {
		tb.Fatalf("project: %v", err)
	}
	tb.Logf("demo graph: %d products, %d ingredients, prepared and projected in %s",
		len(proj.Products), len(proj.Ingredients), time.Since(start).Round(time.Millisecond))
	return store, proj
}

// TestReferenceRankMatchesRanker is the differential test of DESIGN.md section 3: the Cypher
// reference ranker and the in-memory ranker must return the same page, in the same order,
// with the same scores (and the same score per family), for random profiles on the demo data.
func TestReferenceRankMatchesRanker(t *testing.T) {
	store, proj := loadReferenceDemo(t)

	nonDefault := ranker.DefaultParams()
	nonDefault.Weights = ranker.Weights{ConcernFit: 0.7, Claim: 0.4, PeerRating: 1.6, PeerEffects: 0.45, PeerVolume: 0.07,
		Safety: 2.5, Affinity: 0, Prior: 0.85, CoReview: 0.6, Recent: 0.45, RecentLinear: 0.8, PeerAdverse: 0.35, AdverseExcess: 0.9}
	// Requests with history get a weight set of their own (ranker.Params.HistoryWeights).
	nonDefault.HistoryWeights = ranker.Weights{ConcernFit: 0.3, Claim: 0.9, PeerRating: 0.2, PeerEffects: 1.1, PeerVolume: 0.02,
		Safety: 0.6, Affinity: 0, Prior: 0.25, CoReview: 2.2, Recent: 1.3, RecentLinear: 0.5, PeerAdverse: 0.15, ItemItem: 1.7}
	nonDefault.ItemItemLambda = 3 // the item-item family's EASE^R fit (ranker/itemitem.go)
	nonDefault.Smoothing = 3.5
	nonDefault.AttrWeight.SkinType, nonDefault.AttrWeight.SkinTone, nonDefault.AttrWeight.Concern = 0.8, 0.55, 0.25
	nonDefault.Evidence = map[string]float64{"clinical": 0.9, "in-vitro": 0.35, "expert-consensus": 0.7}
	nonDefault.PopularityShare = 0.2
	nonDefault.RecentHalfLifeDays = 3.5
	nonDefault.HistoryRecentHalfLifeDays = 9
	nonDefault.RecentMinRating = 4 // positive reviews only in the recent volume
	nonDefault.AdverseSmoothing = 7
	nonDefault.LikedPopulationScale = 0.4
	// the multi-scale recent volumes, overall and among the profile's skin type (ranker.RecentScaleDays)
	nonDefault.Weights.RecentScales = [ranker.NumRecentScales]float64{0.6, 0, 1.2, 0.3, 0.9}
	nonDefault.Weights.PeerRecentScales = [ranker.NumRecentScales]float64{0.5, 1.4, 0, 0.25, 0.8}
	nonDefault.HistoryWeights.RecentScales = [ranker.NumRecentScales]float64{0, 0.7, 0.2, 0, 1.1}
	nonDefault.HistoryWeights.PeerRecentScales = [ranker.NumRecentScales]float64{1.3, 0, 0.4, 0.6, 0}
	// the trend family (ranker/trend.go), a different weight in each set
	nonDefault.Weights.Trend, nonDefault.HistoryWeights.Trend = 0.7, 1.3
	// and its half-lives, per kind (the concern set reads the cold-start pair)
	nonDefault.TrendShortHalfLifeDays, nonDefault.TrendLongHalfLifeDays = 1.5, 21
	nonDefault.HistoryTrendShortHalfLifeDays, nonDefault.HistoryTrendLongHalfLifeDays = 7, 60

	// Requests that state concerns (no history) get a set of their own too
	// (ranker.Params.ConcernWeights), different from both.
	concernSet := nonDefault
	concernSet.SetConcernWeights(ranker.Weights{ConcernFit: 2.1, Claim: 0.05, PeerRating: 0.4, PeerEffects: 0.8, PeerVolume: 0.15,
		Safety: 1.2, Prior: 0.3, Recent: 0.2, RecentLinear: 1.7, PeerAdverse: 0.6, AdverseExcess: 0.25,
		RecentScales: [ranker.NumRecentScales]float64{0.1, 0.9, 0, 0.5, 0}, PeerRecentScales: [ranker.NumRecentScales]float64{0, 0.3, 1.1, 0, 0.4},
		Trend: 0.45})

	noDecay := ranker.DefaultParams()
	noDecay.RecentHalfLifeDays, noDecay.HistoryRecentHalfLifeDays = 0, 0 // every review counts 1 in the recent volume

	switchedOff := ranker.DefaultParams()
	switchedOff.Weights.PeerRating, switchedOff.Weights.Prior, switchedOff.Weights.Claim = 0, 0, 0
	switchedOff.Weights.CoReview, switchedOff.Weights.PeerAdverse = 0, 0
	switchedOff.HistoryWeights = switchedOff.Weights
	switchedOff.Smoothing = 0

	for _, tc := range []struct {
		name     string
		params   ranker.Params
		seed     uint64
		profiles int
		paging   bool // vary Offset and Limit instead of the first 10
	}{
		{"default-params", ranker.DefaultParams(), 1, 48, false},
		{"non-default-params", nonDefault, 2, 20, true},
		{"families-switched-off", switchedOff, 3, 10, false},
		{"recent-volume-without-decay", noDecay, 4, 10, false},
		{"concern-weight-set", concernSet, 5, 20, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rk, err := ranker.New(tc.params)
			if err != nil {
				t.Fatal(err)
			}
			r := rand.New(rand.NewPCG(tc.seed, 2026))
			var cov referenceCoverage
			for n := range tc.profiles {
				req := randomReferenceRequest(r, proj)
				if tc.paging {
					req.Offset, req.Limit = r.IntN(15), 1+r.IntN(25)
				}
				t.Run(fmt.Sprintf("profile-%02d", n), func(t *testing.T) {
					compareWithReference(t, store, proj, rk, tc.params, req, &cov)
				})
			}
			t.Logf("%d profiles, %d items compared; max |score difference| %.3g; %d of %d scores bit-identical",
				tc.profiles, cov.items, cov.maxDiff, cov.identical, cov.items)
			if tc.name == "non-default-params" && cov.itemItem == 0 {
				t.Errorf("no compared item has an item-item reason: the profiles do not exercise the family")
			}
			if tc.name == "default-params" {
				// The random profiles must exercise every family and the exclusions, or the
				// comparison proves little.
				for _, k := range referenceKinds {
					if cov.nonZero[k] == 0 {
						t.Errorf("no compared item has a non-zero %s score: the profiles do not exercise it", k)
					}
				}
				if cov.excluded == 0 {
					t.Errorf("no profile excluded a product: the profiles do not exercise the exclusions")
				}
			}
		})
	}
}

// referenceCoverage accumulates what a series of comparisons exercised.
type referenceCoverage struct {
	items, identical, excluded int
	maxDiff                    float64
	nonZero                    map[string]int
	itemItem                   int // items with an item-item reason (the EASE^R part of co_review)
}

// compareWithReference ranks req with both rankers and reports any difference with the per-family
// breakdown of both sides.
func compareWithReference(t *testing.T, store *cypher.Store, proj *graph.Projection, rk *ranker.Ranker,
	params ranker.Params, req ranker.Request, cov *referenceCoverage) {
	t.Helper()
	ctx := t.Context()
	goReq := req
	goReq.Explain = ranker.ExplainFull
	res, err := rk.Rank(ctx, proj, nil, goReq)
	if err != nil {
		t.Fatalf("ranker: %v", err)
	}
	ref, err := store.ReferenceRankOn(ctx, proj, params, req) // proj: the graph, unchanged since it was read
	if err != nil {
		t.Fatalf("reference ranker: %v", err)
	}
	if cov.nonZero == nil {
		cov.nonZero = map[string]int{}
	}
	cov.excluded += res.ExcludedCount

	mismatch := len(ref) != len(res.Items)
	for i := range min(len(ref), len(res.Items)) {
		g, c := res.Items[i], ref[i]
		cov.items++
		d := math.Abs(g.Score - c.Score)
		cov.maxDiff = max(cov.maxDiff, d)
		if g.Score == c.Score {
			cov.identical++
		}
		if g.Product.ID != c.ID || !(d <= referenceTolerance) {
			mismatch = true
		}
		gf := rankerFamilies(g)
		if slices.ContainsFunc(g.Why, func(w ranker.Why) bool { return w.Evidence["model"] == "EASE^R" }) {
			cov.itemItem++
		}
		for _, k := range referenceKinds {
			if gf[k] != 0 {
				cov.nonZero[k]++
			}
			if !(math.Abs(gf[k]-c.Families[k]) <= referenceTolerance) {
				mismatch = true
			}
		}
		if !(math.Abs(familySum(c.Families)-c.Score) <= 1e-9) {
			t.Errorf("reference item %s: score %.12f != sum of its families %.12f", c.ID, c.Score, familySum(c.Families))
		}
	}
	if mismatch {
		t.Errorf("the rankers disagree for\n  profile %+v\n  filters %+v offset %d limit %d\n%s",
			req.Profile, req.Filters, req.Offset, req.Limit, referenceBreakdown(res.Items, ref))
	}
}

// rankerFamilies sums the in-memory ranker's path contributions by family.
func rankerFamilies(it ranker.Item) map[string]float64 {
	f := map[string]float64{}
	for _, w := range it.Why {
		f[w.Kind] += w.Contribution
	}
	return f
}

func familySum(m map[string]float64) float64 {
	s := 0.0
	for _, k := range referenceKinds {
		s += m[k]
	}
	return s
}

// referenceBreakdown prints both rankings side by side, one line per item and side, with the score of
// every family.
func referenceBreakdown(items []ranker.Item, ref []cypher.ReferenceItem) string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %-3s %-6s %-12s %14s", "#", "ranker", "id", "score")
	for _, k := range referenceKinds {
		fmt.Fprintf(&b, " %14s", k)
	}
	b.WriteString("\n")
	row := func(i int, side, id string, score float64, fams map[string]float64) {
		fmt.Fprintf(&b, "  %-3d %-6s %-12s %14.9f", i+1, side, id, score)
		for _, k := range referenceKinds {
			fmt.Fprintf(&b, " %14.9f", fams[k])
		}
		b.WriteString("\n")
	}
	for i := range max(len(items), len(ref)) {
		if i < len(items) {
			row(i, "go", items[i].Product.ID, items[i].Score, rankerFamilies(items[i]))
		}
		if i < len(ref) {
			row(i, "cypher", ref[i].ID, ref[i].Score, ref[i].Families)
		}
	}
	return b.String()
}

// randomReferenceRequest draws a profile and filters from the vocabularies and the demo catalogue:
// a skin type, tone and concerns most of the time, sometimes sensitivities, avoided
// ingredients, liked and disliked products and category, price or brand filters. The rankers
// are compared without embeddings (the reference ranker has no affinity family), so liked
// products exercise the co-review family alone.
func randomReferenceRequest(r *rand.Rand, proj *graph.Projection) ranker.Request {
	pick := func(names []string) string { return names[r.IntN(len(names))] }
	some := func(names []string, most int) []string {
		var out []string
		for range r.IntN(most + 1) {
			out = append(out, pick(names))
		}
		return out
	}
	var req ranker.Request
	p := &req.Profile
	if r.IntN(5) > 0 {
		p.SkinType = pick(graph.SkinTypes.Names())
	}
	if r.IntN(3) > 0 {
		p.SkinTone = pick(graph.SkinTones.Names())
	}
	p.Concerns = some(graph.Concerns.Names(), 4) // may repeat a concern: both rankers drop the repeat
	if r.IntN(3) == 0 {
		p.Sensitivities = some(graph.Sensitivities.Names(), 2)
	}
	if r.IntN(3) == 0 {
		for range 1 + r.IntN(3) {
			p.AvoidIngredients = append(p.AvoidIngredients, proj.Ingredients[r.IntN(len(proj.Ingredients))].INCI)
		}
	}
	if r.IntN(10) == 0 {
		p.AvoidIngredients = append(p.AvoidIngredients, "no such ingredient")
	}
	if r.IntN(2) == 0 {
		for range 1 + r.IntN(3) {
			p.LikedProducts = append(p.LikedProducts, proj.Products[r.IntN(len(proj.Products))].ID)
		}
	}
	if r.IntN(3) == 0 {
		for range 1 + r.IntN(3) {
			p.DislikedProducts = append(p.DislikedProducts, proj.Products[r.IntN(len(proj.Products))].ID)
		}
	}
	if r.IntN(4) == 0 {
		req.Filters.Categories = some(graph.Categories.Names(), 2)
	}
	if r.IntN(4) == 0 {
		req.Filters.MaxPrice = []float64{12, 20, 25, 35, 60}[r.IntN(5)]
	}
	if r.IntN(8) == 0 {
		var brands []string
		for _, x := range proj.Products {
			if !slices.Contains(brands, x.Brand) {
				brands = append(brands, x.Brand)
			}
		}
		req.Filters.Brands = some(brands, 3)
	}
	req.Limit = 10
	return req
}

// TestReferenceRankValidates checks that the reference ranker refuses what the ranker refuses.
func TestReferenceRankValidates(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := t.Context()
	bad := ranker.DefaultParams()
	bad.Weights.Safety = -1
	for name, tc := range map[string]struct {
		params ranker.Params
		req    ranker.Request
	}{
		"params":  {bad, ranker.Request{}},
		"limit":   {ranker.DefaultParams(), ranker.Request{Limit: ranker.MaxLimit + 1}},
		"concern": {ranker.DefaultParams(), ranker.Request{Profile: ranker.Profile{Concerns: []string{"wrinkles"}}}},
	} {
		if _, err := store.ReferenceRank(ctx, tc.params, tc.req); !errors.Is(err, graph.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	items, err := store.ReferenceRank(ctx, ranker.DefaultParams(), ranker.Request{})
	if err != nil || len(items) != 0 {
		t.Errorf("empty graph: items = %v, err = %v; want none and no error", items, err)
	}
}
