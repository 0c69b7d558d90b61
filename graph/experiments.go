package graph

import (
	"fmt"
	"hash/fnv"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Experiment is an A/B test of the ranking (an (:Experiment) node): while it is in force
// ([From, Until)), each recommendation request is assigned to one of its Variants by a stable
// hash of the experiment id and the request's assignment unit (the client's assignment_id:
// a pseudonymous profile id or a session id); a request without a unit gets the control, the
// first variant. At most one experiment is in force at a time: periods of two experiments may
// not overlap (the store refuses it with a conflict).
type Experiment struct {
	ID       string
	Name     string
	From     time.Time // zero = unbounded
	Until    time.Time // zero = unbounded
	Variants []Variant // the first is the control
	// Revision counts the experiment's writes (1 when created); it is its ETag.
	Revision             int64
	CreatedBy, UpdatedBy string
	CreatedAt, UpdatedAt time.Time
}

// Variant is one arm of an experiment: its share of the traffic and what it changes.
type Variant struct {
	Name  string
	Share int // percent of the traffic; the shares of an experiment sum to 100
	// Weights multiply ranking weights by name (ExperimentWeights): 1.5 makes a family count
	// half as much again, in cold-start, concern and history requests alike (every weight set).
	Weights map[string]float64
	// RuleIDs are merchandising rules that apply to this variant only: a rule named by any
	// experiment applies to no request outside a variant that names it.
	RuleIDs []string
}

// ExperimentWeights are the ranking weights a variant may scale (the JSON names of
// ranker.Weights), with the bounds of each multiplier. Safety cannot be weakened by an
// experiment.
var ExperimentWeights = map[string][2]float64{
	"concern_fit":   {0, MaxWeightScale},
	"claim":         {0, MaxWeightScale},
	"peer_rating":   {0, MaxWeightScale},
	"peer_effects":  {0, MaxWeightScale},
	"peer_volume":   {0, MaxWeightScale},
	"peer_adverse":  {0, MaxWeightScale},
	"safety":        {1, MaxWeightScale},
	"affinity":      {0, MaxWeightScale},
	"prior":         {0, MaxWeightScale},
	"co_review":     {0, MaxWeightScale},
	"recent":        {0, MaxWeightScale},
	"recent_linear": {0, MaxWeightScale},
}

// Bounds of an experiment.
const (
	MaxWeightScale      = 10
	MaxVariants         = 10
	MaxExperimentName   = 100
	MaxAssignmentIDLen  = 128
	ControlVariantIndex = 0
)

var variantName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,31}$`)

// Effective reports whether the variant changes the ranking (weights or rules).
func (v *Variant) Effective() bool { return len(v.Weights) > 0 || len(v.RuleIDs) > 0 }

// ActiveAt reports whether the experiment is in force at t.
func (e *Experiment) ActiveAt(t time.Time) bool {
	return (e.From.IsZero() || !t.Before(e.From)) && (e.Until.IsZero() || t.Before(e.Until))
}

// Overlaps reports whether the periods of two experiments share an instant.
func (e *Experiment) Overlaps(o *Experiment) bool {
	// [a1, a2) and [b1, b2) overlap when a1 < b2 and b1 < a2 (zero = unbounded).
	before := func(a, b time.Time) bool { return a.IsZero() || b.IsZero() || a.Before(b) }
	return before(e.From, o.Until) && before(o.From, e.Until)
}

// Assign returns the index of the variant of unit: the control (0) when unit is empty, else
// the variant whose share holds the FNV-1a hash of the experiment id and unit modulo 100.
func (e *Experiment) Assign(unit string) int {
	if unit == "" || len(e.Variants) == 0 {
		return ControlVariantIndex
	}
	h := fnv.New64a()
	h.Write([]byte(e.ID))
	h.Write([]byte{0})
	h.Write([]byte(unit))
	bucket := int(h.Sum64() % 100)
	for i, v := range e.Variants {
		if bucket < v.Share {
			return i
		}
		bucket -= v.Share
	}
	return len(e.Variants) - 1 // shares below 100 (never stored): the rest to the last
}

// VariantKey names a variant's effect on the ranking, for cache keys and the ranker: "" when
// it changes nothing (such a variant ranks like a request outside any experiment), else the
// experiment id and the variant name.
func (e *Experiment) VariantKey(i int) string {
	if i < 0 || i >= len(e.Variants) || !e.Variants[i].Effective() {
		return ""
	}
	return e.ID + "/" + e.Variants[i].Name
}

// ActiveExperiment returns the experiment of list in force at t; nil when there is none.
func ActiveExperiment(list []Experiment, t time.Time) *Experiment {
	for i := range list {
		if list[i].ActiveAt(t) {
			return &list[i]
		}
	}
	return nil
}

// CheckAssignmentID says what is wrong with a client's assignment id, or returns "".
func CheckAssignmentID(id string) string {
	if utf8.RuneCountInString(id) > MaxAssignmentIDLen {
		return fmt.Sprintf("must hold at most %d characters", MaxAssignmentIDLen)
	}
	for _, r := range id {
		if r < ' ' || r == 0x7f {
			return "must not hold control characters"
		}
	}
	return ""
}

// Validate checks an experiment as written by a merchandiser (names are taken as given, not
// canonicalised); every bad field is named (JSON paths of the API's experiment document) in a
// *ValidationError. Whether the rules a variant
// names exist is the store's check.
func (e *Experiment) Validate() error {
	verr := &ValidationError{}
	if strings.TrimSpace(e.Name) == "" {
		verr.Add(0, "name", "required")
	} else if len([]rune(e.Name)) > MaxExperimentName {
		verr.Add(0, "name", fmt.Sprintf("at most %d characters", MaxExperimentName))
	}
	if !e.From.IsZero() && !e.Until.IsZero() && !e.From.Before(e.Until) {
		verr.Add(0, "until", "must be after from")
	}
	switch n := len(e.Variants); {
	case n < 2:
		verr.Add(0, "variants", "at least two variants: the control first, then the variants tried")
	case n > MaxVariants:
		verr.Add(0, "variants", fmt.Sprintf("at most %d variants", MaxVariants))
	}
	total := 0
	seen := map[string]int{}
	for i, v := range e.Variants {
		f := func(name string) string { return fmt.Sprintf("variants[%d].%s", i, name) }
		switch {
		case v.Name == "":
			verr.Add(0, f("name"), "required")
		case !variantName.MatchString(v.Name):
			verr.Add(0, f("name"), "1 to 32 lower-case letters, digits, '-' or '_', starting with a letter or digit")
		default:
			if j, dup := seen[v.Name]; dup {
				verr.Add(0, f("name"), fmt.Sprintf("repeats the name of variants[%d]", j))
			}
			seen[v.Name] = i
		}
		if v.Share < 1 || v.Share > 100 {
			verr.Add(0, f("share"), "must be a whole percentage from 1 to 100")
		}
		total += v.Share
		names := make([]string, 0, len(v.Weights))
		for k := range v.Weights {
			names = append(names, k)
		}
		slices.Sort(names)
		for _, k := range names {
			bounds, ok := ExperimentWeights[k]
			if !ok {
				verr.Add(0, f("weights."+k), "unknown weight; known: "+strings.Join(experimentWeightNames(), ", "))
				continue
			}
			if x := v.Weights[k]; math.IsNaN(x) || x < bounds[0] || x > bounds[1] {
				verr.Add(0, f("weights."+k), fmt.Sprintf("a multiplier from %g to %g", bounds[0], bounds[1]))
			}
		}
		if len(v.RuleIDs) > MaxRuleList {
			verr.Add(0, f("rule_ids"), fmt.Sprintf("at most %d entries", MaxRuleList))
		}
		for j, id := range v.RuleIDs {
			if strings.TrimSpace(id) == "" {
				verr.Add(0, fmt.Sprintf("variants[%d].rule_ids[%d]", i, j), "must not be empty")
			}
		}
	}
	if len(e.Variants) >= 2 && total != 100 {
		verr.Add(0, "variants", fmt.Sprintf("the shares must sum to 100, got %d", total))
	}
	return verr.Err()
}

func experimentWeightNames() []string {
	out := make([]string, 0, len(ExperimentWeights))
	for k := range ExperimentWeights {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// A recommendation id is "rec." and 24 hex digits (random), followed, when the answer came
// from an experiment, by "." and the experiment id and "." and the variant name. Clients keep
// it opaque; events that carry it are attributed to that experiment and variant.
const recommendationPrefix = "rec."

// RecommendationID builds the id of one answer from 12 random bytes and its assignment
// (experiment "" when no experiment is in force).
func RecommendationID(nonce [12]byte, experiment, variant string) string {
	const hexDigits = "0123456789abcdef"
	b := make([]byte, 0, len(recommendationPrefix)+24+2+len(experiment)+len(variant))
	b = append(b, recommendationPrefix...)
	for _, c := range nonce {
		b = append(b, hexDigits[c>>4], hexDigits[c&15])
	}
	if experiment != "" {
		b = append(b, '.')
		b = append(b, experiment...)
		b = append(b, '.')
		b = append(b, variant...)
	}
	return string(b)
}

// ParseRecommendationID returns the experiment and variant a recommendation id names ("" for
// an answer outside any experiment); ok is false when s is not a recommendation id.
func ParseRecommendationID(s string) (experiment, variant string, ok bool) {
	if len(s) > MaxAssignmentIDLen || !strings.HasPrefix(s, recommendationPrefix) {
		return "", "", false
	}
	parts := strings.Split(s[len(recommendationPrefix):], ".")
	if len(parts[0]) != 24 || strings.Trim(parts[0], "0123456789abcdef") != "" {
		return "", "", false
	}
	switch len(parts) {
	case 1:
		return "", "", true
	case 3:
		if !experimentID.MatchString(parts[1]) || !variantName.MatchString(parts[2]) {
			return "", "", false
		}
		return parts[1], parts[2], true
	}
	return "", "", false
}

var experimentID = regexp.MustCompile(`^exp_[0-9a-f]{16}$`)
