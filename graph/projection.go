package graph

import (
	"sort"
	"time"
)

// Projection is a compact, read-only, in-memory copy of the graph for ranking: products,
// ingredients and the weighted edges between them and the skin attributes, in compressed
// sparse-row arrays indexed by dense int32 ids. It is built for one DataVersion and never
// changes; a newer version is a new Projection swapped in whole.
type Projection struct {
	Version DataVersion
	BuiltAt time.Time

	Products []ProjectedProduct // sorted by ID; index = product id
	// Rules are the merchandising rules of this data version, sorted by ID (in force or
	// not: the ranker checks each rule's period and condition per request).
	Rules []Rule
	// Experiments are the experiments of this data version, sorted by ID (periods do not
	// overlap: at most one is in force at a time).
	Experiments []Experiment
	Ingredients []ProjectedIngredient // sorted by INCI; index = ingredient id

	productByID      map[string]int32
	ingredientByINCI map[string]int32

	containsOff []int32 // product p's uses are contains[containsOff[p]:containsOff[p+1]]
	contains    []Use
	usedByOff   []int32 // ingredient i's products are usedBy[usedByOff[i]:usedByOff[i+1]]
	usedBy      []int32
	usedByPos   []int16 // the ingredient's position in each of those products; negative = may contain

	treatsOff    []int32
	treats       []Treat
	aggravOff    []int32
	aggravations []Aggravates
	conflictOff  []int32
	conflicts    []ConflictEdge

	outcomeOff []int32
	outcomes   []OutcomeStats
	// outcomesFor lists, per attribute, the products with an outcome for it (ascending).
	outcomesFor map[Attr][]OutcomeRef
	// claimedBy lists, per concern id, the products that claim it (ascending).
	claimedBy [][]int32
	// categoryIDs and prices copy two fields of Products into compact arrays for the hot
	// filtering loop (a product struct is over a hundred bytes; these are 1 and 8).
	categoryIDs []int8
	prices      []float64
	outOfStock  []bool // Products[x].OutOfStock, compact for the same loop

	// MeanRating, MeanGood and MeanBad are the catalogue-wide priors used for smoothing:
	// the mean review rating and the shares of reviews reporting good (improved, hydration)
	// and bad (breakout, irritation) effects.
	MeanRating float64
	MeanGood   float64
	MeanBad    float64
	// MaxReviewCount is the largest review count of any product.
	MaxReviewCount int

	reviewIndex // the REVIEWED edges: ages, positive reviewers, co-review neighbours

	inPlace bool // made by Apply patching its predecessor (not by a build)
}

// AppliedInPlace reports whether Apply made p by patching the previous projection's arrays
// rather than building (for statistics and tests).
func (p *Projection) AppliedInPlace() bool { return p.inPlace }

// ProjectedProduct is a product's node in the projection.
type ProjectedProduct struct {
	ID          string
	Name        string
	Brand       string
	Category    string
	CategoryID  int8 // index into Categories.Names(); -1 when unknown
	Price       float64
	OutOfStock  bool // never recommended (Product.OutOfStock)
	Rating      float64
	ReviewCount int
	Claims      []int8 // concern ids (index into Concerns.Names())
	Suits       []int8 // skin type ids
}

// ProjectedIngredient is an ingredient's node in the projection.
type ProjectedIngredient struct {
	INCI        string
	Name        string
	Comedogenic int8 // -1 when unknown
}

// Use is one CONTAINS edge: an ingredient at a label position.
type Use struct {
	Ingredient int32
	Position   int16
	MayContain bool
}

// Treat is one TREATS edge from an ingredient to a concern.
type Treat struct {
	Concern  int8
	Evidence int8 // index into Evidence.Names()
	Efficacy float64
	Source   string
}

// Aggravates is one AGGRAVATES edge from an ingredient to a skin attribute.
type Aggravates struct {
	Attr     Attr
	Severity float64
	Reason   string
}

// ConflictEdge is one CONFLICTS_WITH edge, stored on both ingredients.
type ConflictEdge struct {
	Other    int32
	Severity float64
	Reason   string
}

// OutcomeStats is one product's Outcome for one skin attribute.
type OutcomeStats struct {
	Attr          Attr
	Count         int32
	MeanRating    float64
	RecommendRate float64
	Effects       [6]int32 // by EffectIndex
}

// Attr is a skin attribute: a kind and the index of its name in that kind's vocabulary.
type Attr struct {
	Kind AttrKind
	ID   int8
}

// AttrKind is the kind of a skin attribute.
type AttrKind uint8

// The attribute kinds of a projection.
const (
	AttrSkinType AttrKind = iota + 1
	AttrSkinTone
	AttrConcern
	AttrSensitivity
)

// String names the kind as the graph does (KindSkinType, ...).
func (k AttrKind) String() string {
	switch k {
	case AttrSkinType:
		return KindSkinType
	case AttrSkinTone:
		return KindSkinTone
	case AttrConcern:
		return KindConcern
	case AttrSensitivity:
		return KindSensitivity
	}
	return "unknown"
}

// Vocabulary returns the vocabulary that names attributes of this kind.
func (k AttrKind) Vocabulary() *Vocabulary {
	switch k {
	case AttrSkinType:
		return SkinTypes
	case AttrSkinTone:
		return SkinTones
	case AttrConcern:
		return Concerns
	case AttrSensitivity:
		return Sensitivities
	}
	return nil
}

