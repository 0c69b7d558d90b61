package gen

// Shape holds the distributions the generator draws from. DefaultShape is calibrated on the
// public Sephora files (skincare products of product_info.csv and
// reviews_skincare_2023-01_2023-02.csv), measured with `go run loader/gen/calibrate.go`;
// datasets/GENERATOR.md lists every number with where it comes from.
type Shape struct {
	// Ingredient list length: normal (of the number of distinct ingredients on a label),
	// rounded and clamped to [1, MaxIngredients].
	LenMean, LenSD float64
	MaxIngredients int
	// WaterOnLabel is the share of labels listing water; WaterFirst the share that list it
	// first.
	WaterOnLabel, WaterFirst float64
	// KnowledgeBaseShare is the share of label entries (water aside) that are ingredients of the
	// knowledge base; the rest are drawn from the long tail of generated INCI names.
	KnowledgeBaseShare float64
	// ZipfKB and ZipfTail are the Zipf exponents of ingredient frequency by rank in the
	// knowledge base and in the tail.
	ZipfKB, ZipfTail float64
	// TailPerProduct sizes the tail vocabulary: TailMin + TailPerProduct*products names.
	TailMin        int
	TailPerProduct float64
	// Price: log-normal in USD.
	LogPriceMean, LogPriceSD float64
	// Categories and their shares (of the products whose Sephora category maps to one).
	Categories []Weighted
	// ClaimCounts[k] is the share of products claiming k concerns.
	ClaimCounts []float64
	// SuitsShare is the share of products stating the skin types they suit; those state 2 to 4.
	SuitsShare float64
	// LogReviewWeightSD is the spread of the log-normal popularity of products: reviews are
	// shared out in proportion to it.
	LogReviewWeightSD float64
	// Ratings[k-1] is the share of k-star reviews; RecommendedGiven[k-1] the share of k-star
	// reviews that recommend the product.
	Ratings, RecommendedGiven []float64
	// SkinTypes and SkinTones: shares among reviewers; the weight of "" is "not stated".
	SkinTypes, SkinTones []Weighted
	// ReviewsPerReviewer sets the number of distinct reviewers: reviews / ReviewsPerReviewer.
	ReviewsPerReviewer float64
	// Effects: the share of reviews reporting each effect.
	Effects []Weighted
	// ReviewerConcerns[k] is the share of reviewers declaring k concerns (not in the Sephora
	// files: a documented assumption).
	ReviewerConcerns []float64
}

// Weighted is a name with its share.
type Weighted struct {
	Name   string
	Weight float64
}

// DefaultShape is calibrated on the public Sephora files (see Shape).
var DefaultShape = Shape{
	LenMean: 32.6, LenSD: 16, MaxIngredients: 102,
	WaterOnLabel: 0.874, WaterFirst: 0.716,
	KnowledgeBaseShare: 0.554, // (42,111 - 1,995 water) / (74,401 - 1,995) entries, see GENERATOR.md
	ZipfKB:             1.1, ZipfTail: 1.0,
	TailMin: 4000, TailPerProduct: 2.0,
	LogPriceMean: 3.774, LogPriceSD: 0.792,
	Categories: []Weighted{
		{"moisturizer", 439}, {"serum", 394}, {"cleanser", 261}, {"eye-care", 186}, {"mask", 176},
		{"sunscreen", 113}, {"exfoliant", 100}, {"toner", 86}, {"face-oil", 72}, {"mist", 68},
		{"lip-care", 61}, {"treatment", 38},
	},
	ClaimCounts:       []float64{753, 628, 694, 309, 35, 1},
	SuitsShare:        0.29,
	LogReviewWeightSD: 1.870,
	Ratings:           []float64{0.0690, 0.0530, 0.0764, 0.1791, 0.6225},
	RecommendedGiven:  []float64{0.005, 0.058, 0.382, 0.955, 0.997},
	SkinTypes: []Weighted{
		{"combination", 0.4761}, {"dry", 0.1664}, {"normal", 0.1304}, {"oily", 0.0928}, {"", 0.1343},
	},
	SkinTones: []Weighted{
		{"light", 0.2391}, {"fair", 0.1848}, {"medium", 0.0767}, {"light-medium", 0.0550},
		{"tan", 0.0262}, {"fair-light", 0.0217}, {"deep", 0.0198}, {"medium-tan", 0.0166},
		{"porcelain", 0.0028}, {"rich", 0.0021}, {"dark", 0.0012}, {"olive", 0.0009},
		{"ebony", 0.0001}, {"", 0.3530},
	},
	ReviewsPerReviewer: 1.55,
	Effects: []Weighted{
		{"hydration", 0.2756}, {"improved", 0.2351}, {"no-change", 0.0769}, {"irritation", 0.0495},
		{"breakout", 0.0409}, {"purging", 0.0016},
	},
	ReviewerConcerns: []float64{0.4, 0.35, 0.25},
}
