package ranker

import (
	"context"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/sourcegraph/conc"
	"github.com/sourcegraph/conc/pool"

	"github.com/skingraph/skingraph/graph"
)

// A request's score is linear in the attributes of its profile: each skin type, skin tone and
// concern adds its own paths (peer outcomes, concern fit, claims, safety), weighted by the
// request's kind only. So the per-request work does not walk edges: for each kind of request
// (the priors cache), each attribute's contribution to every product is computed once per
// projection, the first time a request names it (or ahead of time: Ranker.Prepare), and a
// request adds a few precomputed vectors.
//
//   - base vectors (plan.base), one dense vector per skin type (and one for "none"): the
//     population-scaled prior, the adverse term and the peer recency of that skin type, its
//     peer outcomes and its safety paths. The selection pass reads it beside the request's
//     accumulator.
//   - attrTerms (plan.attrTerms), one sparse vector per skin tone and concern: its peer
//     outcomes, and for a concern its concern-fit, claim and safety paths. A request adds them
//     into its accumulator.
//
// The explanations (explain.go) still enumerate each product's paths one by one, so a score
// equals the sum of its reasons to rounding (the sums are grouped by attribute here, by
// product there), far inside the 1e-6 of the decomposition invariant.

// attrTerms is one attribute's contribution, by product: products ascending, their values.
type attrTerms struct {
	products []int32
	values   []float64
}

// profileTerms holds a priors cache's lazily computed per-attribute vectors. Each slot is
// filled once, by the first request that needs it; requests that need it meanwhile wait for
// that one computation instead of repeating it (at 1M products one takes tens of ms).
type profileTerms struct {
	bases []once[[]float64]                // index 0: no skin type; skin type id+1
	attrs map[graph.Attr]*once[*attrTerms] // every skin tone and concern; read-only map
}

// once is a value computed by the first get, which every later get returns.
type once[T any] struct {
	done atomic.Bool
	mu   sync.Mutex
	v    T
}

