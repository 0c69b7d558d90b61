package graph

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// CoReviewMinRating is the lowest rating of a review that links its reviewer to the product in
// the co-review lists: 4, positive reviews only. On the validation week of the Sephora train
// month (docs/EVALUATION.md), co-reviews of any rating did better on their own (history
// NDCG@10 0.295 against 0.257) but worse within the engine (validation objective 0.3502
// against 0.3539 with the same weights), and the engine is what ships.
const CoReviewMinRating = 4

// CoReviewNeighbours is how many co-reviewed neighbours the projection keeps per product (the
// most similar ones), so that the co-review lists take at most 8 bytes × 32 per product
// (256 MB at 1M products, in practice far less: most products have few co-reviewers).
const CoReviewNeighbours = 32

// MaxReviewerFanout is the largest number of reviewed products a reviewer may have
// and still count in the co-review lists: a reviewer with n positives adds n·(n−1) pairs, so
// the build stays linear in the reviews; beyond it a reviewer says little about any one pair.
const MaxReviewerFanout = 500

// CoNeighbour is one entry of a product's co-review list: another product and the number of
// distinct reviewers who reviewed both (CoReviewMinRating).
type CoNeighbour struct {
	Product int32
	Co      int32
}

type rawReview struct {
	reviewer, product string
	rating            int
	at                time.Time
	skinType          string
}

// AddReview adds a REVIEWED edge: who reviewed which product, with what rating, when.
func (b *ProjectionBuilder) AddReview(reviewer, productID string, rating int, at time.Time) {
	b.AddTypedReview(reviewer, productID, rating, at, "")
}

// AddTypedReview is AddReview with the skin type the reviewer stated on the review ("" or a
// name outside graph.SkinTypes: none), kept for the positive reviews (PositiveReviewSkinTypes).
func (b *ProjectionBuilder) AddTypedReview(reviewer, productID string, rating int, at time.Time, skinType string) {
	b.reviews = append(b.reviews, rawReview{reviewer, productID, rating, at, skinType})
}

// reviewIndex is the review-level part of a projection: every review's age per product, the
// reviewer lists, and the co-review neighbour lists computed from them.
type reviewIndex struct {
	// LastReviewAt is when the most recent review of the projection was written (zero when
	// there is none); review ages are measured from it.
	lastReviewAt time.Time
	ageOff       []int32 // product x's review ages are ages[ageOff[x]:ageOff[x+1]], ascending
	ages         []int32 // seconds before lastReviewAt
	posAgeOff    []int32 // the same for the reviews rated CoReviewMinRating or more
	posAges      []int32
	posSkin      []int8 // parallel to posAges: the reviewer's skin type id on the review, -1 for none
	// reviewAt and posAt keep when each review was written (Unix nanoseconds), parallel to
	// ages and posAges: Apply (projection_apply.go) recomputes ages from them when the most
	// recent review changes, without reading the reviews again.
	reviewAt []int64
	posAt    []int64

	reviewerIDs []string // sorted; index = reviewer id
	fanout      []int32  // per reviewer, the number of products they reviewed (CoReviewMinRating)
	posOff      []int32  // product x's reviewers are posBy[posOff[x]:posOff[x+1]], ascending
	posBy       []int32

	coOff []int32 // product x's co-review neighbours are co[coOff[x]:coOff[x+1]], most similar first
	co    []CoNeighbour
}

// LastReviewAt returns when the most recent review of the projection was written (zero
// without reviews).
func (p *Projection) LastReviewAt() time.Time { return p.lastReviewAt }

// ReviewAges returns the ages of product x's reviews in seconds before LastReviewAt, ascending.
func (p *Projection) ReviewAges(x int32) []int32 {
	if p.ageOff == nil {
		return nil
	}
	return p.ages[p.ageOff[x]:p.ageOff[x+1]]
}

// PositiveReviewAges returns the ages of product x's reviews rated CoReviewMinRating (4) or
// more, in seconds before LastReviewAt, ascending.
func (p *Projection) PositiveReviewAges(x int32) []int32 {
	if p.posAgeOff == nil {
		return nil
	}
	return p.posAges[p.posAgeOff[x]:p.posAgeOff[x+1]]
}

// PositiveReviewSkinTypes returns, parallel to PositiveReviewAges(x), the skin type id
// (graph.SkinTypes, as Attr.ID) the reviewer stated on each review, -1 when none.
func (p *Projection) PositiveReviewSkinTypes(x int32) []int8 {
	if p.posAgeOff == nil {
		return nil
	}
	return p.posSkin[p.posAgeOff[x]:p.posAgeOff[x+1]]
}

// CoReviewers returns the distinct reviewers (indices for ReviewerID, ascending) who reviewed
// product x with a rating of CoReviewMinRating or more.
func (p *Projection) CoReviewers(x int32) []int32 {
	if p.posOff == nil {
		return nil
	}
	return p.posBy[p.posOff[x]:p.posOff[x+1]]
}

// ReviewerID returns the pseudonymous id of reviewer u.
func (p *Projection) ReviewerID(u int32) string { return p.reviewerIDs[u] }

