// Package ranker ranks products for a skin profile over the in-memory graph projection and
// explains every score. It depends on package graph only.
//
// The score of product x for profile p is a sum of path contributions in six families
// (DESIGN.md section 3, plus co-review); Params holds every weight. "Weights" below is the
// weight set of the request's kind (Params.WeightsFor): Params.HistoryWeights when the
// profile lists a liked product the projection knows (a request with history),
// Params.ConcernWeights when set and the profile states a known concern (no history),
// Params.Weights otherwise (a cold start: skin attributes, concerns, filters). The formulas,
// the reasons and their form are the same for both kinds; only the weights differ:
//
//	concern fit  for each concern c of p, each ingredient i of x with i -TREATS-> c:
//	               Weights.ConcernFit · efficacy · confidence(evidence) · position(i in x)
//	             for each concern c of p that x -CLAIMS-> c:  Weights.Claim
//	peer         for each attribute a of p (skin type, skin tone, concerns) with an outcome of x:
//	               attrWeight(a) · (Weights.PeerRating · (r̃ − μ)/4 + Weights.PeerEffects · ((g̃ − γ) − 2·(b̃ − β))
//	                                + Weights.PeerVolume · ln(1 + n))
//	             where r̃, g̃, b̃ are the outcome's mean rating and shares of good (improved,
//	             hydration) and bad (breakout, irritation) reports, each smoothed towards the
//	             catalogue means μ, γ, β with Params.Smoothing pseudo-reviews, and n is the
//	             outcome's number of reviews: how many people with that attribute reviewed x
//	             (evidence volume: 200 reviews at 4.6 stars say more than 2 at 5)
//	safety       for each ingredient i of x with i -AGGRAVATES-> a, a the skin type or a concern of p:
//	               −Weights.Safety · severity · position(i in x)
//	             and, when p declares a skin type t (peer adverse effects):
//	               −Weights.PeerAdverse · ln(b̃_t / β) − Weights.AdverseExcess · max(0, b̃_t − β) / β
//	             where, with m = Params.AdverseSmoothing, N and B x's reviews and breakout or
//	             irritation reports over every skin type, n and b those of skin type t:
//	               b̂ = (B + m·β) / (N + m)     x's adverse rate, shrunk towards the catalogue's β
//	               b̃_t = (b + m·b̂) / (n + m)   the rate among t, shrunk towards x's
//	             (a penalty when people with p's skin report more harm from x than average,
//	             a bonus when fewer; the AdverseExcess part, the harm demotion, only penalises;
//	             0 without adverse reports in the catalogue)
//	affinity     for each liked product l:  Weights.Affinity · cosine(embedding(x), embedding(l)) / |liked|
//	co-review    for each liked product l with x among l's graph.CoReviewNeighbours most similar
//	             co-reviewed products:  Weights.CoReview · co(l, x) / sqrt(n_l · n_x)
//	             where n is the number of distinct reviewers who rated a product
//	             graph.CoReviewMinRating (4) or more and co(l, x) the number who rated both so
//	             (reviewers of more than graph.MaxReviewerFanout such products left out):
//	             item-item cosine over positive reviews
//	item-item    (kind co_review) for each liked product l and each of l's learned neighbours x:
//	               Weights.ItemItem · B[l, x]
//	             B = EASE^R (Steck 2019) fitted on the same positive reviews, X the reviewer ×
//	             product matrix (the MaxItemItemProducts products with most reviewers):
//	               P = (XᵀX + λI)⁻¹, B[l, x] = −P[l, x] / P[x, x], λ = Params.ItemItemLambda
//	             keeping, per l, the graph.CoReviewNeighbours largest positive B[l, x] among the
//	             products that share a positive reviewer with l (each weight has its path
//	             l <-REVIEWED- reviewer -REVIEWED-> x); fitted once per projection and λ
//	prior        Weights.Prior · ((r̂ − μ)/4 + Params.PopularityShare · log1p(n)/log1p(max n))
//	               + Weights.Recent · log1p(v)/log1p(max v) + Weights.RecentLinear · v/max v,
//	             r̂ the product's rating shrunk towards μ with Params.Smoothing pseudo-reviews, n
//	             its all-time review count (the catalogue's), and v its recent review volume in
//	             the graph: Σ over its REVIEWED edges of 2^(−age/h), age in days before the
//	             latest review of the graph, h = Params.RecentHalfLifeDays (h = 0: v = count);
//	             only reviews rated Params.RecentMinRating or more count (0: every review, 4:
//	             positive reviews)
//	             + Σ_k Weights.RecentScales[k] · v_k / max v_k   (multi-scale recency, linear)
//	             v_k: x's positive reviews (graph.CoReviewMinRating) each counted 2^(−age/h_k),
//	             h_k = RecentScaleDays[k] ∈ {1, 3, 7, 14, 30} days; one reason per half-life
//	             + Weights.Trend · (v_s / max v_s − v_l / max v_l)   (trend, ranker/trend.go)
//	             v_s, v_l: x's reviews (any rating) each counted 2^(−age/h) at h =
//	             Params.TrendShortHalfLifeDays and TrendLongHalfLifeDays (the History… pair with
//	             history; defaults TrendShortDays 3 and TrendLongDays 30 days): rising products
//	             gain, fading ones lose; one reason ("Trend, rising: ...")
//	peer recency (kind peer), when p declares a skin type t:
//	               Σ_k Weights.PeerRecentScales[k] · v_k,t / max v_k,t
//	             v_k,t the same over the positive reviews whose reviewer stated skin type t on
//	             the review, max over every product for t (also × LikedPopulationScale)
//
// When the profile lists a liked product the projection knows, the peer and prior families are
// also multiplied by Params.LikedPopulationScale (1 by default; HistoryWeights subsumes it, it
// stays for callers that set it).
//
// Why two weight sets: the two kinds of request want different evidence. Without history,
// only what people in general and people with the same skin think of a product can rank it
// (the prior, recent volume, peer outcomes); with history, what the people who liked the same
// products went on to like (co-review) says more, and population evidence mostly adds the
// same popular products to everyone's list. On the Sephora evaluation no single weight set
// won both (docs/EVALUATION.md); each set is tuned on the validation split of its own kind
// of request.
//
// with position(k) = 1/sqrt(k) for the k-th ingredient of the label and confidence =
// Params.Evidence[level]. A product containing an avoided ingredient, or an ingredient that
// aggravates a declared sensitivity, is excluded (never scored) and the exclusion reported.
// Products are ranked by score, ties broken by product id, so the same projection and request
// always give the same result.
//
// Merchandising sits on top of the sum (rules.go, diversity.go): an out-of-stock product is
// excluded like an avoided one (reason out_of_stock); the merchandising rules of the
// projection in force for the request (period and condition) add one Why of kind rule per
// rule that touches a product: a boost or bury its ±amount, a pin the lift that places the
// product at its position; a filter rule excludes (reason rule:<name>). The score stays
// Σ why[].contribution. Request.MaxPerBrand then caps the products of one brand per page.
// Same projection, request and rules in force: same result.
package ranker
