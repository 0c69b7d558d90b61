package api

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
)

// Explorer runs analysts' read-only Cypher (cypher.Store, through an adapter in cmd).
type Explorer interface {
	// Explore runs query in a read transaction bounded by limit rows and timeout. Writes are
	// refused by Neo4j (graph.ErrForbidden); a query stopped at its timeout returns
	// graph.ErrTimeout; a malformed query graph.ErrInvalid.
	Explore(ctx context.Context, query string, params map[string]any, limit int, timeout time.Duration) (columns []string, rows [][]any, truncated bool, err error)
}

// The bounds of an analyst query.
const (
	defaultRows    = 1000
	maxRows        = 10000
	defaultTimeout = 5 * time.Second
	maxTimeout     = 30 * time.Second
)

type cypherRequest struct {
	Query     string         `json:"query"`
	Params    map[string]any `json:"params"`
	Limit     int            `json:"limit"`
	TimeoutMS int            `json:"timeout_ms"`
}

// cypherQuery answers POST /v1/cypher: {query, params, limit, timeout_ms} ->
// {columns, rows, truncated, elapsed_ms}, or CSV when the client accepts text/csv.
func (h *handlers) cypherQuery(c *gin.Context) error {
	var in cypherRequest
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	verr := &graph.ValidationError{}
	if strings.TrimSpace(in.Query) == "" {
		verr.Add(0, "query", "required")
	}
	if in.Limit == 0 {
		in.Limit = defaultRows
	}
	if in.Limit < 1 || in.Limit > maxRows {
		verr.Add(0, "limit", fmt.Sprintf("must be 1 to %d", maxRows))
	}
	timeout := defaultTimeout
	if in.TimeoutMS != 0 {
		timeout = time.Duration(in.TimeoutMS) * time.Millisecond
	}
	if timeout <= 0 || timeout > maxTimeout {
		verr.Add(0, "timeout_ms", fmt.Sprintf("must be 1 to %d", maxTimeout.Milliseconds()))
	}
	if err := verr.Err(); err != nil {
		return err
	}
	start := time.Now()
	cols, rows, truncated, err := h.d.Explorer.Explore(c.Request.Context(), in.Query, in.Params, in.Limit, timeout)
	if err != nil {
		return err
	}
	elapsed := time.Since(start)
	c.Header("Cache-Control", "no-store")
	if strings.Contains(c.GetHeader("Accept"), "text/csv") {
		return writeCSV(c, cols, rows, truncated)
	}
	if rows == nil {
		rows = [][]any{}
	}
	c.JSON(http.StatusOK, gin.H{"columns": cols, "rows": rows, "truncated": truncated, "elapsed_ms": elapsed.Milliseconds()})
	return nil
}

// writeCSV writes the table as CSV; nested values (nodes, paths, lists) are JSON in their cell.
func writeCSV(c *gin.Context, cols []string, rows [][]any, truncated bool) error {
	c.Header("Content-Type", "text/csv; charset=utf-8")
	c.Header("Content-Disposition", `attachment; filename="query.csv"`)
	if truncated {
		c.Header("X-Truncated", "true")
	}
	c.Status(http.StatusOK)
	w := csv.NewWriter(c.Writer)
	if err := w.Write(cols); err != nil {
		return err
	}
	rec := make([]string, len(cols))
	for _, row := range rows {
		for i, v := range row {
			switch x := v.(type) {
			case nil:
				rec[i] = ""
			case string:
				rec[i] = x
			case int64, float64, bool:
				rec[i] = fmt.Sprint(x)
			default:
				b, _ := json.Marshal(x)
				rec[i] = string(b)
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}
