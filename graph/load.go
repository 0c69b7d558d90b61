package graph

import (
	"context"
	"time"
)

// Load is one all-or-nothing write: either every part of it is committed, or none.
type Load struct {
	ID          string    // unique load id, recorded on the Source node
	Source      string    // where the data came from ("demo", a file name, ...)
	Kind        string    // what was loaded ("demo", "products", "efficacy", ...)
	At          time.Time // when the load ran
	Ingredients []Ingredient
	Products    []Product
	Reviews     []Review
	// DryRun asks for the counts the load would give, writing nothing.
	DryRun bool
}

// Counts says what a load did to one kind of record.
type Counts struct {
	Created   int
	Updated   int
	Unchanged int
}

// LoadResult summarises a committed load.
type LoadResult struct {
	LoadID  string
	Counts  map[string]Counts // by record kind: "ingredients", "products", "reviews"
	Changed bool              // false when the load found everything already as it was
	Version DataVersion       // the data version after the load (bumped only when Changed)
}

// IngredientFunctions are the functions a reference inventory (CosIng) gives an ingredient.
type IngredientFunctions struct {
	INCI      string   // canonical key
	Functions []string // lower-case CosIng function names
	CAS       string   // CAS number, "" when none
}

// FunctionsLoad enriches ingredients already in the graph with their functions, all or
// nothing; it never creates an ingredient.
type FunctionsLoad struct {
	ID, Source string
	At         time.Time
	Entries    []IngredientFunctions
}

// FunctionsResult says what a FunctionsLoad did.
type FunctionsResult struct {
	LoadID    string
	Matched   int // entries whose ingredient is in the graph
	Updated   int // of which changed
	Unmatched int // entries left out: no such ingredient in the graph
	Changed   bool
	Version   DataVersion
}

// StagedLoad is a load too large for one transaction, handed over in chunks that together
// stay all or nothing: readers that key on the DataVersion see none of it until Commit
// succeeds, and Abort (or a failed Commit) removes every chunk written. Products must come
// before the reviews of them.
type StagedLoad interface {
	// WriteProducts writes a chunk of products.
	WriteProducts(ctx context.Context, products []Product) error
	// WriteReviews writes a chunk of reviews; ErrInvalid when one refers to a product that is
	// neither in the graph nor in an earlier chunk.
	WriteReviews(ctx context.Context, reviews []Review) error
	// Commit makes the load visible and bumps the DataVersion when anything changed.
	Commit(ctx context.Context) (LoadResult, error)
	// Abort removes what the load wrote; it does nothing once the load is finished.
	Abort(ctx context.Context) error
}
