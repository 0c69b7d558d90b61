package ranker

import (
	"context"
	"sync"

	"github.com/sourcegraph/conc"

	"github.com/skingraph/skingraph/graph"
)

// The scoring works edge-first: instead of walking every product's label, each family walks
// only the reverse lists of the graph elements the profile touches (the ingredients that treat
// or aggravate its concerns, the products that claim them, the outcomes of its attributes) and
// adds each path's contribution to the product at its end. Families run concurrently with conc,
// each into its own score array; the prior is precomputed per projection. The explanations
// (explain.go) enumerate the same paths product by product, so a score always equals the sum of
// its reasons.

// checkEvery is how many edges a family walks between two checks of ctx.
const checkEvery = 1 << 16

// buffers are per-request arrays indexed by product or ingredient, pooled to spare the
// allocator (at Sephora scale the two ingredient arrays were 80 KB a request).
type buffers struct {
	fit      []float64 // concern fit and claims
	peer     []float64 // peer outcomes and safety
	excluded []bool
	ingFit   []float64 // by ingredient: what it brings to the asked concerns
	ingHarm  []float64 // by ingredient: how much it aggravates the profile
	// ingDirty[0] and [1] list the entries of ingFit and ingHarm compile may have written
	// (the projection's ingredients with TREATS, with AGGRAVATES edges); ingAllDirty says
	// any may have been. putBuffers clears them: pooled buffers hold zeros over their whole
	// capacity, so a request does not clear arrays as long as the ingredient vocabulary
	// (hundreds of thousands of names in a large catalogue's long tail).
	ingDirty    [2][]int32
	ingAllDirty bool
}

var bufferPool sync.Pool

// getBuffers returns buffers for n products and nI ingredients; excluded is cleared, the
// ingredient arrays are zero (putBuffers keeps them so), the score arrays are cleared by the
// goroutines that fill them.
func getBuffers(n, nI int) *buffers {
	b, _ := bufferPool.Get().(*buffers)
	if b == nil {
		b = &buffers{}
	}
	if cap(b.fit) < n {
		b.fit, b.peer, b.excluded = make([]float64, n), make([]float64, n), make([]bool, n)
	}
	if cap(b.ingFit) < nI {
		b.ingFit, b.ingHarm = make([]float64, nI), make([]float64, nI)
	}
	b.fit, b.peer, b.excluded = b.fit[:n], b.peer[:n], b.excluded[:n]
	b.ingFit, b.ingHarm = b.ingFit[:nI], b.ingHarm[:nI]
	clear(b.excluded)
	return b
}

// putBuffers clears the ingredient entries the request may have written and pools b.
func putBuffers(b *buffers) {
	if b.ingAllDirty {
		clear(b.ingFit[:cap(b.ingFit)])
		clear(b.ingHarm[:cap(b.ingHarm)])
	} else {
		for _, i := range b.ingDirty[0] {
			b.ingFit[i] = 0
		}
		for _, i := range b.ingDirty[1] {
			b.ingHarm[i] = 0
		}
	}
	b.ingDirty, b.ingAllDirty = [2][]int32{}, false
	bufferPool.Put(b)
}

// ingIndex lists, for one projection, the ingredients with TREATS edges and those with
// AGGRAVATES edges, ascending: compile visits only them (the knowledge base's few hundred)
// instead of every ingredient of the catalogue.
type ingIndex struct {
	proj               *graph.Projection
	treats, aggravates []int32
}

// ingredientsFor returns p's ingIndex, computing it once per projection.
func (r *Ranker) ingredientsFor(p *graph.Projection) *ingIndex {
	if c := r.ingCache.Load(); c != nil && c.proj == p {
		return c
	}
	c := &ingIndex{proj: p}
	for i := range p.Ingredients {
		if len(p.Treats(int32(i))) > 0 {
			c.treats = append(c.treats, int32(i))
		}
		if len(p.Aggravations(int32(i))) > 0 {
			c.aggravates = append(c.aggravates, int32(i))
		}
	}
	r.ingCache.Store(c)
	return c
}

