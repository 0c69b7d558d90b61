package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/skingraph/skingraph/api"
	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
	"github.com/skingraph/skingraph/loader"
)

var _ api.ProductLoader = productsAdapter{}

// productsAdapter serves merchandisers' product uploads: read and validate with the loader
// (ingredient names normalised with the bundled knowledge base's aliases), then write in one
// transaction, or roll back after counting for a dry run.
type productsAdapter struct {
	store *cypher.Store
	norm  *inci.Normalizer
}

func newProductsAdapter(store *cypher.Store) (productsAdapter, error) {
	f, err := datasets.FS.Open(loader.IngredientsFile)
	if err != nil {
		return productsAdapter{}, fmt.Errorf("products uploads: %w", err)
	}
	defer f.Close()
	ings, err := loader.ReadIngredients(f, loader.IngredientsFile)
	if err != nil {
		return productsAdapter{}, fmt.Errorf("products uploads: %w", err)
	}
	return productsAdapter{store: store, norm: inci.New(loader.Aliases(ings))}, nil
}

func (a productsAdapter) LoadProducts(ctx context.Context, body io.Reader, format string, dryRun bool) (graph.LoadResult, error) {
	at := time.Now().UTC()
	products, err := loader.ReadProductUpload(body, "upload", format, a.norm)
	if err != nil {
		return graph.LoadResult{}, err
	}
	load := graph.Load{
		ID: "products-" + at.Format("20060102T150405.000000000Z"), Source: "POST /v1/products", Kind: "products",
		At: at, Products: products, DryRun: dryRun,
	}
	if dryRun {
		return a.store.WriteLoad(ctx, load) // counted in one transaction rolled back
	}
	// A large upload is staged like a load from the command line, so that no transaction
	// nears Neo4j's per-transaction memory limit.
	return a.store.WriteLoadProgress(ctx, load, nil)
}
