package graph

import "time"

// Subject types of an efficacy claim: what the claim is about.
const (
	SubjectIngredient = "ingredient"
	SubjectProduct    = "product"
)

// EfficacyClaim is one measured effect of an ingredient or a product on a concern, as a
// merchandiser loads it: from a study, a clinical test or an expert panel. An ingredient claim
// without a skin type is the ingredient's TREATS weight for the concern; the others are kept
// beside it, per skin type or per product.
type EfficacyClaim struct {
	SubjectType string    // SubjectIngredient or SubjectProduct
	Subject     string    // the canonical INCI key of an ingredient, or a product id
	Concern     string    // one of Concerns
	SkinType    string    // one of SkinTypes; "" when the claim holds for every skin type
	EffectSize  float64   // [0,1]: how much it helps
	SampleSize  int       // >= 1: people (or samples) the effect was measured on
	Evidence    string    // one of Evidence
	Source      string    // the citation
	Date        time.Time // when the effect was published or measured (a date, UTC midnight)
}

// Closest returns the candidate nearest to term by edit distance (ignoring case), for "did you
// mean" hints, or "" when nothing is close. Ties go to the smaller candidate.
func Closest(term string, candidates []string) string {
	t := foldTerm(term)
	best, bestD := "", 1<<30
	for _, c := range candidates {
		d := editDistance(t, foldTerm(c))
		if d < bestD || (d == bestD && c < best) {
			best, bestD = c, d
		}
	}
	if bestD > max(2, len(t)/3) {
		return ""
	}
	return best
}
