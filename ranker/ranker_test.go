package ranker

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

// fixture builds a small projection: serums and creams with actives, irritants and outcomes.
func fixture(t testing.TB) *graph.Projection {
	t.Helper()
	p, err := fixtureBuilder().Build(graph.DataVersion{N: 7})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fixtureBuilder holds the nodes and edges of fixture, for tests that add to them.
func fixtureBuilder() *graph.ProjectionBuilder {
	var b graph.ProjectionBuilder
	for _, ing := range []graph.ProjectedIngredient{
		{INCI: "water", Name: "Water", Comedogenic: 0},
		{INCI: "niacinamide", Name: "Niacinamide", Comedogenic: 0},
		{INCI: "retinol", Name: "Retinol", Comedogenic: -1},
		{INCI: "glycolic acid", Name: "Glycolic Acid", Comedogenic: -1},
		{INCI: "fragrance", Name: "Parfum", Comedogenic: -1},
		{INCI: "cocos nucifera oil", Name: "Coconut Oil", Comedogenic: 4},
		{INCI: "glycerin", Name: "Glycerin", Comedogenic: 0},
	} {
		b.AddIngredient(ing)
	}
	b.AddTreats("niacinamide", "hyperpigmentation", "clinical", 0.6, "s1")
	b.AddTreats("niacinamide", "pores", "in-vitro", 0.3, "s2")
	b.AddTreats("retinol", "aging", "clinical", 0.7, "s3")
	b.AddTreats("glycolic acid", "texture", "clinical", 0.6, "s4")
	b.AddTreats("glycerin", "dehydration", "clinical", 0.7, "s5")
	b.AddAggravates("fragrance", graph.KindSensitivity, "fragrance", 0.8, "fragrance allergen")
	b.AddAggravates("fragrance", graph.KindConcern, "redness", 0.4, "can irritate")
	b.AddAggravates("cocos nucifera oil", graph.KindConcern, "acne", 0.8, "comedogenic")
	b.AddAggravates("retinol", graph.KindSkinType, "dry", 0.3, "drying")
	b.AddConflict("glycolic acid", "retinol", 0.6, "irritation when layered")
	products := []struct {
		id, cat string
		price   float64
		rating  float64
		reviews int
		ings    []string
		claims  []string
	}{
		{"p01", "serum", 30, 4.5, 120, []string{"water", "niacinamide", "glycerin"}, []string{"hyperpigmentation"}},
		{"p02", "serum", 60, 4.2, 40, []string{"water", "retinol", "glycerin"}, []string{"aging"}},
		{"p03", "exfoliant", 25, 4.0, 15, []string{"water", "glycolic acid", "niacinamide"}, []string{"texture"}},
		{"p04", "moisturizer", 20, 3.9, 300, []string{"water", "glycerin", "cocos nucifera oil", "fragrance"}, nil},
		{"p05", "moisturizer", 45, 4.6, 80, []string{"water", "glycerin", "niacinamide"}, []string{"dehydration"}},
		{"p06", "serum", 15, 0, 0, []string{"water", "niacinamide"}, nil},
		{"p07", "serum", 15, 0, 0, []string{"water", "niacinamide"}, nil}, // ties p06 exactly
	}
	for _, p := range products {
		b.AddProduct(graph.ProjectedProduct{ID: p.id, Name: "Product " + p.id, Brand: "Acme", Category: p.cat, Price: p.price, Rating: p.rating, ReviewCount: p.reviews})
		for k, in := range p.ings {
			b.AddContains(p.id, in, k+1, false)
		}
		for _, c := range p.claims {
			b.AddClaim(p.id, c)
		}
	}
	b.AddOutcome(graph.Outcome{ProductID: "p01", Kind: graph.KindSkinType, Attribute: "oily", Count: 50, MeanRating: 4.7, Effects: map[string]int{"improved": 20, "breakout": 1}})
	b.AddOutcome(graph.Outcome{ProductID: "p04", Kind: graph.KindSkinType, Attribute: "oily", Count: 40, MeanRating: 3.1, Effects: map[string]int{"breakout": 12}})
	b.AddOutcome(graph.Outcome{ProductID: "p05", Kind: graph.KindSkinType, Attribute: "dry", Count: 30, MeanRating: 4.8, Effects: map[string]int{"hydration": 20}})
	b.AddOutcome(graph.Outcome{ProductID: "p02", Kind: graph.KindConcern, Attribute: "aging", Count: 10, MeanRating: 4.4, Effects: map[string]int{"improved": 5, "purging": 2}})
	return &b
}

// vectors is a fixed embedding: p01 and p05 close, the rest spread.
type vectors map[int32][]float32

func (v vectors) Product(x int32) []float32 { return v[x] }

func testVectors(p *graph.Projection) vectors {
	v := vectors{}
	for x := range int32(len(p.Products)) {
		v[x] = []float32{float32(math.Cos(float64(x))), float32(math.Sin(float64(x))), 0.5}
	}
	i1, _ := p.ProductIndex("p01")
	i5, _ := p.ProductIndex("p05")
	v[i5] = []float32{v[i1][0] * 0.9, v[i1][1], 0.5}
	return v
}

func mustRanker(t testing.TB) *Ranker {
	t.Helper()
	r, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func ids(items []Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Product.ID)
	}
	return out
}

