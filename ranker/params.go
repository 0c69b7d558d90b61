package ranker

import (
	"errors"
	"fmt"
	"math"

	"github.com/skingraph/skingraph/graph"
)

// Weights scale each path family. A zero weight switches a family off.
type Weights struct {
	ConcernFit  float64 `json:"concern_fit"`
	Claim       float64 `json:"claim"`
	PeerRating  float64 `json:"peer_rating"`
	PeerEffects float64 `json:"peer_effects"`
	PeerVolume  float64 `json:"peer_volume"`
	Safety      float64 `json:"safety"`
	Affinity    float64 `json:"affinity"`
	Prior       float64 `json:"prior"`
	// CoReview scales the co-review family: products reviewed positively by the people who
	// reviewed the profile's liked products positively.
	CoReview float64 `json:"co_review"`
	// Recent scales the recent-volume part of the prior: the product's reviews in the graph,
	// each counted less the older it is (Params.RecentHalfLifeDays).
	Recent float64 `json:"recent"`
	// RecentLinear scales the same recent volume without the log: v / max v. Recent
	// compresses the head (ln), which lets the other families reorder the best sellers; a
	// linear term keeps recency's full strength (docs/EVALUATION.md).
	RecentLinear float64 `json:"recent_linear"`
	// PeerAdverse scales the adverse-effect term: the log ratio of the breakout and irritation
	// rate among reviewers sharing the profile's skin type (shrunk twice, Params.AdverseSmoothing)
	// to the catalogue's rate.
	PeerAdverse float64 `json:"peer_adverse"`
	// RecentScales scale the multi-scale recent volume, linear: element k counts the product's
	// positive reviews (graph.CoReviewMinRating) each 2^(−age/RecentScaleDays[k]), over the
	// largest such volume of any product. Explained with kind prior.
	RecentScales [NumRecentScales]float64 `json:"recent_scales"`
	// PeerRecentScales are RecentScales over the positive reviews by reviewers who stated the
	// profile's skin type on the review (peer recency), over the largest such volume of any
	// product for that skin type. Explained with kind peer; nothing without a skin type.
	PeerRecentScales [NumRecentScales]float64 `json:"peer_recent_scales"`
	// ItemItem scales the item-item family: for each liked product l, the products people who
	// liked l went on to like, weighted by EASE^R's B[l, x] fitted on every positive review
	// (Params.ItemItemLambda; ranker/itemitem.go). Explained with kind co_review; it needs
	// liked products, so only HistoryWeights use it.
	ItemItem float64 `json:"item_item"`
	// AdverseExcess scales the harm demotion (kind safety, with PeerAdverse's reason): the
	// relative excess of the breakout and irritation rate among reviewers sharing the
	// profile's skin type over the catalogue's, counted only when above it,
	// max(0, rate − catalogue rate) / catalogue rate (the same shrunk rates as PeerAdverse).
	// Unlike PeerAdverse it never lifts a product, so popularity can still rank the rest.
	AdverseExcess float64 `json:"adverse_excess"`
	// Trend scales the trend family (kind prior): the product's share of the short-term
	// review volume minus its share of the long-term one, v_s/max v_s − v_l/max v_l, every
	// review counted 2^(−age/h) at h = Params.TrendShortHalfLifeDays and TrendLongHalfLifeDays
	// (HistoryTrend… for requests with history; ranker/trend.go). A
	// product whose reviews are arriving faster than its long-run volume says (a launch, a
	// campaign) gains; one whose reviews have dried up loses. The multi-scale volumes cannot
	// express it: their weights are never negative.
	Trend float64 `json:"trend"`
}

