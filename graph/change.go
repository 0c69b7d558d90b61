package graph

import (
	"slices"
	"time"
)

// Change is one entry of the change feed: what the write transaction that made data version N
// changed, as far as the in-memory projection is concerned. Products and Ingredients name the
// nodes whose projected rows (the node and its edges: CONTAINS, CLAIMS, SUITS, outcomes and
// REVIEWED for a product; TREATS, AGGRAVATES and CONFLICTS_WITH for an ingredient) may differ
// from version N-1; Rules says the merchandising rules changed. Full says the change is too
// large to list (more than MaxChangeIDs ids) or of a kind a delta cannot describe: readers
// rebuild their projection in full.
type Change struct {
	N           int64
	At          time.Time
	Products    []string // sorted, distinct
	Ingredients []string // sorted, distinct
	Rules       bool     // the merchandising rules or experiments changed (both are read whole)
	Full        bool
}

// MaxChangeIDs bounds the ids one Change lists per kind: a write that touches more products
// or ingredients records Full instead (applying a delta that large costs about as much as a
// full rebuild, and the Change node stays small).
const MaxChangeIDs = 10_000

// ProductsChange returns a Change naming products (in any order, repeats allowed).
func ProductsChange(products ...string) Change { return Change{Products: products}.Normalized() }

// IngredientsChange returns a Change naming ingredients (INCI names).
func IngredientsChange(incis ...string) Change { return Change{Ingredients: incis}.Normalized() }

// RulesChange returns a Change of the merchandising rules.
func RulesChange() Change { return Change{Rules: true} }

// FullChange returns a Change that makes readers rebuild in full.
func FullChange() Change { return Change{Full: true} }

// Normalized returns c with its ids sorted and distinct, and Full (with no ids) when either
// list is longer than MaxChangeIDs.
func (c Change) Normalized() Change {
	c.Products = sortedDistinct(c.Products)
	c.Ingredients = sortedDistinct(c.Ingredients)
	if c.Full || len(c.Products) > MaxChangeIDs || len(c.Ingredients) > MaxChangeIDs {
		c.Full, c.Products, c.Ingredients = true, nil, nil
	}
	return c
}

// Empty reports whether c touches nothing the projection holds (a data version bump that
// only changed properties the projection does not read, such as ingredient functions).
func (c Change) Empty() bool {
	return !c.Full && !c.Rules && len(c.Products) == 0 && len(c.Ingredients) == 0
}

// Merge returns the union of the changes (the N and At of the last).
func Merge(changes []Change) Change {
	var out Change
	for _, c := range changes {
		out.N, out.At = c.N, c.At
		out.Products = append(out.Products, c.Products...)
		out.Ingredients = append(out.Ingredients, c.Ingredients...)
		out.Rules = out.Rules || c.Rules
		out.Full = out.Full || c.Full
	}
	return out.Normalized()
}

func sortedDistinct(ids []string) []string {
	if len(ids) == 0 {
		return nil
	}
	out := slices.Clone(ids)
	slices.Sort(out)
	return slices.Compact(out)
}
