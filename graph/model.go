package graph

import "time"

// Product is one item of the catalogue.
type Product struct {
	ID          string
	Name        string
	Brand       string
	Category    string // one of Categories
	Subcategory string
	Price       float64 // in USD; 0 when unknown
	// OutOfStock marks a product that cannot be bought now; it is never recommended. The
	// zero value is in stock (in_stock true), the default of every format.
	OutOfStock  bool
	Size        string
	Rating      float64 // mean star rating, 0 when unrated
	ReviewCount int
	Highlights  []string
	Claims      []string // concerns the brand claims (Concerns)
	Suits       []string // skin types the brand says it suits (SkinTypes)
	// IngredientsText is the label's ingredient text as loaded; Ingredients is its parse.
	IngredientsText string
	Ingredients     []ProductIngredient
}

// ProductIngredient is one ingredient as it stands on a product's label.
type ProductIngredient struct {
	INCI          string // canonical key of the Ingredient
	Name          string // as printed on the label
	Position      int    // 1-based position in the INCI list; earlier means more of it
	Concentration string // "10%" when the label states it
	MayContain    bool   // listed under "may contain"
	List          string // the heading of the list in a kit or variant label, "" otherwise
	// Functions and Comedogenic come from the knowledge base when reading a product.
	Functions   []string
	Comedogenic *int
}

// Ingredient is one entry of the ingredient knowledge base, keyed by its canonical INCI name.
type Ingredient struct {
	INCI        string
	Name        string
	Aliases     []string
	Functions   []string
	Comedogenic *int // 0-5, nil when unknown
	Treats      []Treatment
	Aggravates  []Aggravation
	Conflicts   []Conflict
	Source      string
}

// Treatment says an ingredient helps a concern.
type Treatment struct {
	Concern  string  // one of Concerns
	Efficacy float64 // [0,1]: how much it helps at a typical cosmetic concentration
	Evidence string  // one of Evidence
	Source   string
}

// Attribute kinds: what an Aggravation, an Outcome or a profile attribute refers to.
const (
	KindSkinType    = "skin_type"
	KindSkinTone    = "skin_tone"
	KindConcern     = "concern"
	KindSensitivity = "sensitivity"
)

// Aggravation says an ingredient worsens a skin type, a concern or a declared sensitivity.
type Aggravation struct {
	Kind     string  // KindSkinType, KindConcern or KindSensitivity
	Target   string  // a name of that kind's vocabulary
	Severity float64 // [0,1]
	Reason   string
	Source   string
}

// Conflict says two ingredients should not be used in one routine.
type Conflict struct {
	INCI     string // the other ingredient
	Severity float64
	Reason   string
	Source   string
}

// Review is what one pseudonymous reviewer reported about one product.
type Review struct {
	ID          string
	Reviewer    string // pseudonymous id, never a real identifier
	ProductID   string
	Rating      int // 1-5
	Recommended bool
	At          time.Time
	SkinType    string
	SkinTone    string
	Concerns    []string
	Effects     []string // Effects reported
	Text        string   // used to extract effects; not stored in the graph
}

// Outcome aggregates the reviews of one product by people sharing one skin attribute.
type Outcome struct {
	ProductID     string
	Kind          string // KindSkinType, KindSkinTone or KindConcern
	Attribute     string
	Count         int
	MeanRating    float64
	RecommendRate float64
	Effects       map[string]int // effect -> number of reviews reporting it
}

// DataVersion identifies the state of the graph: every committed load bumps N.
type DataVersion struct {
	N  int64
	At time.Time
}

// ProductDetail is a product with what the graph knows about it.
type ProductDetail struct {
	Product
	Outcomes []Outcome
}

// IngredientDetail is an ingredient with what the graph knows about it.
type IngredientDetail struct {
	Ingredient
	Curated      bool // from the knowledge base, not only seen on a label
	ProductCount int  // products whose label lists it
}

// SearchHit is one full-text search result.
type SearchHit struct {
	Kind  string // "product" or "ingredient"
	Key   string // product id or ingredient INCI key
	Name  string
	Brand string // products only
	Score float64
}