// Params is every tunable number of the ranking model, in one value.
//
// The ranking is request-aware: a request whose profile lists a liked product the projection
// knows (a request with history) is scored with HistoryWeights; a request without history that
// states a concern the graph knows with ConcernWeights when set (else Weights); any other
// request (cold start: skin attributes and filters only) with Weights. The two kinds of request want
// different evidence: without history only what people in general, and people with the same
// skin, think of a product can rank it; with history, what the people who liked the same
// products went on to like says more (docs/EVALUATION.md measures both). The recent volume's
// half-life is per kind too (HistoryRecentHalfLifeDays), and so are the trend's two
// (HistoryTrendShortHalfLifeDays, HistoryTrendLongHalfLifeDays); every other number is shared.
type Params struct {
	// Weights are the family weights of cold-start requests (no known liked product).
	Weights Weights `json:"weights"`
	// HistoryWeights are the family weights of requests whose profile lists a liked product
	// the projection knows.
	HistoryWeights Weights `json:"history_weights"`
	// ConcernWeights, when set, are the family weights of requests without history whose
	// profile states a concern the graph knows; nil (the default) ranks them with Weights,
	// as before the set existed. Profile-only and concern requests want different blends
	// (docs/EVALUATION.md, round 5): the weights that fit stated concerns (concern fit,
	// claims, peer outcomes by concern) came along with volume weights that cost the
	// profile-only requests accuracy when one set served both. A pointer so that "unset" is
	// not "every family off"; treat it as read-only (copy before changing, SetConcernWeights).
	ConcernWeights *Weights `json:"concern_weights,omitempty"`
	// Smoothing is the number of pseudo-reviews at the catalogue mean that every rating and
	// effect share is shrunk with (Bayesian average).
	Smoothing float64 `json:"smoothing"`
	// AttrWeight scales peer outcomes by the kind of attribute shared with the reviewers.
	AttrWeight struct {
		SkinType float64 `json:"skin_type"`
		SkinTone float64 `json:"skin_tone"`
		Concern  float64 `json:"concern"`
	} `json:"attr_weight"`
	// Evidence is the confidence given to each evidence level of a TREATS edge.
	Evidence map[string]float64 `json:"evidence"`
	// PopularityShare is how much of the prior comes from review volume rather than rating.
	PopularityShare float64 `json:"popularity_share"`
	// RecentHalfLifeDays is the age, in days before the latest review of the graph, at which a
	// review counts half in the recent volume; 0 counts every review fully.
	RecentHalfLifeDays float64 `json:"recent_half_life_days"`
	// HistoryRecentHalfLifeDays is RecentHalfLifeDays for requests with history: how fast
	// recent volume forgets is part of what each kind of request wants (a cold start leans on
	// the volume alone, a request with history on co-reviews).
	HistoryRecentHalfLifeDays float64 `json:"history_recent_half_life_days"`
	// TrendShortHalfLifeDays and TrendLongHalfLifeDays are the half-lives, in days, of the
	// trend family's short- and long-term review volumes (Weights.Trend, ranker/trend.go) for
	// requests without history; both > 0. Defaults TrendShortDays and TrendLongDays.
	TrendShortHalfLifeDays float64 `json:"trend_short_half_life_days"`
	TrendLongHalfLifeDays  float64 `json:"trend_long_half_life_days"`
	// HistoryTrendShortHalfLifeDays and HistoryTrendLongHalfLifeDays are the trend's
	// half-lives for requests with history (as HistoryRecentHalfLifeDays is the recent one's).
	HistoryTrendShortHalfLifeDays float64 `json:"history_trend_short_half_life_days"`
	HistoryTrendLongHalfLifeDays  float64 `json:"history_trend_long_half_life_days"`
	// RecentMinRating is the lowest rating of a review that counts in the recent volume: 0
	// counts every review, graph.CoReviewMinRating (4) positive reviews only (the projection
	// indexes the ages of both; no other value is valid).
	RecentMinRating float64 `json:"recent_min_rating"`
	// AdverseSmoothing is the number of pseudo-reviews the adverse-effect rate of a product is
	// shrunk with: the product's rate over every skin type towards the catalogue's, then the
	// rate among the profile's skin type towards the product's.
	AdverseSmoothing float64 `json:"adverse_smoothing"`
	// LikedPopulationScale scales the population families (peer outcomes and the prior) when
	// the profile lists liked products the graph knows: with personal evidence (co-review,
	// affinity), what people in general think counts this much; 1 changes nothing.
	LikedPopulationScale float64 `json:"liked_population_scale"`
	// ItemItemLambda is the L2 regularisation λ of the item-item family's EASE^R fit
	// (Weights.ItemItem): larger values shrink the learned weights towards co-occurrence.
	ItemItemLambda float64 `json:"item_item_lambda"`
}

