package ranker

import (
	"fmt"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// Profile describes the person recommendations are for. Names are canonical vocabulary names;
// ingredients are canonical INCI keys; products are ids.
type Profile struct {
	SkinType         string
	SkinTone         string
	Concerns         []string
	Sensitivities    []string
	AvoidIngredients []string
	LikedProducts    []string
	DislikedProducts []string
}

// Filters narrow the candidates.
type Filters struct {
	Categories []string // empty = every category
	MaxPrice   float64  // 0 = no limit
	Brands     []string // empty = every brand; compared exactly
}

// Explain says how much of the why to build.
type Explain int

// The explanation levels.
const (
	ExplainNone    Explain = iota // scores only
	ExplainSummary                // kind, text and contribution of every path
	ExplainFull                   // plus path, Cypher and evidence
)

// Request is one ranking request.
type Request struct {
	Profile Profile
	Filters Filters
	Offset  int // items to skip (pagination)
	Limit   int // items to return; default 10, at most 100
	Explain Explain
	// MaxPerBrand caps how many products of one brand a page shows (0 = no cap); see
	// diversify in diversity.go.
	MaxPerBrand int
	// Variant is the experiment variant the request was assigned to, by its effect on the
	// ranking (graph.Experiment.VariantKey): "" ranks outside any experiment; otherwise the
	// variant's weight multipliers and rules apply (experiments.go). Part of Key.
	Variant string
	// Budget bounds the scoring time; when it runs out the best result so far is returned,
	// marked Partial. 0 = no budget (ctx still cancels).
	Budget time.Duration
}

// MaxLimit is the largest page a request may ask for.
const MaxLimit = 100

// MaxOffset bounds how deep pagination goes (offset plus limit): ranking keeps offset+limit
// candidates, so a forged cursor must not ask for millions.
const MaxOffset = 10_000

// Validate checks the request against the vocabularies, naming every bad field, and sets
// the default Limit.
func (r *Request) Validate() error {
	verr := &graph.ValidationError{}
	if r.Limit == 0 {
		r.Limit = 10
	}
	if r.Limit < 1 || r.Limit > MaxLimit {
		verr.Add(0, "limit", fmt.Sprintf("must be 1 to %d, got %d", MaxLimit, r.Limit))
	}
	if r.Offset < 0 || r.Offset > MaxOffset {
		verr.Add(0, "offset", fmt.Sprintf("must be 0 to %d, got %d", MaxOffset, r.Offset))
	}
	if r.MaxPerBrand < 0 || r.MaxPerBrand > MaxLimit {
		verr.Add(0, "max_per_brand", fmt.Sprintf("must be 0 (no cap) to %d, got %d", MaxLimit, r.MaxPerBrand))
	}
	known := func(field string, v *graph.Vocabulary, name string) {
		if n, ok := v.Canonical(name); !ok || n != name {
			verr.Add(0, field, fmt.Sprintf("unknown %s %q", v.Kind(), name))
		}
	}
	p := r.Profile
	if p.SkinType != "" {
		known("profile.skin_type", graph.SkinTypes, p.SkinType)
	}
	if p.SkinTone != "" {
		known("profile.skin_tone", graph.SkinTones, p.SkinTone)
	}
	for i, c := range p.Concerns {
		known(fmt.Sprintf("profile.concerns[%d]", i), graph.Concerns, c)
	}
	for i, s := range p.Sensitivities {
		known(fmt.Sprintf("profile.sensitivities[%d]", i), graph.Sensitivities, s)
	}
	for i, c := range r.Filters.Categories {
		known(fmt.Sprintf("filters.categories[%d]", i), graph.Categories, c)
	}
	if r.Filters.MaxPrice < 0 {
		verr.Add(0, "filters.max_price", "must not be negative")
	}
	return verr.Err()
}
