package graph

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// ErrStale means a write named a revision of a resource that is no longer the current one
// (an If-Match that does not match): someone else changed it first.
var ErrStale = errors.New("stale revision")

// The kinds of merchandising rule.
const (
	RuleBoost  = "boost"  // add Amount to the score of the matching products
	RuleBury   = "bury"   // subtract Amount from it
	RuleFilter = "filter" // exclude the matching products
	RulePin    = "pin"    // show ProductID at Position (1-based) of the ranking
)

// RuleKinds lists the kinds of rule.
var RuleKinds = []string{RuleBoost, RuleBury, RuleFilter, RulePin}

// Bounds of a rule's values.
const (
	MaxRuleAmount   = 100  // a boost or bury adds at most this much (scores are a few units)
	MaxRulePosition = 1000 // a pin goes at most this deep
	MaxRuleName     = 100  // characters
	MaxRuleList     = 200  // entries of one list of a match or condition
)

// Rule is a merchandising rule (a (:Rule) node). It applies to a recommendation request when
// the request meets its Condition and the time is within [From, Until); it touches the
// products its Match selects (boost, bury, filter) or ProductID (pin).
type Rule struct {
	ID        string
	Name      string
	Kind      string // one of RuleKinds
	Condition RuleCondition
	Match     RuleMatch
	Amount    float64 // boost and bury: > 0 (bury subtracts it)
	ProductID string  // pin
	Position  int     // pin: 1-based position in the whole ranking
	// From and Until bound when the rule is in force; zero = unbounded on that side.
	From, Until time.Time
	// Revision counts the rule's writes (1 when created); it is the rule's ETag.
	Revision             int64
	CreatedBy, UpdatedBy string // API key ids ("" on a keyless server)
	CreatedAt, UpdatedAt time.Time
}

// RuleCondition says which requests a rule applies to; an empty list places no condition.
// Every non-empty list must be met: the profile's skin type is in SkinTypes, one of its
// concerns is in Concerns, one of the request's category filters is in Categories.
type RuleCondition struct {
	SkinTypes  []string
	Concerns   []string
	Categories []string
}

// RuleMatch selects products: a product matches when it meets every non-empty list (its
// brand is one of Brands, its category one of Categories, it contains one of Ingredients
// (INCI keys), it claims one of Claims (concerns), its id is one of ProductIDs).
type RuleMatch struct {
	Brands      []string
	Categories  []string
	Ingredients []string
	Claims      []string
	ProductIDs  []string
}

// Empty reports whether the match lists nothing.
func (m RuleMatch) Empty() bool {
	return len(m.Brands)+len(m.Categories)+len(m.Ingredients)+len(m.Claims)+len(m.ProductIDs) == 0
}

// ActiveAt reports whether the rule is in force at t.
func (r *Rule) ActiveAt(t time.Time) bool {
	return (r.From.IsZero() || !t.Before(r.From)) && (r.Until.IsZero() || t.Before(r.Until))
}

// Normalize canonicalises the vocabulary of a rule in place (categories, concerns, skin types
// in their canonical spelling; ingredient keys folded to lower case), as Validate expects.
func (r *Rule) Normalize() {
	r.Name = strings.TrimSpace(r.Name)
	r.Kind = strings.ToLower(strings.TrimSpace(r.Kind))
	for i, s := range r.Match.Ingredients {
		r.Match.Ingredients[i] = strings.ToLower(strings.TrimSpace(s))
	}
}

// Validate checks a rule as written by a merchandiser; every bad field is named (JSON paths of
// the API's rule document) in a *ValidationError. The vocabulary lists are replaced by their
// canonical names.
func (r *Rule) Validate() error {
	verr := &ValidationError{}
	if r.Name == "" {
		verr.Add(0, "name", "required")
	} else if len([]rune(r.Name)) > MaxRuleName {
		verr.Add(0, "name", fmt.Sprintf("at most %d characters", MaxRuleName))
	}
	vocab := func(field string, v *Vocabulary, list []string) {
		if len(list) > MaxRuleList {
			verr.Add(0, field, fmt.Sprintf("at most %d entries", MaxRuleList))
			return
		}
		for i, s := range list {
			c, ok := v.Canonical(s)
			if !ok {
				verr.Add(0, fmt.Sprintf("%s[%d]", field, i), fmt.Sprintf("unknown value %q (want one of %s)", s, strings.Join(v.Names(), ", ")))
				continue
			}
			list[i] = c
		}
	}
	plain := func(field string, list []string, check func(string) error) {
		if len(list) > MaxRuleList {
			verr.Add(0, field, fmt.Sprintf("at most %d entries", MaxRuleList))
			return
		}
		for i, s := range list {
			if strings.TrimSpace(s) == "" {
				verr.Add(0, fmt.Sprintf("%s[%d]", field, i), "must not be empty")
			} else if check != nil {
				if err := check(s); err != nil {
					verr.Add(0, fmt.Sprintf("%s[%d]", field, i), err.Error())
				}
			}
		}
	}
	vocab("condition.skin_types", SkinTypes, r.Condition.SkinTypes)
	vocab("condition.concerns", Concerns, r.Condition.Concerns)
	vocab("condition.categories", Categories, r.Condition.Categories)
	plain("match.brands", r.Match.Brands, nil)
	vocab("match.categories", Categories, r.Match.Categories)
	plain("match.ingredients", r.Match.Ingredients, nil)
	vocab("match.claims", Concerns, r.Match.Claims)
	plain("match.product_ids", r.Match.ProductIDs, CheckProductID)
	switch r.Kind {
	case RuleBoost, RuleBury:
		if math.IsNaN(r.Amount) || r.Amount <= 0 || r.Amount > MaxRuleAmount {
			verr.Add(0, "amount", fmt.Sprintf("must be more than 0 and at most %d for a %s rule", MaxRuleAmount, r.Kind))
		}
	case RuleFilter, RulePin:
		if r.Amount != 0 {
			verr.Add(0, "amount", "only boost and bury rules have an amount")
		}
	case "":
		verr.Add(0, "kind", "required (one of "+strings.Join(RuleKinds, ", ")+")")
	default:
		verr.Add(0, "kind", fmt.Sprintf("unknown kind %q (want one of %s)", r.Kind, strings.Join(RuleKinds, ", ")))
	}
	switch r.Kind {
	case RulePin:
		if r.ProductID == "" {
			verr.Add(0, "product_id", "required for a pin rule")
		} else if err := CheckProductID(r.ProductID); err != nil {
			verr.Add(0, "product_id", err.Error())
		}
		if r.Position < 1 || r.Position > MaxRulePosition {
			verr.Add(0, "position", fmt.Sprintf("must be between 1 and %d for a pin rule", MaxRulePosition))
		}
		if !r.Match.Empty() {
			verr.Add(0, "match", "a pin rule names its product in product_id, not a match")
		}
	case RuleBoost, RuleBury, RuleFilter:
		if r.Match.Empty() {
			verr.Add(0, "match", "required: at least one of brands, categories, ingredients, claims, product_ids")
		}
		if r.ProductID != "" {
			verr.Add(0, "product_id", "only pin rules have a product_id")
		}
		if r.Position != 0 {
			verr.Add(0, "position", "only pin rules have a position")
		}
	}
	if !r.From.IsZero() && !r.Until.IsZero() && !r.From.Before(r.Until) {
		verr.Add(0, "until", "must be after from")
	}
	return verr.Err()
}