// DefaultParams returns the documented defaults.
func DefaultParams() Params {
	// Every value below except concern fit, claim and evidence (the Sephora reviews state no
	// concerns, so the evaluation cannot move them) was chosen by skingraph eval --tune on the
	// validation split of the Sephora train month (the last 7 days of January 2023), and
	// checked on the held-out February (docs/EVALUATION.md). Each weight set was tuned on the
	// requests of its kind:
	//   - cold start (Weights): recent volume counted over a 30-day half-life carries the
	//     ranking; peer rating (1) and peer volume (0.1) among people with the same skin type
	//     reorder it, safety (1) and a little of the catalogue rating (0.1) break the rest. The
	//     search that found them started from recent volume alone (eval.TuneStarts).
	//   - with history (HistoryWeights): co-review (1) and recent volume over a 3-day half-life
	//     (0.3) carry it, the catalogue rating (0.6), safety (2), peer effects, peer rating and
	//     peer adverse keep it honest.
	// Affinity, peer volume with history and the catalogue's all-time volume (PopularityShare)
	// are off: they lowered the validation objective. They stay available as weights.
	p := Params{
		Weights: Weights{
			ConcernFit: 1.0, Claim: 0.15, PeerRating: 1, PeerEffects: 0, PeerVolume: 0.1,
			Safety: 1, Affinity: 0, Prior: 0.1,
			CoReview: 0, Recent: 1, PeerAdverse: 0,
		},
		HistoryWeights: Weights{
			ConcernFit: 1.0, Claim: 0.15, PeerRating: 0.1, PeerEffects: 0.0625, PeerVolume: 0,
			Safety: 2, Affinity: 0, Prior: 0.6,
			CoReview: 1, Recent: 0.3, PeerAdverse: 0.05,
		},
		Smoothing:                 3,
		Evidence:                  map[string]float64{"clinical": 1.0, "in-vitro": 0.6, "expert-consensus": 0.5},
		PopularityShare:           0,
		RecentHalfLifeDays:        30,
		HistoryRecentHalfLifeDays: 3,
		// the trend's half-lives: fixed at 3 and 30 days in rounds 6-9, tunable since round 10
		TrendShortHalfLifeDays:        TrendShortDays,
		TrendLongHalfLifeDays:         TrendLongDays,
		HistoryTrendShortHalfLifeDays: TrendShortDays,
		HistoryTrendLongHalfLifeDays:  TrendLongDays,
		AdverseSmoothing:              50,
		LikedPopulationScale:          1,
		ItemItemLambda:                10,
	}
	p.AttrWeight.SkinType, p.AttrWeight.SkinTone, p.AttrWeight.Concern = 0.5, 0, 0.6
	return p
}