// scoreFamilies fills buf with every family's contribution except prior and affinity, which
// the selection pass adds per candidate.
func (pl *plan) scoreFamilies(ctx context.Context, buf *buffers) error {
	var wg conc.WaitGroup
	var errFit, errPeer error
	wg.Go(func() {
		clear(buf.fit)
		errFit = pl.addConcernFit(ctx, buf.fit)
	})
	wg.Go(func() {
		clear(buf.peer)
		errPeer = pl.addPeerAndSafety(ctx, buf.peer)
	})
	wg.Wait()
	if errFit != nil {
		return errFit
	}
	return errPeer
}

// addConcernFit adds the concern-fit paths (walking ingredients by id, so a product's terms
// arrive in ingredient order, not in the label order explain lists them in: the sums agree to
// rounding, far inside the 1e-6 of the decomposition invariant), then the claim paths.
func (pl *plan) addConcernFit(ctx context.Context, out []float64) error {
	p, w := pl.proj, pl.params.Weights
	walked := 0
	if pl.concernIng != nil && w.ConcernFit != 0 {
		for _, i := range pl.treating {
			users, pos := p.UsedBy(i), p.UsedByPositions(i)
			for _, t := range p.Treats(i) {
				if pl.claimMask&(1<<uint(t.Concern)) == 0 {
					continue
				}
				base := w.ConcernFit * t.Efficacy * pl.params.Evidence[graph.EvidenceName(t.Evidence)]
				for k, x := range users {
					if pos[k] > 0 {
						out[x] += base * positionWeight(pos[k])
					}
				}
				if walked += len(users); walked >= checkEvery {
					if err := ctx.Err(); err != nil {
						return err
					}
					walked = 0
				}
			}
		}
	}
	if pl.claimMask != 0 && w.Claim != 0 {
		for _, c := range pl.concerns {
			for _, x := range p.ClaimedBy(c.ID) {
				out[x] += w.Claim
			}
		}
	}
	pl.addCoReview(out)
	pl.addItemItem(out)
	return ctx.Err()
}

