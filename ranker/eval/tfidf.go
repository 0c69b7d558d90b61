package eval

import (
	"context"
	"math"
)

// IngredientTFIDF ranks by the cosine similarity of INCI lists: each product is the L2-
// normalised vector of the idf (log(N/df), N the products with a label) of the ingredients on
// its label (binary term frequency; "may contain" entries left out). The query vector is the
// sum of the liked products' vectors (history task) or, for a profile, of the products that
// train reviewers of the same skin type rated positively, each as often as it was (every
// reviewer for a query without a skin type).
type IngredientTFIDF struct {
	d *Data
	// weight[x] is product x's vector, parallel to proj.Uses(x).
	weight [][]float64
	// byType caches the profile query vector of each skin type ("" = every reviewer).
	byType map[string][]float64
}

// NewIngredientTFIDF builds the product vectors and the profile query vectors.
func NewIngredientTFIDF(d *Data) *IngredientTFIDF {
	p := d.proj
	df := make([]float64, len(p.Ingredients))
	labelled := 0
	for x := range p.Products {
		has := false
		for _, u := range p.Uses(int32(x)) {
			if !u.MayContain {
				df[u.Ingredient]++
				has = true
			}
		}
		if has {
			labelled++
		}
	}
	t := &IngredientTFIDF{d: d, weight: make([][]float64, len(p.Products)), byType: map[string][]float64{}}
	for x := range p.Products {
		uses := p.Uses(int32(x))
		w := make([]float64, len(uses))
		norm := 0.0
		for k, u := range uses {
			if u.MayContain || df[u.Ingredient] == 0 {
				continue
			}
			w[k] = math.Log(float64(labelled) / df[u.Ingredient])
			norm += w[k] * w[k]
		}
		if norm > 0 {
			for k := range w {
				w[k] /= math.Sqrt(norm)
			}
		}
		t.weight[x] = w
	}
	for st, seeds := range d.positivesByType {
		q := make([]float64, len(p.Ingredients))
		for x, c := range seeds {
			t.addTo(q, x, c)
		}
		t.byType[st] = q
	}
	return t
}

func (t *IngredientTFIDF) addTo(q []float64, x int32, times float64) {
	for k, u := range t.d.proj.Uses(x) {
		q[u.Ingredient] += times * t.weight[x][k]
	}
}

// Name implements Recommender.
func (*IngredientTFIDF) Name() string { return "ingredient_tfidf" }

// Recommend implements Recommender.
func (t *IngredientTFIDF) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	p := t.d.proj
	var qv []float64
	if q.Task == TaskHistory {
		qv = make([]float64, len(p.Ingredients))
		for _, id := range q.Liked {
			if x, ok := p.ProductIndex(id); ok {
				t.addTo(qv, x, 1)
			}
		}
	} else {
		qv = t.byType[q.SkinType]
		if qv == nil {
			qv = t.byType[""]
		}
	}
	// The query vector's norm is the same for every candidate: the dot product ranks like
	// the cosine.
	return t.d.top(q, k, func(x int32) float64 {
		s := 0.0
		for k, u := range p.Uses(x) {
			s += t.weight[x][k] * qv[u.Ingredient]
		}
		return s
	}), nil
}