// Validate reports every out-of-range parameter.
func (p Params) Validate() error {
	var errs []error
	check := func(name string, v, lo, hi float64) {
		if math.IsNaN(v) || v < lo || v > hi {
			errs = append(errs, fmt.Errorf("%s = %g, want %g..%g", name, v, lo, hi))
		}
	}
	sets := []struct {
		prefix string
		w      Weights
	}{{"weights", p.Weights}, {"history_weights", p.HistoryWeights}}
	if p.ConcernWeights != nil {
		sets = append(sets, struct {
			prefix string
			w      Weights
		}{"concern_weights", *p.ConcernWeights})
	}
	for _, set := range sets {
		w := set.w
		for _, f := range []struct {
			name string
			v    float64
		}{{"concern_fit", w.ConcernFit}, {"claim", w.Claim}, {"peer_rating", w.PeerRating},
			{"peer_effects", w.PeerEffects}, {"peer_volume", w.PeerVolume}, {"safety", w.Safety}, {"affinity", w.Affinity}, {"prior", w.Prior},
			{"co_review", w.CoReview}, {"recent", w.Recent}, {"recent_linear", w.RecentLinear}, {"peer_adverse", w.PeerAdverse},
			{"item_item", w.ItemItem}, {"adverse_excess", w.AdverseExcess}, {"trend", w.Trend}} {
			check(set.prefix+"."+f.name, f.v, 0, 100)
		}
		for k, h := range RecentScaleDays {
			check(fmt.Sprintf("%s.recent_scales[%d] (half-life %g d)", set.prefix, k, h), w.RecentScales[k], 0, 100)
			check(fmt.Sprintf("%s.peer_recent_scales[%d] (half-life %g d)", set.prefix, k, h), w.PeerRecentScales[k], 0, 100)
		}
		if w.PeerAdverse != 0 && p.AdverseSmoothing == 0 {
			errs = append(errs, fmt.Errorf("adverse_smoothing = 0 with %s.peer_adverse = %g: the adverse rate needs pseudo-reviews (a rate of 0 has no logarithm)", set.prefix, w.PeerAdverse))
		}
		if w.AdverseExcess != 0 && p.AdverseSmoothing == 0 {
			errs = append(errs, fmt.Errorf("adverse_smoothing = 0 with %s.adverse_excess = %g: the adverse rate needs pseudo-reviews (a product nobody reviewed has no rate)", set.prefix, w.AdverseExcess))
		}
	}
	check("smoothing", p.Smoothing, 0, 1e6)
	check("attr_weight.skin_type", p.AttrWeight.SkinType, 0, 10)
	check("attr_weight.skin_tone", p.AttrWeight.SkinTone, 0, 10)
	check("attr_weight.concern", p.AttrWeight.Concern, 0, 10)
	check("popularity_share", p.PopularityShare, 0, 1)
	check("recent_half_life_days", p.RecentHalfLifeDays, 0, 36500)
	check("history_recent_half_life_days", p.HistoryRecentHalfLifeDays, 0, 36500)
	// the trend's half-lives divide the ages: 0 would make the volumes NaN
	for _, h := range []struct {
		name string
		v    float64
	}{{"trend_short_half_life_days", p.TrendShortHalfLifeDays}, {"trend_long_half_life_days", p.TrendLongHalfLifeDays},
		{"history_trend_short_half_life_days", p.HistoryTrendShortHalfLifeDays}, {"history_trend_long_half_life_days", p.HistoryTrendLongHalfLifeDays}} {
		if math.IsNaN(h.v) || h.v <= 0 || h.v > 36500 {
			errs = append(errs, fmt.Errorf("%s = %g, want > 0 and <= 36500", h.name, h.v))
		}
	}
	check("adverse_smoothing", p.AdverseSmoothing, 0, 1e6)
	if p.RecentMinRating != 0 && p.RecentMinRating != graph.CoReviewMinRating {
		errs = append(errs, fmt.Errorf("recent_min_rating = %g, want 0 (every review) or %d (positive reviews)", p.RecentMinRating, graph.CoReviewMinRating))
	}
	check("liked_population_scale", p.LikedPopulationScale, 0, 1)
	check("item_item_lambda", p.ItemItemLambda, 0, 1e6)
	if (p.Weights.ItemItem != 0 || p.HistoryWeights.ItemItem != 0 || p.ConcernWeights != nil && p.ConcernWeights.ItemItem != 0) && !(p.ItemItemLambda >= 0.01) {
		errs = append(errs, fmt.Errorf("item_item_lambda = %g with an item_item weight: the fit needs λ >= 0.01 (XᵀX alone may be singular)", p.ItemItemLambda))
	}
	for _, level := range []string{"clinical", "in-vitro", "expert-consensus"} {
		v, ok := p.Evidence[level]
		if !ok {
			errs = append(errs, fmt.Errorf("evidence[%s] missing", level))
			continue
		}
		check("evidence["+level+"]", v, 0, 1)
	}
	return errors.Join(errs...)
}

// WeightsFor returns the family weights of a request: HistoryWeights when it has history
// (a liked product the projection knows), else Weights.
func (p Params) WeightsFor(history bool) Weights {
	if history {
		return p.HistoryWeights
	}
	return p.Weights
}

// ConcernSet returns the weights of requests without history that state a known concern:
// ConcernWeights when set, else Weights.
func (p Params) ConcernSet() Weights {
	if p.ConcernWeights != nil {
		return *p.ConcernWeights
	}
	return p.Weights
}

// SetConcernWeights sets ConcernWeights to a copy of w (never shared with another Params).
func (p *Params) SetConcernWeights(w Weights) {
	p.ConcernWeights = &w
}

// For returns the parameters a request of that kind is ranked with: Weights and
// RecentHalfLifeDays replaced by HistoryWeights and HistoryRecentHalfLifeDays when it has
// history, and the trend's half-lives by HistoryTrendShortHalfLifeDays and
// HistoryTrendLongHalfLifeDays.
func (p Params) For(history bool) Params {
	if history {
		p.Weights, p.RecentHalfLifeDays = p.HistoryWeights, p.HistoryRecentHalfLifeDays
		p.TrendShortHalfLifeDays, p.TrendLongHalfLifeDays = p.HistoryTrendShortHalfLifeDays, p.HistoryTrendLongHalfLifeDays
	}
	return p
}

// ForRequest is For with the concern set: a request without history that states a concern the
// graph knows (concerns) is ranked with ConcernSet() in place of Weights.
func (p Params) ForRequest(history, concerns bool) Params {
	if !history && concerns {
		p.Weights = p.ConcernSet()
	}
	return p.For(history)
}
