package loader

import (
	"fmt"
	"io"
	"math"
	"time"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// productRecord is one line of a products file in the project's JSON Lines format.
type productRecord struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Brand       string   `json:"brand"`
	Category    string   `json:"category"`
	Subcategory string   `json:"subcategory"`
	Price       *float64 `json:"price"`
	Size        string   `json:"size"`
	Ingredients string   `json:"ingredients"`
	Claims      []string `json:"claims"`
	Suits       []string `json:"suits"`
	Highlights  []string `json:"highlights"`
	Rating      *float64 `json:"rating"`
	ReviewCount *int     `json:"review_count"`
}

// ReadProducts reads and validates products in JSON Lines, parsing each ingredient text with
// norm. Every bad line is reported in a *graph.ValidationError.
func ReadProducts(r io.Reader, file string, norm *inci.Normalizer) ([]graph.Product, error) {
	v := newProductValidator(file, norm)
	err := decodeJSONL(r, v.verr, v.add)
	return v.result(err)
}

// productValidator checks product records, whatever their format, and keeps the good ones.
type productValidator struct {
	verr   *graph.ValidationError
	norm   *inci.Normalizer
	lineOf recordKeys
	out    []graph.Product
	// emit, when set, takes each good record instead of out (streaming).
	emit func(graph.Product)
	// repeats, when set, collects the lines of records that repeat an earlier one exactly
	// (pass 1 of a streamed load); skip, when set, replaces the duplicate check by those lines
	// (pass 2), which saves hashing every record twice.
	repeats, skip map[int]bool
}

func newProductValidator(file string, norm *inci.Normalizer) *productValidator {
	return &productValidator{verr: &graph.ValidationError{File: file}, norm: norm, lineOf: recordKeys{}}
}

func (v *productValidator) result(err error) ([]graph.Product, error) {
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", v.verr.File, err)
	}
	if err := v.verr.Err(); err != nil {
		return nil, err
	}
	return v.out, nil
}

// add validates one record read from line.
func (v *productValidator) add(line int, rec *productRecord) {
	verr, norm := v.verr, v.norm
	{
		p := graph.Product{
			ID: rec.ID, Name: rec.Name, Brand: rec.Brand, Subcategory: rec.Subcategory,
			Size: rec.Size, Highlights: rec.Highlights, IngredientsText: rec.Ingredients,
		}
		if v.skip != nil {
			if v.skip[line] {
				return
			}
		} else if v.lineOf.claim(verr, line, "id", rec.ID, rec) {
			if v.repeats != nil {
				v.repeats[line] = true
			}
			return // the same record again
		}
		if err := graph.CheckProductID(rec.ID); err != nil && rec.ID != "" {
			verr.Add(line, "id", err.Error())
		}
		if rec.Name == "" {
			verr.Add(line, "name", "required")
		}
		if rec.Category == "" {
			verr.Add(line, "category", "required")
		} else {
			p.Category = checkVocab(verr, line, "category", graph.Categories, rec.Category)
		}
		if rec.Price != nil {
			if *rec.Price < 0 || math.IsNaN(*rec.Price) {
				verr.Add(line, "price", fmt.Sprintf("must not be negative, got %g", *rec.Price))
			}
			p.Price = *rec.Price
		}
		if rec.Rating != nil {
			if *rec.Rating < 0 || *rec.Rating > 5 {
				verr.Add(line, "rating", fmt.Sprintf("must be between 0 and 5, got %g", *rec.Rating))
			}
			p.Rating = *rec.Rating
		}
		if rec.ReviewCount != nil {
			if *rec.ReviewCount < 0 {
				verr.Add(line, "review_count", "must not be negative")
			}
			p.ReviewCount = *rec.ReviewCount
		}
		for i, c := range rec.Claims {
			p.Claims = append(p.Claims, checkVocab(verr, line, fmt.Sprintf("claims[%d]", i), graph.Concerns, c))
		}
		for i, s := range rec.Suits {
			p.Suits = append(p.Suits, checkVocab(verr, line, fmt.Sprintf("suits[%d]", i), graph.SkinTypes, s))
		}
		p.Ingredients = ProductIngredients(norm, rec.Ingredients)
		if rec.Ingredients != "" && len(p.Ingredients) == 0 {
			verr.Add(line, "ingredients", "no ingredient could be read from the text")
		}
		if v.emit != nil {
			v.emit(p)
		} else {
			v.out = append(v.out, p)
		}
	}
}