// NumReviewers is the number of reviewers of the projection (indices 0..NumReviewers()-1).
func (p *Projection) NumReviewers() int { return len(p.reviewerIDs) }

// ReviewerFanout returns the number of products reviewer u reviewed with a rating of
// CoReviewMinRating or more; reviewers above MaxReviewerFanout count in no co-review list.
func (p *Projection) ReviewerFanout(u int32) int32 { return p.fanout[u] }

// CoReviewed returns product x's co-review neighbours: the at most CoReviewNeighbours products
// with the highest CoReviewSimilarity to x, most similar first, ties by product id.
func (p *Projection) CoReviewed(x int32) []CoNeighbour {
	if p.coOff == nil {
		return nil
	}
	return p.co[p.coOff[x]:p.coOff[x+1]]
}

// CoReviewSimilarity is the cosine of two products' reviewer sets, given the number
// of reviewers they share: co / sqrt(n_x · n_y).
func (p *Projection) CoReviewSimilarity(x, y int32, co int32) float64 {
	nx, ny := len(p.CoReviewers(x)), len(p.CoReviewers(y))
	if co == 0 || nx == 0 || ny == 0 {
		return 0
	}
	return float64(co) / math.Sqrt(float64(nx)*float64(ny))
}

// FirstCoReviewer returns the reviewer with the smallest id who reviewed both x and y and
// counts in the co-review lists (at most MaxReviewerFanout products); ok is
// false when there is none.
func (p *Projection) FirstCoReviewer(x, y int32) (int32, bool) {
	a, b := p.CoReviewers(x), p.CoReviewers(y)
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] == b[j]:
			if p.fanout[a[i]] <= MaxReviewerFanout {
				return a[i], true
			}
			i++
			j++
		case a[i] < b[j]:
			i++
		default:
			j++
		}
	}
	return 0, false
}

// buildReviews indexes the raw reviews: ages, reviewers, co-review neighbours.
// Reviews of unknown products are counted in skipped.
func (p *Projection) buildReviews(raw []rawReview, skipped *int) {
	nP := len(p.Products)
	type rev struct {
		x        int32
		reviewer string
		rating   int
		at       time.Time
		skin     int8
	}
	revs := make([]rev, 0, len(raw))
	for _, r := range raw {
		x, ok := p.productByID[r.product]
		if !ok {
			*skipped++
			continue
		}
		skin := int8(-1)
		if r.skinType != "" {
			if id, ok := SkinTypes.index(r.skinType); ok {
				skin = id
			}
		}
		revs = append(revs, rev{x, r.reviewer, r.rating, r.at, skin})
		if r.at.After(p.lastReviewAt) {
			p.lastReviewAt = r.at
		}
	}

	// Ages per product, ascending.
	ageCount := make([]int32, nP+1)
	for _, r := range revs {
		ageCount[r.x+1]++
	}
	p.ageOff = prefix(ageCount)
	type agedAt struct {
		age int32
		at  int64
	}
	all := make([]agedAt, len(revs))
	fill := append([]int32(nil), p.ageOff[:nP]...)
	for _, r := range revs {
		all[fill[r.x]] = agedAt{reviewAge(p.lastReviewAt, r.at), atNanos(r.at)}
		fill[r.x]++
	}
	p.ages, p.reviewAt = make([]int32, len(all)), make([]int64, len(all))
	for x := range nP {
		part := all[p.ageOff[x]:p.ageOff[x+1]]
		slices.SortFunc(part, func(a, b agedAt) int { return cmp.Or(cmp.Compare(a.age, b.age), cmp.Compare(b.at, a.at)) })
	}
	for k, a := range all {
		p.ages[k], p.reviewAt[k] = a.age, a.at
	}
	posAgeCount := make([]int32, nP+1)
	for _, r := range revs {
		if r.rating >= CoReviewMinRating {
			posAgeCount[r.x+1]++
		}
	}
	p.posAgeOff = prefix(posAgeCount)
	type agedSkin struct {
		age  int32
		skin int8
		at   int64
	}
	pos := make([]agedSkin, p.posAgeOff[nP])
	posFill := append([]int32(nil), p.posAgeOff[:nP]...)
	for _, r := range revs {
		if r.rating >= CoReviewMinRating {
			pos[posFill[r.x]] = agedSkin{reviewAge(p.lastReviewAt, r.at), r.skin, atNanos(r.at)}
			posFill[r.x]++
		}
	}
	p.posAges, p.posSkin = make([]int32, len(pos)), make([]int8, len(pos))
	for x := range nP {
		part := pos[p.posAgeOff[x]:p.posAgeOff[x+1]]
		// ascending age, then skin type id: a fixed order, so that sums over a skin type's
		// reviews add in the same order as the Cypher reference's (ORDER BY age)
		slices.SortFunc(part, func(a, b agedSkin) int {
			return cmp.Or(cmp.Compare(a.age, b.age), cmp.Compare(a.skin, b.skin), cmp.Compare(b.at, a.at))
		})
	}
	p.posAt = make([]int64, len(pos))
	for k, a := range pos {
		p.posAges[k], p.posSkin[k], p.posAt[k] = a.age, a.skin, a.at
	}

	// (reviewer, product) pairs rated CoReviewMinRating or more, distinct; reviewers indexed in
	// id order.
	// Distinct ids through a map, then sorted once: ids share long prefixes ("gen-u0001...")
	// and comparing them dominated the build when every review searched the sorted list.
	index := map[string]int32{}
	positives := 0
	for _, r := range revs {
		if r.rating >= CoReviewMinRating {
			index[r.reviewer] = 0
			positives++
		}
	}
	p.reviewerIDs = make([]string, 0, len(index))
	for id := range index {
		p.reviewerIDs = append(p.reviewerIDs, id)
	}
	slices.Sort(p.reviewerIDs)
	for u, id := range p.reviewerIDs {
		index[id] = int32(u)
	}
	type pair struct{ u, x int32 }
	pairs := make([]pair, 0, positives)
	for _, r := range revs {
		if r.rating >= CoReviewMinRating {
			pairs = append(pairs, pair{index[r.reviewer], r.x})
		}
	}
	slices.SortFunc(pairs, func(a, b pair) int { return cmp.Or(cmp.Compare(a.u, b.u), cmp.Compare(a.x, b.x)) })
	pairs = slices.Compact(pairs)
	// By reviewer (pairs are sorted by reviewer), and by product.
	byOff := make([]int32, len(p.reviewerIDs)+1)
	byProducts := make([]int32, len(pairs))
	posCount := make([]int32, nP+1)
	for k, pr := range pairs {
		byOff[pr.u+1]++
		byProducts[k] = pr.x
		posCount[pr.x+1]++
	}
	prefix(byOff)
	p.fanout = make([]int32, len(p.reviewerIDs))
	for u := range p.fanout {
		p.fanout[u] = byOff[u+1] - byOff[u]
	}
	p.posOff = prefix(posCount)
	p.posBy = make([]int32, len(pairs))
	fill = append(fill[:0], p.posOff[:nP]...)
	for _, pr := range pairs { // sorted by reviewer, so each product's list ascends
		p.posBy[fill[pr.x]] = pr.u
		fill[pr.x]++
	}
	p.buildCoReviews(byOff, byProducts)
}

