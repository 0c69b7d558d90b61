package cypher

import (
	"context"
	"fmt"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// ReferenceItem is one product ranked by the Cypher reference ranker.
type ReferenceItem struct {
	ID    string
	Score float64
	// Families holds the score of each path family, by ranker kind: concern_fit, claim, peer,
	// safety, co_review and prior. Score is their sum.
	Families map[string]float64
}

// referenceFamilies are the family kinds ReferenceRankCypher returns, in the order it sums them.
var referenceFamilies = []string{ranker.KindConcernFit, ranker.KindClaim, ranker.KindPeer, ranker.KindSafety, ranker.KindCoReview, ranker.KindPrior}

// ReferenceRankCypher is the whole reference ranker: the ranking model of package ranker
// (DESIGN.md section 3) written as one Cypher query, to be read as the specification of the
// scores. Every value comes in as a $parameter.
const ReferenceRankCypher = `
// =============================================================================================
// SKINGRAPH REFERENCE RANKER: the ranking model, computed with Cypher alone.
//
// For a profile p the score of a product x is a sum of path families:
//
//   score(x) = concern_fit + claim + peer + safety + co_review + prior
//
// (the seventh family, affinity to liked products, needs embeddings and is not computed here).
// Each family but the prior is a sum over paths of the graph that start at x and end at
// something the profile declares; the prior is x's overall rating and review volume, all-time
// (the catalogue's count) and recent (the REVIEWED edges of the graph). The query returns, for
// the page asked for, every product's id, score and the score of each family.
//
// Parameters (all numbers are floats unless said otherwise):
//   $weights           {concern_fit, claim, peer_rating, peer_effects, peer_volume, safety,
//                       peer_adverse, adverse_excess, co_review, item_item, prior, recent}
//                      the weight of each family for cold-start requests; 0 switches a family off
//   $history_weights   the same for requests with history (a liked product the graph knows)
//   $concern_weights   the same for requests without history that state a concern
//                      (ranker.Params.ConcernSet: $weights unless a concern set is given)
//   $smoothing         m: the pseudo-reviews at the catalogue mean every rating and effect
//                      share is shrunk with (Bayesian average)
//   $attr_weight       {skin_type, skin_tone, concern}: how much a peer outcome counts, by the
//                      kind of attribute shared with the reviewers
//   $evidence          {clinical, 'in-vitro', 'expert-consensus'}: the confidence given to
//                      each evidence level of a TREATS edge
//   $popularity_share  how much of the prior comes from review volume rather than rating
//   $recent_half_life_days  h: a review h days older than the latest review of the graph
//                      counts half in the recent volume (0: every review counts 1), for
//                      cold-start requests; $history_recent_half_life_days for the others
//   $recent_min_rating  only reviews rated at least this count in the recent volume (0: all)
//   $recent_scale_days the half-lives (days) of the multi-scale recent volumes (ranker.RecentScaleDays);
//                      $weights.recent_scales and .peer_recent_scales weigh them, element by element
//   $weights.trend_days [short, long]: the half-lives (days) of the trend family for the set's
//                      requests (Params.TrendShort/LongHalfLifeDays in $weights and
//                      $concern_weights, the History… pair in $history_weights); $weights.trend
//                      weighs it (step 8c)
//   $adverse_smoothing the pseudo-reviews the adverse-effect rates are shrunk with
//   $liked_population_scale  how much the peer and prior families count when the profile
//                      lists a known liked product (1 otherwise)
//   $item_item_terms   the item-item family's learned weights of the liked products (step 7b)
//   $co_review_min_rating, $co_review_neighbours, $max_reviewer_fanout (integers): the co-review
//                      lists' constants (graph.CoReviewMinRating, CoReviewNeighbours, MaxReviewerFanout)
//   $profile           the person:
//     .skin_type, .skin_tone              names, '' when not declared
//     .concerns                           Concern names, in the profile's order
//     .sensitivities, .avoid_ingredients  hard exclusions: Sensitivity names, Ingredient inci keys
//     .liked_products, .disliked_products Product ids: neither is recommended
//   $filters           .categories, .brands ([] = any), .max_price (0 = no limit)
//   $offset, $limit    the page (integers)
//
// (The lists travel inside the $profile and $filters maps so that Neo4j plans the query once:
// it caches a plan per parameter shape, and lists of different lengths are different shapes.)
//
// Sums are written as reduce() over lists collected in a fixed order (label position, then
// ingredient, then target), so that each family equals, to the last bit, the sum of the
// in-memory ranker's explanations of that family, and products with the same paths tie
// exactly; mathematically each is a plain sum. The one exception is ln(1 + n) in the prior:
// Cypher's log() and Go's math.Log1p may differ in the last bit (about 1e-17 on a score), the
// same for every product with the same review count.
// =============================================================================================

// ---------------------------------------------------------------------------------------------
// 0. The weights (w below): a request is scored with $history_weights when its profile lists a
//    liked product the graph knows (a request with history), else with $concern_weights when
//    it states a concern the graph knows, else with $weights (cold start); the same for the recent volume's
//    half-life (h below: $history_recent_half_life_days or $recent_half_life_days).
// ---------------------------------------------------------------------------------------------
WITH size([id IN $profile.liked_products WHERE EXISTS { MATCH (:Product {id: id}) }]) > 0 AS history,
     size([c IN $profile.concerns WHERE EXISTS { MATCH (:Concern {name: c}) }]) > 0 AS concerned
WITH history, CASE WHEN history THEN $history_weights WHEN concerned THEN $concern_weights ELSE $weights END AS w,
     CASE WHEN history THEN $history_recent_half_life_days ELSE $recent_half_life_days END AS h

// ---------------------------------------------------------------------------------------------
// 1. Catalogue priors, from the skin-type Outcome nodes (every review that states a skin type
//    is counted exactly once there):
//      mu    = Σ count·mean_rating        / Σ count   the mean review rating
//      gamma = Σ (improved + hydration)   / Σ count   the share of reviews with a good effect
//      beta  = Σ (breakout + irritation)  / Σ count   the share of reviews with a bad effect
//    With no such reviews: mu = 4, gamma = beta = 0.
// ---------------------------------------------------------------------------------------------
CALL () {
  MATCH (p:Product)-[:HAS_OUTCOME]->(o:Outcome {kind: 'skin_type'})
  WITH o ORDER BY p.id, o.attribute
  WITH collect(toFloat(o.count) * o.mean_rating)                        AS rating_terms,
       sum(toFloat(o.count))                                            AS n,
       toFloat(sum(coalesce(o.improved, 0) + coalesce(o.hydration, 0)))  AS good,
       toFloat(sum(coalesce(o.breakout, 0) + coalesce(o.irritation, 0))) AS bad
  RETURN CASE WHEN n > 0 THEN reduce(s = 0.0, t IN rating_terms | s + t) / n ELSE 4.0 END AS mu,
         CASE WHEN n > 0 THEN good / n ELSE 0.0 END                                   AS gamma,
         CASE WHEN n > 0 THEN bad / n ELSE 0.0 END                                    AS beta
}

// The largest review count of any product (the whole catalogue, not only the candidates):
// popularity is measured against it.
CALL () {
  MATCH (p:Product)
  RETURN max(coalesce(p.review_count, 0)) AS max_reviews
}

// The latest review of the graph (null without reviews) and the largest recent review volume
// of any product (step 8): with h the request's half-life (step 0), a review's age a in seconds before
// the latest review, each review counts 2^(-a / 86400 / h) (1 when h = 0):
//      volume(p) = Σ over p's reviews, ages ascending
CALL () {
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(:Product)
  RETURN max(r.at) AS latest
}
CALL (latest, h) {
  MATCH (p:Product)
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(p) WHERE r.rating >= $recent_min_rating
  WITH p, latest.epochSeconds - r.at.epochSeconds AS age
  ORDER BY p.id, age
  WITH p, collect(age) AS ages
  WITH CASE WHEN h = 0 THEN toFloat(size(ages))
            ELSE reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / h)) END AS volume
  RETURN coalesce(max(volume), 0.0) AS max_recent
}
// The largest multi-scale recent volumes (step 8b), one per half-life of $recent_scale_days
// (days): over each product's positive reviews (rated $co_review_min_rating or more), each
// counting 2^(-a / 86400 / d), all of them (max_scales) and those whose reviewer stated the
// profile's skin type on the review (max_peer_scales; 0 without a skin type).
CALL (latest) {
  MATCH (p:Product)
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(p) WHERE r.rating >= $co_review_min_rating
  WITH p, latest.epochSeconds - r.at.epochSeconds AS age, r.skin_type AS skin
  ORDER BY p.id, age
  WITH p, collect(age) AS ages,
       collect(CASE WHEN $profile.skin_type <> '' AND skin = $profile.skin_type THEN age END) AS peer_ages
  UNWIND range(0, size($recent_scale_days) - 1) AS k
  WITH k, reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / $recent_scale_days[k])) AS v,
       reduce(s = 0.0, a IN peer_ages | s + 2.0 ^ (-toFloat(a) / 86400 / $recent_scale_days[k])) AS pv
  WITH k, max(v) AS mv, max(pv) AS mpv
  ORDER BY k
  RETURN collect(mv) AS max_scales, collect(mpv) AS max_peer_scales
}
// The largest trend volumes (step 8c): over each product's reviews (any rating), each
// counting 2^(-a / 86400 / d) at the short and the long half-life of w.trend_days.
CALL (latest, w) {
  MATCH (p:Product)
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(p)
  WITH p, latest.epochSeconds - r.at.epochSeconds AS age
  ORDER BY p.id, age
  WITH p, collect(age) AS ages
  WITH reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / w.trend_days[0])) AS vs,
       reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / w.trend_days[1])) AS vl
  RETURN coalesce(max(vs), 0.0) AS max_trend_short, coalesce(max(vl), 0.0) AS max_trend_long
}

// Co-review (step 7b): for each liked product l (in the profile's order, its slot), the
// products y that people who rated l $co_review_min_rating (4) or more also rated so,
// counting only reviewers of at most $max_reviewer_fanout such products (co = distinct
// co-reviewers), by cosine  co / sqrt(n_l · n_y),  n = the distinct reviewers who rated the
// product so; l keeps its $co_review_neighbours most similar (ties by id), each path adding
//      w.co_review · cosine   (multiplied in at 7b)
CALL () {
  UNWIND range(0, size($profile.liked_products) - 1) AS slot
  MATCH (l:Product {id: $profile.liked_products[slot]})
  CALL (l) {
    MATCH (l)<-[r1:REVIEWED]-(u:Reviewer)-[r2:REVIEWED]->(y:Product)
    WHERE r1.rating >= $co_review_min_rating AND r2.rating >= $co_review_min_rating AND y <> l
      AND COUNT { MATCH (u)-[q:REVIEWED]->(z:Product) WHERE q.rating >= $co_review_min_rating RETURN DISTINCT z } <= $max_reviewer_fanout
    RETURN y, count(DISTINCT u) AS co
  }
  CALL (l) {
    MATCH (v:Reviewer)-[q:REVIEWED]->(l) WHERE q.rating >= $co_review_min_rating
    RETURN count(DISTINCT v) AS n_l
  }
  CALL (y) {
    MATCH (v:Reviewer)-[q:REVIEWED]->(y) WHERE q.rating >= $co_review_min_rating
    RETURN count(DISTINCT v) AS n_y
  }
  WITH slot, y, toFloat(co) / sqrt(toFloat(n_l) * toFloat(n_y)) AS cosine
  ORDER BY slot, cosine DESC, y.id ASC
  WITH slot, collect({id: y.id, cosine: cosine})[0..$co_review_neighbours] AS neighbours
  UNWIND neighbours AS nb
  WITH slot, nb ORDER BY slot
  RETURN collect({id: nb.id, cosine: nb.cosine}) AS co_terms
}

// Item-item (step 7b too): for each liked product l (its slot), the products y that people
// who liked l went on to like, with EASE^R's learned weight B[l, y] (ranker/itemitem.go):
// $item_item_terms [{slot, rank, liked, id, weight}], in slot order then largest weight first.
// The weights come in as a parameter (fitting them inverts a matrix, which Cypher does not
// do); each counts only when its path exists: a reviewer of at most $max_reviewer_fanout
// positive reviews rated both l and y $co_review_min_rating or more. Each adds
//      w.item_item · weight   (multiplied in at 7b)
CALL () {
  UNWIND $item_item_terms AS t
  MATCH (l:Product {id: t.liked}), (y:Product {id: t.id})
  WHERE $profile.liked_products[t.slot] = t.liked
    AND EXISTS {
      MATCH (l)<-[r1:REVIEWED]-(u:Reviewer)-[r2:REVIEWED]->(y)
      WHERE r1.rating >= $co_review_min_rating AND r2.rating >= $co_review_min_rating
        AND COUNT { MATCH (u)-[q:REVIEWED]->(z:Product) WHERE q.rating >= $co_review_min_rating RETURN DISTINCT z } <= $max_reviewer_fanout
    }
  WITH t ORDER BY t.slot, t.rank
  RETURN collect({id: t.id, weight: t.weight}) AS item_terms
}

// The ingredients the profile rules out: the avoided ones, and those that AGGRAVATE a declared
// Sensitivity. A product that contains any of them (on its label or as "may contain") is
// excluded whatever its score would be (step 3).
CALL () {
  MATCH (i:Ingredient)
  WHERE i.inci IN $profile.avoid_ingredients
     OR EXISTS { (i)-[:AGGRAVATES]->(s:Sensitivity) WHERE s.name IN $profile.sensitivities }
  RETURN collect(i) AS ruled_out
}

// ---------------------------------------------------------------------------------------------
// 2. The profile.
//    concerns: the declared concerns, duplicates dropped, in the profile's order.
//    peers:    the attributes peer outcomes are looked up by, in this order: the skin type, the
//              skin tone, then the concerns; each with the weight of its kind.
// ---------------------------------------------------------------------------------------------
//    population: $liked_population_scale when the profile lists a liked product the graph
//              knows, else 1; it scales the peer (step 6) and prior (step 8) families.
WITH w, h, mu, gamma, beta, max_reviews, ruled_out, latest, max_recent, max_scales, max_peer_scales, max_trend_short, max_trend_long, co_terms, item_terms,
     reduce(seen = [], c IN $profile.concerns | CASE WHEN c IN seen THEN seen ELSE seen + c END) AS concerns,
     CASE WHEN history THEN $liked_population_scale ELSE 1.0 END AS population
WITH w, h, mu, gamma, beta, max_reviews, ruled_out, latest, max_recent, max_scales, max_peer_scales, max_trend_short, max_trend_long, co_terms, item_terms, concerns, population,
     [a IN [{kind: 'skin_type', name: $profile.skin_type, weight: $attr_weight.skin_type},
            {kind: 'skin_tone', name: $profile.skin_tone, weight: $attr_weight.skin_tone}] WHERE a.name <> '']
     + [c IN concerns | {kind: 'concern', name: c, weight: $attr_weight.concern}] AS peers

// ---------------------------------------------------------------------------------------------
// 3. Candidates: the products that pass the filters, are neither liked (already known) nor
//    disliked, are in stock, and contain no ingredient the profile rules out.
// ---------------------------------------------------------------------------------------------
MATCH (x:Product)
WHERE coalesce(x.in_stock, true)
  AND (size($filters.categories) = 0 OR coalesce(x.category, '') IN $filters.categories)
  AND (size($filters.brands) = 0 OR coalesce(x.brand, '') IN $filters.brands)
  AND NOT ($filters.max_price > 0 AND coalesce(x.price, 0.0) > $filters.max_price)
  AND NOT x.id IN $profile.disliked_products
  AND NOT x.id IN $profile.liked_products
  AND NOT EXISTS { (x)-[:CONTAINS]->(i:Ingredient) WHERE i IN ruled_out }

// ---------------------------------------------------------------------------------------------
// 4. Concern fit: for every path  x -CONTAINS-> ingredient -TREATS-> concern of the profile
//
//      w.concern_fit · efficacy · evidence[level] · 1/sqrt(position)
//
//    position is the ingredient's 1-based place on the label (earlier = more of it; positions
//    below 1 count as 1). Ingredients the label only "may contain" promise nothing: skipped.
//    TREATS edges whose evidence level is not one of $evidence's are not ranked.
// ---------------------------------------------------------------------------------------------
CALL (x, concerns, w) {
  MATCH (x)-[c:CONTAINS]->(i:Ingredient)-[t:TREATS]->(k:Concern)
  WHERE k.name IN concerns
    AND NOT coalesce(c.may_contain, false)
    AND t.evidence IN keys($evidence)
  WITH i, k, CASE WHEN coalesce(c.position, 0) < 1 THEN 1 ELSE c.position END AS position,
       coalesce(t.efficacy, 0.0) AS efficacy, $evidence[t.evidence] AS confidence
  WITH i, k, position, w.concern_fit * efficacy * confidence * (1.0 / sqrt(toFloat(position))) AS term
  ORDER BY position, i.inci, k.name
  RETURN reduce(s = 0.0, v IN collect(term) | s + v) AS concern_fit
}

// ---------------------------------------------------------------------------------------------
// 5. Claim: for every concern of the profile that x -CLAIMS-> (what the brand says):
//
//      w.claim
// ---------------------------------------------------------------------------------------------
CALL (x, concerns, w) {
  OPTIONAL MATCH (x)-[:CLAIMS]->(k:Concern)
  WHERE k.name IN concerns
  WITH w, collect(DISTINCT k) AS claimed
  RETURN reduce(s = 0.0, c IN claimed | s + w.claim) AS claim
}

// ---------------------------------------------------------------------------------------------
// 6. Peer outcomes: for every attribute a of the profile (peers, step 2) for which x has an
//    Outcome, the aggregate of the reviews of x by people who share a:
//      x -HAS_OUTCOME-> (o:Outcome {kind, attribute}) -FOR-> a
//    With n = o.count reviews and m = $smoothing pseudo-reviews at the catalogue means:
//      rating = (n · o.mean_rating            + m · mu)    / (n + m)   smoothed mean rating
//      good   = ((o.improved + o.hydration)   + m · gamma) / (n + m)   smoothed good-effect share
//      bad    = ((o.breakout + o.irritation)  + m · beta)  / (n + m)   smoothed bad-effect share
//    and the path adds
//      attr_weight[kind of a] · ( w.peer_rating  · (rating - mu) / 4
//                               + w.peer_effects · ((good - gamma) - 2 · (bad - beta))
//                               + w.peer_volume  · ln(1 + n) )
//    i.e. better-than-average ratings and good effects raise the score; bad effects count double;
//    and the more people who share a reviewed x, the more their outcome counts (volume).
// ---------------------------------------------------------------------------------------------
CALL (x, peers, mu, gamma, beta, w) {
  UNWIND range(0, size(peers) - 1) AS slot
  WITH slot, peers[slot] AS a
  MATCH (x)-[:HAS_OUTCOME]->(o:Outcome)
  WHERE o.kind = a.kind AND o.attribute = a.name
  WITH slot, a, toFloat(o.count) AS n, o.mean_rating AS mean_rating,
       toFloat(coalesce(o.improved, 0) + coalesce(o.hydration, 0))  AS good_n,
       toFloat(coalesce(o.breakout, 0) + coalesce(o.irritation, 0)) AS bad_n
  WITH slot, a, n,
       (n * mean_rating + $smoothing * mu)    / (n + $smoothing) AS rating,
       (good_n          + $smoothing * gamma) / (n + $smoothing) AS good,
       (bad_n           + $smoothing * beta)  / (n + $smoothing) AS bad
  WITH slot, a.weight * (w.peer_rating * (rating - mu) / 4
                         + w.peer_effects * ((good - gamma) - 2 * (bad - beta))
                         + w.peer_volume * log(1.0 + n)) AS term
  ORDER BY slot
  RETURN reduce(s = 0.0, v IN collect(term) | s + v) AS peer
}

// ---------------------------------------------------------------------------------------------
// 7. Safety: for every path  x -CONTAINS-> ingredient -AGGRAVATES-> the profile's SkinType or
//    one of its Concerns (declared Sensitivities are hard exclusions instead, step 3):
//
//      - w.safety · severity · 1/sqrt(position)
//
//    "May contain" ingredients count here: a possible irritant is still a risk.
// ---------------------------------------------------------------------------------------------
CALL (x, concerns, w) {
  MATCH (x)-[c:CONTAINS]->(i:Ingredient)-[a:AGGRAVATES]->(t)
  WHERE (t:SkinType AND $profile.skin_type <> '' AND t.name = $profile.skin_type)
     OR (t:Concern AND t.name IN concerns)
  WITH i, t, CASE WHEN coalesce(c.position, 0) < 1 THEN 1 ELSE c.position END AS position,
       coalesce(a.severity, 0.0) AS severity
  WITH i, t, position, -w.safety * severity * (1.0 / sqrt(toFloat(position))) AS term
  ORDER BY position, i.inci, CASE WHEN t:SkinType THEN 0 ELSE 1 END, t.name
  RETURN reduce(s = 0.0, v IN collect(term) | s + v) AS ingredient_safety
}

// ---------------------------------------------------------------------------------------------
// 7a. Adverse effects among peers (part of safety), when the profile declares a skin type and
//     the catalogue has adverse reports (beta > 0). With m = $adverse_smoothing, over x's
//     skin-type Outcomes: N, B = all reviews and breakout + irritation reports, n, b = those of
//     the profile's skin type:
//      product_rate = (B + m · beta)         / (N + m)   x's rate, shrunk towards the catalogue's
//      peer_rate    = (b + m · product_rate) / (n + m)   the skin type's, shrunk towards x's
//      adverse      = - w.peer_adverse · ln(peer_rate / beta)
//                     - w.adverse_excess · max(0, peer_rate - beta) / beta   (the harm demotion)
// ---------------------------------------------------------------------------------------------
CALL (x, beta, w) {
  OPTIONAL MATCH (x)-[:HAS_OUTCOME]->(o:Outcome {kind: 'skin_type'})
  WITH w, toFloat(coalesce(sum(o.count), 0)) AS n_all,
       toFloat(coalesce(sum(coalesce(o.breakout, 0) + coalesce(o.irritation, 0)), 0)) AS b_all,
       toFloat(coalesce(sum(CASE WHEN o.attribute = $profile.skin_type THEN o.count ELSE 0 END), 0)) AS n_type,
       toFloat(coalesce(sum(CASE WHEN o.attribute = $profile.skin_type THEN coalesce(o.breakout, 0) + coalesce(o.irritation, 0) ELSE 0 END), 0)) AS b_type
  WITH w, n_type, b_type, (b_all + $adverse_smoothing * beta) / (n_all + $adverse_smoothing) AS product_rate
  WITH w, (b_type + $adverse_smoothing * product_rate) / (n_type + $adverse_smoothing) AS peer_rate
  RETURN CASE WHEN beta = 0 OR $profile.skin_type = '' THEN 0.0
              ELSE CASE WHEN w.peer_adverse = 0 THEN 0.0 ELSE -w.peer_adverse * log(peer_rate / beta) END
                   - CASE WHEN w.adverse_excess = 0 THEN 0.0
                          ELSE w.adverse_excess * CASE WHEN peer_rate > beta THEN peer_rate - beta ELSE 0.0 END / beta END
         END AS adverse
}
WITH w, h, x, concern_fit, claim, population * peer AS peer, ingredient_safety + adverse AS safety, mu, max_reviews, latest,
     max_recent, max_scales, max_peer_scales, max_trend_short, max_trend_long, co_terms, item_terms, population

// ---------------------------------------------------------------------------------------------
// 7b. Co-review: the terms of x computed once above (co_terms, then item_terms), in the order
//     of the liked products.
// ---------------------------------------------------------------------------------------------
WITH w, h, x, concern_fit, claim, peer, safety, mu, max_reviews, latest, max_recent, max_scales, max_peer_scales, max_trend_short, max_trend_long, population,
     reduce(s = reduce(s = 0.0, t IN [t IN co_terms WHERE t.id = x.id] | s + w.co_review * t.cosine),
            t IN [t IN item_terms WHERE t.id = x.id] | s + w.item_item * t.weight) AS co_review

// Recent volume of x (see the top): its reviews, ages ascending.
CALL (x, latest, h) {
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(x) WHERE r.rating >= $recent_min_rating
  WITH latest.epochSeconds - r.at.epochSeconds AS age
  ORDER BY age
  WITH collect(age) AS ages
  RETURN CASE WHEN h = 0 THEN toFloat(size(ages))
              ELSE reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / h)) END AS recent_volume
}

// Multi-scale recent volumes of x (step 8b): its positive reviews, ages ascending, per
// half-life of $recent_scale_days, all of them and those by reviewers of the profile's skin type.
CALL (x, latest) {
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(x) WHERE r.rating >= $co_review_min_rating
  WITH latest.epochSeconds - r.at.epochSeconds AS age, r.skin_type AS skin
  ORDER BY age
  WITH collect(age) AS ages,
       collect(CASE WHEN $profile.skin_type <> '' AND skin = $profile.skin_type THEN age END) AS peer_ages
  RETURN [k IN range(0, size($recent_scale_days) - 1) |
           reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / $recent_scale_days[k]))] AS scale_volumes,
         [k IN range(0, size($recent_scale_days) - 1) |
           reduce(s = 0.0, a IN peer_ages | s + 2.0 ^ (-toFloat(a) / 86400 / $recent_scale_days[k]))] AS peer_scale_volumes
}
// 8b. Multi-scale recency, linear, each half-life k a term (0 when its weight or maximum is 0):
//      scales      = Σ_k w.recent_scales[k] · scale_volumes[k] / max_scales[k]           (prior)
//      peer_scales = Σ_k w.peer_recent_scales[k] · peer_scale_volumes[k] / max_peer_scales[k]  (peer)
WITH w, x, concern_fit, claim, safety, co_review, mu, max_reviews, max_recent, recent_volume, population, latest, max_trend_short, max_trend_long,
     peer + population * reduce(s = 0.0, k IN range(0, size($recent_scale_days) - 1) |
       s + CASE WHEN w.peer_recent_scales[k] = 0 OR max_peer_scales[k] = 0 THEN 0.0
                ELSE w.peer_recent_scales[k] * peer_scale_volumes[k] / max_peer_scales[k] END) AS peer,
     reduce(s = 0.0, k IN range(0, size($recent_scale_days) - 1) |
       s + CASE WHEN w.recent_scales[k] = 0 OR max_scales[k] = 0 THEN 0.0
                ELSE w.recent_scales[k] * scale_volumes[k] / max_scales[k] END) AS scales

// 8c. Trend of x: its reviews (any rating), ages ascending, counted at both half-lives of
//     w.trend_days; x's share of the short-term volume minus its share of the long-term one
//     (each share 0 when its maximum is 0):
//      trend = w.trend · (short_volume / max_trend_short - long_volume / max_trend_long)   (prior)
CALL (x, latest, w) {
  OPTIONAL MATCH (:Reviewer)-[r:REVIEWED]->(x)
  WITH latest.epochSeconds - r.at.epochSeconds AS age
  ORDER BY age
  WITH collect(age) AS ages
  RETURN reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / w.trend_days[0])) AS trend_short,
         reduce(s = 0.0, a IN ages | s + 2.0 ^ (-toFloat(a) / 86400 / w.trend_days[1])) AS trend_long
}
WITH w, x, concern_fit, claim, safety, co_review, mu, max_reviews, max_recent, recent_volume, population, peer,
     scales + CASE WHEN w.trend = 0 THEN 0.0
                   ELSE w.trend * (CASE WHEN max_trend_short = 0 THEN 0.0 ELSE trend_short / max_trend_short END
                                   - CASE WHEN max_trend_long = 0 THEN 0.0 ELSE trend_long / max_trend_long END) END AS scales

// ---------------------------------------------------------------------------------------------
// 8. Prior: quality and popularity of x over all reviews, for cold start and tie-breaks.
//    With n = x.review_count and r = x.rating (mu when n = 0):
//      shrunk     = (n · r + m · mu) / (n + m)                  the rating shrunk towards mu
//      popularity = ln(1 + n) / ln(1 + max_reviews)             review volume in [0, 1]
//                                                               (0 when max_reviews = 0)
//      recent     = ln(1 + recent_volume) / ln(1 + max_recent)  recent volume in [0, 1]
//                                                               (0 when max_recent = 0)
//      prior      = population · (w.prior · ((shrunk - mu) / 4 + popularity_share · popularity)
//                                  + w.recent · recent + w.recent_linear · recent_volume / max_recent)
// ---------------------------------------------------------------------------------------------
WITH w, x, concern_fit, claim, peer, safety, co_review, mu, max_reviews, max_recent, scales, recent_volume, population,
     toFloat(coalesce(x.review_count, 0)) AS n, toFloat(coalesce(x.rating, 0.0)) AS rating
WITH w, x, concern_fit, claim, peer, safety, co_review, mu, max_reviews, max_recent, scales, recent_volume, population, n,
     CASE WHEN n = 0 THEN mu ELSE rating END AS r
WITH w, x, concern_fit, claim, peer, safety, co_review, mu, max_recent, scales, recent_volume, population,
     CASE WHEN n + $smoothing > 0 THEN (n * r + $smoothing * mu) / (n + $smoothing) ELSE mu END AS shrunk,
     CASE WHEN max_reviews > 0 THEN log(1.0 + n) / log(1.0 + toFloat(max_reviews)) ELSE 0.0 END AS popularity
WITH x, concern_fit, claim, peer, safety, co_review,
     population * (CASE WHEN w.prior = 0 THEN 0.0
                        ELSE w.prior * ((shrunk - mu) / 4 + $popularity_share * popularity) END
                   + CASE WHEN w.recent = 0 OR max_recent = 0 THEN 0.0
                          ELSE w.recent * log(1.0 + recent_volume) / log(1.0 + max_recent) END
                   + CASE WHEN w.recent_linear = 0 OR max_recent = 0 THEN 0.0
                          ELSE w.recent_linear * recent_volume / max_recent END
                   + scales) AS prior   // scales: the multi-scale volumes (8b) and the trend (8c)

// ---------------------------------------------------------------------------------------------
// 9. The score is the sum of the families. Best first; equal scores by product id ascending.
// ---------------------------------------------------------------------------------------------
WITH x.id AS id, concern_fit, claim, peer, safety, co_review, prior,
     concern_fit + claim + peer + safety + co_review + prior AS score
ORDER BY score DESC, id ASC
SKIP $offset LIMIT $limit
RETURN id, score,
       {concern_fit: concern_fit, claim: claim, peer: peer, safety: safety, co_review: co_review, prior: prior} AS families
`

// ReferenceRank ranks products with Cypher alone, for the profile, filters and parameters of req
// (affinity is not computed: it needs embeddings; callers compare with Weights.Affinity = 0 or
// no liked products). It validates params and req as the ranker does (ErrInvalid) and returns
// the page Offset..Offset+Limit, best first, ties broken by product id. The item-item
// family's learned weights come from a projection of the graph read for the call.
func (s *Store) ReferenceRank(ctx context.Context, params ranker.Params, req ranker.Request) ([]ReferenceItem, error) {
	return s.ReferenceRankOn(ctx, nil, params, req)
}

// ReferenceRankOn is ReferenceRank with the item-item family's learned weights taken from
// proj, a projection of the graph as it is now (nil: read one). A test that ranks many
// requests on an unchanged graph passes the projection it already holds, instead of
// reading the whole graph again for each request.
func (s *Store) ReferenceRankOn(ctx context.Context, proj *graph.Projection, params ranker.Params, req ranker.Request) ([]ReferenceItem, error) {
	if err := params.Validate(); err != nil {
		return nil, fmt.Errorf("cypher: reference rank: %w: %w", graph.ErrInvalid, err)
	}
	if err := req.Validate(); err != nil {
		return nil, fmt.Errorf("cypher: reference rank: %w", err)
	}
	args := referenceParams(params, req)
	terms, err := s.itemItemTerms(ctx, proj, params, req)
	if err != nil {
		return nil, fmt.Errorf("cypher: reference rank: %w", err)
	}
	args["item_item_terms"] = terms
	recs, err := s.read(ctx, ReferenceRankCypher, args)
	if err != nil {
		return nil, fmt.Errorf("cypher: reference rank: %w", err)
	}
	items := make([]ReferenceItem, 0, len(recs))
	for _, r := range recs {
		m := r.AsMap()
		fams, _ := m["families"].(map[string]any)
		item := ReferenceItem{ID: str(m["id"]), Score: f64(m["score"]), Families: make(map[string]float64, len(referenceFamilies))}
		for _, k := range referenceFamilies {
			item.Families[k] = f64(fams[k])
		}
		items = append(items, item)
	}
	return items, nil
}

// itemItemTerms are the item-item family's learned weights of the request's liked products
// (ranker.ItemItemNeighbours on a projection of the graph), as $item_item_terms: none when
// no weight set uses the family. proj nil: a projection read now.
func (s *Store) itemItemTerms(ctx context.Context, proj *graph.Projection, params ranker.Params, req ranker.Request) ([]any, error) {
	terms := []any{}
	if params.Weights.ItemItem == 0 && params.HistoryWeights.ItemItem == 0 && params.ConcernSet().ItemItem == 0 {
		return terms, nil
	}
	if proj == nil {
		var err error
		if proj, err = s.Project(ctx); err != nil {
			return nil, err
		}
	}
	for slot, id := range req.Profile.LikedProducts {
		x, ok := proj.ProductIndex(id)
		if !ok {
			continue
		}
		nbs, err := ranker.ItemItemNeighbours(proj, params.ItemItemLambda, x)
		if err != nil {
			return nil, err
		}
		for rank, nb := range nbs {
			terms = append(terms, map[string]any{"slot": int64(slot), "rank": int64(rank), "liked": id,
				"id": proj.Products[nb.Product].ID, "weight": nb.Weight})
		}
	}
	return terms, nil
}

// referenceParams turns the parameters and the request into the query's $parameters.
func referenceParams(params ranker.Params, req ranker.Request) map[string]any {
	// Only the evidence levels of the vocabulary are ranked: the projection drops the others.
	evidence := map[string]any{}
	for _, level := range graph.Evidence.Names() {
		evidence[level] = params.Evidence[level]
	}
	p := req.Profile
	// each set carries the trend half-lives of its requests (Params.For)
	cold, history, concern := weightsParam(params.Weights), weightsParam(params.HistoryWeights), weightsParam(params.ConcernSet())
	cold["trend_days"] = []float64{params.TrendShortHalfLifeDays, params.TrendLongHalfLifeDays}
	concern["trend_days"] = cold["trend_days"]
	history["trend_days"] = []float64{params.HistoryTrendShortHalfLifeDays, params.HistoryTrendLongHalfLifeDays}
	return map[string]any{
		"weights":                       cold,
		"history_weights":               history,
		"concern_weights":               concern,
		"recent_half_life_days":         params.RecentHalfLifeDays,
		"history_recent_half_life_days": params.HistoryRecentHalfLifeDays,
		"recent_min_rating":             params.RecentMinRating,
		"recent_scale_days":             ranker.RecentScaleDays[:],
		"adverse_smoothing":             params.AdverseSmoothing,
		"liked_population_scale":        params.LikedPopulationScale,
		"co_review_min_rating":          int64(graph.CoReviewMinRating),
		"co_review_neighbours":          int64(graph.CoReviewNeighbours),
		"max_reviewer_fanout":           int64(graph.MaxReviewerFanout),
		"smoothing":                     params.Smoothing,
		"attr_weight": map[string]any{
			"skin_type": params.AttrWeight.SkinType, "skin_tone": params.AttrWeight.SkinTone, "concern": params.AttrWeight.Concern,
		},
		"evidence":         evidence,
		"popularity_share": params.PopularityShare,
		"profile": map[string]any{
			"skin_type":         p.SkinType,
			"skin_tone":         p.SkinTone,
			"concerns":          rows.NonNil(p.Concerns),
			"sensitivities":     rows.NonNil(p.Sensitivities),
			"avoid_ingredients": rows.NonNil(p.AvoidIngredients),
			"liked_products":    rows.NonNil(p.LikedProducts),
			"disliked_products": rows.NonNil(p.DislikedProducts),
		},
		"filters": map[string]any{
			"categories": rows.NonNil(req.Filters.Categories),
			"brands":     rows.NonNil(req.Filters.Brands),
			"max_price":  req.Filters.MaxPrice,
		},
		"offset": int64(req.Offset),
		"limit":  int64(req.Limit),
	}
}

// weightsParam is one weight set as the query's $weights or $history_weights.
func weightsParam(w ranker.Weights) map[string]any {
	return map[string]any{
		"concern_fit": w.ConcernFit, "claim": w.Claim, "peer_rating": w.PeerRating,
		"peer_effects": w.PeerEffects, "peer_volume": w.PeerVolume, "safety": w.Safety, "prior": w.Prior,
		"peer_adverse": w.PeerAdverse, "co_review": w.CoReview, "item_item": w.ItemItem, "adverse_excess": w.AdverseExcess, "recent": w.Recent,
		"recent_linear": w.RecentLinear, "recent_scales": w.RecentScales[:], "peer_recent_scales": w.PeerRecentScales[:],
		"trend": w.Trend,
	}
}
