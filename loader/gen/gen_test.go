package gen_test

import (
	"bytes"
	"context"
	"io/fs"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/loader/gen"
)

func knowledgeBase(t *testing.T) []graph.Ingredient {
	t.Helper()
	f, err := datasets.FS.Open(loader.IngredientsFile)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ings, err := loader.ReadIngredients(f.(fs.File), loader.IngredientsFile)
	if err != nil {
		t.Fatal(err)
	}
	return ings
}

func generate(t *testing.T, cfg gen.Config) (products, reviews []byte, st gen.Stats) {
	t.Helper()
	var p, r bytes.Buffer
	st, err := gen.Generate(context.Background(), cfg, &p, &r)
	if err != nil {
		t.Fatalf("Generate: %v", err)
	}
	return p.Bytes(), r.Bytes(), st
}

func TestGenerateIsDeterministic(t *testing.T) {
	kb := knowledgeBase(t)
	tests := []struct {
		name     string
		a, b     gen.Config
		wantSame bool
	}{
		{"same seed", gen.Config{Products: 300, Reviews: 2000, Seed: 7, Ingredients: kb}, gen.Config{Products: 300, Reviews: 2000, Seed: 7, Ingredients: kb}, true},
		{"other seed", gen.Config{Products: 300, Reviews: 2000, Seed: 7, Ingredients: kb}, gen.Config{Products: 300, Reviews: 2000, Seed: 8, Ingredients: kb}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pa, ra, _ := generate(t, tc.a)
			pb, rb, _ := generate(t, tc.b)
			same := bytes.Equal(pa, pb) && bytes.Equal(ra, rb)
			if same != tc.wantSame {
				t.Errorf("same bytes = %v, want %v", same, tc.wantSame)
			}
		})
	}
}

// TestGenerateReadsBack checks the counts and that the project's own readers accept every
// record: the generator writes the formats `skingraph load dir` reads.
func TestGenerateReadsBack(t *testing.T) {
	kb := knowledgeBase(t)
	tests := []struct {
		products, reviews int
	}{{1, 0}, {1, 5}, {50, 0}, {200, 3000}}
	for _, tc := range tests {
		p, r, st := generate(t, gen.Config{Products: tc.products, Reviews: tc.reviews, Seed: 1, Ingredients: kb})
		if st.Products != tc.products || st.Reviews != tc.reviews {
			t.Errorf("stats say %d products, %d reviews; want %d, %d", st.Products, st.Reviews, tc.products, tc.reviews)
		}
		norm := inci.New(loader.Aliases(kb))
		products, err := loader.ReadProducts(bytes.NewReader(p), gen.ProductsFile, norm)
		if err != nil {
			t.Fatalf("ReadProducts: %v", err)
		}
		reviews, err := loader.ReadReviews(bytes.NewReader(r), gen.ReviewsFile)
		if err != nil {
			t.Fatalf("ReadReviews: %v", err)
		}
		if len(products) != tc.products || len(reviews) != tc.reviews {
			t.Errorf("read back %d products, %d reviews; want %d, %d", len(products), len(reviews), tc.products, tc.reviews)
		}
		contains, claims, suits := 0, 0, 0
		ids := map[string]bool{}
		for _, pr := range products {
			contains += len(pr.Ingredients)
			claims += len(pr.Claims)
			suits += len(pr.Suits)
			ids[pr.ID] = true
		}
		if contains != st.Contains || claims != st.Claims || suits != st.Suits {
			t.Errorf("read back %d/%d/%d contains/claims/suits, stats say %d/%d/%d", contains, claims, suits, st.Contains, st.Claims, st.Suits)
		}
		reviewers := map[string]bool{}
		for _, rv := range reviews {
			if !ids[rv.ProductID] {
				t.Fatalf("review %s of unknown product %s", rv.ID, rv.ProductID)
			}
			reviewers[rv.Reviewer] = true
		}
		if len(reviewers) != st.Reviewers {
			t.Errorf("%d distinct reviewers, stats say %d", len(reviewers), st.Reviewers)
		}
		if want := st.Contains + st.Claims + st.Suits + st.Reviews + st.Has; st.Relationships != want {
			t.Errorf("relationships %d, want %d", st.Relationships, want)
		}
	}
}