func TestRankOrdersByConcernFitAndPeers(t *testing.T) {
	p := fixture(t)
	res, err := mustRanker(t).Rank(context.Background(), p, nil, Request{
		Profile: Profile{SkinType: "oily", Concerns: []string{"hyperpigmentation"}}, Limit: 3, Explain: ExplainFull,
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Items); got[0] != "p01" {
		t.Errorf("top = %v, want p01 first (niacinamide 2nd, claims the concern, loved by oily skin)", got)
	}
	if res.Version.N != 7 || res.Total != len(p.Products) {
		t.Errorf("version %d total %d", res.Version.N, res.Total)
	}
	kinds := map[string]bool{}
	for _, w := range res.Items[0].Why {
		kinds[w.Kind] = true
	}
	for _, k := range []string{KindConcernFit, KindClaim, KindPeer, KindPrior} {
		if !kinds[k] {
			t.Errorf("p01 has no %s reason: %+v", k, res.Items[0].Why)
		}
	}
	var fit Why
	for _, w := range res.Items[0].Why {
		if w.Kind == KindConcernFit {
			fit = w
		}
	}
	wantText := "Contains Niacinamide (2nd ingredient), which targets hyperpigmentation - clinical evidence (efficacy 0.60)"
	if fit.Text != wantText {
		t.Errorf("concern fit text = %q, want %q", fit.Text, wantText)
	}
	wantCypher := "MATCH path = (x:Product {id: 'p01'})-[:CONTAINS]->(i:Ingredient {inci: 'niacinamide'})-[:TREATS]->(c:Concern {name: 'hyperpigmentation'}) RETURN path"
	if fit.Cypher != wantCypher {
		t.Errorf("cypher = %q", fit.Cypher)
	}
	if want := 0.6 / math.Sqrt(2); math.Abs(fit.Contribution-want) > 1e-12 {
		t.Errorf("contribution = %v, want %v", fit.Contribution, want)
	}
}

func TestScoreEqualsSumOfContributions(t *testing.T) {
	p := fixture(t)
	r := mustRanker(t)
	for _, prof := range []Profile{
		{},
		{SkinType: "oily", Concerns: []string{"acne", "pores", "hyperpigmentation"}},
		{SkinType: "dry", SkinTone: "medium", Concerns: []string{"aging", "dehydration", "redness"}, LikedProducts: []string{"p01"}},
	} {
		res, err := r.Rank(context.Background(), p, testVectors(p), Request{Profile: prof, Limit: 10, Explain: ExplainFull})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			sum := 0.0
			for _, w := range it.Why {
				sum += w.Contribution
			}
			if math.Abs(sum-it.Score) > 1e-6 {
				t.Errorf("profile %+v, %s: score %v != sum of why %v (%+v)", prof, it.Product.ID, it.Score, sum, it.Why)
			}
		}
	}
}

