package rows

import (
	"time"

	"github.com/skingraph/skingraph/graph"
)

// Review is one review as the load statements write it (a REVIEWED edge and the reviewer's
// HAS edges), with the content hash of the rest.
type Review struct {
	ID, Reviewer, ProductID string
	Rating                  int64
	Recommended             bool
	At                      time.Time // UTC
	SkinType, SkinTone      string
	Concerns, Effects       []string // sorted
	Hash                    string
}

// ToReview converts a review.
func ToReview(r graph.Review) Review {
	row := Review{ID: r.ID, Reviewer: r.Reviewer, ProductID: r.ProductID, Rating: int64(r.Rating),
		Recommended: r.Recommended, At: r.At.UTC(), SkinType: r.SkinType, SkinTone: r.SkinTone,
		Concerns: SortedCopy(r.Concerns), Effects: SortedCopy(r.Effects)}
	row.Hash = Hash(row.content())
	return row
}

// ToReviews converts reviews.
func ToReviews(reviews []graph.Review) []Review {
	rows := make([]Review, len(reviews))
	for i, r := range reviews {
		rows[i] = ToReview(r)
	}
	return rows
}

// Props are the REVIEWED edge's properties.
func (r Review) Props() map[string]any {
	return map[string]any{
		"rating": r.Rating, "recommended": r.Recommended, "at": r.At,
		"skin_type": r.SkinType, "skin_tone": r.SkinTone, "concerns": r.Concerns, "effects": r.Effects,
	}
}

func (r Review) content() map[string]any {
	return map[string]any{"id": r.ID, "reviewer": r.Reviewer, "product_id": r.ProductID, "props": r.Props()}
}

// Param is the row as the review upsert statement reads it.
func (r Review) Param() map[string]any {
	m := r.content()
	m["hash"] = r.Hash
	return m
}
