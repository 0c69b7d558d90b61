package ranker

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDiversifyCapsBrandsPerPage(t *testing.T) {
	// Brands by product: 0-5 brand A, 6-7 brand B, 8 brand C; scores descending by index.
	brand := func(x int32) string {
		switch {
		case x < 6:
			return "A"
		case x < 8:
			return "B"
		}
		return "C"
	}
	var ranked []scored
	for x := range int32(9) {
		ranked = append(ranked, scored{x: x, score: float64(100 - x)})
	}
	got := func(limit, perBrand int) []int32 {
		var out []int32
		for _, c := range diversify(ranked, limit, perBrand, brand) {
			out = append(out, c.x)
		}
		return out
	}
	for _, c := range []struct {
		limit, perBrand int
		want            []int32
	}{
		{limit: 4, perBrand: 2, want: []int32{0, 1, 6, 7, 2, 3, 8, 4, 5}},
		{limit: 3, perBrand: 1, want: []int32{0, 6, 8, 1, 7, 2, 3, 4, 5}},
		{limit: 4, perBrand: 0, want: []int32{0, 1, 2, 3, 4, 5, 6, 7, 8}},
	} {
		if diff := cmp.Diff(c.want, got(c.limit, c.perBrand)); diff != "" {
			t.Errorf("limit %d, cap %d (-want +got):\n%s", c.limit, c.perBrand, diff)
		}
	}
}

// TestMaxPerBrandInRank ranks a synthetic catalogue (50 brands) with a cap of 1 per page:
// no page has a brand twice, and the same request ranks the same twice.
func TestMaxPerBrandInRank(t *testing.T) {
	p := syntheticProjection(t, 2000, 7)
	r := mustRanker(t)
	seen := map[string]bool{}
	for page := range 3 {
		req := Request{Profile: Profile{SkinType: "oily", Concerns: []string{"acne"}}, Limit: 10, Offset: 10 * page, MaxPerBrand: 1}
		res, err := r.Rank(context.Background(), p, nil, req)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := r.Rank(context.Background(), p, nil, req)
		if diff := cmp.Diff(ids(res.Items), ids(again.Items)); diff != "" {
			t.Errorf("page %d not deterministic:\n%s", page, diff)
		}
		brands := map[string]int{}
		for _, it := range res.Items {
			brands[it.Product.Brand]++
			if seen[it.Product.ID] {
				t.Errorf("page %d repeats %s", page, it.Product.ID)
			}
			seen[it.Product.ID] = true
		}
		for b, n := range brands {
			if n > 1 {
				t.Errorf("page %d: %d products of %s, cap 1", page, n, b)
			}
		}
		if len(res.Items) != 10 {
			t.Errorf("page %d has %d items", page, len(res.Items))
		}
	}
	if err := (&Request{MaxPerBrand: -1}).Validate(); err == nil || !strings.Contains(fmt.Sprint(err), "max_per_brand") {
		t.Errorf("max_per_brand -1: %v, want an error naming it", err)
	}
}
