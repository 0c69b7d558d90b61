package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/graph"
)

// revisionedStore is the storage of a resource whose writes carry revisions (rules,
// experiments): every write bumps the data version; an update or delete names the revision it
// changes and fails with graph.ErrStale when it changed since.
type revisionedStore[T any] struct {
	create func(ctx context.Context, v T, key string, now time.Time) (T, graph.DataVersion, error)
	list   func(ctx context.Context) ([]T, error)
	get    func(ctx context.Context, id string) (T, error)
	update func(ctx context.Context, v T, rev int64, key string, now time.Time) (T, graph.DataVersion, error)
	remove func(ctx context.Context, id string, rev int64) (graph.DataVersion, error)
}

// revisioned serves the five routes of a revisioned resource under /v1/{plural}: POST (201,
// Location and ETag), GET list, GET one (ETag), PUT and DELETE (both need If-Match). Bodies are
// checked before the store is asked, so bad input is 422 on any server; a server without the
// store answers 501.
type revisioned[T, J any] struct {
	kind, plural string              // "rule", "rules"
	store        *revisionedStore[T] // nil: not enabled on this server
	read         func(*gin.Context) (T, error)
	// toJSON is v's body; dataVersion is the version a write made, 0 for reads.
	toJSON   func(v T, now time.Time, dataVersion int64) J
	identity func(v T) (id string, revision int64)
	setID    func(v *T, id string)
}

func (h revisioned[T, J]) register(v1 *gin.RouterGroup, log zerolog.Logger) {
	base := "/" + h.plural
	v1.POST(base, handle(log, h.create))
	v1.GET(base, handle(log, h.list))
	v1.GET(base+"/:id", handle(log, h.get))
	v1.PUT(base+"/:id", handle(log, h.update))
	v1.DELETE(base+"/:id", handle(log, h.remove))
}

func (h revisioned[T, J]) enabled() error {
	if h.store == nil {
		return &Problem{Status: http.StatusNotImplemented, Title: "Not implemented", Detail: h.plural + " are not enabled on this server"}
	}
	return nil
}

// create answers POST: 201 with the resource, its Location and ETag.
func (h revisioned[T, J]) create(c *gin.Context) error {
	v, err := h.read(c)
	if err != nil {
		return err
	}
	if err := h.enabled(); err != nil {
		return err
	}
	now := time.Now()
	out, ver, err := h.store.create(c.Request.Context(), v, keyID(c), now)
	if err != nil {
		return err
	}
	id, rev := h.identity(out)
	c.Header("Location", "/v1/"+h.plural+"/"+id)
	c.Header("ETag", revisionETag(rev))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, h.toJSON(out, now, ver.N))
	return nil
}

// list answers GET with every resource, by id, under the key named by the plural.
func (h revisioned[T, J]) list(c *gin.Context) error {
	if err := h.enabled(); err != nil {
		return err
	}
	all, err := h.store.list(c.Request.Context())
	if err != nil {
		return err
	}
	now := time.Now()
	out := make([]J, 0, len(all))
	for _, v := range all {
		out = append(out, h.toJSON(v, now, 0))
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{h.plural: out})
	return nil
}

// get answers GET /{id} with the resource and its ETag.
func (h revisioned[T, J]) get(c *gin.Context) error {
	if err := h.enabled(); err != nil {
		return err
	}
	v, err := h.store.get(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	_, rev := h.identity(v)
	c.Header("ETag", revisionETag(rev))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, h.toJSON(v, time.Now(), 0))
	return nil
}

// update answers PUT /{id}: the resource replaced if If-Match names its revision.
func (h revisioned[T, J]) update(c *gin.Context) error {
	rev, err := ifMatchOf(c, h.kind)
	if err != nil {
		return err
	}
	v, err := h.read(c)
	if err != nil {
		return err
	}
	if err := h.enabled(); err != nil {
		return err
	}
	h.setID(&v, c.Param("id"))
	now := time.Now()
	out, ver, err := h.store.update(c.Request.Context(), v, rev, keyID(c), now)
	if err != nil {
		return err
	}
	_, newRev := h.identity(out)
	c.Header("ETag", revisionETag(newRev))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, h.toJSON(out, now, ver.N))
	return nil
}

// remove answers DELETE /{id}: 204 if If-Match names the resource's revision.
func (h revisioned[T, J]) remove(c *gin.Context) error {
	if err := h.enabled(); err != nil {
		return err
	}
	rev, err := ifMatchOf(c, h.kind)
	if err != nil {
		return err
	}
	if _, err := h.store.remove(c.Request.Context(), c.Param("id"), rev); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// revisionETag is the ETag of a resource's revision.
func revisionETag(rev int64) string { return `"` + strconv.FormatInt(rev, 10) + `"` }

// ifMatchOf reads the revision an If-Match names for a resource of kind what ("rule",
// "experiment"): 428 without the header, 400 when it is not an ETag of ours (a quoted
// revision; "*" is not accepted: a write must say which revision it changes). A well-formed
// ETag of another revision is 412, from the store.
func ifMatchOf(c *gin.Context, what string) (int64, error) {
	v := strings.TrimSpace(c.GetHeader("If-Match"))
	if v == "" {
		return 0, &Problem{Status: http.StatusPreconditionRequired, Title: "Precondition required",
			Detail: "send If-Match with the " + what + "'s ETag (from GET /v1/" + what + "s/{id}) so that a concurrent change is not overwritten"}
	}
	rev, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(v, "W/"), `"`), 10, 64)
	if err != nil || rev < 1 {
		return 0, &Problem{Status: http.StatusBadRequest, Title: "Bad If-Match",
			Detail: "If-Match is not a " + what + "'s ETag",
			Errors: []FieldIssue{{Field: "If-Match", Message: `must be the ` + what + `'s ETag as GET returns it, a quoted revision such as "3"`}}}
	}
	return rev, nil
}

// keyID is the id of the caller's API key ("" on a keyless server), for the audit fields.
func keyID(c *gin.Context) string {
	if k, ok := c.Get(apiKeyName); ok {
		return k.(auth.Key).ID
	}
	return ""
}

// optionalTime is t for a JSON field that is left out when t is zero (an unbounded period).
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
