package api

import (
	"context"
	"io"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
)

// EfficacyLoader validates and writes an efficacy file (datasets/EFFICACY.md).
type EfficacyLoader interface {
	// LoadEfficacy reads body in format "csv" or "json" ("" to sniff it), validates every row
	// against the graph and writes the claims in one transaction, or, with dryRun, computes
	// the counts and writes nothing. Bad rows come back as a *graph.ValidationError naming
	// each (graph.ErrInvalid); graph.ErrUnavailable when Neo4j cannot be reached. Errors
	// reading body are returned wrapped, as they came.
	LoadEfficacy(ctx context.Context, body io.Reader, format string, dryRun bool) (graph.LoadResult, error)
}

// efficacyHandler answers POST /v1/efficacy[?dry_run=true]: a CSV (text/csv) or JSON
// (application/json: an array or JSON Lines) body of efficacy claims.
func efficacyHandler(l EfficacyLoader) func(c *gin.Context) error {
	if l == nil {
		return uploadHandler("efficacy", "efficacy", nil)
	}
	return uploadHandler("efficacy", "efficacy", l.LoadEfficacy)
}

// productsHandler answers POST /v1/products[?dry_run=true]: products as JSON (an array or
// JSON Lines) or CSV, in the project's product format.
func productsHandler(l ProductLoader) func(c *gin.Context) error {
	if l == nil {
		return uploadHandler("product", "products", nil)
	}
	return uploadHandler("product", "products", l.LoadProducts)
}
