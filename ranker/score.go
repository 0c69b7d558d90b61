package ranker

import (
	"context"
	"sync"

	"github.com/skingraph/skingraph/graph"
)

// The scoring works edge-first: instead of walking every product's label, each family walks
// only the reverse lists of the graph elements the profile touches (the ingredients that treat
// or aggravate its concerns, the products that claim them, the outcomes of its attributes) and
// adds each path's contribution to the product at its end. The walks of one attribute do not
// depend on the rest of the request, so they run once per projection and kind of request, the
// first time a request names the attribute, concurrently with conc (terms.go); a request adds
// the precomputed vectors. The explanations (explain.go) enumerate the same paths product by
// product, so a score always equals the sum of its reasons.

// checkEvery is how many edges a family walks between two checks of ctx.
const checkEvery = 1 << 16

// buffers are per-request arrays indexed by product or ingredient, pooled to spare the
// allocator (at Sephora scale the two ingredient arrays were 80 KB a request).
type buffers struct {
	acc      []float64 // the request's families beyond its base vector (scoreFamilies)
	excluded []bool    // excluded with a reason: an avoided or aggravating ingredient, a rule
	hidden   []bool    // liked or disliked: never recommended, never reported
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

// getBuffers returns buffers for n products and nI ingredients; excluded and hidden are
// cleared, the ingredient arrays are zero (putBuffers keeps them so), acc is cleared by
// scoreFamilies.
func getBuffers(n, nI int) *buffers {
	b, _ := bufferPool.Get().(*buffers)
	if b == nil {
		b = &buffers{}
	}
	if cap(b.acc) < n {
		b.acc, b.excluded, b.hidden = make([]float64, n), make([]bool, n), make([]bool, n)
	}
	if cap(b.ingFit) < nI {
		b.ingFit, b.ingHarm = make([]float64, nI), make([]float64, nI)
	}
	b.acc, b.excluded, b.hidden = b.acc[:n], b.excluded[:n], b.hidden[:n]
	b.ingFit, b.ingHarm = b.ingFit[:nI], b.ingHarm[:nI]
	clear(b.excluded)
	clear(b.hidden)
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
	c := newIngIndex(p)
	r.ingCache.Store(c)
	return c
}

// newIngIndex lists p's ingredients with TREATS and with AGGRAVATES edges.
func newIngIndex(p *graph.Projection) *ingIndex {
	c := &ingIndex{proj: p}
	for i := range p.Ingredients {
		if len(p.Treats(int32(i))) > 0 {
			c.treats = append(c.treats, int32(i))
		}
		if len(p.Aggravations(int32(i))) > 0 {
			c.aggravates = append(c.aggravates, int32(i))
		}
	}
	return c
}

// ingredientIndex returns the projection's ingIndex the plan was compiled with, or a new one
// when it was compiled without (the per-attribute terms walk only those ingredients).
func (pl *plan) ingredientIndex() *ingIndex {
	if pl.ingIdx != nil && pl.ingIdx.proj == pl.proj {
		return pl.ingIdx
	}
	return newIngIndex(pl.proj)
}

// scoreFamilies adds to buf.acc every family's contribution except those of the plan's base
// vector (prior, adverse, peer recency, the skin type's peer and safety paths) and affinity,
// which the selection pass adds per candidate: the precomputed terms of the profile's skin tone
// and concerns (terms.go), then the co-review and item-item paths of its liked products.
func (pl *plan) scoreFamilies(ctx context.Context, buf *buffers) error {
	pl.prepareTerms()
	clear(buf.acc)
	for _, pa := range pl.peers {
		if pa.attr.Kind == graph.AttrSkinType {
			continue // in the base vector
		}
		if t := pl.attrTerms(pa.attr); t != nil {
			for k, x := range t.products {
				buf.acc[x] += t.values[k]
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	pl.addCoReview(buf.acc)
	pl.addItemItem(buf.acc)
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
	terms profileTerms // each profile attribute's terms, filled as requests name them
}

// peerList is one attribute's outcomes flattened: products ascending, and their peerBase.
type peerList struct {
	products []int32
	base     []float64
}

// peerList returns attribute a's precomputed outcome terms; nil when there are none (or no
// priors yet: then addPeer adds nothing, as every peer weight is 0).
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
	kind := 0
	switch {
	case pl.history:
		kind = 1
	case pl.concernSet:
		kind = 2
	}
	cache := &r.priorCache[kind]
	if c := cache.Load(); c != nil && c.proj == pl.proj {
		return c
	}
	// One computation per kind at a time: the requests that arrive meanwhile (the first ones
	// on a new projection) wait for it rather than repeat it.
	r.priorMu[kind].Lock()
	defer r.priorMu[kind].Unlock()
	if c := cache.Load(); c != nil && c.proj == pl.proj {
		return c
	}
	n := len(pl.proj.Products)
	c := &priors{proj: pl.proj, values: make([]float64, n), terms: newProfileTerms()}
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