// ParseAttrKind maps KindSkinType etc. to an AttrKind; ok is false for anything else.
func ParseAttrKind(kind string) (AttrKind, bool) {
	switch kind {
	case KindSkinType:
		return AttrSkinType, true
	case KindSkinTone:
		return AttrSkinTone, true
	case KindConcern:
		return AttrConcern, true
	case KindSensitivity:
		return AttrSensitivity, true
	}
	return 0, false
}

// AttrOf returns the attribute of a kind and canonical name; ok is false when unknown.
func AttrOf(kind AttrKind, name string) (Attr, bool) {
	v := kind.Vocabulary()
	if v == nil {
		return Attr{}, false
	}
	i := sort.SearchStrings(v.names, name)
	if i == len(v.names) || v.names[i] != name {
		return Attr{}, false
	}
	return Attr{Kind: kind, ID: int8(i)}, true
}

// Name returns the attribute's canonical name.
func (a Attr) Name() string {
	v := a.Kind.Vocabulary()
	if v == nil || int(a.ID) < 0 || int(a.ID) >= len(v.names) {
		return ""
	}
	return v.names[a.ID]
}

// EffectIndex maps an effect name to its slot in OutcomeStats.Effects (Effects.Names() order).
func EffectIndex(effect string) (int, bool) {
	i := sort.SearchStrings(Effects.names, effect)
	return i, i < len(Effects.names) && Effects.names[i] == effect
}

// EvidenceName names an evidence id.
func EvidenceName(id int8) string { return Evidence.names[id] }

// ProductIndex returns the dense id of a product.
func (p *Projection) ProductIndex(id string) (int32, bool) {
	i, ok := p.productByID[id]
	return i, ok
}

// IngredientIndex returns the dense id of an ingredient.
func (p *Projection) IngredientIndex(inci string) (int32, bool) {
	i, ok := p.ingredientByINCI[inci]
	return i, ok
}

// Uses returns the ingredients of product x in label order.
func (p *Projection) Uses(x int32) []Use { return p.contains[p.containsOff[x]:p.containsOff[x+1]] }

// UsedBy returns the products that contain ingredient i, ascending.
func (p *Projection) UsedBy(i int32) []int32 { return p.usedBy[p.usedByOff[i]:p.usedByOff[i+1]] }

// UsedByPositions returns, parallel to UsedBy(i), the ingredient's label position in each
// product; a negative position means the label lists it under "may contain".
func (p *Projection) UsedByPositions(i int32) []int16 {
	return p.usedByPos[p.usedByOff[i]:p.usedByOff[i+1]]
}

// CategoryID returns product x's category id (index into Categories.Names(), -1 unknown).
func (p *Projection) CategoryID(x int32) int8 { return p.categoryIDs[x] }

// OutOfStock reports whether product x is out of stock.
func (p *Projection) OutOfStock(x int32) bool { return p.outOfStock[x] }

// Price returns product x's price.
func (p *Projection) Price(x int32) float64 { return p.prices[x] }

// OutcomeRef points at one product's outcome for an attribute.
type OutcomeRef struct {
	Product int32
	Stats   *OutcomeStats
}

// OutcomesFor returns the products that have an outcome for attribute a, ascending.
func (p *Projection) OutcomesFor(a Attr) []OutcomeRef { return p.outcomesFor[a] }

// ClaimedBy returns the products that claim concern c (a concern id), ascending.
func (p *Projection) ClaimedBy(c int8) []int32 {
	if int(c) < 0 || int(c) >= len(p.claimedBy) {
		return nil
	}
	return p.claimedBy[c]
}

// Treats returns the TREATS edges of ingredient i.
func (p *Projection) Treats(i int32) []Treat { return p.treats[p.treatsOff[i]:p.treatsOff[i+1]] }

// Aggravations returns the AGGRAVATES edges of ingredient i.
func (p *Projection) Aggravations(i int32) []Aggravates {
	return p.aggravations[p.aggravOff[i]:p.aggravOff[i+1]]
}

// Conflicts returns the CONFLICTS_WITH edges of ingredient i.
func (p *Projection) Conflicts(i int32) []ConflictEdge {
	return p.conflicts[p.conflictOff[i]:p.conflictOff[i+1]]
}

// Outcomes returns the outcome aggregates of product x.
func (p *Projection) Outcomes(x int32) []OutcomeStats {
	return p.outcomes[p.outcomeOff[x]:p.outcomeOff[x+1]]
}

// Outcome returns product x's outcome for one attribute; ok is false when nobody with that
// attribute reviewed it.
func (p *Projection) Outcome(x int32, a Attr) (OutcomeStats, bool) {
	for _, o := range p.Outcomes(x) {
		if o.Attr == a {
			return o, true
		}
	}
	return OutcomeStats{}, false
}

// Size returns the number of nodes and relationships the projection holds.
func (p *Projection) Size() (nodes, edges int) {
	nodes = len(p.Products) + len(p.Ingredients) + len(p.outcomes)
	edges = len(p.contains) + len(p.treats) + len(p.aggravations) + len(p.conflicts)/2 + len(p.outcomes) + len(p.ages)
	for _, x := range p.Products {
		edges += len(x.Claims) + len(x.Suits)
	}
	return nodes, edges
}
