package loader

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// The project's own CSV formats (datasets/README.md): the same records and rules as the JSON
// Lines formats, one column per field. List fields (claims, suits, highlights, concerns,
// effects, aliases, functions) hold their items separated by ";". The rows go through the same
// validators as JSON Lines records, after the CSV layer of csv.go.

var (
	productColumns    = []string{"id", "name", "brand", "category", "subcategory", "price", "in_stock", "size", "ingredients", "claims", "suits", "highlights", "rating", "review_count"}
	reviewColumns     = []string{"id", "reviewer", "product_id", "rating", "recommended", "at", "skin_type", "skin_tone", "concerns", "effects", "text"}
	ingredientColumns = []string{"inci", "name", "aliases", "functions", "comedogenic", "source"}
)

// readProductsCSV reads and validates products in the project's CSV format; columns id, name
// and category are required. Every bad row is reported in a *graph.ValidationError.
func readProductsCSV(r io.Reader, file string, norm *inci.Normalizer) ([]graph.Product, error) {
	v := newProductValidator(file, norm)
	return v.result(decodeProductsCSV(r, v))
}

// decodeProductsCSV hands every product row of r to v.
func decodeProductsCSV(r io.Reader, v *productValidator) error {
	f := csvFormat{what: "skingraph products", required: []string{"id", "name", "category"}, known: productColumns}
	return readCSVFormat(r, v.verr, f, func(line int, row csvRow) {
		rec := productRecord{
			ID: cell(row, "id"), Name: cell(row, "name"), Brand: cell(row, "brand"),
			Category: cell(row, "category"), Subcategory: cell(row, "subcategory"), Size: cell(row, "size"),
			Ingredients: row.get("ingredients"), Claims: list(row, "claims"), Suits: list(row, "suits"),
			Highlights: list(row, "highlights"),
		}
		ok := true
		rec.Price, ok = optFloat(v.verr, line, row, "price", ok)
		rec.InStock, ok = optBool(v.verr, line, row, "in_stock", ok)
		rec.Rating, ok = optFloat(v.verr, line, row, "rating", ok)
		rec.ReviewCount, ok = optInt(v.verr, line, row, "review_count", ok)
		if ok {
			v.add(line, &rec)
		}
	})
}

// readReviewsCSV reads and validates reviews in the project's CSV format; columns id,
// reviewer, product_id and rating are required. recommended is true, false, 1, 0 or empty
// (false). Every bad row is reported in a *graph.ValidationError.
func readReviewsCSV(r io.Reader, file string) ([]graph.Review, error) {
	v := newReviewValidator(file)
	return v.result(decodeReviewsCSV(r, v))
}

// decodeReviewsCSV hands every review row of r to v.
func decodeReviewsCSV(r io.Reader, v *reviewValidator) error {
	f := csvFormat{what: "skingraph reviews", required: []string{"id", "reviewer", "product_id", "rating"}, known: reviewColumns}
	return readCSVFormat(r, v.verr, f, func(line int, row csvRow) {
		rec := reviewRecord{
			ID: cell(row, "id"), Reviewer: cell(row, "reviewer"), ProductID: cell(row, "product_id"),
			At: cell(row, "at"), SkinType: cell(row, "skin_type"), SkinTone: cell(row, "skin_tone"),
			Concerns: list(row, "concerns"), Effects: list(row, "effects"), Text: row.get("text"),
		}
		ok := true
		rating, ok := optInt(v.verr, line, row, "rating", ok)
		if rating == nil {
			if ok {
				v.verr.Add(line, "rating", "required")
			}
			ok = false
		} else {
			rec.Rating = *rating
		}
		switch s := strings.ToLower(cell(row, "recommended")); s {
		case "true", "1", "yes":
			rec.Recommended = true
		case "", "false", "0", "no":
		default:
			v.verr.Add(line, "recommended", fmt.Sprintf("must be true or false, got %q", s))
			ok = false
		}
		if ok {
			v.add(line, &rec)
		}
	})
}

// readIngredientsCSV reads and validates ingredients in the project's CSV format: the flat
// fields of the knowledge base (inci, name, aliases, functions, comedogenic, source). Treats,
// aggravations and conflicts need the JSON Lines format. Every bad row is reported in a
// *graph.ValidationError.
func readIngredientsCSV(r io.Reader, file string) ([]graph.Ingredient, error) {
	v := newIngredientValidator(file)
	f := csvFormat{what: "skingraph ingredients", required: []string{"inci", "name"}, known: ingredientColumns}
	err := readCSVFormat(r, v.verr, f, func(line int, row csvRow) {
		rec := ingredientRecord{
			INCI: cell(row, "inci"), Name: cell(row, "name"), Aliases: list(row, "aliases"),
			Functions: list(row, "functions"), Source: cell(row, "source"),
		}
		c, ok := optInt(v.verr, line, row, "comedogenic", true)
		rec.Comedogenic = c
		if ok {
			v.add(line, &rec)
		}
	})
	return v.result(err)
}

// cell is a column's value with surrounding space removed.
func cell(row csvRow, col string) string { return strings.TrimSpace(row.get(col)) }

// list splits a column's value on ";", dropping empty items; nil when empty.
func list(row csvRow, col string) []string {
	var out []string
	for _, s := range strings.Split(row.get(col), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// optFloat reads an optional number; nil when empty. A bad number is reported and makes ok
// false.
func optFloat(verr *graph.ValidationError, line int, row csvRow, col string, ok bool) (*float64, bool) {
	s := cell(row, col)
	if s == "" {
		return nil, ok
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		verr.Add(line, col, fmt.Sprintf("must be a number, got %q", s))
		return nil, false
	}
	return &x, ok
}

// optBool reads an optional boolean: true, false, 1, 0, yes or no (any case); nil when empty.
// Anything else is reported and makes ok false.
func optBool(verr *graph.ValidationError, line int, row csvRow, col string, ok bool) (*bool, bool) {
	var b bool
	switch s := strings.ToLower(cell(row, col)); s {
	case "":
		return nil, ok
	case "true", "1", "yes":
		b = true
	case "false", "0", "no":
		b = false
	default:
		verr.Add(line, col, fmt.Sprintf("must be true or false, got %q", cell(row, col)))
		return nil, false
	}
	return &b, ok
}

// optInt reads an optional whole number; nil when empty. A bad number is reported and makes
// ok false.
func optInt(verr *graph.ValidationError, line int, row csvRow, col string, ok bool) (*int, bool) {
	s := cell(row, col)
	if s == "" {
		return nil, ok
	}
	n, good := parseCount(s)
	if !good {
		verr.Add(line, col, fmt.Sprintf("must be a whole number, got %q", s))
		return nil, false
	}
	return &n, ok
}