// ProductIngredients parses a label's ingredient text into the product's ingredients. Entries
// of every list (kits, variants) are kept with their list heading; positions restart per list.
func ProductIngredients(norm *inci.Normalizer, text string) []graph.ProductIngredient {
	return listIngredients(norm.Parse(text))
}

// reviewRecord is one line of a reviews file in the project's JSON Lines format.
type reviewRecord struct {
	ID          string   `json:"id"`
	Reviewer    string   `json:"reviewer"`
	ProductID   string   `json:"product_id"`
	Rating      int      `json:"rating"`
	Recommended bool     `json:"recommended"`
	At          string   `json:"at"`
	SkinType    string   `json:"skin_type"`
	SkinTone    string   `json:"skin_tone"`
	Concerns    []string `json:"concerns"`
	Effects     []string `json:"effects"`
	Text        string   `json:"text"`
}

// ReadReviews reads and validates reviews in JSON Lines. Every bad line is reported in a
// *graph.ValidationError.
func ReadReviews(r io.Reader, file string) ([]graph.Review, error) {
	v := newReviewValidator(file)
	err := decodeJSONL(r, v.verr, v.add)
	return v.result(err)
}

// reviewValidator checks review records, whatever their format, and keeps the good ones.
type reviewValidator struct {
	verr   *graph.ValidationError
	lineOf recordKeys
	out    []graph.Review
	// emit, when set, takes each good record instead of out (streaming).
	emit func(graph.Review)
	// repeats, when set, collects the lines of records that repeat an earlier one exactly
	// (pass 1 of a streamed load); skip, when set, replaces the duplicate check by those lines
	// (pass 2), which saves hashing every record twice.
	repeats, skip map[int]bool
}

func newReviewValidator(file string) *reviewValidator {
	return &reviewValidator{verr: &graph.ValidationError{File: file}, lineOf: recordKeys{}}
}

func (v *reviewValidator) result(err error) ([]graph.Review, error) {
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", v.verr.File, err)
	}
	if err := v.verr.Err(); err != nil {
		return nil, err
	}
	return v.out, nil
}

// add validates one record read from line.
func (v *reviewValidator) add(line int, rec *reviewRecord) {
	verr := v.verr
	{
		rv := graph.Review{
			ID: rec.ID, Reviewer: rec.Reviewer, ProductID: rec.ProductID, Rating: rec.Rating,
			Recommended: rec.Recommended, Text: rec.Text,
		}
		if v.skip != nil {
			if v.skip[line] {
				return
			}
		} else if v.lineOf.claim(verr, line, "id", rec.ID, rec) {
			if v.repeats != nil {
				v.repeats[line] = true
			}
			return // the same record again
		}
		if rec.Reviewer == "" {
			verr.Add(line, "reviewer", "required")
		}
		if rec.ProductID == "" {
			verr.Add(line, "product_id", "required")
		}
		if rec.Rating < 1 || rec.Rating > 5 {
			verr.Add(line, "rating", fmt.Sprintf("must be 1 to 5, got %d", rec.Rating))
		}
		if rec.At != "" {
			at, err := time.Parse(time.RFC3339, rec.At)
			if err != nil {
				verr.Add(line, "at", fmt.Sprintf("must be an RFC 3339 time such as 2025-03-04T10:00:00Z, got %q", rec.At))
			}
			rv.At = at.UTC()
		}
		if rec.SkinType != "" {
			rv.SkinType = checkVocab(verr, line, "skin_type", graph.SkinTypes, rec.SkinType)
		}
		if rec.SkinTone != "" {
			rv.SkinTone = checkVocab(verr, line, "skin_tone", graph.SkinTones, rec.SkinTone)
		}
		for i, c := range rec.Concerns {
			rv.Concerns = append(rv.Concerns, checkVocab(verr, line, fmt.Sprintf("concerns[%d]", i), graph.Concerns, c))
		}
		for i, e := range rec.Effects {
			rv.Effects = append(rv.Effects, checkVocab(verr, line, fmt.Sprintf("effects[%d]", i), graph.Effects, e))
		}
		if v.emit != nil {
			v.emit(rv)
		} else {
			v.out = append(v.out, rv)
		}
	}
}
