package ranker

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

// itemItemFixture: u1 liked p01 and p02, u2 p01, p02 and p03, u3 p02 and p03, u4 p04 alone;
// u5 gave p01 and p04 three stars (not positive). With λ = 1 over p01..p04 (p04's only
// positive reviewer shares nothing):
//
//	XᵀX + I = [[3 2 1 0] [2 4 2 0] [1 2 3 0] [0 0 0 2]],  P = its inverse
//	        = [[8 −4 0 0] [−4 8 −4 0] [0 −4 8 0] [0 0 0 8]] / 16,
//
// so B[p01,p02] = B[p02,p01] = B[p02,p03] = B[p03,p02] = 4/8 = 0.5 and B[p01,p03] = 0: p01
// and p03 share u2 but EASE^R explains that by p02, so the pair keeps no weight.
func itemItemFixture(t testing.TB) *graph.Projection {
	t.Helper()
	b := fixtureBuilder()
	at := time.Date(2023, 1, 31, 0, 0, 0, 0, time.UTC)
	for _, r := range []struct {
		reviewer, product string
		rating            int
	}{
		{"u1", "p01", 5}, {"u1", "p02", 4},
		{"u2", "p01", 4}, {"u2", "p02", 5}, {"u2", "p03", 4},
		{"u3", "p02", 4}, {"u3", "p03", 5},
		{"u4", "p04", 5},
		{"u5", "p01", 3}, {"u5", "p04", 3},
	} {
		b.AddReview(r.reviewer, r.product, r.rating, at)
	}
	p, err := b.Build(graph.DataVersion{N: 11})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestItemItem(t *testing.T) {
	p := itemItemFixture(t)
	params := DefaultParams()
	params.HistoryWeights = Weights{ItemItem: 2}
	params.ItemItemLambda = 1
	r, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		liked []string
		want  map[string]float64 // every product with a non-zero score
		text  string             // a phrase of the first item's first reason
	}{
		{"liked p01: p02 only (B[p01,p03] = 0)", []string{"p01"}, map[string]float64{"p02": 2 * 0.5},
			"People who liked"},
		{"liked p02: p01 and p03", []string{"p02"}, map[string]float64{"p01": 2 * 0.5, "p03": 2 * 0.5},
			"2 reviewers rated both 4 stars or more; learned item-item weight 0.500 (EASE^R over every positive review, λ 1)"},
		{"liked p01 and p03: p02 twice", []string{"p01", "p03"}, map[string]float64{"p02": 2*0.5 + 2*0.5}, ""},
		{"liked p04: no co-reviewer, nothing", []string{"p04"}, map[string]float64{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := r.Rank(context.Background(), p, nil, Request{Profile: Profile{LikedProducts: tt.liked}, Limit: MaxLimit, Explain: ExplainFull})
			if err != nil {
				t.Fatal(err)
			}
			got, _ := familyScores(t, res, func(w Why) error {
				if w.Kind != KindCoReview || len(w.Path.Nodes) != 3 || w.Path.Nodes[1].Label != "Reviewer" {
					return fmt.Errorf("%+v, want a co_review path through a reviewer", w)
				}
				return nil
			})
			if diff := cmp.Diff(tt.want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
			if tt.text != "" && !strings.Contains(res.Items[0].Why[0].Text, tt.text) {
				t.Errorf("first reason %q, want it to contain %q", res.Items[0].Why[0].Text, tt.text)
			}
		})
	}
}

func TestItemItemNeighboursAndValidate(t *testing.T) {
	p := itemItemFixture(t)
	x, _ := p.ProductIndex("p02")
	nbs, err := ItemItemNeighbours(p, 1, x)
	if err != nil {
		t.Fatal(err)
	}
	p01, _ := p.ProductIndex("p01")
	p03, _ := p.ProductIndex("p03")
	want := []ItemNeighbour{{Product: p01, Weight: 0.5, Co: 2}, {Product: p03, Weight: 0.5, Co: 2}}
	if diff := cmp.Diff(want, nbs, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
		t.Errorf("ItemItemNeighbours(p02) (-want +got):\n%s", diff)
	}
	params := DefaultParams()
	params.HistoryWeights.ItemItem, params.ItemItemLambda = 1, 0
	if err := params.Validate(); err == nil || !strings.Contains(err.Error(), "item_item_lambda = 0") {
		t.Errorf("Validate() = %v, want item_item_lambda = 0 named", err)
	}
}

// BenchmarkItemItemFit times the item-item family's EASE^R fit, once per projection and λ:
// SKINGRAPH_BENCH_ITEMS products:reviews (default 2420:15000, the Sephora skincare catalogue
// and about its two months of reviews), reviews Zipf-skewed over products, 1-10 per reviewer,
// ratings 1-5 (the positive ones count). The fit covers at most MaxItemItemProducts products.
func BenchmarkItemItemFit(b *testing.B) {
	nP, nR := 2420, 15000
	if s := os.Getenv("SKINGRAPH_BENCH_ITEMS"); s != "" {
		if _, err := fmt.Sscanf(s, "%d:%d", &nP, &nR); err != nil {
			b.Fatalf("SKINGRAPH_BENCH_ITEMS=%q: want products:reviews", s)
		}
	}
	r := rand.New(rand.NewPCG(3, 5))
	zipf := rand.NewZipf(r, 1.1, 4, uint64(nP-1))
	var bld graph.ProjectionBuilder
	for x := range nP {
		bld.AddProduct(graph.ProjectedProduct{ID: fmt.Sprintf("p%06d", x)})
	}
	at := time.Date(2023, 2, 28, 0, 0, 0, 0, time.UTC)
	for u, n := 0, 0; n < nR; u++ {
		for range 1 + r.IntN(10) {
			bld.AddReview(fmt.Sprintf("u%d", u), fmt.Sprintf("p%06d", zipf.Uint64()), 1+r.IntN(5), at)
			n++
		}
	}
	p, err := bld.Build(graph.DataVersion{N: 1})
	if err != nil {
		b.Fatal(err)
	}
	rows := 0
	for b.Loop() {
		m := fitItemItem(p, 10)
		if m.err != nil {
			b.Fatal(m.err)
		}
		rows = 0
		for _, row := range m.rows {
			if len(row) > 0 {
				rows++
			}
		}
	}
	b.ReportMetric(float64(rows), "rows")
}

// fixedSource serves one projection.
type fixedSource struct{ p *graph.Projection }

func (s fixedSource) DataVersion(context.Context) (graph.DataVersion, error) { return s.p.Version, nil }
func (s fixedSource) Project(context.Context) (*graph.Projection, error)     { return s.p, nil }

// TestEngineFitsItemItemBeforeServing: with the item-item family on, a refresh fits the model
// before the projection is swapped in, so the first request does not pay for it.
func TestEngineFitsItemItemBeforeServing(t *testing.T) {
	p := itemItemFixture(t)
	params := DefaultParams()
	params.HistoryWeights.ItemItem, params.ItemItemLambda = 1, 1.5 // a λ no other test fits
	r, err := New(params)
	if err != nil {
		t.Fatal(err)
	}
	e, err := NewEngine(fixedSource{p}, r, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	if _, err := e.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	itemItemMu.Lock()
	entry, ok := itemItemModels.Peek(itemItemKey{p, 1.5})
	itemItemMu.Unlock()
	if !ok || entry.model == nil || entry.model.err != nil {
		t.Fatalf("after Refresh the item-item model of the projection is %+v (cached %v), want it fitted", entry, ok)
	}
}