// buildCoReviews keeps, for every product, its CoReviewNeighbours most similar co-reviewed
// products. It counts co-reviews product by product in one scratch array, so the work is the
// number of (product, reviewer, other product) triples and the memory one array per product.
func (p *Projection) buildCoReviews(byOff, byProducts []int32) {
	nP := len(p.Products)
	c := newCoCounter(nP)
	p.coOff = make([]int32, nP+1)
	p.co = nil
	for x := range int32(nP) {
		p.co = append(p.co, p.coReviewList(x, byOff, byProducts, c)...)
		p.coOff[x+1] = int32(len(p.co))
	}
	p.co = slices.Clip(p.co)
}

// coCounter is the scratch space of coReviewList.
type coCounter struct {
	counts  []int32
	touched []int32
	cands   []coCand
	out     []CoNeighbour
}

type coCand struct {
	n   CoNeighbour
	sim float64
}

func newCoCounter(nP int) *coCounter { return &coCounter{counts: make([]int32, nP)} }

// coReviewList returns product x's co-review neighbours (in c's scratch: copy before the next
// call), given every reviewer's products (byProducts[byOff[u]:byOff[u+1]], ascending).
func (p *Projection) coReviewList(x int32, byOff, byProducts []int32, c *coCounter) []CoNeighbour {
	c.touched = c.touched[:0]
	for _, u := range p.CoReviewers(x) {
		others := byProducts[byOff[u]:byOff[u+1]]
		if len(others) > MaxReviewerFanout {
			continue
		}
		for _, y := range others {
			if y == x {
				continue
			}
			if c.counts[y] == 0 {
				c.touched = append(c.touched, y)
			}
			c.counts[y]++
		}
	}
	c.cands = c.cands[:0]
	for _, y := range c.touched {
		n := CoNeighbour{Product: y, Co: c.counts[y]}
		c.cands = append(c.cands, coCand{n, p.CoReviewSimilarity(x, y, n.Co)})
		c.counts[y] = 0
	}
	slices.SortFunc(c.cands, func(a, b coCand) int {
		return cmp.Or(cmp.Compare(b.sim, a.sim), cmp.Compare(a.n.Product, b.n.Product))
	})
	c.out = c.out[:0]
	for _, cd := range c.cands[:min(len(c.cands), CoReviewNeighbours)] {
		c.out = append(c.out, cd.n)
	}
	return c.out
}

// reviewAge is a review's age in whole seconds before last, at most math.MaxInt32.
func reviewAge(last, at time.Time) int32 {
	return int32(min(last.Sub(at)/time.Second, math.MaxInt32))
}

// noTime stands for a review without a time in reviewAt and posAt.
const noTime = math.MinInt64

// atNanos encodes a review time for reviewAt and posAt; timeOf decodes it.
func atNanos(t time.Time) int64 {
	if t.IsZero() {
		return noTime
	}
	return t.UnixNano()
}

func timeOf(n int64) time.Time {
	if n == noTime {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