// get returns the value, computing it with f the first time.
func (o *once[T]) get(f func() T) T {
	if o.done.Load() {
		return o.v
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.done.Load() {
		o.v = f()
		o.done.Store(true)
	}
	return o.v
}

func newProfileTerms() profileTerms {
	t := profileTerms{
		bases: make([]once[[]float64], len(graph.SkinTypes.Names())+1),
		attrs: map[graph.Attr]*once[*attrTerms]{},
	}
	for _, kind := range []graph.AttrKind{graph.AttrSkinTone, graph.AttrConcern} {
		for _, name := range kind.Vocabulary().Names() {
			if a, ok := graph.AttrOf(kind, name); ok {
				t.attrs[a] = &once[*attrTerms]{}
			}
		}
	}
	return t
}

// prepareTerms computes the plan's base vector and attribute terms not computed yet,
// concurrently: the edge walks of a projection's first requests.
func (pl *plan) prepareTerms() {
	var wg conc.WaitGroup
	if !pl.priors.terms.bases[pl.baseSlot()].done.Load() {
		wg.Go(func() { pl.base() })
	}
	for _, pa := range pl.peers {
		if o := pl.priors.terms.attrs[pa.attr]; o != nil && !o.done.Load() {
			wg.Go(func() { pl.attrTerms(pa.attr) })
		}
	}
	wg.Wait()
}

func (pl *plan) baseSlot() int {
	if pl.skinType != nil {
		return int(pl.skinType.ID) + 1
	}
	return 0
}

// base returns the dense per-product terms of the plan's skin type (or of none).
func (pl *plan) base() []float64 {
	return pl.priors.terms.bases[pl.baseSlot()].get(pl.computeBase)
}

// computeBase sums, for every product, the terms the plan's skin type decides: the prior, the
// adverse term, the peer recency, then the skin type's peer outcomes and safety paths.
func (pl *plan) computeBase() []float64 {
	pri := pl.priors
	out := make([]float64, len(pri.values))
	for x, v := range pri.values {
		out[x] = pl.population * v
	}
	if pl.skinType == nil {
		return out
	}
	st := *pl.skinType
	if pri.adverse != nil {
		for x, v := range pri.adverse[st.ID] {
			out[x] += v
		}
	}
	if pri.recency.peer != nil {
		for x, v := range pri.recency.peer[st.ID] {
			out[x] += pl.population * v
		}
	}
	pl.addPeer(out, st, pl.params.AttrWeight.SkinType)
	pl.addSafety(out, st)
	return out
}

// attrTerms returns the sparse terms of skin tone or concern a; nil when a adds nothing.
func (pl *plan) attrTerms(a graph.Attr) *attrTerms {
	o := pl.priors.terms.attrs[a]
	if o == nil {
		return nil
	}
	return o.get(func() *attrTerms { return pl.computeAttrTerms(a) })
}

// computeAttrTerms sums attribute a's paths into a dense scratch vector (concern fit, claims,
// peer outcomes, safety, in that order) and keeps its non-zero entries.
func (pl *plan) computeAttrTerms(a graph.Attr) *attrTerms {
	p := pl.proj
	dense := make([]float64, len(p.Products))
	switch a.Kind {
	case graph.AttrSkinTone:
		pl.addPeer(dense, a, pl.params.AttrWeight.SkinTone)
	case graph.AttrConcern:
		pl.addConcernFit(dense, a)
		pl.addClaims(dense, a)
		pl.addPeer(dense, a, pl.params.AttrWeight.Concern)
		pl.addSafety(dense, a)
	}
	t := &attrTerms{}
	for x, v := range dense {
		if v != 0 {
			t.products = append(t.products, int32(x))
			t.values = append(t.values, v)
		}
	}
	return t
}

// addConcernFit adds the concern-fit paths to concern c: each ingredient that treats c, for
// each product listing it (not as "may contain"), by its label position.
func (pl *plan) addConcernFit(out []float64, c graph.Attr) {
	p, w := pl.proj, pl.params.Weights
	if w.ConcernFit == 0 {
		return
	}
	for _, i := range pl.ingredientIndex().treats {
		for _, t := range p.Treats(i) {
			if t.Concern == c.ID {
				pl.addLabelPaths(out, i, w.ConcernFit*t.Efficacy*pl.params.Evidence[graph.EvidenceName(t.Evidence)], false)
			}
		}
	}
}

// addClaims adds the claim paths to concern c.
func (pl *plan) addClaims(out []float64, c graph.Attr) {
	if w := pl.params.Weights.Claim; w != 0 {
		for _, x := range pl.proj.ClaimedBy(c.ID) {
			out[x] += w
		}
	}
}

// addPeer adds the peer-outcome paths of attribute a at attribute weight attrWeight.
func (pl *plan) addPeer(out []float64, a graph.Attr, attrWeight float64) {
	if l := pl.priors.peerList(a); l != nil {
		scale := pl.population * attrWeight
		for k, x := range l.products {
			out[x] += scale * l.base[k]
		}
	}
}

// addSafety adds the safety paths to attribute a: each ingredient that aggravates a, for each
// product listing it (a "may contain" too), by its label position.
func (pl *plan) addSafety(out []float64, a graph.Attr) {
	p, w := pl.proj, pl.params.Weights
	if w.Safety == 0 {
		return
	}
	for _, i := range pl.ingredientIndex().aggravates {
		for _, ag := range p.Aggravations(i) {
			if ag.Attr == a {
				pl.addLabelPaths(out, i, -w.Safety*ag.Severity, true)
			}
		}
	}
}

// addLabelPaths adds base · positionWeight(position) to each product whose label lists
// ingredient i. A "may contain" entry (a negative position) counts at its position's absolute
// value when withMayContain, not at all otherwise.
func (pl *plan) addLabelPaths(out []float64, i int32, base float64, withMayContain bool) {
	users, pos := pl.proj.UsedBy(i), pl.proj.UsedByPositions(i)
	for k, x := range users {
		pk := pos[k]
		if pk < 0 {
			if !withMayContain {
				continue
			}
			pk = -pk
		}
		out[x] += base * positionWeight(pk)
	}
}

// Prepare computes, for proj, every per-projection term requests read: the priors of each
// kind of request (cold start, history, and the concern set when there is one) and, for each,
// the base vector of every skin type and the terms of every skin tone and concern, several at
// a time. The first requests on proj then find them ready instead of waiting for them (at 1M
// products they take seconds). The engine calls it before it serves its first projection.
func (r *Ranker) Prepare(ctx context.Context, proj *graph.Projection) {
	if proj == nil || len(proj.Products) == 0 {
		return
	}
	kinds := []Request{
		{Limit: 1}, // cold start
		{Profile: Profile{LikedProducts: []string{proj.Products[0].ID}}, Limit: 1}, // history
	}
	if r.params.ConcernWeights != nil {
		kinds = append(kinds, Request{Profile: Profile{Concerns: graph.Concerns.Names()[:1]}, Limit: 1})
	}
	work := pool.New().WithMaxGoroutines(runtime.GOMAXPROCS(0))
	for _, req := range kinds {
		buf := getBuffers(len(proj.Products), len(proj.Ingredients))
		pl := compile(proj, nil, r.params, req, buf, r.ingredientsFor(proj))
		pl.priors = r.priorsFor(pl)
		putBuffers(buf) // the terms read the plan's parameters and priors, not its buffers
		pl.excluded, pl.hidden, pl.concernIng, pl.safetyIng = nil, nil, nil, nil
		for slot := range pl.priors.terms.bases {
			q := *pl
			q.skinType = nil
			if slot > 0 {
				q.skinType = &graph.Attr{Kind: graph.AttrSkinType, ID: int8(slot - 1)}
			}
			if ctx.Err() == nil { // a cancelled ctx stops scheduling; requests compute the rest
				work.Go(func() { q.base() })
			}
		}
		for a := range pl.priors.terms.attrs {
			if ctx.Err() == nil {
				work.Go(func() { pl.attrTerms(a) })
			}
		}
	}
	work.Wait()
}
