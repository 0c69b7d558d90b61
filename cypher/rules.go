package cypher

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// Merchandising rules are (:Rule {id}) nodes with flat properties (ruleProps). Every write
// bumps the data version in the same transaction, so that the projection (which carries the
// rules) and every cache keyed on the version follow. Writes of an existing rule name the
// revision they change: a rule changed since is graph.ErrStale.

// ruleRow is a Rule node's properties as stored.
type ruleRow struct {
	ID, Name, Kind                                string
	CondSkinTypes, CondConcerns, CondCategories   []string
	MatchBrands, MatchCategories, MatchIngredient []string
	MatchClaims, MatchProductIDs                  []string
	Amount                                        float64
	ProductID                                     string
	Position                                      int64
	From, Until                                   *time.Time
	Revision                                      int64
	CreatedBy, UpdatedBy                          string
	CreatedAt, UpdatedAt                          time.Time
}

// ruleProps are the properties written for r (nil from/until remove them).
func ruleProps(r graph.Rule) map[string]any {
	opt := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC()
	}
	return map[string]any{
		"name": r.Name, "kind": r.Kind,
		"cond_skin_types": rows.NonNil(r.Condition.SkinTypes), "cond_concerns": rows.NonNil(r.Condition.Concerns),
		"cond_categories": rows.NonNil(r.Condition.Categories),
		"match_brands":    rows.NonNil(r.Match.Brands), "match_categories": rows.NonNil(r.Match.Categories),
		"match_ingredients": rows.NonNil(r.Match.Ingredients), "match_claims": rows.NonNil(r.Match.Claims),
		"match_product_ids": rows.NonNil(r.Match.ProductIDs),
		"amount":            r.Amount, "product_id": r.ProductID, "position": int64(r.Position),
		"from": opt(r.From), "until": opt(r.Until),
	}
}

// toRuleRow reads a Rule node's property map.
func toRuleRow(m map[string]any) ruleRow {
	t := func(v any) *time.Time {
		if at, ok := v.(time.Time); ok {
			at = at.UTC()
			return &at
		}
		return nil
	}
	row := ruleRow{
		ID: str(m["id"]), Name: str(m["name"]), Kind: str(m["kind"]),
		CondSkinTypes: strs(m["cond_skin_types"]), CondConcerns: strs(m["cond_concerns"]), CondCategories: strs(m["cond_categories"]),
		MatchBrands: strs(m["match_brands"]), MatchCategories: strs(m["match_categories"]), MatchIngredient: strs(m["match_ingredients"]),
		MatchClaims: strs(m["match_claims"]), MatchProductIDs: strs(m["match_product_ids"]),
		Amount: f64(m["amount"]), ProductID: str(m["product_id"]), Position: i64(m["position"]),
		From: t(m["from"]), Until: t(m["until"]), Revision: i64(m["revision"]),
		CreatedBy: str(m["created_by"]), UpdatedBy: str(m["updated_by"]),
	}
	if at := t(m["created_at"]); at != nil {
		row.CreatedAt = *at
	}
	if at := t(m["updated_at"]); at != nil {
		row.UpdatedAt = *at
	}
	return row
}

func (row ruleRow) rule() graph.Rule {
	r := graph.Rule{
		ID: row.ID, Name: row.Name, Kind: row.Kind,
		Condition: graph.RuleCondition{SkinTypes: row.CondSkinTypes, Concerns: row.CondConcerns, Categories: row.CondCategories},
		Match: graph.RuleMatch{Brands: row.MatchBrands, Categories: row.MatchCategories, Ingredients: row.MatchIngredient,
			Claims: row.MatchClaims, ProductIDs: row.MatchProductIDs},
		Amount: row.Amount, ProductID: row.ProductID, Position: int(row.Position),
		Revision: row.Revision, CreatedBy: row.CreatedBy, UpdatedBy: row.UpdatedBy,
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt,
	}
	if row.From != nil {
		r.From = *row.From
	}
	if row.Until != nil {
		r.Until = *row.Until
	}
	return r
}

func toRule(v any) graph.Rule {
	m, _ := v.(map[string]any)
	return toRuleRow(m).rule()
}

// newRuleID returns a random rule id ("rule_" and 16 hex digits).
func newRuleID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "rule_" + hex.EncodeToString(b[:]), nil
}

