package ranker

import (
	"cmp"
	"fmt"
	"slices"
	"sync"

	lru "github.com/hashicorp/golang-lru/v2"
	"gonum.org/v1/gonum/mat"

	"github.com/skingraph/skingraph/graph"
)

// MaxItemItemProducts bounds the item-item model: it is fitted over at most this many
// products, those with the most positive reviewers (ties by index). The fit inverts a dense
// matrix of that order (O(n³) time, 8·n² bytes): about a second and 32 MB at 2,000, once per
// projection and Params.ItemItemLambda. The Sephora skincare catalogue has 2,420 products,
// fewer than 1,500 of them with a positive review in two months.
const MaxItemItemProducts = 2000

// ItemNeighbour is one learned item-item weight: people who liked the row's product went on to
// like Product, with weight Weight (EASE^R's B[row, Product]); Co is the number of reviewers
// who rated both graph.CoReviewMinRating or more (at least 1: the weight has a path).
type ItemNeighbour struct {
	Product int32
	Weight  float64
	Co      int32
}

// itemItemModel holds, by product index, the product's learned neighbours: the at most
// graph.CoReviewNeighbours products with the largest positive B weight among those that share
// a positive reviewer with it, largest first, ties by product id.
type itemItemModel struct {
	rows [][]ItemNeighbour
	err  error
}

type itemItemKey struct {
	proj   *graph.Projection
	lambda float64
}

type itemItemEntry struct {
	once  sync.Once
	model *itemItemModel
}

// itemItemModels memoises the fitted models across rankers (the offline tuner makes a ranker
// per evaluation): a few recent (projection, λ) pairs.
var (
	itemItemMu        sync.Mutex
	itemItemModels, _ = lru.New[itemItemKey, *itemItemEntry](8)
)

// itemItemFor returns the item-item model of p with regularisation lambda, fitting it once.
func itemItemFor(p *graph.Projection, lambda float64) *itemItemModel {
	k := itemItemKey{p, lambda}
	itemItemMu.Lock()
	e, ok := itemItemModels.Get(k)
	if !ok {
		e = &itemItemEntry{}
		itemItemModels.Add(k, e)
	}
	itemItemMu.Unlock()
	e.once.Do(func() { e.model = fitItemItem(p, lambda) })
	return e.model
}

// ItemItemNeighbours returns the learned neighbours of product x in p with regularisation
// lambda (Params.ItemItemLambda), largest weight first: what the item-item family adds for a
// profile that liked x. The Cypher reference ranker receives them as a parameter (a matrix
// inverse is not Cypher) and checks that each has its co-review path.
func ItemItemNeighbours(p *graph.Projection, lambda float64, x int32) ([]ItemNeighbour, error) {
	m := itemItemFor(p, lambda)
	if m.err != nil {
		return nil, m.err
	}
	return m.rows[x], nil
}

// fitItemItem fits EASE^R (Steck 2019) on the positive reviews of p: X is the binary
// reviewer × product matrix of the reviews rated graph.CoReviewMinRating or more by reviewers
// of at most graph.MaxReviewerFanout such products (the co-review lists' reviewers), over the
// MaxItemItemProducts products with the most of them, and
//
//	P = (XᵀX + λI)⁻¹,  B[i, j] = −P[i, j] / P[j, j]  (i ≠ j)
//
// Each row keeps the positive weights of the products that share a reviewer with it (so that
// every weight has a path in the graph), the graph.CoReviewNeighbours largest.
func fitItemItem(p *graph.Projection, lambda float64) *itemItemModel {
	nP := len(p.Products)
	m := &itemItemModel{rows: make([][]ItemNeighbour, nP)}
	counted := func(u int32) bool { return p.ReviewerFanout(u) <= graph.MaxReviewerFanout }
	type cand struct {
		x int32
		n int
	}
	var items []cand
	for x := range nP {
		n := 0
		for _, u := range p.CoReviewers(int32(x)) {
			if counted(u) {
				n++
			}
		}
		if n > 0 {
			items = append(items, cand{int32(x), n})
		}
	}
	if len(items) > MaxItemItemProducts {
		slices.SortFunc(items, func(a, b cand) int { return cmp.Or(cmp.Compare(b.n, a.n), cmp.Compare(a.x, b.x)) })
		items = items[:MaxItemItemProducts]
		slices.SortFunc(items, func(a, b cand) int { return cmp.Compare(a.x, b.x) })
	}
	n := len(items)
	if n < 2 {
		return m
	}
	pos := make([]int32, nP) // product -> row of the model + 1 (0 = not in the model)
	for i, c := range items {
		pos[c.x] = int32(i + 1)
	}
	byReviewer := make([][]int32, p.NumReviewers()) // model rows, ascending
	for i, c := range items {
		for _, u := range p.CoReviewers(c.x) {
			if counted(u) {
				byReviewer[u] = append(byReviewer[u], int32(i))
			}
		}
	}
	g := mat.NewSymDense(n, nil)
	for _, rs := range byReviewer {
		for a, i := range rs {
			for _, j := range rs[a:] {
				g.SetSym(int(i), int(j), g.At(int(i), int(j))+1)
			}
		}
	}
	co := mat.NewSymDense(n, nil)
	co.CopySym(g)
	for i := range n {
		g.SetSym(i, i, g.At(i, i)+lambda)
	}
	var ch mat.Cholesky
	if !ch.Factorize(g) {
		m.err = fmt.Errorf("ranker: item-item: XᵀX + %g·I is not positive definite", lambda)
		return m
	}
	var inv mat.SymDense
	if err := ch.InverseTo(&inv); err != nil {
		m.err = fmt.Errorf("ranker: item-item: invert: %w", err)
		return m
	}
	for i, c := range items {
		var row []ItemNeighbour
		for j, d := range items {
			if i == j || co.At(i, j) == 0 {
				continue
			}
			if b := -inv.At(i, j) / inv.At(j, j); b > 0 {
				row = append(row, ItemNeighbour{Product: d.x, Weight: b, Co: int32(co.At(i, j))})
			}
		}
		slices.SortFunc(row, func(a, b ItemNeighbour) int {
			return cmp.Or(cmp.Compare(b.Weight, a.Weight), cmp.Compare(p.Products[a.Product].ID, p.Products[b.Product].ID))
		})
		if len(row) > graph.CoReviewNeighbours {
			row = row[:graph.CoReviewNeighbours]
		}
		m.rows[c.x] = slices.Clip(row)
	}
	return m
}

