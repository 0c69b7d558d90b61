package ranker

import (
	"fmt"
	"math"
	"testing"
)

// familyScores checks a ranking made with one family switched on: every reason of every
// scored item passes check, and the reasons sum to the item's score (score = sum of
// contributions). It returns the scored items' scores by product id and their order.
func familyScores(t *testing.T, res Result, check func(Why) error) (map[string]float64, []string) {
	t.Helper()
	scores := map[string]float64{}
	var order []string
	for _, it := range res.Items {
		if it.Score == 0 {
			continue
		}
		scores[it.Product.ID] = it.Score
		order = append(order, it.Product.ID)
		sum := 0.0
		for _, w := range it.Why {
			sum += w.Contribution
			if err := check(w); err != nil {
				t.Errorf("%s: reason %s %q: %v", it.Product.ID, w.Kind, w.Text, err)
			}
		}
		if math.Abs(sum-it.Score) > 1e-9 {
			t.Errorf("%s: reasons sum to %v, score %v", it.Product.ID, sum, it.Score)
		}
	}
	return scores, order
}

// ofKind is a familyScores check: the reason is of the given kind.
func ofKind(kind string) func(Why) error {
	return func(w Why) error {
		if w.Kind != kind {
			return fmt.Errorf("kind %q, want %q", w.Kind, kind)
		}
		return nil
	}
}
