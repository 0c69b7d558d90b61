package loader

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"time"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// The files of the bundled data (package datasets embeds them).
const (
	IngredientsFile  = "ingredients.jsonl"
	DemoProductsFile = "demo/products.jsonl"
	DemoReviewsFile  = "demo/reviews.jsonl"
)

// Demo reads the bundled knowledge base and demo catalogue from fsys into one load. Product
// ratings and review counts are computed from the demo reviews.
func Demo(fsys fs.FS, now time.Time) (graph.Load, error) {
	ings, err := readFile(fsys, IngredientsFile, func(f fs.File) ([]graph.Ingredient, error) {
		return ReadIngredients(f, IngredientsFile)
	})
	if err != nil {
		return graph.Load{}, err
	}
	norm := inci.New(Aliases(ings))
	products, err := readFile(fsys, DemoProductsFile, func(f fs.File) ([]graph.Product, error) {
		return ReadProducts(f, DemoProductsFile, norm)
	})
	if err != nil {
		return graph.Load{}, err
	}
	reviews, err := readFile(fsys, DemoReviewsFile, func(f fs.File) ([]graph.Review, error) {
		return ReadReviews(f, DemoReviewsFile)
	})
	if err != nil {
		return graph.Load{}, err
	}
	if err := checkReviewedProducts(products, reviews, DemoReviewsFile); err != nil {
		return graph.Load{}, err
	}
	rateFromReviews(products, reviews)
	return graph.Load{
		ID:          "demo-" + now.UTC().Format("20060102T150405Z"),
		Source:      "skingraph bundled demo dataset",
		Kind:        "demo",
		At:          now.UTC(),
		Ingredients: ings,
		Products:    products,
		Reviews:     reviews,
	}, nil
}

// LoadDemo reads the bundled data and writes it in one transaction. Loading it again changes
// nothing.
func LoadDemo(ctx context.Context, w Writer, fsys fs.FS, now time.Time) (graph.LoadResult, error) {
	load, err := Demo(fsys, now)
	if err != nil {
		return graph.LoadResult{}, err
	}
	res, err := w.WriteLoad(ctx, load)
	if err != nil {
		return graph.LoadResult{}, fmt.Errorf("loader: demo: %w", err)
	}
	return res, nil
}

func readFile[T any](fsys fs.FS, name string, read func(fs.File) ([]T, error)) ([]T, error) {
	f, err := fsys.Open(name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("loader: %s: %w", name, graph.ErrNotFound)
		}
		return nil, fmt.Errorf("loader: open %s: %w", name, err)
	}
	defer f.Close()
	return read(f)
}

// checkReviewedProducts reports reviews whose product is not in the catalogue.
func checkReviewedProducts(products []graph.Product, reviews []graph.Review, file string) error {
	known := make(map[string]bool, len(products))
	for _, p := range products {
		known[p.ID] = true
	}
	verr := &graph.ValidationError{File: file}
	for i, r := range reviews {
		if !known[r.ProductID] {
			verr.Add(i+1, "product_id", fmt.Sprintf("unknown product %q", r.ProductID))
			if len(verr.Fields) >= maxErrors {
				break
			}
		}
	}
	return verr.Err()
}

// rateFromReviews sets each product's rating (mean, two decimals) and review count.
func rateFromReviews(products []graph.Product, reviews []graph.Review) {
	sum := map[string]int{}
	n := map[string]int{}
	for _, r := range reviews {
		sum[r.ProductID] += r.Rating
		n[r.ProductID]++
	}
	for i := range products {
		p := &products[i]
		if c := n[p.ID]; c > 0 {
			p.ReviewCount = c
			p.Rating = math.Round(float64(sum[p.ID])/float64(c)*100) / 100
		}
	}
}
