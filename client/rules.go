package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// RuleInput is a merchandising rule as written (schema RuleInput): pin takes ProductID and
// Position, boost and bury Match and Amount, filter Match.
type RuleInput struct {
	Name      string        `json:"name"`
	Kind      string        `json:"kind"` // boost, bury, filter or pin
	Condition RuleCondition `json:"condition,omitzero"`
	Match     RuleMatch     `json:"match,omitzero"`
	Amount    float64       `json:"amount,omitempty"`
	ProductID string        `json:"product_id,omitempty"`
	Position  int           `json:"position,omitempty"`
	From      *time.Time    `json:"from,omitempty"`
	Until     *time.Time    `json:"until,omitempty"`
}

// RuleCondition says which requests a rule applies to (every non-empty list must be met).
type RuleCondition struct {
	SkinTypes  []string `json:"skin_types,omitempty"`
	Concerns   []string `json:"concerns,omitempty"`
	Categories []string `json:"categories,omitempty"`
}

// RuleMatch selects the products a rule touches (every non-empty list must be met).
type RuleMatch struct {
	Brands      []string `json:"brands,omitempty"`
	Categories  []string `json:"categories,omitempty"`
	Ingredients []string `json:"ingredients,omitempty"`
	Claims      []string `json:"claims,omitempty"`
	ProductIDs  []string `json:"product_ids,omitempty"`
}

// Rule is a stored rule (schema Rule): Revision is its ETag.
type Rule struct {
	RuleInput
	ID          string    `json:"id"`
	Revision    int64     `json:"revision"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedBy   string    `json:"updated_by"`
	UpdatedAt   time.Time `json:"updated_at"`
	DataVersion int64     `json:"data_version,omitempty"` // writes only
}

// Rules lists every rule (role merchandiser).
func (c *Client) Rules(ctx context.Context) ([]Rule, error) {
	var out struct {
		Rules []Rule `json:"rules"`
	}
	if err := c.Do(ctx, http.MethodGet, "/v1/rules", nil, &out); err != nil {
		return nil, err
	}
	return out.Rules, nil
}

// CreateRule stores a new rule.
func (c *Client) CreateRule(ctx context.Context, r RuleInput) (*Rule, error) {
	var out Rule
	if err := c.Do(ctx, http.MethodPost, "/v1/rules", r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateRule replaces rule id if it is still at revision (optimistic concurrency: a
// *Problem with status 412 when someone changed it since).
func (c *Client) UpdateRule(ctx context.Context, id string, revision int64, r RuleInput) (*Rule, error) {
	var out Rule
	if _, err := c.do(ctx, http.MethodPut, "/v1/rules/"+url.PathEscape(id), ifMatch(revision), r, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteRule deletes rule id if it is still at revision (412 otherwise).
func (c *Client) DeleteRule(ctx context.Context, id string, revision int64) error {
	_, err := c.do(ctx, http.MethodDelete, "/v1/rules/"+url.PathEscape(id), ifMatch(revision), nil, nil)
	return err
}

func ifMatch(revision int64) map[string]string {
	return map[string]string{"If-Match": `"` + strconv.FormatInt(revision, 10) + `"`}
}
