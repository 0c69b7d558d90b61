package ranker

import (
	"context"
	"fmt"
	"slices"

	"github.com/skingraph/skingraph/graph"
)

// conflictsBetween calls visit for every CONFLICTS_WITH edge from an ingredient of product a to
// an ingredient of product b (whose ingredient set is setB).
func conflictsBetween(p *graph.Projection, a int32, setB ingredientSet, visit func(ia int32, c graph.ConflictEdge)) {
	for _, u := range p.Uses(a) {
		for _, c := range p.Conflicts(u.Ingredient) {
			if setB.has(c.Other) {
				visit(u.Ingredient, c)
			}
		}
	}
}

// ingredientSet is the ingredients of one product, sorted: a product has a few dozen, so a
// binary search beats building a map for each of the page's products.
type ingredientSet []int32

func ingredientsOf(p *graph.Projection, x int32) ingredientSet {
	uses := p.Uses(x)
	set := make(ingredientSet, len(uses))
	for i, u := range uses {
		set[i] = u.Ingredient
	}
	slices.Sort(set)
	return set
}

func (s ingredientSet) has(i int32) bool {
	_, found := slices.BinarySearch(s, i)
	return found
}

func conflictText(p *graph.Projection, mine, theirs int32, other *graph.ProjectedProduct, reason string) string {
	return p.Ingredients[mine].Name + " here and " + p.Ingredients[theirs].Name + " in " + other.Name +
		" should not be used in the same routine: " + reason
}

// warn adds routine-conflict warnings to items: when an ingredient of one recommended product
// conflicts with an ingredient of another, both carry a warning naming the other.
func (pl *plan) warn(items []Item, ranked []scored) {
	p := pl.proj
	sets := make([]ingredientSet, len(ranked))
	for k, c := range ranked {
		sets[k] = ingredientsOf(p, c.x)
	}
	for a := range ranked {
		for b := a + 1; b < len(ranked); b++ {
			conflictsBetween(p, ranked[a].x, sets[b], func(ia int32, c graph.ConflictEdge) {
				pa, pb := &items[a].Product, &items[b].Product
				items[a].Warnings = append(items[a].Warnings, Warning{Kind: "routine_conflict", With: pb.ID,
					Ingredients: [2]string{p.Ingredients[ia].INCI, p.Ingredients[c.Other].INCI}, Severity: c.Severity,
					Text: conflictText(p, ia, c.Other, pb, c.Reason)})
				items[b].Warnings = append(items[b].Warnings, Warning{Kind: "routine_conflict", With: pa.ID,
					Ingredients: [2]string{p.Ingredients[c.Other].INCI, p.Ingredients[ia].INCI}, Severity: c.Severity,
					Text: conflictText(p, c.Other, ia, pa, c.Reason)})
			})
		}
	}
}

// RoutineConflict is a pair of ingredients, in two products of one routine, that should not be
// combined.
type RoutineConflict struct {
	Products    [2]string // product ids
	Ingredients [2]string // INCI keys, in the same order as Products
	Severity    float64
	Reason      string
	Text        string
}

// MaxRoutine bounds the products of one routine check.
const MaxRoutine = 20

// CheckRoutine lists the ingredient conflicts between every pair of the given products.
func CheckRoutine(p *graph.Projection, ids []string) ([]RoutineConflict, error) {
	verr := &graph.ValidationError{}
	if len(ids) < 2 || len(ids) > MaxRoutine {
		verr.Add(0, "product_ids", fmt.Sprintf("must list 2 to %d products", MaxRoutine))
	}
	xs := make([]int32, 0, len(ids))
	for i, id := range ids {
		x, ok := p.ProductIndex(id)
		if !ok {
			verr.Add(0, fmt.Sprintf("product_ids[%d]", i), fmt.Sprintf("unknown product %q", id))
			continue
		}
		xs = append(xs, x)
	}
	if err := verr.Err(); err != nil {
		return nil, fmt.Errorf("ranker: routine: %w", err)
	}
	sets := make([]ingredientSet, len(xs))
	for k, x := range xs {
		sets[k] = ingredientsOf(p, x)
	}
	out := []RoutineConflict{}
	for a := range xs {
		for b := a + 1; b < len(xs); b++ {
			if xs[a] == xs[b] {
				continue
			}
			pb := &p.Products[xs[b]]
			conflictsBetween(p, xs[a], sets[b], func(ia int32, c graph.ConflictEdge) {
				out = append(out, RoutineConflict{
					Products:    [2]string{p.Products[xs[a]].ID, pb.ID},
					Ingredients: [2]string{p.Ingredients[ia].INCI, p.Ingredients[c.Other].INCI},
					Severity:    c.Severity, Reason: c.Reason, Text: conflictText(p, ia, c.Other, pb, c.Reason),
				})
			})
		}
	}
	return out, nil
}

// CheckRoutine lists the ingredient conflicts between the products on the current snapshot.
func (e *Engine) CheckRoutine(ctx context.Context, ids []string) ([]RoutineConflict, error) {
	s := e.snap.Load()
	if s == nil {
		return nil, fmt.Errorf("ranker: %w: the projection is not built yet", graph.ErrUnavailable)
	}
	return CheckRoutine(s.Projection, ids)
}