func TestGenerateRefusesBadConfig(t *testing.T) {
	kb := knowledgeBase(t)
	tests := []struct {
		name string
		cfg  gen.Config
	}{
		{"no products", gen.Config{Products: 0, Reviews: 1, Ingredients: kb}},
		{"negative reviews", gen.Config{Products: 1, Reviews: -1, Ingredients: kb}},
		{"no knowledge base", gen.Config{Products: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p, r bytes.Buffer
			if _, err := gen.Generate(context.Background(), tc.cfg, &p, &r); err == nil || !strings.Contains(err.Error(), "invalid") {
				t.Errorf("err = %v, want an invalid-input error", err)
			}
		})
	}
}

// TestGenerateShape checks the calibrated statistics (DefaultShape, GENERATOR.md) on a
// sample of 4,000 products and 40,000 reviews.
func TestGenerateShape(t *testing.T) {
	kb := knowledgeBase(t)
	p, r, _ := generate(t, gen.Config{Products: 4000, Reviews: 40000, Seed: 42, Ingredients: kb})
	norm := inci.New(loader.Aliases(kb))
	products, err := loader.ReadProducts(bytes.NewReader(p), gen.ProductsFile, norm)
	if err != nil {
		t.Fatal(err)
	}
	reviews, err := loader.ReadReviews(bytes.NewReader(r), gen.ReviewsFile)
	if err != nil {
		t.Fatal(err)
	}
	curated := map[string]bool{}
	for _, in := range kb {
		curated[in.INCI] = true
	}
	var lens []float64
	entries, kbEntries, waterFirst, waterOn := 0, 0, 0, 0
	freq := map[string]int{}
	var logPrice []float64
	for _, pr := range products {
		lens = append(lens, float64(len(pr.Ingredients)))
		logPrice = append(logPrice, math.Log(pr.Price))
		for _, in := range pr.Ingredients {
			entries++
			freq[in.INCI]++
			if curated[in.INCI] {
				kbEntries++
			}
			if in.INCI == "water" {
				waterOn++
				if in.Position == 1 {
					waterFirst++
				}
			}
		}
	}
	sort.Float64s(lens)
	ratings := make([]float64, 6)
	types := map[string]float64{}
	perProduct := map[string]int{}
	for _, rv := range reviews {
		ratings[rv.Rating]++
		types[rv.SkinType]++
		perProduct[rv.ProductID]++
	}
	counts := make([]int, 0, len(products))
	for _, pr := range products {
		counts = append(counts, perProduct[pr.ID])
	}
	sort.Sort(sort.Reverse(sort.IntSlice(counts)))
	top := 0
	for _, c := range counts[:len(counts)/10] {
		top += c
	}
	n, np := float64(len(reviews)), float64(len(products))
	tests := []struct {
		name           string
		got, want, tol float64
	}{
		// Sephora skincare: 32.6 distinct ingredients on average, median 31 (GENERATOR.md).
		{"mean list length", mean(lens), 32.6, 3},
		{"median list length", lens[len(lens)/2], 31, 3},
		{"water on label", float64(waterOn) / np, 0.874, 0.03},
		{"water first", float64(waterFirst) / np, 0.716, 0.03},
		{"knowledge-base share of entries", float64(kbEntries) / float64(entries), 0.566, 0.04},
		{"median price (log)", median(logPrice), 3.774, 0.1},
		{"5-star share", ratings[5] / n, 0.6225, 0.03},
		{"4-star share", ratings[4] / n, 0.1791, 0.03},
		{"1-star share", ratings[1] / n, 0.069, 0.02},
		{"combination skin share", types["combination"] / n, 0.4761, 0.02},
		{"dry skin share", types["dry"] / n, 0.1664, 0.02},
		{"skin type not stated", types[""] / n, 0.1343, 0.02},
		// heavy tail: the top tenth of the Sephora reviewed products hold 71 % of the reviews
		{"top 10% products' review share", float64(top) / n, 0.71, 0.1},
	}
	for _, tc := range tests {
		if math.Abs(tc.got-tc.want) > tc.tol {
			t.Errorf("%s = %.4f, want %.4f ± %.4f", tc.name, tc.got, tc.want, tc.tol)
		}
	}
	// Zipf-like: the most frequent ingredient key is water, and the tail is long (most keys
	// are rare): many keys appear on a single label.
	once := 0
	for _, c := range freq {
		if c == 1 {
			once++
		}
	}
	if share := float64(once) / float64(len(freq)); share < 0.2 || share > 0.7 {
		t.Errorf("share of keys seen once = %.3f, want a long tail (Sephora: 0.377)", share)
	}
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	ys := append([]float64(nil), xs...)
	sort.Float64s(ys)
	return ys[len(ys)/2]
}
