package loader

import (
	"context"
	"fmt"
	"io"
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

// dirFileSet names the files of a folder; ingredients and reviews may be "".
type dirFileSet struct{ ingredients, products, reviews string }

func (f dirFileSet) list() []string {
	var out []string
	for _, name := range []string{f.ingredients, f.products, f.reviews} {
		if name != "" {
			out = append(out, name)
		}
	}
	return out
}

// findDirFiles finds the files of a folder: a products file is required, and each kind may
// have one file only.
func findDirFiles(dir string) (dirFileSet, error) {
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
		return found[0], nil
	}
	var files dirFileSet
	var err error
	if files.ingredients, err = find("ingredients"); err != nil {
		return files, err
	}
	if files.products, err = find("products"); err != nil {
		return files, err
	}
	if files.reviews, err = find("reviews"); err != nil {
		return files, err
	}
	if files.products == "" {
		return files, fmt.Errorf("loader: %s: %w: no products.jsonl or products.csv", dir, graph.ErrNotFound)
	}
	return files, nil
}

// readDirIngredients reads the folder's ingredients file, or the bundled knowledge base when
// name is "", and the INCI normaliser of their aliases.
func readDirIngredients(name string) ([]graph.Ingredient, *inci.Normalizer, error) {
	var ings []graph.Ingredient
	var err error
	if name == "" {
		ings, err = readFile(datasets.FS, IngredientsFile, func(f fs.File) ([]graph.Ingredient, error) {
			return ReadIngredients(f, IngredientsFile)
		})
	} else {
		err = openFile(name, func(f *os.File) (err error) {
			ings, err = readIngredientsAny(f, name)
			return err
		})
	}
	if err != nil {
		return nil, nil, err
	}
	return ings, inci.New(Aliases(ings)), nil
}

func dirLoadID(now time.Time) string { return "dir-" + now.UTC().Format("20060102T150405.000Z") }

func dirSource(dir string) string { return "folder " + filepath.Base(filepath.Clean(dir)) }

// ReadDir reads a folder of the project's own formats into one load. Products without a
// rating take the mean and count of their reviews in the folder. Every bad row of every file
// is reported in a *graph.ValidationError; then nothing is returned. LoadDirStream loads
// folders too large for memory.
func ReadDir(ctx context.Context, dir string, now time.Time) (graph.Load, DirStats, error) {
	var st DirStats
	files, err := findDirFiles(dir)
	if err != nil {
		return graph.Load{}, st, err
	}
	st.Files = files.list()
	ings, norm, err := readDirIngredients(files.ingredients)
	if err != nil {
		return graph.Load{}, st, err
	}
	st.Ingredients = len(ings)
	if err := ctx.Err(); err != nil {
		return graph.Load{}, st, err
	}
	var products []graph.Product
	err = openFile(files.products, func(f *os.File) (err error) {
		products, err = readProductsAny(f, files.products, norm)
		return err
	})
	if err != nil {
		return graph.Load{}, st, err
	}
	st.Products = len(products)
	var reviews []graph.Review
	if files.reviews != "" {
		if err := ctx.Err(); err != nil {
			return graph.Load{}, st, err
		}
		err = openFile(files.reviews, func(f *os.File) (err error) {
			reviews, err = readReviewsAny(f, files.reviews)
			return err
		})
		if err != nil {
			return graph.Load{}, st, err
		}
	}
	st.Reviews = len(reviews)
	rateUnrated(products, reviews)
	return graph.Load{
		ID:          dirLoadID(now),
		Source:      dirSource(dir),
		Kind:        "dir",
		At:          now.UTC(),
		Ingredients: ings,
		Products:    products,
		Reviews:     reviews,
	}, st, nil
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
		return readIngredientsCSV(f, filepath.Base(name))
	}
	return ReadIngredients(f, filepath.Base(name))
}

func readProductsAny(f *os.File, name string, norm *inci.Normalizer) ([]graph.Product, error) {
	if strings.HasSuffix(name, ".csv") {
		return readProductsCSV(f, filepath.Base(name), norm)
	}
	return ReadProducts(f, filepath.Base(name), norm)
}

func readReviewsAny(f *os.File, name string) ([]graph.Review, error) {
	if strings.HasSuffix(name, ".csv") {
		return readReviewsCSV(f, filepath.Base(name))
	}
	return ReadReviews(f, filepath.Base(name))
}

func baseName(name string) string { return filepath.Base(name) }

// decodeProductsFile validates every record of a products file (CSV or JSON Lines by its
// extension) with v; bad records are in v.verr, which it returns as an error.
func decodeProductsFile(name string, v *productValidator) error {
	return openFile(name, func(f *os.File) error {
		_, err := v.result(decodeProducts(f, v))
		return err
	})
}

func decodeReviewsFile(name string, v *reviewValidator) error {
	return openFile(name, func(f *os.File) error {
		_, err := v.result(decodeReviews(f, v))
		return err
	})
}

func decodeProducts(r io.Reader, v *productValidator) error {
	if strings.HasSuffix(v.verr.File, ".csv") {
		return decodeProductsCSV(r, v)
	}
	return decodeJSONL(r, v.verr, v.add)
}

func decodeReviews(r io.Reader, v *reviewValidator) error {
	if strings.HasSuffix(v.verr.File, ".csv") {
		return decodeReviewsCSV(r, v)
	}
	return decodeJSONL(r, v.verr, v.add)
}