func TestSafetyPenalisesAggravatingIngredients(t *testing.T) {
	p := fixture(t)
	res, err := mustRanker(t).Rank(context.Background(), p, nil, Request{
		Profile: Profile{SkinType: "oily", Concerns: []string{"acne"}}, Limit: 10, Explain: ExplainFull,
	})
	if err != nil {
		t.Fatal(err)
	}
	last := res.Items[len(res.Items)-1]
	if last.Product.ID != "p04" {
		t.Errorf("last = %s, want p04 (coconut oil for acne, breakouts among oily skin)", last.Product.ID)
	}
	found := false
	for _, w := range last.Why {
		if w.Kind == KindSafety && w.Contribution < 0 && strings.Contains(w.Text, "Coconut Oil (3rd ingredient), which can aggravate concerned with acne") {
			found = true
		}
	}
	if !found {
		t.Errorf("p04 has no safety reason for coconut oil: %+v", last.Why)
	}
}

func TestExclusionsNeverAppear(t *testing.T) {
	p := fixture(t)
	res, err := mustRanker(t).Rank(context.Background(), p, nil, Request{
		Profile: Profile{Sensitivities: []string{"fragrance"}, AvoidIngredients: []string{"retinol"}}, Limit: 10,
	})
	if err != nil {
		t.Fatal(err)
	}
	got := ids(res.Items)
	if slices.Contains(got, "p04") || slices.Contains(got, "p02") {
		t.Errorf("excluded products recommended: %v", got)
	}
	want := []Exclusion{
		{ProductID: "p02", Ingredient: "retinol", Reason: "avoided ingredient"},
		{ProductID: "p04", Ingredient: "fragrance", Reason: "aggravates sensitivity: fragrance"},
	}
	if diff := cmp.Diff(want, res.Excluded); diff != "" {
		t.Errorf("exclusions (-want +got):\n%s", diff)
	}
	if res.ExcludedCount != 2 || res.Total != len(p.Products)-2 {
		t.Errorf("excluded %d total %d", res.ExcludedCount, res.Total)
	}
}

// TestNoExcludedProductEverAppears is a property test over random profiles.
func TestNoExcludedProductEverAppears(t *testing.T) {
	p := fixture(t)
	r := mustRanker(t)
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(names []string, n int) []string {
		var out []string
		for range n {
			out = append(out, names[rng.IntN(len(names))])
		}
		return out
	}
	var incis []string
	for _, ing := range p.Ingredients {
		incis = append(incis, ing.INCI)
	}
	for i := range 300 {
		prof := Profile{
			Concerns:         pick(graph.Concerns.Names(), rng.IntN(3)),
			Sensitivities:    pick(graph.Sensitivities.Names(), rng.IntN(2)),
			AvoidIngredients: pick(incis, rng.IntN(3)),
		}
		if rng.IntN(2) == 0 {
			prof.SkinType = pick(graph.SkinTypes.Names(), 1)[0]
		}
		res, err := r.Rank(context.Background(), p, nil, Request{Profile: prof, Limit: 10})
		if err != nil {
			t.Fatalf("profile %d: %v", i, err)
		}
		for _, it := range res.Items {
			x, _ := p.ProductIndex(it.Product.ID)
			for _, u := range p.Uses(x) {
				ing := p.Ingredients[u.Ingredient].INCI
				if slices.Contains(prof.AvoidIngredients, ing) {
					t.Fatalf("profile %+v: %s contains avoided %s", prof, it.Product.ID, ing)
				}
				for _, a := range p.Aggravations(u.Ingredient) {
					if a.Attr.Kind == graph.AttrSensitivity && slices.Contains(prof.Sensitivities, a.Attr.Name()) {
						t.Fatalf("profile %+v: %s contains %s, which aggravates %s", prof, it.Product.ID, ing, a.Attr.Name())
					}
				}
			}
		}
	}
}