// itemItem returns the request's item-item model, nil when the family is off or the model
// could not be fitted (then the family adds nothing: Validate bounds λ above 0).
func (pl *plan) itemItem() *itemItemModel {
	if pl.params.Weights.ItemItem == 0 || len(pl.liked) == 0 {
		return nil
	}
	m := itemItemFor(pl.proj, pl.params.ItemItemLambda)
	if m.err != nil {
		return nil
	}
	return m
}

// addItemItem adds the item-item paths: for each liked product l and each learned neighbour x
// of l, Weights.ItemItem · B[l, x].
func (pl *plan) addItemItem(out []float64) {
	m := pl.itemItem()
	if m == nil {
		return
	}
	w := pl.params.Weights.ItemItem
	for _, l := range pl.liked {
		for _, nb := range m.rows[l] {
			out[nb.Product] += w * nb.Weight
		}
	}
}

// itemItemWhys explains x's item-item paths, one per liked product that has x among its
// learned neighbours, each with a reviewer who rated both (kind co_review).
func (pl *plan) itemItemWhys(x int32, productNode NodeRef, add func(Why)) {
	m := pl.itemItem()
	if m == nil {
		return
	}
	p := pl.proj
	for _, l := range pl.liked {
		i := slices.IndexFunc(m.rows[l], func(nb ItemNeighbour) bool { return nb.Product == x })
		if i < 0 {
			continue
		}
		nb := m.rows[l][i]
		u, ok := p.FirstCoReviewer(l, x)
		if !ok {
			continue // cannot happen: a weight is kept only with a co-reviewer
		}
		lp := &p.Products[l]
		reviewer := p.ReviewerID(u)
		add(Why{
			Kind: KindCoReview, Contribution: pl.params.Weights.ItemItem * nb.Weight,
			Text: fmt.Sprintf("People who liked %s (which you liked) went on to like it: %s rated both %d stars or more; learned item-item weight %.3f (EASE^R over every positive review, λ %g)",
				lp.Name, plural(int(nb.Co), "reviewer"), graph.CoReviewMinRating, nb.Weight, pl.params.ItemItemLambda),
			Path: Path{
				Nodes: []NodeRef{{Label: "Product", Key: "id", Value: lp.ID, Name: lp.Name}, {Label: "Reviewer", Key: "id", Value: reviewer},
					productNode},
				Rels: []RelRef{{Type: "REVIEWED", Forward: false}, {Type: "REVIEWED", Forward: true}},
			},
			Cypher: fmt.Sprintf(`MATCH path = (l:Product {id: %s})<-[r1:REVIEWED]-(u:Reviewer)-[r2:REVIEWED]->(x:Product {id: %s})
WHERE r1.rating >= %d AND r2.rating >= %d
  AND COUNT { MATCH (u)-[q:REVIEWED]->(y:Product) WHERE q.rating >= %d RETURN DISTINCT y } <= %d
WITH path, u.id AS reviewer ORDER BY reviewer, r1.id, r2.id
RETURN collect(path)[0] AS path, count(DISTINCT reviewer) AS co_reviewers`,
				quote(lp.ID), quote(p.Products[x].ID), graph.CoReviewMinRating, graph.CoReviewMinRating, graph.CoReviewMinRating, graph.MaxReviewerFanout),
			Evidence: map[string]any{"liked_product": lp.ID, "co_reviewers": nb.Co, "item_item_weight": nb.Weight,
				"lambda": pl.params.ItemItemLambda, "model": "EASE^R", "first_co_reviewer": reviewer},
		})
	}
}

// prepare fits the per-projection models the ranker's parameters use (the item-item family's
// EASE^R) before readers see the projection, so that no request pays for the fit (about a
// second at the Sephora scale, BenchmarkItemItemFit). Nothing when the family is off.
func (r *Ranker) prepare(p *graph.Projection) error {
	if r.params.Weights.ItemItem == 0 && r.params.HistoryWeights.ItemItem == 0 && r.params.ConcernSet().ItemItem == 0 {
		return nil
	}
	return itemItemFor(p, r.params.ItemItemLambda).err
}
