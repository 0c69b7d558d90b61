package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// RuleStore keeps merchandising rules (cypher.Store implements it). Every write bumps the
// data version; writes of an existing rule name its revision and fail with graph.ErrStale
// when it changed since.
type RuleStore interface {
	CreateRule(ctx context.Context, r graph.Rule, key string, now time.Time) (graph.Rule, graph.DataVersion, error)
	Rules(ctx context.Context) ([]graph.Rule, error)
	Rule(ctx context.Context, id string) (graph.Rule, error)
	UpdateRule(ctx context.Context, r graph.Rule, rev int64, key string, now time.Time) (graph.Rule, graph.DataVersion, error)
	DeleteRule(ctx context.Context, id string, rev int64) (graph.DataVersion, error)
}

type ruleConditionJSON struct {
	SkinTypes  []string `json:"skin_types"`
	Concerns   []string `json:"concerns"`
	Categories []string `json:"categories"`
}

type ruleMatchJSON struct {
	Brands      []string `json:"brands"`
	Categories  []string `json:"categories"`
	Ingredients []string `json:"ingredients"`
	Claims      []string `json:"claims"`
	ProductIDs  []string `json:"product_ids"`
}

// ruleInputJSON is the body of POST /v1/rules and PUT /v1/rules/{id}.
type ruleInputJSON struct {
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	Condition ruleConditionJSON `json:"condition"`
	Match     ruleMatchJSON     `json:"match"`
	Amount    float64           `json:"amount"`
	ProductID string            `json:"product_id"`
	Position  int               `json:"position"`
	From      *time.Time        `json:"from"`
	Until     *time.Time        `json:"until"`
}

// ruleJSON is a stored rule.
type ruleJSON struct {
	ID        string            `json:"id"`
	Name      string            `json:"name"`
	Kind      string            `json:"kind"`
	Condition ruleConditionJSON `json:"condition"`
	Match     ruleMatchJSON     `json:"match"`
	Amount    float64           `json:"amount"`
	ProductID string            `json:"product_id"`
	Position  int               `json:"position"`
	From      *time.Time        `json:"from"`
	Until     *time.Time        `json:"until"`
	Revision  int64             `json:"revision"`
	CreatedBy string            `json:"created_by"`
	CreatedAt time.Time         `json:"created_at"`
	UpdatedBy string            `json:"updated_by"`
	UpdatedAt time.Time         `json:"updated_at"`
	// DataVersion is the data version the write made (writes only).
	DataVersion int64 `json:"data_version,omitempty"`
}

func (in ruleInputJSON) rule() graph.Rule {
	r := graph.Rule{Name: in.Name, Kind: in.Kind, Amount: in.Amount, ProductID: in.ProductID, Position: in.Position,
		Condition: graph.RuleCondition{SkinTypes: in.Condition.SkinTypes, Concerns: in.Condition.Concerns, Categories: in.Condition.Categories},
		Match: graph.RuleMatch{Brands: in.Match.Brands, Categories: in.Match.Categories, Ingredients: in.Match.Ingredients,
			Claims: in.Match.Claims, ProductIDs: in.Match.ProductIDs}}
	if in.From != nil {
		r.From = in.From.UTC()
	}
	if in.Until != nil {
		r.Until = in.Until.UTC()
	}
	return r
}

func toRuleJSON(r graph.Rule) ruleJSON {
	out := ruleJSON{ID: r.ID, Name: r.Name, Kind: r.Kind, Amount: r.Amount, ProductID: r.ProductID, Position: r.Position,
		Condition: ruleConditionJSON{SkinTypes: nonNil(r.Condition.SkinTypes), Concerns: nonNil(r.Condition.Concerns), Categories: nonNil(r.Condition.Categories)},
		Match: ruleMatchJSON{Brands: nonNil(r.Match.Brands), Categories: nonNil(r.Match.Categories), Ingredients: nonNil(r.Match.Ingredients),
			Claims: nonNil(r.Match.Claims), ProductIDs: nonNil(r.Match.ProductIDs)},
		Revision: r.Revision, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt}
	out.From, out.Until = optionalTime(r.From), optionalTime(r.Until)
	return out
}

type ruleHandlers struct{ s RuleStore }

func registerRules(v1 *gin.RouterGroup, log zerolog.Logger, s RuleStore) {
	h := ruleHandlers{s}
	v1.POST("/rules", handle(log, h.create))
	v1.GET("/rules", handle(log, h.list))
	v1.GET("/rules/:id", handle(log, h.get))
	v1.PUT("/rules/:id", handle(log, h.update))
	v1.DELETE("/rules/:id", handle(log, h.remove))
}

