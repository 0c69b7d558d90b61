package api

import (
	"bufio"
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

// maxUploadBody bounds an uploaded file (efficacy claims or products).
const maxUploadBody = 16 << 20

// uploadFormats maps the accepted media types to loader formats.
var uploadFormats = map[string]string{
	"text/csv":             "csv",
	"application/csv":      "csv",
	"application/json":     "json",
	"application/x-ndjson": "json",
	"application/jsonl":    "json",
}

// loadFunc reads body in format ("csv", "json" or "" to sniff), validates every row and
// writes all of it in one transaction, or with dryRun only counts.
type loadFunc func(ctx context.Context, body io.Reader, format string, dryRun bool) (graph.LoadResult, error)

// uploadHandler answers a merchandiser's upload (POST /v1/efficacy, POST /v1/products,
// ?dry_run=true to validate and count only): 200 with the load id, the counts of kind and the
// data version, or 422 naming every bad row, with nothing written.
func uploadHandler(what, kind string, load loadFunc) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		if load == nil {
			return &Problem{Status: http.StatusNotImplemented, Title: "Not implemented", Detail: what + " loads are not enabled on this server"}
		}
		format := ""
		if ct := c.GetHeader("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			f, ok := uploadFormats[mt]
			if err != nil || !ok {
				return &Problem{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type",
					Detail: fmt.Sprintf("send text/csv, application/json or application/x-ndjson, not %s", ct)}
			}
			format = f
		}
		dryRun := false
		if v, given := c.GetQuery("dry_run"); given {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return &Problem{Status: http.StatusBadRequest, Title: "Invalid dry_run",
					Errors: []FieldIssue{{Field: "dry_run", Message: "must be true or false"}}}
			}
			dryRun = b
		}
		body := bufio.NewReader(http.MaxBytesReader(c.Writer, c.Request.Body, maxUploadBody))
		if _, err := body.Peek(1); errors.Is(err, io.EOF) {
			return &Problem{Status: http.StatusBadRequest, Title: "Empty body",
				Detail: fmt.Sprintf("send the %s file as the body (text/csv, application/json or application/x-ndjson)", what)}
		}
		res, err := load(c.Request.Context(), body, format, dryRun)
		var mErr *http.MaxBytesError
		if errors.As(err, &mErr) {
			return &Problem{Status: http.StatusRequestEntityTooLarge, Title: "Body too large",
				Detail: fmt.Sprintf("an uploaded %s file may hold at most %d bytes", what, maxUploadBody)}
		}
		if err != nil {
			return err
		}
		counts := res.Counts[kind]
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{
			"load_id": res.LoadID, "dry_run": dryRun, "changed": res.Changed,
			"counts":       gin.H{"created": counts.Created, "updated": counts.Updated, "unchanged": counts.Unchanged},
			"data_version": res.Version.N,
		})
		return nil
	}
}

// ProductLoader validates and writes merchandisers' product files (datasets/README.md).
type ProductLoader interface {
	// LoadProducts reads body in format "csv" or "json" (a JSON array or JSON Lines; "" to
	// sniff), validates every product and writes them in one transaction, or with dryRun
	// computes the counts and writes nothing. Bad rows come back as a *graph.ValidationError
	// (graph.ErrInvalid); graph.ErrUnavailable when Neo4j cannot be reached.
	LoadProducts(ctx context.Context, body io.Reader, format string, dryRun bool) (graph.LoadResult, error)
}
