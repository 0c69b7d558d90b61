package ranker

import (
	"time"

	"github.com/skingraph/skingraph/graph"
)

// Experiments (graph.Experiment) rank each variant with its own weights and rules. The API
// assigns a request to a variant (Engine.Assign) and names the variant's effect in
// Request.Variant; the ranker then
//
//   - ranks with a child Ranker whose weights are the base weights times the variant's
//     multipliers (every weight set: cold start, concern and history), with its own per-projection caches;
//   - applies the rules the variant names. A rule named by any experiment of the projection
//     is an experiment's rule: it applies to no request outside a variant that names it.
//
// Both are resolved once per projection, with the rules (ruleSet.variants).

// variantSet is one effective variant of a projection's experiments.
type variantSet struct {
	ranker *Ranker         // nil when the variant scales no weight
	rules  map[string]bool // the rule ids it names
}

// scaleWeights returns p with the named weights multiplied (graph.ExperimentWeights names).
func scaleWeights(p Params, scales map[string]float64) Params {
	sets := []*Weights{&p.Weights, &p.HistoryWeights}
	if p.ConcernWeights != nil {
		p.SetConcernWeights(*p.ConcernWeights) // a copy: the base Params keep theirs
		sets = append(sets, p.ConcernWeights)
	}
	for _, w := range sets {
		for name, f := range scales {
			if field := weightByName(w, name); field != nil {
				*field *= f
			}
		}
	}
	return p
}

// weightByName returns the weight of w with a JSON name of graph.ExperimentWeights; nil for
// another name.
func weightByName(w *Weights, name string) *float64 {
	switch name {
	case "concern_fit":
		return &w.ConcernFit
	case "claim":
		return &w.Claim
	case "peer_rating":
		return &w.PeerRating
	case "peer_effects":
		return &w.PeerEffects
	case "peer_volume":
		return &w.PeerVolume
	case "peer_adverse":
		return &w.PeerAdverse
	case "safety":
		return &w.Safety
	case "affinity":
		return &w.Affinity
	case "prior":
		return &w.Prior
	case "co_review":
		return &w.CoReview
	case "recent":
		return &w.Recent
	case "recent_linear":
		return &w.RecentLinear
	}
	return nil
}

// compileVariants resolves the effective variants of p's experiments for r, and marks the
// rules that experiments name.
func (r *Ranker) compileVariants(rs *ruleSet) {
	p := rs.proj
	if len(p.Experiments) == 0 {
		return
	}
	named := map[string]bool{}
	rs.variants = map[string]*variantSet{}
	for i := range p.Experiments {
		e := &p.Experiments[i]
		for j := range e.Variants {
			v := &e.Variants[j]
			for _, id := range v.RuleIDs {
				named[id] = true
			}
			key := e.VariantKey(j)
			if key == "" {
				continue
			}
			vs := &variantSet{rules: map[string]bool{}}
			for _, id := range v.RuleIDs {
				vs.rules[id] = true
			}
			if len(v.Weights) > 0 {
				params := scaleWeights(r.params, v.Weights)
				if params.Validate() == nil {
					vs.ranker = &Ranker{params: params, now: r.now, base: r}
				}
			}
			rs.variants[key] = vs
		}
	}
	for i := range rs.rules {
		rs.rules[i].experimental = named[rs.rules[i].rule.ID]
	}
}

// variantRanker returns the ranker of req's variant on p: r itself unless the variant scales
// weights.
func (r *Ranker) variantRanker(p *graph.Projection, req Request) *Ranker {
	if req.Variant == "" || r.base != nil {
		return r
	}
	if vs := r.rulesFor(p).variants[req.Variant]; vs != nil && vs.ranker != nil {
		return vs.ranker
	}
	return r
}

// Assignment is the experiment variant of one request.
type Assignment struct {
	Experiment string // "" when no experiment is in force
	Variant    string // the variant's name
	Key        string // the variant's effect (Request.Variant)
}

// Assign assigns a request with assignment unit unit (the client's assignment_id, "" for
// none) to a variant of the experiment in force at t on the current snapshot.
func (e *Engine) Assign(unit string, t time.Time) Assignment {
	s := e.snap.Load()
	if s == nil {
		return Assignment{}
	}
	x := graph.ActiveExperiment(s.Projection.Experiments, t)
	if x == nil {
		return Assignment{}
	}
	i := x.Assign(unit)
	return Assignment{Experiment: x.ID, Variant: x.Variants[i].Name, Key: x.VariantKey(i)}
}
