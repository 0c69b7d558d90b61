package loader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// cosmetics.csv (a Kaggle "cosmetics" data set of Sephora products): Label, Brand, Name,
// Price, Rank, Ingredients and the 0/1 flags Combination, Dry, Normal, Oily, Sensitive.
//
//   - The id is "cosmetics-" and the first 64 bits of a SHA-256 of brand and name (the file
//     has no id), so reloading changes nothing; the same brand and name twice is a duplicate:
//     skipped when every other value is the same, refused otherwise.
//   - Label maps to a category (cosmeticsLabels); an unknown label is refused with a "did you
//     mean".
//   - Price is USD, not negative; Rank is the product's star rating (0-5).
//   - Ingredients is label text, parsed by graph/inci; the placeholders "No Info" and "Visit
//     the <brand> boutique" and text without an ingredient leave the product without
//     ingredients (not an error: the set is scraped).
//   - Combination, Dry, Normal, Oily = 1 become SUITS edges to those skin types (the
//     representation of graph.Product.Suits). Sensitive = 1 becomes the highlight
//     "suits sensitive skin": sensitive skin is a sensitivity, not a skin type (DESIGN.md 2),
//     and the flag says nothing about which sensitivity.
var cosmeticsColumns = []string{"Label", "Brand", "Name", "Price", "Rank", "Ingredients", "Combination", "Dry", "Normal", "Oily", "Sensitive"}

var cosmeticsLabels = map[string]string{
	"moisturizer": "moisturizer", "cleanser": "cleanser", "face mask": "mask", "treatment": "treatment",
	"eye cream": "eye-care", "sun protect": "sunscreen",
}

// CosmeticsStats says what a cosmetics.csv read kept.
type CosmeticsStats struct {
	Rows, Products, Duplicates, NoIngredients, WithSuits, Sensitive int
}

// readCosmetics reads cosmetics.csv. Every bad row is reported (file, row, field, reason) in a
// *graph.ValidationError, and then no product is returned.
func readCosmetics(r io.Reader, file string, norm *inci.Normalizer) ([]graph.Product, CosmeticsStats, error) {
	var st CosmeticsStats
	verr := &graph.ValidationError{File: file}
	seen := recordKeys{}
	var out []graph.Product
	f := csvFormat{what: "cosmetics.csv", required: cosmeticsColumns}
	err := readCSVFormat(r, verr, f, func(line int, row csvRow) {
		st.Rows++
		brand, name := cell(row, "Brand"), cell(row, "Name")
		if brand == "" {
			verr.Add(line, "Brand", "required")
		}
		if name == "" {
			verr.Add(line, "Name", "required")
		}
		p := graph.Product{
			ID: cosmeticsID(brand, name), Name: name, Brand: brand, IngredientsText: row.get("Ingredients"),
			Subcategory: cell(row, "Label"),
		}
		if label := strings.ToLower(p.Subcategory); cosmeticsLabels[label] != "" {
			p.Category = cosmeticsLabels[label]
		} else {
			msg := fmt.Sprintf("unknown label %q (the labels are Moisturizer, Cleanser, Face Mask, Treatment, Eye cream, Sun protect)", p.Subcategory)
			if c, ok := graph.Categories.Canonical(label); ok {
				p.Category = c
			} else {
				if s := graph.Categories.Suggest(label); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
				verr.Add(line, "Label", msg)
			}
		}
		p.Price = csvFloat(verr, line, "Price", row.get("Price"), 0, math.Inf(1))
		p.Rating = csvFloat(verr, line, "Rank", row.get("Rank"), 0, 5)
		for _, t := range []string{"Combination", "Dry", "Normal", "Oily", "Sensitive"} {
			switch v := cell(row, t); v {
			case "1", "1.0":
				if t == "Sensitive" {
					p.Highlights = append(p.Highlights, "suits sensitive skin")
					continue
				}
				p.Suits = append(p.Suits, strings.ToLower(t))
			case "0", "0.0", "":
			default:
				verr.Add(line, t, fmt.Sprintf("must be 0 or 1, got %q", v))
			}
		}
		if brand == "" || name == "" {
			return
		}
		if seen.claim(verr, line, "Name", p.ID, row.rec) {
			st.Duplicates++
			return
		}
		if !cosmeticsPlaceholder(p.IngredientsText) {
			p.Ingredients = listIngredients(norm.Parse(p.IngredientsText))
		}
		if len(p.Ingredients) == 0 {
			st.NoIngredients++
		}
		if len(p.Suits) > 0 {
			st.WithSuits++
		}
		if len(p.Highlights) > 0 {
			st.Sensitive++
		}
		out = append(out, p)
	})
	if err != nil {
		return nil, st, fmt.Errorf("loader: %s: %w", file, err)
	}
	if err := verr.Err(); err != nil {
		return nil, st, err
	}
	st.Products = len(out)
	return out, st, nil
}

// cosmeticsPlaceholder says whether an Ingredients cell is a scraping placeholder ("No Info",
// "Visit the Dior boutique") rather than a label.
func cosmeticsPlaceholder(text string) bool {
	t := strings.ToLower(strings.TrimSpace(text))
	return t == "no info" || strings.HasPrefix(t, "visit the ") && strings.HasSuffix(t, " boutique")
}

func cosmeticsID(brand, name string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(brand) + "\x00" + strings.ToLower(name)))
	return "cosmetics-" + hex.EncodeToString(sum[:8])
}

// LoadCosmetics reads cosmetics.csv with the bundled knowledge base and writes both in one
// load with w. The stats are returned even when the write fails.
func LoadCosmetics(ctx context.Context, w Writer, file string, now time.Time) (graph.LoadResult, CosmeticsStats, error) {
	kb, err := readFile(datasets.FS, IngredientsFile, func(f fs.File) ([]graph.Ingredient, error) {
		return ReadIngredients(f, IngredientsFile)
	})
	if err != nil {
		return graph.LoadResult{}, CosmeticsStats{}, err
	}
	var products []graph.Product
	var st CosmeticsStats
	err = openFile(file, func(f *os.File) (err error) {
		products, st, err = readCosmetics(f, filepath.Base(file), inci.New(Aliases(kb)))
		return err
	})
	if err != nil {
		return graph.LoadResult{}, st, err
	}
	if err := ctx.Err(); err != nil {
		return graph.LoadResult{}, st, err
	}
	res, err := w.WriteLoad(ctx, graph.Load{
		ID: "cosmetics-" + now.UTC().Format("20060102T150405.000Z"), Source: "cosmetics: " + filepath.Base(file),
		Kind: "cosmetics", At: now.UTC(), Ingredients: kb, Products: products,
	})
	if err != nil {
		return graph.LoadResult{}, st, fmt.Errorf("loader: cosmetics: %w", err)
	}
	return res, st, nil
}