// addPeerAndSafety adds the peer-outcome paths, then the safety paths.
func (pl *plan) addPeerAndSafety(ctx context.Context, out []float64) error {
	p, w := pl.proj, pl.params.Weights
	if w.PeerRating != 0 || w.PeerEffects != 0 || w.PeerVolume != 0 {
		for _, pa := range pl.peers {
			if l := pl.priors.peerList(pa.attr); l != nil {
				// The outcome terms precomputed for this projection, scaled: sequential
				// reads instead of a pointer chase and a logarithm per outcome, the same
				// value as peerTerm's to the bit.
				scale := pl.population * pa.weight
				for k, x := range l.products {
					out[x] += scale * l.base[k]
				}
				if err := ctx.Err(); err != nil {
					return err
				}
				continue
			}
			refs := p.OutcomesFor(pa.attr)
			for k, ref := range refs {
				out[ref.Product] += pl.peerTerm(*ref.Stats, pa.weight).total
				if k%checkEvery == checkEvery-1 {
					if err := ctx.Err(); err != nil {
						return err
					}
				}
			}
		}
	}
	if pl.safetyIng != nil && w.Safety != 0 {
		for _, i := range pl.aggravating {
			users, pos := p.UsedBy(i), p.UsedByPositions(i)
			for _, a := range p.Aggravations(i) {
				if !containsAttr(pl.harmTargets, a.Attr) {
					continue
				}
				base := -w.Safety * a.Severity
				for k, x := range users {
					pk := pos[k]
					if pk < 0 {
						pk = -pk
					}
					out[x] += base * positionWeight(pk)
				}
			}
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// priors caches, for one projection and the ranker's parameters, the per-product terms that
// do not depend on the request: the prior (rating, catalogue volume and recent volume) and the
// adverse-effect term for each skin type.
type priors struct {
	proj      *graph.Projection
	values    []float64   // the prior family, by product
	maxRecent float64     // the largest recent volume of any product
	recent    []float64   // the recent volume by product (recentVolume); nil when its weights are 0
	adverse   [][]float64 // by skin type id, by product; nil when Weights.PeerAdverse and AdverseExcess are 0
	recency   recencyScales
	trend     trendTerms
	// peers holds, for each skin attribute with outcomes, its products and their peer term at
	// attribute weight 1 and population 1 (peerBase); nil when the peer weights are all 0.
	peers map[graph.Attr]*peerList
}

// peerList is one attribute's outcomes flattened: products ascending, and their peerBase.
type peerList struct {
	products []int32
	base     []float64
}

// peerList returns attribute a's precomputed outcome terms; nil when there are none (or no
// priors yet: then addPeerAndSafety computes the terms itself).
func (c *priors) peerList(a graph.Attr) *peerList {
	if c == nil {
		return nil
	}
	return c.peers[a]
}

// computePeerLists flattens the outcomes of every skin type, skin tone and concern of the
// projection with their peer terms: O(outcomes), once per projection.
func (pl *plan) computePeerLists() map[graph.Attr]*peerList {
	out := map[graph.Attr]*peerList{}
	for _, kind := range []graph.AttrKind{graph.AttrSkinType, graph.AttrSkinTone, graph.AttrConcern} {
		for _, name := range kind.Vocabulary().Names() {
			a, ok := graph.AttrOf(kind, name)
			if !ok {
				continue
			}
			refs := pl.proj.OutcomesFor(a)
			if len(refs) == 0 {
				continue
			}
			l := &peerList{products: make([]int32, len(refs)), base: make([]float64, len(refs))}
			for k, ref := range refs {
				l.products[k] = ref.Product
				l.base[k] = pl.peerBase(pl.peerSmoothed(*ref.Stats))
			}
			out[a] = l
		}
	}
	return out
}

// priorsFor returns the per-product terms, computing them once per projection.
// There is one cache per kind of request (cold start, history, and concerns when
// Params.ConcernWeights is set): their weights differ.
func (r *Ranker) priorsFor(pl *plan) *priors {
	cache := &r.priorCache[0]
	switch {
	case pl.history:
		cache = &r.priorCache[1]
	case pl.concernSet:
		cache = &r.priorCache[2]
	}
	if c := cache.Load(); c != nil && c.proj == pl.proj {
		return c
	}
	n := len(pl.proj.Products)
	c := &priors{proj: pl.proj, values: make([]float64, n)}
	var recent []float64
	if pl.params.Weights.Recent != 0 || pl.params.Weights.RecentLinear != 0 {
		recent = make([]float64, n)
		for x := range recent {
			recent[x] = pl.recentVolume(int32(x))
			c.maxRecent = max(c.maxRecent, recent[x])
		}
	}
	c.recent = recent // the explanations read it rather than sum a product's reviews again
	scales := pl.computeRecencyScales(&c.recency)
	pl.computeTrend(&c.trend)
	for x := range c.values {
		c.values[x] = pl.prior(int32(x))
		if recent != nil {
			c.values[x] += pl.recentTerm(recent[x], c.maxRecent)
		}
		if scales != nil {
			c.values[x] += scales[x]
		}
		if c.trend.value != nil {
			c.values[x] += pl.params.Weights.Trend * c.trend.value[x]
		}
	}
	if pl.adverseOn() {
		c.adverse = make([][]float64, len(graph.SkinTypes.Names()))
		for id := range c.adverse {
			st := graph.Attr{Kind: graph.AttrSkinType, ID: int8(id)}
			c.adverse[id] = make([]float64, n)
			for x := range n {
				c.adverse[id][x] = pl.adverseTerm(pl.adverseRates(int32(x), st))
			}
		}
	}
	if w := pl.params.Weights; w.PeerRating != 0 || w.PeerEffects != 0 || w.PeerVolume != 0 {
		c.peers = pl.computePeerLists()
	}
	cache.Store(c)
	return c
}