func TestRankIsDeterministicAndBreaksTiesById(t *testing.T) {
	p := fixture(t)
	r := mustRanker(t)
	req := Request{Profile: Profile{Concerns: []string{"pores"}}, Filters: Filters{MaxPrice: 16}, Limit: 5, Explain: ExplainFull}
	first, err := r.Rank(context.Background(), p, nil, req)
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(first.Items); !cmp.Equal(got, []string{"p06", "p07"}) {
		t.Errorf("tied products = %v, want [p06 p07]", got)
	}
	for range 20 {
		again, err := r.Rank(context.Background(), p, nil, req)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(first.Items, again.Items); diff != "" {
			t.Fatalf("second run differs (-first +again):\n%s", diff)
		}
	}
}

func TestPaginationAndFilters(t *testing.T) {
	p := fixture(t)
	r := mustRanker(t)
	prof := Profile{SkinType: "dry", Concerns: []string{"dehydration"}}
	all, err := r.Rank(context.Background(), p, nil, Request{Profile: prof, Limit: 7})
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	for off := 0; off < 7; off += 3 {
		page, err := r.Rank(context.Background(), p, nil, Request{Profile: prof, Offset: off, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		paged = append(paged, ids(page.Items)...)
	}
	if diff := cmp.Diff(ids(all.Items), paged); diff != "" {
		t.Errorf("pages differ from the whole list (-all +paged):\n%s", diff)
	}
	res, err := r.Rank(context.Background(), p, nil, Request{Profile: prof, Limit: 10,
		Filters: Filters{Categories: []string{"moisturizer"}, MaxPrice: 30}})
	if err != nil {
		t.Fatal(err)
	}
	if got := ids(res.Items); !cmp.Equal(got, []string{"p04"}) {
		t.Errorf("moisturizers under 30 = %v, want [p04]", got)
	}
}

func TestAffinityAndWarnings(t *testing.T) {
	p := fixture(t)
	params := DefaultParams()
	params.HistoryWeights.Affinity = 0.5 // off by default; the requests below list liked products
	r, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.Rank(context.Background(), p, testVectors(p), Request{
		Profile: Profile{Concerns: []string{"aging", "texture"}, LikedProducts: []string{"p01"}}, Limit: 10, Explain: ExplainFull,
	})
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(ids(res.Items), "p01") {
		t.Error("a liked product was recommended again")
	}
	var warned bool
	affinity := 0
	for _, it := range res.Items {
		for _, w := range it.Warnings {
			if it.Product.ID == "p02" && w.With == "p03" && w.Ingredients == [2]string{"retinol", "glycolic acid"} {
				warned = true
			}
		}
		for _, w := range it.Why {
			if w.Kind == KindAffinity {
				affinity++
				if !strings.Contains(w.Text, "Product p01") {
					t.Errorf("affinity reason does not name the liked product: %q", w.Text)
				}
			}
		}
	}
	if affinity == 0 {
		t.Error("no affinity reason with the affinity weight on")
	}
	if !warned {
		t.Errorf("no retinol/glycolic acid routine warning between p02 and p03")
	}
}

func TestRankRejectsBadRequestsAndHonoursContext(t *testing.T) {
	p := fixture(t)
	r := mustRanker(t)
	_, err := r.Rank(context.Background(), p, nil, Request{Profile: Profile{SkinType: "scaly", Concerns: []string{"acnee"}}, Limit: 500})
	var verr *graph.ValidationError
	if !errors.As(err, &verr) || len(verr.Fields) != 3 {
		t.Errorf("bad request: err = %v, want 3 field errors", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := r.Rank(ctx, p, nil, Request{}); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v", err)
	}
	if _, err := r.Rank(context.Background(), nil, nil, Request{}); !errors.Is(err, graph.ErrUnavailable) {
		t.Errorf("no projection: err = %v", err)
	}
}

func TestBudgetReturnsPartialResult(t *testing.T) {
	p := syntheticProjection(t, 3*chunkSize, 1)
	r := mustRanker(t)
	calls := 0
	start := time.Unix(0, 0)
	r.now = func() time.Time { calls++; return start.Add(time.Duration(calls) * time.Millisecond) }
	res, err := r.Rank(context.Background(), p, nil, Request{Profile: Profile{Concerns: []string{"acne"}}, Budget: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Partial || res.Total != chunkSize || len(res.Items) != 10 {
		t.Errorf("partial=%v total=%d items=%d, want a partial result of the first chunk", res.Partial, res.Total, len(res.Items))
	}
}

func TestParamsValidate(t *testing.T) {
	if err := DefaultParams().Validate(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	bad := DefaultParams()
	bad.Weights.Safety = -1
	bad.PopularityShare = 2
	delete(bad.Evidence, "clinical")
	err := bad.Validate()
	for _, want := range []string{"weights.safety", "popularity_share", "evidence[clinical] missing"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to mention %s", err, want)
		}
	}
	if _, err := New(bad); !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("New(bad) = %v", err)
	}
}

func TestSimilarExplainsSharedIngredientsAndOutcomes(t *testing.T) {
	p := fixture(t)
	r := mustRanker(t)
	items, err := r.Similar(context.Background(), p, testVectors(p), "p01", 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 3 || items[0].Product.ID != "p05" {
		t.Fatalf("similar to p01 = %+v, want p05 first", items)
	}
	kinds := map[string]bool{}
	for _, w := range items[0].Why {
		kinds[w.Kind] = true
	}
	if !kinds["embedding"] || !kinds["shared_ingredients"] {
		t.Errorf("why = %+v", items[0].Why)
	}
	for i := 1; i < len(items); i++ {
		if items[i].Similarity > items[i-1].Similarity {
			t.Errorf("not sorted: %v", items)
		}
	}
	if _, err := r.Similar(context.Background(), p, testVectors(p), "nope", 3); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("unknown product: %v", err)
	}
}

func TestCheckRoutine(t *testing.T) {
	p := fixture(t)
	got, err := CheckRoutine(p, []string{"p02", "p01", "p03"})
	if err != nil {
		t.Fatal(err)
	}
	want := []RoutineConflict{{Products: [2]string{"p02", "p03"}, Ingredients: [2]string{"retinol", "glycolic acid"}, Severity: 0.6,
		Reason: "irritation when layered", Text: "Retinol here and Glycolic Acid in Product p03 should not be used in the same routine: irritation when layered"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("conflicts (-want +got):\n%s", diff)
	}
	_, err = CheckRoutine(p, []string{"p01", "nope"})
	var verr *graph.ValidationError
	if !errors.As(err, &verr) || verr.Fields[0].Field != "product_ids[1]" {
		t.Errorf("unknown product: %v", err)
	}
}

func TestRequestValidateBoundsPagination(t *testing.T) {
	for _, tc := range []struct {
		offset, limit int
		bad           string
	}{
		{0, 10, ""},
		{MaxOffset, MaxLimit, ""},
		{MaxOffset + 1, 10, "offset"},
		{-1, 10, "offset"},
		{0, MaxLimit + 1, "limit"},
		{1 << 40, 10, "offset"},
	} {
		req := Request{Offset: tc.offset, Limit: tc.limit}
		err := req.Validate()
		var verr *graph.ValidationError
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("offset %d limit %d: %v", tc.offset, tc.limit, err)
		case tc.bad != "" && (!errors.As(err, &verr) || verr.Fields[0].Field != tc.bad):
			t.Errorf("offset %d limit %d: %v, want an error on %s", tc.offset, tc.limit, err, tc.bad)
		}
	}
}