func (h ruleHandlers) enabled() error {
	if h.s == nil {
		return &Problem{Status: http.StatusNotImplemented, Title: "Not implemented", Detail: "rules are not enabled on this server"}
	}
	return nil
}

// ruleETag is the ETag of a rule's revision.
func ruleETag(rev int64) string { return `"` + strconv.FormatInt(rev, 10) + `"` }

// ifMatch reads the revision an If-Match names: 428 without the header, 400 when it is not a
// rule's ETag (its revision, quoted; "*" is not accepted: a write must say which revision it
// changes). A well-formed ETag of another revision is 412, from the store.
func ifMatch(c *gin.Context) (int64, error) { return ifMatchOf(c, "rule") }

// ifMatchOf is ifMatch for a resource of kind what ("rule", "experiment").
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

func readRule(c *gin.Context) (graph.Rule, error) {
	var in ruleInputJSON
	if err := decodeJSON(c, &in); err != nil {
		return graph.Rule{}, err
	}
	r := in.rule()
	r.Normalize()
	// Ingredients as any spelling ("Aqua", "Niacinamide 10%"), kept as INCI keys, as
	// avoid_ingredients are read.
	verr := &graph.ValidationError{}
	norm := inci.Default()
	for i, a := range r.Match.Ingredients {
		if a == "" {
			continue // Validate names it
		}
		k := norm.Key(a)
		if k == "" {
			verr.Add(0, fmt.Sprintf("match.ingredients[%d]", i), "not an ingredient name")
			continue
		}
		r.Match.Ingredients[i] = k
	}
	if err := r.Validate(); err != nil {
		var v *graph.ValidationError
		if errors.As(err, &v) {
			verr.Fields = append(verr.Fields, v.Fields...)
		}
	}
	if err := verr.Err(); err != nil {
		return graph.Rule{}, err
	}
	return r, nil
}

// create answers POST /v1/rules: 201 with the rule, its Location and ETag. The body is
// checked first (bad input is 422 on any server).
func (h ruleHandlers) create(c *gin.Context) error {
	r, err := readRule(c)
	if err != nil {
		return err
	}
	if err := h.enabled(); err != nil {
		return err
	}
	out, v, err := h.s.CreateRule(c.Request.Context(), r, keyID(c), time.Now())
	if err != nil {
		return err
	}
	body := toRuleJSON(out)
	body.DataVersion = v.N
	c.Header("Location", "/v1/rules/"+out.ID)
	c.Header("ETag", ruleETag(out.Revision))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusCreated, body)
	return nil
}

// list answers GET /v1/rules with every rule, by id.
func (h ruleHandlers) list(c *gin.Context) error {
	if err := h.enabled(); err != nil {
		return err
	}
	rules, err := h.s.Rules(c.Request.Context())
	if err != nil {
		return err
	}
	out := make([]ruleJSON, 0, len(rules))
	for _, r := range rules {
		out = append(out, toRuleJSON(r))
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"rules": out})
	return nil
}

// get answers GET /v1/rules/{id} with the rule and its ETag.
func (h ruleHandlers) get(c *gin.Context) error {
	if err := h.enabled(); err != nil {
		return err
	}
	r, err := h.s.Rule(c.Request.Context(), c.Param("id"))
	if err != nil {
		return err
	}
	c.Header("ETag", ruleETag(r.Revision))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, toRuleJSON(r))
	return nil
}

// update answers PUT /v1/rules/{id}: the rule replaced if If-Match names its revision.
func (h ruleHandlers) update(c *gin.Context) error {
	rev, err := ifMatch(c)
	if err != nil {
		return err
	}
	r, err := readRule(c)
	if err != nil {
		return err
	}
	if err := h.enabled(); err != nil {
		return err
	}
	r.ID = c.Param("id")
	out, v, err := h.s.UpdateRule(c.Request.Context(), r, rev, keyID(c), time.Now())
	if err != nil {
		return err
	}
	body := toRuleJSON(out)
	body.DataVersion = v.N
	c.Header("ETag", ruleETag(out.Revision))
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, body)
	return nil
}

// remove answers DELETE /v1/rules/{id}: 204 if If-Match names the rule's revision.
func (h ruleHandlers) remove(c *gin.Context) error {
	if err := h.enabled(); err != nil {
		return err
	}
	rev, err := ifMatch(c)
	if err != nil {
		return err
	}
	if _, err := h.s.DeleteRule(c.Request.Context(), c.Param("id"), rev); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

// optionalTime is t for a JSON field that is left out when t is zero (an unbounded period).
func optionalTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
