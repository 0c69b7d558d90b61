package ranker

import (
	"fmt"
	"math"

	"github.com/skingraph/skingraph/graph"
)

// KindCoReview names the co-review family in Why.Kind.
const KindCoReview = "co_review"

// addCoReview adds the co-review paths: for each liked product l and each product x in l's
// co-review list, Weights.CoReview · cosine(l, x) over their reviewers.
func (pl *plan) addCoReview(out []float64) {
	if pl.params.Weights.CoReview == 0 {
		return
	}
	for _, l := range pl.liked {
		for _, n := range pl.proj.CoReviewed(l) {
			out[n.Product] += pl.coReviewTerm(l, n)
		}
	}
}

func (pl *plan) coReviewTerm(liked int32, n graph.CoNeighbour) float64 {
	return pl.params.Weights.CoReview * pl.proj.CoReviewSimilarity(liked, n.Product, n.Co)
}

// coReviewWhys explains x's co-review paths, one per liked product whose list holds x.
func (pl *plan) coReviewWhys(x int32, productNode NodeRef, add func(Why)) {
	p := pl.proj
	for _, l := range pl.liked {
		var nb graph.CoNeighbour
		found := false
		for _, n := range p.CoReviewed(l) {
			if n.Product == x {
				nb, found = n, true
				break
			}
		}
		if !found {
			continue
		}
		lp := &p.Products[l]
		u, ok := p.FirstCoReviewer(l, x)
		if !ok {
			continue // cannot happen: the list only holds products with a co-reviewer
		}
		reviewer := p.ReviewerID(u)
		sim := p.CoReviewSimilarity(l, x, nb.Co)
		nl, nx := len(p.CoReviewers(l)), len(p.CoReviewers(x))
		add(Why{
			Kind: KindCoReview, Contribution: pl.coReviewTerm(l, nb),
			Text: fmt.Sprintf("%d of the %s who rated %s (which you liked) %d or more also rated it so, as %d people did in all (co-review cosine %.2f)",
				nb.Co, plural(nl, "reviewer"), lp.Name, graph.CoReviewMinRating, nx, sim),
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
				quote(lp.ID), quote(prod(p, x).ID), graph.CoReviewMinRating, graph.CoReviewMinRating, graph.CoReviewMinRating, graph.MaxReviewerFanout),
			Evidence: map[string]any{"liked_product": lp.ID, "co_reviewers": nb.Co, "liked_reviewers": nl, "reviewers": nx,
				"cosine": sim, "first_co_reviewer": reviewer},
		})
	}
}

func prod(p *graph.Projection, x int32) *graph.ProjectedProduct { return &p.Products[x] }

// recentVolume is product x's review volume in the graph, each review counted
// 2^(−age/half-life), its age measured in days before the latest review of the graph; every
// review counts 1 when the half-life is 0.
func (pl *plan) recentVolume(x int32) float64 {
	ages := pl.recentAges(x)
	h := pl.params.RecentHalfLifeDays
	if h == 0 {
		return float64(len(ages))
	}
	s := 0.0
	for _, a := range ages {
		s += math.Exp2(-float64(a) / 86400 / h)
	}
	return s
}

// recentAges are the ages of x's reviews that count in the recent volume: every review, or
// the positive ones (Params.RecentMinRating).
func (pl *plan) recentAges(x int32) []int32 {
	if pl.params.RecentMinRating > 0 {
		return pl.proj.PositiveReviewAges(x)
	}
	return pl.proj.ReviewAges(x)
}

// recentTerm is the recent-volume part of the prior:
// Weights.Recent · ln(1 + v) / ln(1 + max v) + Weights.RecentLinear · v / max v.
func (pl *plan) recentTerm(volume, maxVolume float64) float64 {
	w := pl.params.Weights
	if (w.Recent == 0 && w.RecentLinear == 0) || maxVolume == 0 {
		return 0
	}
	s := 0.0
	if w.Recent != 0 {
		s += w.Recent * math.Log1p(volume) / math.Log1p(maxVolume)
	}
	if w.RecentLinear != 0 {
		s += w.RecentLinear * volume / maxVolume
	}
	return s
}

// adverse is the shrunk adverse-effect (breakout, irritation) rates of one product.
type adverse struct {
	reviews, reports         int32   // over every skin type
	typeReviews, typeReports int32   // among the profile's skin type
	product, peer            float64 // the shrunk rates
	ok                       bool    // the product has an outcome for the skin type
	outcome                  graph.OutcomeStats
}

// adverseRates shrinks product x's adverse rate over every skin type towards the catalogue's
// (Projection.MeanBad) with Params.AdverseSmoothing pseudo-reviews, then its rate among
// reviewers of skin type st towards that.
func (pl *plan) adverseRates(x int32, st graph.Attr) adverse {
	p, m := pl.proj, pl.params.AdverseSmoothing
	var a adverse
	for _, o := range p.Outcomes(x) {
		if o.Attr.Kind != graph.AttrSkinType {
			continue
		}
		bad := o.Effects[effBreakout] + o.Effects[effIrritation]
		a.reviews += o.Count
		a.reports += bad
		if o.Attr == st {
			a.typeReviews, a.typeReports, a.ok, a.outcome = o.Count, bad, true, o
		}
	}
	a.product = (float64(a.reports) + m*p.MeanBad) / (float64(a.reviews) + m)
	a.peer = (float64(a.typeReports) + m*a.product) / (float64(a.typeReviews) + m)
	return a
}