// CreateRule stores a new rule (validated by the caller) written by key at now, with a new id
// and revision 1, and returns it with the new data version.
func (s *Store) CreateRule(ctx context.Context, r graph.Rule, key string, now time.Time) (graph.Rule, graph.DataVersion, error) {
	id, err := newRuleID()
	if err != nil {
		return graph.Rule{}, graph.DataVersion{}, fmt.Errorf("cypher: create rule: %w", err)
	}
	var out graph.Rule
	var v graph.DataVersion
	err = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		recs, err := txn.Run(ctx, tx, `
			CREATE (r:Rule {id: $id})
			SET r += $props, r.revision = 1, r.created_by = $key, r.updated_by = $key,
			    r.created_at = $now, r.updated_at = $now
			RETURN r {.*}`, map[string]any{"id": id, "props": ruleProps(r), "key": key, "now": now.UTC()})
		if err != nil {
			return err
		}
		out = toRule(recs[0].Values[0])
		v, err = bumpVersion(ctx, tx, graph.RulesChange())
		return err
	})
	if err != nil {
		return graph.Rule{}, graph.DataVersion{}, fmt.Errorf("cypher: create rule: %w", err)
	}
	return out, v, nil
}

// Rules returns every rule, by id.
func (s *Store) Rules(ctx context.Context) ([]graph.Rule, error) {
	recs, err := s.read(ctx, `MATCH (r:Rule) RETURN r {.*} ORDER BY r.id`, nil)
	if err != nil {
		return nil, fmt.Errorf("cypher: rules: %w", err)
	}
	out := make([]graph.Rule, 0, len(recs))
	for _, rec := range recs {
		out = append(out, toRule(rec.Values[0]))
	}
	return out, nil
}

// Rule returns one rule; graph.ErrNotFound when there is none with that id.
func (s *Store) Rule(ctx context.Context, id string) (graph.Rule, error) {
	recs, err := s.read(ctx, `MATCH (r:Rule {id: $id}) RETURN r {.*}`, map[string]any{"id": id})
	if err != nil {
		return graph.Rule{}, fmt.Errorf("cypher: rule %s: %w", id, err)
	}
	if len(recs) == 0 {
		return graph.Rule{}, fmt.Errorf("cypher: rule %s: %w", id, graph.ErrNotFound)
	}
	return toRule(recs[0].Values[0]), nil
}

// lockRule takes the write lock of rule id in tx and checks its revision: graph.ErrNotFound
// without the rule, graph.ErrStale when its revision is not rev. Taking the lock first makes
// two concurrent writes of the same revision meet here: the second waits, then sees the
// first's revision and fails.
func lockRule(ctx context.Context, tx neo4j.ManagedTransaction, id string, rev int64) error {
	recs, err := txn.Run(ctx, tx, `MATCH (r:Rule {id: $id}) SET r._lock = true REMOVE r._lock RETURN r.revision`, map[string]any{"id": id})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("rule %s: %w", id, graph.ErrNotFound)
	}
	if cur := i64(recs[0].Values[0]); cur != rev {
		return fmt.Errorf("rule %s is at revision %d, not %d: %w", id, cur, rev, graph.ErrStale)
	}
	return nil
}

// UpdateRule replaces rule r.ID (validated by the caller) if it is still at revision rev,
// written by key at now; the revision goes up by one. It returns the rule as stored and the
// new data version.
func (s *Store) UpdateRule(ctx context.Context, r graph.Rule, rev int64, key string, now time.Time) (graph.Rule, graph.DataVersion, error) {
	var out graph.Rule
	var v graph.DataVersion
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		if err := lockRule(ctx, tx, r.ID, rev); err != nil {
			return err
		}
		recs, err := txn.Run(ctx, tx, `
			MATCH (r:Rule {id: $id})
			SET r += $props, r.revision = r.revision + 1, r.updated_by = $key, r.updated_at = $now
			RETURN r {.*}`, map[string]any{"id": r.ID, "props": ruleProps(r), "key": key, "now": now.UTC()})
		if err != nil {
			return err
		}
		out = toRule(recs[0].Values[0])
		v, err = bumpVersion(ctx, tx, graph.RulesChange())
		return err
	})
	if err != nil {
		return graph.Rule{}, graph.DataVersion{}, fmt.Errorf("cypher: update rule: %w", err)
	}
	return out, v, nil
}

// DeleteRule deletes rule id if it is still at revision rev and returns the new data version.
func (s *Store) DeleteRule(ctx context.Context, id string, rev int64) (graph.DataVersion, error) {
	var v graph.DataVersion
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		if err := lockRule(ctx, tx, id, rev); err != nil {
			return err
		}
		if _, err := txn.Run(ctx, tx, `MATCH (r:Rule {id: $id}) DELETE r`, map[string]any{"id": id}); err != nil {
			return err
		}
		var err error
		v, err = bumpVersion(ctx, tx, graph.RulesChange())
		return err
	})
	if err != nil {
		return graph.DataVersion{}, fmt.Errorf("cypher: delete rule: %w", err)
	}
	return v, nil
}
