package loader

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// A folder of the project's own formats (datasets/README.md), as `skingraph gen` writes it:
// products.jsonl or products.csv (required), reviews.jsonl or reviews.csv and
// ingredients.jsonl or ingredients.csv (both optional; without an ingredients file the bundled
// knowledge base is loaded with the products, so that labels resolve to its aliases).
var dirFiles = map[string][]string{
	"ingredients": {"ingredients.jsonl", "ingredients.csv"},
	"products":    {"products.jsonl", "products.csv"},
	"reviews":     {"reviews.jsonl", "reviews.csv"},
}

// DirStats says what ReadDir read.
type DirStats struct {
	Files       []string // the files read, in order
	Ingredients int
	Products    int
	Reviews     int
}

// Rows is the number of records read.
func (s DirStats) Rows() int { return s.Ingredients + s.Products + s.Reviews }

// ReadDir reads a folder of the project's own formats into one load. Products without a
// rating take the mean and count of their reviews in the folder. Every bad row of every file
// is reported in a *graph.ValidationError; then nothing is returned.
func ReadDir(ctx context.Context, dir string, now time.Time) (graph.Load, DirStats, error) {
	var st DirStats
	find := func(kind string) (string, error) {
		var found []string
		for _, name := range dirFiles[kind] {
			p := filepath.Join(dir, name)
			if _, err := os.Stat(p); err == nil {
				found = append(found, p)
			}
		}
		if len(found) > 1 {
			return "", fmt.Errorf("loader: %s: %w: both %s; keep one", dir, graph.ErrInvalid, strings.Join(found, " and "))
		}
		if len(found) == 0 {
			return "", nil
		}
		st.Files = append(st.Files, found[0])
		return found[0], nil
	}
	ingFile, err := find("ingredients")
	if err != nil {
		return graph.Load{}, st, err
	}
	prodFile, err := find("products")
	if err != nil {
		return graph.Load{}, st, err
	}
	revFile, err := find("reviews")
	if err != nil {
		return graph.Load{}, st, err
	}
	if prodFile == "" {
		return graph.Load{}, st, fmt.Errorf("loader: %s: %w: no products.jsonl or products.csv", dir, graph.ErrNotFound)
	}

	var ings []graph.Ingredient
	if ingFile == "" {
		ings, err = readFile(datasets.FS, IngredientsFile, func(f fs.File) ([]graph.Ingredient, error) {
			return ReadIngredients(f, IngredientsFile)
		})
	} else {
		err = openFile(ingFile, func(f *os.File) (err error) {
			ings, err = readIngredientsAny(f, ingFile)
			return err
		})
	}
	if err != nil {
		return graph.Load{}, st, err
	}
	st.Ingredients = len(ings)
	if err := ctx.Err(); err != nil {
		return graph.Load{}, st, err
	}
	norm := inci.New(Aliases(ings))
	var products []graph.Product
	err = openFile(prodFile, func(f *os.File) (err error) {
		products, err = readProductsAny(f, prodFile, norm)
		return err
	})
	if err != nil {
		return graph.Load{}, st, err
	}
	st.Products = len(products)
	var reviews []graph.Review
	if revFile != "" {
		if err := ctx.Err(); err != nil {
			return graph.Load{}, st, err
		}
		err = openFile(revFile, func(f *os.File) (err error) {
			reviews, err = readReviewsAny(f, revFile)
			return err
		})
		if err != nil {
			return graph.Load{}, st, err
		}
	}
	st.Reviews = len(reviews)
	rateUnrated(products, reviews)
	return graph.Load{
		ID:          "dir-" + now.UTC().Format("20060102T150405.000Z"),
		Source:      "folder " + filepath.Base(filepath.Clean(dir)),
		Kind:        "dir",
		At:          now.UTC(),
		Ingredients: ings,
		Products:    products,
		Reviews:     reviews,
	}, st, nil
}

// LoadDir reads a folder (see ReadDir) and writes it with w, all or nothing.
func LoadDir(ctx context.Context, w Writer, dir string, now time.Time) (graph.LoadResult, DirStats, error) {
	load, st, err := ReadDir(ctx, dir, now)
	if err != nil {
		return graph.LoadResult{}, st, err
	}
	res, err := w.WriteLoad(ctx, load)
	if err != nil {
		return graph.LoadResult{}, st, fmt.Errorf("loader: folder %s: %w", dir, err)
	}
	return res, st, nil
}

// rateUnrated sets the rating and review count of the products that have none from reviews.
func rateUnrated(products []graph.Product, reviews []graph.Review) {
	var unrated []graph.Product
	idx := map[string]int{}
	for i, p := range products {
		if p.Rating == 0 && p.ReviewCount == 0 {
			idx[p.ID] = i
			unrated = append(unrated, p)
		}
	}
	if len(unrated) == 0 {
		return
	}
	rateFromReviews(unrated, reviews)
	for _, p := range unrated {
		products[idx[p.ID]] = p
	}
}

// The readers by file extension; CSV readers are in csvformats.go.
func readIngredientsAny(f *os.File, name string) ([]graph.Ingredient, error) {
	if strings.HasSuffix(name, ".csv") {
		return ReadIngredientsCSV(f, filepath.Base(name))
	}
	return ReadIngredients(f, filepath.Base(name))
}

func readProductsAny(f *os.File, name string, norm *inci.Normalizer) ([]graph.Product, error) {
	if strings.HasSuffix(name, ".csv") {
		return ReadProductsCSV(f, filepath.Base(name), norm)
	}
	return ReadProducts(f, filepath.Base(name), norm)
}

func readReviewsAny(f *os.File, name string) ([]graph.Review, error) {
	if strings.HasSuffix(name, ".csv") {
		return ReadReviewsCSV(f, filepath.Base(name))
	}
	return ReadReviews(f, filepath.Base(name))
}
