package api

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

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

func toRuleJSON(r graph.Rule, _ time.Time, dataVersion int64) ruleJSON {
	out := ruleJSON{ID: r.ID, Name: r.Name, Kind: r.Kind, Amount: r.Amount, ProductID: r.ProductID, Position: r.Position,
		Condition: ruleConditionJSON{SkinTypes: nonNil(r.Condition.SkinTypes), Concerns: nonNil(r.Condition.Concerns), Categories: nonNil(r.Condition.Categories)},
		Match: ruleMatchJSON{Brands: nonNil(r.Match.Brands), Categories: nonNil(r.Match.Categories), Ingredients: nonNil(r.Match.Ingredients),
			Claims: nonNil(r.Match.Claims), ProductIDs: nonNil(r.Match.ProductIDs)},
		Revision: r.Revision, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedBy: r.UpdatedBy, UpdatedAt: r.UpdatedAt,
		DataVersion: dataVersion}
	out.From, out.Until = optionalTime(r.From), optionalTime(r.Until)
	return out
}

// registerRules serves /v1/rules (revisioned.go says how); s nil answers 501.
func registerRules(v1 *gin.RouterGroup, log zerolog.Logger, s RuleStore) {
	h := revisioned[graph.Rule, ruleJSON]{kind: "rule", plural: "rules", read: readRule, toJSON: toRuleJSON,
		identity: func(r graph.Rule) (string, int64) { return r.ID, r.Revision },
		setID:    func(r *graph.Rule, id string) { r.ID = id }}
	if s != nil {
		h.store = &revisionedStore[graph.Rule]{create: s.CreateRule, list: s.Rules, get: s.Rule, update: s.UpdateRule, remove: s.DeleteRule}
	}
	h.register(v1, log)
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