// adverseTerm is −Weights.PeerAdverse · ln(peer rate / catalogue rate): a penalty when people
// of the profile's skin type report more breakouts and irritation than the catalogue average,
// a bonus when fewer; plus the harm demotion −Weights.AdverseExcess · max(0, peer rate −
// catalogue rate) / catalogue rate, a penalty only. 0 when the catalogue has no adverse report.
func (pl *plan) adverseTerm(a adverse) float64 {
	w, beta := pl.params.Weights, pl.proj.MeanBad
	if !pl.adverseOn() {
		return 0
	}
	s := 0.0
	if w.PeerAdverse != 0 {
		s -= w.PeerAdverse * math.Log(a.peer/beta)
	}
	if w.AdverseExcess != 0 {
		s -= w.AdverseExcess * max(0, a.peer-beta) / beta
	}
	return s
}

// adverseOn says whether the adverse-effect terms (PeerAdverse, AdverseExcess) can score.
func (pl *plan) adverseOn() bool {
	w := pl.params.Weights
	return (w.PeerAdverse != 0 || w.AdverseExcess != 0) && pl.proj.MeanBad != 0
}

// adverseWhy explains x's adverse-effect term for skin type st, a = adverseRates(x, st).
func (pl *plan) adverseWhy(x int32, st graph.Attr, a adverse, productNode NodeRef) Why {
	p := pl.proj
	name := st.Name()
	w := Why{
		Kind: KindSafety, Contribution: pl.adverseTerm(a),
		Evidence: map[string]any{"skin_type": name, "skin_type_reviews": a.typeReviews, "skin_type_adverse_reports": a.typeReports,
			"reviews": a.reviews, "adverse_reports": a.reports, "product_rate": a.product, "skin_type_rate": a.peer,
			"catalogue_rate": p.MeanBad, "smoothing": pl.params.AdverseSmoothing},
	}
	whole := fmt.Sprintf("%d of its %s in all", a.reports, plural(int(a.reviews), "review"))
	ratio := fmt.Sprintf("%.1f%% after shrinking, %.2f× the catalogue's %.1f%%", 100*a.peer, a.peer/p.MeanBad, 100*p.MeanBad)
	const totals = `CALL (x) {
  OPTIONAL MATCH (x)-[:HAS_OUTCOME]->(all:Outcome {kind: 'skin_type'})
  RETURN sum(all.count) AS reviews, sum(coalesce(all.breakout, 0) + coalesce(all.irritation, 0)) AS adverse_reports
}`
	if a.ok {
		w.Text = fmt.Sprintf("Reviewers %s reported breakouts or irritation in %d of %s (%s): %s",
			attrPhrase(st), a.typeReports, plural(int(a.typeReviews), "review"), whole, ratio)
		w.Path = Path{
			Nodes: []NodeRef{productNode, {Label: "Outcome", Key: "key", Value: p.Products[x].ID + "|" + st.Kind.String() + ":" + name},
				{Label: "SkinType", Key: "name", Value: name, Name: name}},
			Rels: []RelRef{{Type: "HAS_OUTCOME", Forward: true}, {Type: "FOR", Forward: true}},
		}
		w.Cypher = fmt.Sprintf("MATCH path = (x:Product {id: %s})-[:HAS_OUTCOME]->(o:Outcome)-[:FOR]->(a:SkinType {name: %s})\n%s\nRETURN path, o.count AS skin_type_reviews, coalesce(o.breakout, 0) + coalesce(o.irritation, 0) AS skin_type_adverse_reports, reviews, adverse_reports",
			quote(p.Products[x].ID), quote(name), totals)
		return w
	}
	w.Text = fmt.Sprintf("Nobody %s reviewed it yet; reviewers reported breakouts or irritation in %s: %s",
		attrPhrase(st), whole, ratio)
	w.Path = Path{Nodes: []NodeRef{productNode}}
	w.Cypher = fmt.Sprintf("MATCH path = (x:Product {id: %s})\n%s\nRETURN path, reviews, adverse_reports", quote(p.Products[x].ID), totals)
	return w
}

// recentWhy explains the recent-volume part of x's prior.
func (pl *plan) recentWhy(x int32, productNode NodeRef) Why {
	p := pl.proj
	var v float64
	if pl.priors.recent != nil {
		v = pl.priors.recent[x]
	} else {
		v = pl.recentVolume(x)
	}
	maxV := pl.priors.maxRecent
	n := len(pl.recentAges(x))
	latest := p.LastReviewAt().UTC()
	h := pl.params.RecentHalfLifeDays
	minRating := int(pl.params.RecentMinRating)
	what := "Reviewed " + plural(n, "time")
	if minRating > 0 {
		what = fmt.Sprintf("Rated %d stars or more %s", minRating, plural(n, "time"))
	}
	text := fmt.Sprintf("%s here, the most reviewed product %.0f times", what, maxV)
	if h > 0 {
		text = fmt.Sprintf("%s here; counting each review half as much for every %g days before the latest review (%s), %.1f, against %.1f for the most reviewed product",
			what, h, latest.Format("2006-01-02"), v, maxV)
	}
	return Why{
		Kind: KindPrior, Contribution: pl.population * pl.recentTerm(v, maxV), Text: text,
		Path: Path{Nodes: []NodeRef{productNode}},
		Cypher: fmt.Sprintf(`MATCH path = (x:Product {id: %s})
CALL () { MATCH (:Reviewer)-[r:REVIEWED]->(:Product) RETURN max(r.at) AS latest }
CALL (x, latest) {
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(x) WHERE r.rating >= %d
  WITH r ORDER BY r.at DESC
  RETURN count(r) AS reviews, collect(latest.epochSeconds - r.at.epochSeconds) AS ages_seconds
}
RETURN path, reviews, latest, ages_seconds`, quote(p.Products[x].ID), minRating),
		Evidence: map[string]any{"reviews": n, "recent_volume": v, "max_recent_volume": maxV, "half_life_days": h, "min_rating": minRating,
			"latest_review": latest.Format("2006-01-02T15:04:05Z")},
	}
}
