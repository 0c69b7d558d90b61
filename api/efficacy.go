package api

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
)

// maxEfficacyBody bounds an uploaded efficacy file.
const maxEfficacyBody = 16 << 20

// EfficacyLoader validates and writes an efficacy file (datasets/EFFICACY.md).
type EfficacyLoader interface {
	// LoadEfficacy reads body in format "csv" or "json" ("" to sniff it), validates every row
	// against the graph and writes the claims in one transaction, or, with dryRun, computes
	// the counts and writes nothing. Bad rows come back as a *graph.ValidationError naming
	// each (graph.ErrInvalid); graph.ErrUnavailable when Neo4j cannot be reached. Errors
	// reading body are returned wrapped, as they came.
	LoadEfficacy(ctx context.Context, body io.Reader, format string, dryRun bool) (graph.LoadResult, error)
}

// efficacyFormats maps the accepted media types to loader formats.
var efficacyFormats = map[string]string{
	"text/csv":             "csv",
	"application/csv":      "csv",
	"application/json":     "json",
	"application/x-ndjson": "json",
	"application/jsonl":    "json",
}

// efficacyHandler answers POST /v1/efficacy[?dry_run=true]: a CSV (text/csv) or JSON
// (application/json: an array or JSON Lines) body of efficacy claims. It answers 200 with the
// load id, the counts and the data version, or 422 naming every bad row.
func efficacyHandler(loader EfficacyLoader) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		if loader == nil {
			return &Problem{Status: http.StatusNotImplemented, Title: "Not implemented", Detail: "efficacy loads are not enabled on this server"}
		}
		format := ""
		if ct := c.GetHeader("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			f, ok := efficacyFormats[mt]
			if err != nil || !ok {
				return &Problem{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type",
					Detail: fmt.Sprintf("send text/csv or application/json, not %s", ct)}
			}
			format = f
		}
		dryRun := false
		if v := c.Query("dry_run"); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return &Problem{Status: http.StatusBadRequest, Title: "Invalid dry_run",
					Errors: []FieldIssue{{Field: "dry_run", Message: "must be true or false"}}}
			}
			dryRun = b
		}
		body := http.MaxBytesReader(c.Writer, c.Request.Body, maxEfficacyBody)
		res, err := loader.LoadEfficacy(c.Request.Context(), body, format, dryRun)
		var mErr *http.MaxBytesError
		if errors.As(err, &mErr) {
			return &Problem{Status: http.StatusRequestEntityTooLarge, Title: "Body too large",
				Detail: fmt.Sprintf("an efficacy file may hold at most %d bytes", maxEfficacyBody)}
		}
		if err != nil {
			return err
		}
		counts := res.Counts["efficacy"]
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{
			"load_id": res.LoadID, "dry_run": dryRun, "changed": res.Changed,
			"counts":       gin.H{"created": counts.Created, "updated": counts.Updated, "unchanged": counts.Unchanged},
			"data_version": res.Version.N,
		})
		return nil
	}
}
