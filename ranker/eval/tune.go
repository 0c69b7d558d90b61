package eval

import (
	"context"
	"fmt"
	"math"
	"strings"

	"github.com/skingraph/skingraph/ranker"
)

// TuneStep is one accepted move of the coordinate search.
type TuneStep struct {
	Param     string
	From, To  float64
	Objective float64 // the searched objective after the move (pooled over TuneOn's splits)
}

// TuneResult is what Tune found.
type TuneResult struct {
	Params            ranker.Params
	Start, Best       float64 // the objective at the start and at the end
	Evaluations       int
	Steps             []TuneStep
	ValidationQueries map[string]int     // by task
	HarmCaps          map[string]float64 // by task: the relevant products' harm_excess@10 on validation
	// BestBaseline holds, by task, the best NDCG@10 and Recall@10 of any baseline on the
	// validation queries: the bars the objective asks the engine to clear.
	BestBaseline map[string]Metrics
	// RelevantHarm is, by task, the harm@10 of the validation queries' relevant products
	// themselves: whether a perfect ranking could stay under the cap.
	RelevantHarm map[string]float64
	// Validation holds, by task, the engine's figures on the validation queries with Params.
	Validation         map[string]Metrics
	ValidationFromDate string // the first day of the validation period
	StartName          string // which start the search began from (TuneStarts)
	// Parts holds, by task, the task's part of the objective at Params (Best is their mean);
	// StartParts the same at the start.
	Parts, StartParts map[string]float64
	// FastEvaluations are the evaluations ranked from the feature cache (fastscore.go), of
	// FeatureCaches caches built; FastMismatch says why the search went back to the ranker
	// ("" when it did not).
	FastEvaluations, FeatureCaches int
	FastMismatch                   string
	// MinGainZ is the MinGainZ the search ran with.
	MinGainZ float64
	// Second is the chosen parameters' evaluation on the second validation split (the week
	// before, never searched on; nil when none was used).
	Second *TuneResult
	// Rejected counts the moves that raised the objective by less than MinGainZ standard
	// errors and were not taken.
	Rejected int
	// PerQuery holds, by task, each validation query's NDCG@10 at Params (Better compares them).
	PerQuery map[string][]float64
	// SearchSplits is how many validation splits the search chose on (TuneOn: 1 with TuneWith);
	// Searched and SearchedStart are the objective it maximised, over all of them pooled, at
	// the end and at the start (Best and Start are splits[0]'s alone).
	SearchSplits            int
	Searched, SearchedStart float64
	// Learned are the pairwise learner's fits (LearnAndRefine) and their validation
	// objectives; empty when the learner did not run.
	Learned []LearnTrial
	// Bag is the bagged search (round 11: skingraph eval --bag) whose mean weights Params are;
	// nil without it.
	Bag *BagResult
	// FixedColdStart says that the cold-start set was held as the start had it, not searched
	// (round 12, FixedColdStart).
	FixedColdStart bool
	// Forecast is the choice between that set and the forecaster of next week's reviews
	// (ChooseForecast, skingraph eval --cold-start forecast); nil without it.
	Forecast *ForecastChoice
}

// TuneStarts are the points the search starts from, by name: the given parameters, and the
// same with the cold-start weights reduced to the recent volume counted without decay (the
// engine's own popularity, concern fit and claims kept): a coordinate search moves one
// number at a time, and from the defaults it may not find a blend that needs several moves.
// The start whose search ends with the better validation objective wins.
func TuneStarts(base ranker.Params) []struct {
	Name   string
	Params ranker.Params
} {
	volume := base
	volume.Weights = ranker.Weights{ConcernFit: base.Weights.ConcernFit, Claim: base.Weights.Claim, Recent: 1}
	volume.RecentHalfLifeDays = 0
	return []struct {
		Name   string
		Params ranker.Params
	}{{"defaults", base}, {"volume", volume}}
}

// RecencyStart is a third start: the cold-start weights reduced to the linear recent volume
// (Weights.RecentLinear 1) over the given half-life, the one the recent_popularity baseline
// chose on the same validation split, and the history weights reduced to co-review plus the
// same linear recent volume over historyHalfLife; positive counts positive reviews only
// (Params.RecentMinRating), as the baseline chose for the profile task. From there the search adds the graph's
// families only where they raise the validation objective.
func RecencyStart(base ranker.Params, halfLife, historyHalfLife float64, positive bool) struct {
	Name   string
	Params ranker.Params
} {
	p := base
	p.Weights = ranker.Weights{ConcernFit: base.Weights.ConcernFit, Claim: base.Weights.Claim, RecentLinear: 1}
	p.HistoryWeights = ranker.Weights{ConcernFit: base.HistoryWeights.ConcernFit, Claim: base.HistoryWeights.Claim,
		CoReview: base.HistoryWeights.CoReview, RecentLinear: 1}
	p.RecentHalfLifeDays, p.HistoryRecentHalfLifeDays = halfLife, historyHalfLife
	if positive {
		p.RecentMinRating = 4 // graph.CoReviewMinRating
	}
	return struct {
		Name   string
		Params ranker.Params
	}{"recency", p}
}

// ScalesStart is RecencyStart with the multi-scale recent volumes in place of the single one:
// each weight set starts from the multi-scale weight of the half-life (ranker.RecentScaleDays)
// nearest the one the recent_popularity baseline chose on validation (1), so that the search,
// which moves the multi-scale weights only from a start that uses them, can blend half-lives
// and add peer recency.
func ScalesStart(base ranker.Params, halfLife, historyHalfLife float64) struct {
	Name   string
	Params ranker.Params
} {
	p := base
	p.Weights = ranker.Weights{ConcernFit: base.Weights.ConcernFit, Claim: base.Weights.Claim}
	p.HistoryWeights = ranker.Weights{ConcernFit: base.HistoryWeights.ConcernFit, Claim: base.HistoryWeights.Claim,
		CoReview: base.HistoryWeights.CoReview}
	p.Weights.RecentScales[nearestScale(halfLife)] = 1
	p.HistoryWeights.RecentScales[nearestScale(historyHalfLife)] = 1
	return struct {
		Name   string
		Params ranker.Params
	}{"scales", p}
}

// nearestScale is the index of the half-life of ranker.RecentScaleDays nearest h on a log
// scale (0, no decay, is the longest).
func nearestScale(h float64) int {
	best := len(ranker.RecentScaleDays) - 1
	if h <= 0 {
		return best
	}
	for k, d := range ranker.RecentScaleDays {
		if math.Abs(math.Log(d/h)) < math.Abs(math.Log(ranker.RecentScaleDays[best]/h)) {
			best = k
		}
	}
	return best
}

// SlowTuning makes the search rank every trial with the ranker, not from the feature cache
// (fastscore.go): for tests that compare the two.
var SlowTuning = false

// ShortfallPenalty is how many points of the tuning objective a point of NDCG@10 or Recall@10
// below the best baseline costs: 1, like a point of NDCG or of harm above the cap. (10, tried
// first, chose weights whose harm@10 on the held-out month exceeded popularity's:
// docs/EVALUATION.md.)
const ShortfallPenalty = 1

// tunable is one parameter the search moves, with the values it tries, and the task whose
// queries it can change ("" for both).
type tunable struct {
	name   string
	ptr    func(*ranker.Params) *float64
	values func(cur float64) []float64
	task   string
}

func scaled(cur float64) []float64 {
	if cur == 0 {
		return []float64{0, 0.1, 0.3, 1, 3}
	}
	return []float64{0, cur / 4, cur / 2, cur, cur * 2, cur * 4}
}

func fixed(vs ...float64) func(float64) []float64 { return func(float64) []float64 { return vs } }

// weightTunables are the family weights the search moves, in each weight set: Params.Weights
// ranks the profile task's queries (cold start), Params.HistoryWeights the history task's
// (they list liked products). Concern fit and claims are left as they are: the evaluation's
// profiles carry no concerns (Sephora reviews state none), so their weights cannot change a
// ranking here and would be tuned on noise; co-review and affinity need liked products, so
// the cold-start set leaves them too.
var weightTunables = []struct {
	name    string
	field   func(*ranker.Weights) *float64
	values  func(float64) []float64
	history bool // only for requests with history
}{
	{"peer_rating", func(w *ranker.Weights) *float64 { return &w.PeerRating }, scaled, false},
	{"peer_effects", func(w *ranker.Weights) *float64 { return &w.PeerEffects }, scaled, false},
	{"peer_volume", func(w *ranker.Weights) *float64 { return &w.PeerVolume }, fixed(0, 0.01, 0.02, 0.05, 0.1, 0.2), false},
	{"safety", func(w *ranker.Weights) *float64 { return &w.Safety }, scaled, false},
	{"affinity", func(w *ranker.Weights) *float64 { return &w.Affinity }, scaled, true},
	{"prior", func(w *ranker.Weights) *float64 { return &w.Prior }, scaled, false},
	{"co_review", func(w *ranker.Weights) *float64 { return &w.CoReview }, scaled, true},
	{"recent", func(w *ranker.Weights) *float64 { return &w.Recent }, scaled, false},
	{"recent_linear", func(w *ranker.Weights) *float64 { return &w.RecentLinear }, scaled, false},
	{"peer_adverse", func(w *ranker.Weights) *float64 { return &w.PeerAdverse }, fixed(0, 0.05, 0.1, 0.2, 0.4, 0.8), false},
	{"item_item", func(w *ranker.Weights) *float64 { return &w.ItemItem }, scaled, true},
	{"adverse_excess", func(w *ranker.Weights) *float64 { return &w.AdverseExcess }, fixed(0, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2), false},
	// round 6: the trend family (prototyped with eval.Probe's trend_3_30 first)
	{"trend", func(w *ranker.Weights) *float64 { return &w.Trend }, scaled, false},
}

// SeparateConcernWeights makes the search tune a weight set of its own for requests that
// state concerns (ranker.Params.ConcernWeights, on the concern task's queries alone) and the
// cold-start set on the profile task's alone; false tunes one cold-start set on both (the
// behaviour before round 5). A start without ConcernWeights begins from a copy of its
// cold-start set.
var SeparateConcernWeights = true

// FixedColdStart (round 12, skingraph eval --cold-start, default fixed) keeps the cold-start
// weight set, the one that ranks requests with neither history nor concerns (the profile
// task), as the start has it (skingraph eval gives every start ColdStartEnsemble,
// WithFixedColdStart), and the search never moves it: rounds 3-11
// searched it on validation and it ended 1-6 % below the recency baseline on every test
// window, while the search's gains over the replica on both validation weeks were within their
// noise. The other two sets (history, concerns) are searched as before. It needs
// SeparateConcernWeights (the concern set must be a set of its own).
var FixedColdStart = true

// ColdStartEnsemble is the fixed cold-start set: the multi-scale recent volume over positive
// reviews (Weights.RecentScales) at the half-lives of 1, 3, 7 and 14 days, each over its
// largest value in the catalogue, equal weights, and no other family. Averaging the half-lives
// instead of choosing one on a validation week was chosen on January's weeks alone
// (docs/EVALUATION.md, round 12): the half-life a week chooses is a poor guess for the next.
func ColdStartEnsemble() ranker.Weights {
	var w ranker.Weights
	for k, h := range ranker.RecentScaleDays {
		if h <= 14 {
			w.RecentScales[k] = 1
		}
	}
	return w
}

// WithFixedColdStart is p with its cold-start set replaced by ColdStartEnsemble; p's concern
// set (its cold-start set when it had none) is kept as a set of its own.
func WithFixedColdStart(p ranker.Params) ranker.Params {
	p.SetConcernWeights(p.ConcernSet())
	p.Weights = ColdStartEnsemble()
	return p
}

// HoldsColdStart says whether the searches hold the cold-start set fixed: FixedColdStart, with
// a concern set of its own (SeparateConcernWeights).
func HoldsColdStart() bool { return FixedColdStart && SeparateConcernWeights }

// concernWeights is p's concern set, made p's own (a copy: Params copies share the pointer),
// so that a trial's change never reaches the parameters it was copied from.
func concernWeights(p *ranker.Params) *ranker.Weights {
	p.SetConcernWeights(p.ConcernSet())
	return p.ConcernWeights
}

// taskCold marks a parameter that both the cold-start and the concern weight sets read (the
// recent volume's half-life): it changes the profile and concern tasks' rankings.
const taskCold = "cold"

// tunables are the parameters the search moves: each weight set's family weights, then the
// numbers both kinds of request share. The concern_weights ones are moved only when the
// parameters have a concern set (SeparateConcernWeights), the weights.concern_fit and
// weights.claim ones only when they have none.
var tunables = func() []tunable {
	var out []tunable
	for _, set := range []struct {
		prefix, task string
		weights      func(*ranker.Params) *ranker.Weights
	}{
		{"weights", TaskProfile, func(p *ranker.Params) *ranker.Weights { return &p.Weights }},
		{"history_weights", TaskHistory, func(p *ranker.Params) *ranker.Weights { return &p.HistoryWeights }},
		{"concern_weights", TaskConcern, concernWeights},
	} {
		for _, w := range weightTunables {
			if w.history && set.task != TaskHistory {
				continue
			}
			out = append(out, tunable{set.prefix + "." + w.name, func(p *ranker.Params) *float64 { return w.field(set.weights(p)) }, w.values, set.task})
		}
		if set.task == TaskConcern {
			out = append(out,
				tunable{"concern_weights.concern_fit", func(p *ranker.Params) *float64 { return &concernWeights(p).ConcernFit }, scaled, TaskConcern},
				tunable{"concern_weights.claim", func(p *ranker.Params) *float64 { return &concernWeights(p).Claim }, scaled, TaskConcern})
		}
	}
	// the multi-scale recent volumes (searched only from a start that uses them: scaleTunable)
	for _, set := range []struct {
		prefix, task string
		weights      func(*ranker.Params) *ranker.Weights
	}{
		{"weights", TaskProfile, func(p *ranker.Params) *ranker.Weights { return &p.Weights }},
		{"history_weights", TaskHistory, func(p *ranker.Params) *ranker.Weights { return &p.HistoryWeights }},
		{"concern_weights", TaskConcern, concernWeights},
	} {
		for k, h := range ranker.RecentScaleDays {
			out = append(out,
				tunable{fmt.Sprintf("%s.recent_scales[%g d]", set.prefix, h), func(p *ranker.Params) *float64 { return &set.weights(p).RecentScales[k] }, scaled, set.task},
				tunable{fmt.Sprintf("%s.peer_recent_scales[%g d]", set.prefix, h), func(p *ranker.Params) *float64 { return &set.weights(p).PeerRecentScales[k] }, scaled, set.task})
		}
	}
	return append(out,
		tunable{"popularity_share", func(p *ranker.Params) *float64 { return &p.PopularityShare }, fixed(0, 0.25, 0.5, 0.75, 1), ""},
		tunable{"smoothing", func(p *ranker.Params) *float64 { return &p.Smoothing }, fixed(1, 3, 10, 30, 100), ""},
		tunable{"attr_weight.skin_type", func(p *ranker.Params) *float64 { return &p.AttrWeight.SkinType }, fixed(0, 0.5, 1, 2), ""},
		tunable{"attr_weight.skin_tone", func(p *ranker.Params) *float64 { return &p.AttrWeight.SkinTone }, fixed(0, 0.15, 0.3, 0.6, 1), ""},
		tunable{"recent_half_life_days", func(p *ranker.Params) *float64 { return &p.RecentHalfLifeDays }, fixed(0, 1, 3, 7, 14, 30), taskCold},
		tunable{"history_recent_half_life_days", func(p *ranker.Params) *float64 { return &p.HistoryRecentHalfLifeDays }, fixed(0, 1, 3, 7, 14, 30), TaskHistory},
		// round 10: the trend's half-lives, per kind like the recent one's (moved only while a
		// weight set that reads them has the trend on: trendHalfLifeOff)
		tunable{"trend_short_half_life_days", func(p *ranker.Params) *float64 { return &p.TrendShortHalfLifeDays }, fixed(1, 3, 7), taskCold},
		tunable{"trend_long_half_life_days", func(p *ranker.Params) *float64 { return &p.TrendLongHalfLifeDays }, fixed(14, 30, 60), taskCold},
		tunable{"history_trend_short_half_life_days", func(p *ranker.Params) *float64 { return &p.HistoryTrendShortHalfLifeDays }, fixed(1, 3, 7), TaskHistory},
		tunable{"history_trend_long_half_life_days", func(p *ranker.Params) *float64 { return &p.HistoryTrendLongHalfLifeDays }, fixed(14, 30, 60), TaskHistory},
		tunable{"recent_min_rating", func(p *ranker.Params) *float64 { return &p.RecentMinRating }, fixed(0, 4), ""},
		tunable{"adverse_smoothing", func(p *ranker.Params) *float64 { return &p.AdverseSmoothing }, fixed(5, 10, 20, 50, 100), ""},
		// moved only while the item-item family is on (a new λ is a new fit)
		tunable{"item_item_lambda", func(p *ranker.Params) *float64 { return &p.ItemItemLambda }, fixed(1, 3, 10, 30, 100, 300), TaskHistory},
		// only profiles with concerns read these: the concern task's queries (without a
		// concern set; with one, concern_weights.concern_fit and .claim above)
		tunable{"weights.concern_fit", func(p *ranker.Params) *float64 { return &p.Weights.ConcernFit }, scaled, TaskConcern},
		tunable{"weights.claim", func(p *ranker.Params) *float64 { return &p.Weights.Claim }, scaled, TaskConcern},
		tunable{"attr_weight.concern", func(p *ranker.Params) *float64 { return &p.AttrWeight.Concern }, fixed(0, 0.3, 0.6, 1, 2), TaskConcern},
	)
}()

// scaleTunable says whether a tunable is a multi-scale recent volume weight: the search moves
// those only from parameters that use some (LearnAndRefine's fitted weights). From zero, one
// coordinate move at a time rarely finds a blend of half-lives, and the 20 more coordinates
// would double the time of make eval.
func scaleTunable(name string) bool {
	return strings.Contains(name, "recent_scales[")
}

// trendHalfLifeOff says whether tunable name is a trend half-life that no weight set of p
// reads (the trend weight of every set it serves is 0): moving it would change no ranking.
func trendHalfLifeOff(name string, p ranker.Params) bool {
	switch name {
	case "trend_short_half_life_days", "trend_long_half_life_days":
		return p.Weights.Trend == 0 && p.ConcernSet().Trend == 0
	case "history_trend_short_half_life_days", "history_trend_long_half_life_days":
		return p.HistoryWeights.Trend == 0
	}
	return false
}

func usesScales(p ranker.Params) bool {
	for _, w := range []ranker.Weights{p.Weights, p.HistoryWeights, p.ConcernSet()} {
		if usesScalesIn(w) {
			return true
		}
	}
	return false
}

// searchesScales says whether the search moves the multi-scale weights from p: a set it
// searches uses some (the fixed cold-start set, FixedColdStart, does not count).
func searchesScales(p ranker.Params) bool {
	sets := []ranker.Weights{p.HistoryWeights, p.ConcernSet()}
	if !HoldsColdStart() {
		sets = append(sets, p.Weights)
	}
	for _, w := range sets {
		if usesScalesIn(w) {
			return true
		}
	}
	return false
}

// usesScalesIn says whether w has a multi-scale recent volume weight.
func usesScalesIn(w ranker.Weights) bool {
	for k := range ranker.RecentScaleDays {
		if w.RecentScales[k] != 0 || w.PeerRecentScales[k] != 0 {
			return true
		}
	}
	return false
}

// affects says whether a parameter of task only ("" for every task, taskCold for the profile
// and concern tasks) can change the ranking of task's queries: without a concern set
// (separate false) the cold-start weights (TaskProfile) rank the concern task's queries too;
// the concern-only parameters change nothing without concerns.
func affects(only, task string, separate bool) bool {
	return only == "" || only == task || (only == TaskProfile && task == TaskConcern && !separate) ||
		(only == taskCold && (task == TaskProfile || task == TaskConcern))
}

// movable says whether the search moves tunable name for parameters p: the concern set's
// weights only when p has one, the cold-start set's concern fit and claim only when not.
func movable(name string, p ranker.Params) bool {
	if strings.HasPrefix(name, "concern_weights.") {
		return p.ConcernWeights != nil
	}
	if name == "weights.concern_fit" || name == "weights.claim" {
		return p.ConcernWeights == nil
	}
	return true
}

// Tune searches the ranker parameters coordinate by coordinate (passes times over tunables,
// each time keeping the value with the best objective, ties keeping the current value) on in,
// which must be a validation split carved from the train period: in.Proj built from the
// earlier train reviews (in.Train), in.Test the later ones. The test period is never seen.
//
// The objective encodes the goal of issue 6 on validation, per task, averaged over the tasks:
//
//	NDCG@10 − max(0, harm_excess@10 − cap) − ShortfallPenalty · (max(0, best NDCG − NDCG) + max(0, best recall − recall))
//
// where cap is the harm_excess@10 of the validation queries' relevant products themselves
// (issue 15's harm goal: no more products above their skin type's adverse rate than a perfect
// ranking has; it was half the popularity baseline's harm@10, a goal no ranking of what people
// go on to like could meet) and best NDCG and best recall are
// the best any baseline reaches on the same validation queries. Within the cap and above
// every baseline it is NDCG alone; each part of the goal that is missed costs its
// shortfall, in points of the metric, the same for all (ShortfallPenalty 1): the goal,
// unweighted. (The harm cap alone cannot be met by ranking the relevant products first,
// docs/EVALUATION.md; with the harm term alone the search traded accuracy for harm.)
func Tune(ctx context.Context, in Input, base ranker.Params, passes int) (TuneResult, error) {
	return TuneWith(ctx, in, base, passes, nil)
}

// TuneWith is Tune with the strong baselines already tuned on the same validation split
// (TuneBaselines): their validation figures join the bars the objective holds the engine to.
func TuneWith(ctx context.Context, in Input, base ranker.Params, passes int, tuned map[string][]TunedBaseline) (TuneResult, error) {
	return TuneOn(ctx, []Split{{In: in, Tuned: tuned}}, base, passes)
}

// Split is a validation split and the strong baselines tuned on it (TuneBaselinesOn).
type Split struct {
	In    Input
	Tuned map[string][]TunedBaseline
	// Bootstrap makes TuneOn search on a bootstrap resample of the split's validation queries
	// (each task's drawn with replacement, as many as it has, seeded by Seed: Resample) rather
	// than on the queries themselves (round 11, Bag). The bars of the objective are then the
	// baselines' figures on the resample: the fixed baselines and the tuned ones at the
	// settings chosen on the whole split (Tuned), re-evaluated on the drawn queries.
	Bootstrap bool
	Seed      int64
}

// TuneOn is TuneWith on several validation splits at once (round 7): every choice of the
// search, each move's gain and its MinGainZ gate, is made on the queries of every split
// pooled. The searched objective (TuneResult.Searched) is the mean of every split's tasks'
// parts, each part as in Tune with the split's own harm cap and baseline bars; the standard
// error of a move's gain combines the paired per-query differences of every split's queries
// (significant). Each split ranks with its own projection and has its own feature cache. The
// figures of the result (Best, Parts, Validation, PerQuery, ...) are those of splits[0], as
// with TuneWith, so that results compare across splits (BetterAcross); with one split,
// Searched is Best.
func TuneOn(ctx context.Context, splits []Split, base ranker.Params, passes int) (TuneResult, error) {
	if len(splits) == 0 {
		return TuneResult{}, fmt.Errorf("eval: tune: no validation split")
	}
	if SeparateConcernWeights && base.ConcernWeights == nil {
		base.SetConcernWeights(base.Weights)
	}
	separate := base.ConcernWeights != nil
	type taskQueries struct {
		split int // index in splits
		local int // index among the split's entries (its feature cache's task)
		task  string
		qs    []Query
		cap   float64
		best  Metrics
	}
	var queries []taskQueries // split by split, in task order
	res := TuneResult{ValidationQueries: map[string]int{}, HarmCaps: map[string]float64{}, BestBaseline: map[string]Metrics{}, RelevantHarm: map[string]float64{},
		SearchSplits: len(splits), FixedColdStart: HoldsColdStart()}
	datas := make([]*Data, len(splits))
	harms := make([]HarmIndex, len(splits))
	perSplit := make([]int, len(splits)) // entries of each split
	for s, sp := range splits {
		in := sp.In
		datas[s], harms[s] = NewData(in.Proj, in.Train), NewHarmIndex(in.harmReviews())
		data, harm := datas[s], harms[s]
		for _, task := range Tasks {
			qs, err := Queries(task, in)
			if err != nil {
				return TuneResult{}, err
			}
			if sp.Bootstrap {
				qs = Resample(qs, sp.Seed, task)
			}
			if s == 0 {
				res.ValidationQueries[task] = len(qs)
			}
			if len(qs) == 0 {
				continue
			}
			var best Metrics
			for _, b := range data.Baselines(task) {
				r, err := Evaluate(ctx, b, qs, harm, data.Catalogue())
				if err != nil {
					return TuneResult{}, fmt.Errorf("eval: tune: %w", err)
				}
				best.NDCG, best.Recall = max(best.NDCG, r.Overall.NDCG), max(best.Recall, r.Overall.Recall)
			}
			if sp.Bootstrap {
				// the tuned baselines' figures on the resample, at their chosen settings
				for _, b := range TunedRecommenders(data, sp.Tuned[task]) {
					r, err := Evaluate(ctx, b, qs, harm, data.Catalogue())
					if err != nil {
						return TuneResult{}, fmt.Errorf("eval: tune: %w", err)
					}
					best.NDCG, best.Recall = max(best.NDCG, r.Overall.NDCG), max(best.Recall, r.Overall.Recall)
				}
			} else {
				for _, t := range sp.Tuned[task] {
					best.NDCG, best.Recall = max(best.NDCG, t.Validation.NDCG), max(best.Recall, t.Validation.Recall)
				}
			}
			rel, err := Evaluate(ctx, relevantOnly{}, qs, harm, data.Catalogue())
			if err != nil {
				return TuneResult{}, fmt.Errorf("eval: tune: %w", err)
			}
			if s == 0 {
				res.BestBaseline[task] = best
				res.RelevantHarm[task] = rel.Overall.Harm
				res.HarmCaps[task] = rel.Overall.HarmExcess
			}
			queries = append(queries, taskQueries{s, perSplit[s], task, qs, rel.Overall.HarmExcess, best})
			perSplit[s]++
		}
	}
	if perSplit[0] == 0 {
		return TuneResult{}, fmt.Errorf("eval: tune: the validation split has no query")
	}
	part := func(m Metrics, tq taskQueries) float64 {
		return m.NDCG - max(0, m.HarmExcess-tq.cap) -
			ShortfallPenalty*(max(0, tq.best.NDCG-m.NDCG)+max(0, tq.best.Recall-m.Recall))
	}
	// an evaluation: the objective (the mean of every split's tasks' parts), each part and its
	// per-query NDCG@10 (for the paired comparison of MinGainZ)
	type scoreT struct {
		obj   float64
		parts []float64
		pq    [][]float64
	}
	// first is the mean of splits[0]'s parts: the objective of TuneWith on that split alone
	first := func(sc scoreT) float64 {
		sum := 0.0
		for i, tq := range queries {
			if tq.split == 0 {
				sum += sc.parts[i]
			}
		}
		return sum / float64(perSplit[0])
	}
	// objective evaluates p with the ranker. A parameter that only one task's requests read
	// (one weight set) is evaluated on that task alone, the other's part taken from known (the
	// best parameters'): the result is the same, in half the time.
	objective := func(p ranker.Params, only string, known scoreT) (scoreT, error) {
		engines := make([]Recommender, len(splits))
		res.Evaluations++
		out := scoreT{parts: make([]float64, len(queries)), pq: make([][]float64, len(queries))}
		sum := 0.0
		for i, tq := range queries {
			if !affects(only, tq.task, separate) {
				out.parts[i], out.pq[i] = known.parts[i], known.pq[i]
			} else {
				if engines[tq.split] == nil {
					eng, err := NewEngine("engine", p, splits[tq.split].In.Proj, splits[tq.split].In.Vecs)
					if err != nil {
						return scoreT{}, err
					}
					engines[tq.split] = eng
				}
				r, err := Evaluate(ctx, engines[tq.split], tq.qs, harms[tq.split], datas[tq.split].Catalogue())
				if err != nil {
					return scoreT{}, err
				}
				out.parts[i], out.pq[i] = part(r.Overall, tq), r.PerQueryNDCG
			}
			sum += out.parts[i]
		}
		out.obj = sum / float64(len(queries))
		return out, nil
	}
	// fastObjective is objective from the feature caches (fastscore.go, one per split): p must
	// differ from the caches' structure in family weights only.
	fcs := make([]*featureCache, len(splits))
	fastObjective := func(p ranker.Params, only string, known scoreT) scoreT {
		res.Evaluations++
		res.FastEvaluations++
		out := scoreT{parts: make([]float64, len(queries)), pq: make([][]float64, len(queries))}
		sum := 0.0
		for i, tq := range queries {
			if !affects(only, tq.task, separate) {
				out.parts[i], out.pq[i] = known.parts[i], known.pq[i]
			} else {
				r := aggregate("engine", tq.qs, fcs[tq.split].lists(tq.local, p), harms[tq.split], datas[tq.split].Catalogue())
				out.parts[i], out.pq[i] = part(r.Overall, tq), r.PerQueryNDCG
			}
			sum += out.parts[i]
		}
		out.obj = sum / float64(len(queries))
		return out
	}
	covers := func(p ranker.Params) bool {
		for _, fc := range fcs {
			if !fc.covers(p) {
				return false
			}
		}
		return true
	}
	fast := !SlowTuning
	// trial evaluates p, a change of best: from the feature caches when only weights changed
	// (built for best's structure on first use and checked against the ranker there), else
	// with the ranker.
	trial := func(p, best ranker.Params, only string, known scoreT) (scoreT, error) {
		if fast && sameStructure(p, best) {
			if fcs[0] == nil || !sameStructure(fcs[0].structure, best) {
				for s := range splits {
					var qs [][]Query
					for _, tq := range queries {
						if tq.split == s {
							qs = append(qs, tq.qs)
						}
					}
					var err error
					if fcs[s], err = newFeatureCache(ctx, splits[s].In, best, qs, usesScales(base)); err != nil {
						return scoreT{}, err
					}
					res.FeatureCaches++
				}
				if covers(best) {
					check := fastObjective(best, "", scoreT{})
					res.Evaluations--
					res.FastEvaluations--
					for i := range check.parts {
						if math.Abs(check.parts[i]-known.parts[i]) > 1e-9 {
							fast = false
							res.FastMismatch = fmt.Sprintf("%s part %.6f from the feature cache, %.6f from the ranker", queries[i].task, check.parts[i], known.parts[i])
						}
					}
				} else {
					fast = false
					res.FastMismatch = "the feature cache lacks a family the parameters use"
				}
			}
			if fast && covers(p) {
				return fastObjective(p, only, known), nil
			}
		}
		return objective(p, only, known)
	}
	best := base
	cur, err := objective(best, "", scoreT{})
	if err != nil {
		return TuneResult{}, fmt.Errorf("eval: tune: %w", err)
	}
	res.Start, res.SearchedStart, res.MinGainZ = first(cur), cur.obj, MinGainZ
	res.StartParts = map[string]float64{}
	for i, tq := range queries {
		if tq.split == 0 {
			res.StartParts[tq.task] = cur.parts[i]
		}
	}
	withScales := searchesScales(base)
	for range passes {
		moved := false
		for _, t := range tunables {
			if scaleTunable(t.name) && !withScales {
				continue
			}
			if t.task == TaskProfile && HoldsColdStart() {
				continue // the cold-start set is fixed (FixedColdStart)
			}
			if t.name == "item_item_lambda" && best.Weights.ItemItem == 0 && best.HistoryWeights.ItemItem == 0 {
				continue
			}
			if !movable(t.name, best) || trendHalfLifeOff(t.name, best) {
				continue
			}
			from := *t.ptr(&best)
			for _, v := range t.values(from) {
				if v == from {
					continue
				}
				p := best
				p.Evidence = best.Evidence // shared read-only map
				*t.ptr(&p) = v
				if p.Validate() != nil {
					continue
				}
				got, err := trial(p, best, t.task, cur)
				if err != nil {
					return TuneResult{}, fmt.Errorf("eval: tune: %w", err)
				}
				if got.obj > cur.obj+1e-9 {
					if !significant(got.obj-cur.obj, got.pq, cur.pq) {
						res.Rejected++
						continue
					}
					res.Steps = append(res.Steps, TuneStep{Param: t.name, From: *t.ptr(&best), To: v, Objective: got.obj})
					best, cur, moved = p, got, true
				}
			}
		}
		if !moved {
			break
		}
	}
	res.Params, res.Best, res.Searched = best, first(cur), cur.obj
	res.Parts = map[string]float64{}
	for i, tq := range queries {
		if tq.split == 0 {
			res.Parts[tq.task] = cur.parts[i]
		}
	}
	res.Validation, res.PerQuery = map[string]Metrics{}, map[string][]float64{}
	eng, err := NewEngine("engine", best, splits[0].In.Proj, splits[0].In.Vecs)
	if err != nil {
		return TuneResult{}, fmt.Errorf("eval: tune: %w", err)
	}
	for _, tq := range queries {
		if tq.split != 0 {
			continue
		}
		r, err := Evaluate(ctx, eng, tq.qs, harms[0], datas[0].Catalogue())
		if err != nil {
			return TuneResult{}, fmt.Errorf("eval: tune: %w", err)
		}
		res.Validation[tq.task] = r.Overall
		res.PerQuery[tq.task] = r.PerQueryNDCG
	}
	return res, nil
}

// MinGainZ is how many standard errors a move of the coordinate search (or a start, or a
// joined weight set, Better) must gain on validation to be taken: the gain of the objective
// must exceed MinGainZ × the standard error of the mean per-query difference of NDCG@10 it
// rests on (paired, per task, the tasks' errors combined as the objective averages them). The
// validation split holds 100-200 history queries: a move that gains less than its noise moves
// the test figures as often down as up (docs/EVALUATION.md). 0 takes every gain.
var MinGainZ = 1.0

// significant says whether a gain of the objective, resting on the per-query NDCG@10 a (new)
// against b (current), task by task, exceeds MinGainZ standard errors of the paired differences.
func significant(gain float64, a, b [][]float64) bool {
	if MinGainZ <= 0 {
		return true
	}
	v := 0.0
	for i := range a {
		n := len(a[i])
		if n < 2 || len(b[i]) != n {
			continue
		}
		mean := 0.0
		for q := range n {
			mean += a[i][q] - b[i][q]
		}
		mean /= float64(n)
		ss := 0.0
		for q := range n {
			d := a[i][q] - b[i][q] - mean
			ss += d * d
		}
		v += ss / float64(n-1) / float64(n) // the variance of task i's mean difference
	}
	se := math.Sqrt(v) / float64(len(a))
	return gain > MinGainZ*se
}

// Better says whether a's search ended significantly better than b's on the same validation
// split: a higher objective, by more than MinGainZ standard errors of the paired per-query
// NDCG@10 differences (MinGainZ). Ties and noise keep b.
func Better(a, b TuneResult) bool {
	return BetterOn(a, b, Tasks...)
}

// BetterOn is Better on the given tasks' parts of the objective only (their sum, over the
// number of tasks, as the objective weighs them): which start's weight set of one kind is
// better (the cold-start weights rank the profile and concern tasks, the history weights the
// history task).
func BetterOn(a, b TuneResult, tasks ...string) bool {
	return BetterAcross([]TuneResult{a}, []TuneResult{b}, tasks...)
}

// BetterAcross is BetterOn over several validation splits at once: as[i] and bs[i] are two
// parameter sets' results on split i (the same queries), the gain is the mean over the splits
// and the standard error combines every split's paired differences. Choosing on two
// validation weeks rather than one halves the room for a weight set that only fits its week.
func BetterAcross(as, bs []TuneResult, tasks ...string) bool {
	gain := 0.0
	var pa, pb [][]float64
	for i := range as {
		for _, task := range tasks {
			gain += (as[i].Parts[task] - bs[i].Parts[task]) / float64(len(Tasks)*len(as))
			pa, pb = append(pa, as[i].PerQuery[task]), append(pb, bs[i].PerQuery[task])
		}
	}
	if gain <= 1e-9 {
		return false
	}
	for len(pa) < len(Tasks)*len(as) { // the objective's average over every task and split
		pa, pb = append(pa, nil), append(pb, nil)
	}
	return significant(gain, pa, pb)
}

// LearnTrial is one weight set the learner proposed and its validation objective.
type LearnTrial struct {
	Task      string
	Learned   Learned
	Objective float64
	Kept      bool
}

// LearnAndRefine fits the family weights of both weight sets with the pairwise learner
// (LearnWeights) from best's parameters on the same validation split, keeps for each set the
// fit (one per LearnLambdas) with the highest validation objective, then runs the coordinate
// search (passes passes, the multi-scale weights among the coordinates) from there: a fit of
// the pairwise loss is a start, not an end, as the loss is not the objective. It returns the
// better of best and the result (ties keep best), and every trial.
func LearnAndRefine(ctx context.Context, in Input, best TuneResult, tuned map[string][]TunedBaseline, passes int) (TuneResult, []LearnTrial, error) {
	cur := best.Params
	var trials []LearnTrial
	evaluations := 0
	for _, task := range []string{TaskProfile, TaskHistory} {
		if task == TaskProfile && HoldsColdStart() {
			continue // the cold-start set is fixed (FixedColdStart)
		}
		ps, ls, err := LearnWeights(ctx, in, best.Params, task, LearnLambdas)
		if err != nil {
			return best, trials, err
		}
		keep, keepObj := -1, 0.0
		for i, p := range ps {
			// the fitted set of this task with the other set as it stands
			if task == TaskProfile {
				p.HistoryWeights = cur.HistoryWeights
			} else {
				p.Weights = cur.Weights
			}
			r, err := TuneWith(ctx, in, p, 0, tuned)
			if err != nil {
				return best, trials, err
			}
			evaluations += r.Evaluations
			trials = append(trials, LearnTrial{Task: task, Learned: ls[i], Objective: r.Best})
			if keep < 0 || r.Best > keepObj+1e-9 {
				keep, keepObj = len(trials)-1, r.Best
				if task == TaskProfile {
					cur.Weights = p.Weights
				} else {
					cur.HistoryWeights = p.HistoryWeights
				}
			}
		}
		if keep >= 0 {
			trials[keep].Kept = true
		}
	}
	r, err := TuneWith(ctx, in, cur, passes, tuned)
	if err != nil {
		return best, trials, err
	}
	r.Evaluations += evaluations + best.Evaluations
	if r.Best <= best.Best+1e-9 {
		best.Evaluations, best.Learned = r.Evaluations, trials
		return best, trials, nil
	}
	r.Learned = trials
	r.StartName = best.StartName + " + learned"
	return r, trials, nil
}

// Start is a named point the coordinate search starts from.
type Start struct {
	Name   string
	Params ranker.Params
}

// ItemItemStart is a start for the item-item family: the cold-start weights of ScalesStart,
// and the history weights reduced to the item-item family (Weights.ItemItem 1) at the λ the
// ease baseline chose on the history task's validation queries, plus the multi-scale recent
// volume (ranker.RecentScaleDays) nearest the half-life of the better recency baseline there
// (among the profile's skin type, PeerRecentScales, when recent_popularity_skin_type was the
// better one): EASE^R plus recency, the blend the issue saw beat the engine. ok is false when
// the tuned baselines lack one of them.
func ItemItemStart(base ranker.Params, tuned map[string][]TunedBaseline) (Start, bool) {
	var profile, ease, rec *TunedBaseline
	for i, t := range tuned[TaskProfile] {
		if t.Name == "recent_popularity" {
			profile = &tuned[TaskProfile][i]
		}
	}
	for i, t := range tuned[TaskHistory] {
		switch t.Name {
		case "ease":
			ease = &tuned[TaskHistory][i]
		case "recent_popularity", "recent_popularity_skin_type":
			if rec == nil || t.Validation.NDCG > rec.Validation.NDCG {
				rec = &tuned[TaskHistory][i]
			}
		}
	}
	if profile == nil || ease == nil || rec == nil {
		return Start{}, false
	}
	s := ScalesStart(base, profile.Setting.HalfLife, rec.Setting.HalfLife)
	w := ranker.Weights{ConcernFit: base.HistoryWeights.ConcernFit, Claim: base.HistoryWeights.Claim, ItemItem: 1}
	if rec.Name == "recent_popularity_skin_type" {
		w.PeerRecentScales[nearestScale(rec.Setting.HalfLife)] = 1
	} else {
		w.RecentScales[nearestScale(rec.Setting.HalfLife)] = 1
	}
	s.Params.HistoryWeights, s.Params.ItemItemLambda = w, ease.Setting.Lambda
	return Start{Name: "item_item", Params: s.Params}, true
}

// Combine returns cold's parameters with hist's history weights, history half-lives (recent
// volume and trend) and item-item λ: the weight sets are tuned on different tasks' queries (Weights on the profile
// and concern tasks, HistoryWeights on the history task), so the best of each may come from
// different starts. The shared numbers are cold's; a short search from the result settles them.
func Combine(cold, hist ranker.Params) ranker.Params {
	p := cold
	p.HistoryWeights, p.HistoryRecentHalfLifeDays, p.ItemItemLambda = hist.HistoryWeights, hist.HistoryRecentHalfLifeDays, hist.ItemItemLambda
	p.HistoryTrendShortHalfLifeDays, p.HistoryTrendLongHalfLifeDays = hist.HistoryTrendShortHalfLifeDays, hist.HistoryTrendLongHalfLifeDays // round 10
	return p
}

// CombineSets is Combine with the concern set (ranker.Params.ConcernSet) taken from concern:
// with SeparateConcernWeights each of the three weight sets is tuned on its own task, so the
// best of each may come from a different start. The recent volume's half-life and the shared
// numbers are cold's (the concern set was tuned with concern's; the short search from the
// result settles them).
func CombineSets(cold, concern, hist ranker.Params) ranker.Params {
	p := Combine(cold, hist)
	p.SetConcernWeights(concern.ConcernSet())
	return p
}

// ReplicaStart is the engine reduced to the best recency baselines it can express exactly, a
// start from which the search adds a family only where it gains on validation (MinGainZ): the
// cold-start weights are the linear recent volume (Weights.RecentLinear 1) over the half-life
// and reviews (all or positive, Params.RecentMinRating) the recent_popularity baseline chose on
// the profile task's validation queries; the history weights are the multi-scale recent volume
// (positive reviews, by the profile's skin type when recent_popularity_skin_type was the better
// history recency baseline there) nearest the history baseline's half-life, or the linear one
// when that baseline counts every review as the cold-start one does. Concern fit and claims
// are 0 too (the baselines read no concern; with base's weights they would outweigh the
// volume on the concern task): the search adds them where they gain. ok is false when the
// tuned baselines lack recent_popularity.
func ReplicaStart(base ranker.Params, tuned map[string][]TunedBaseline) (Start, bool) {
	var profile, rec *TunedBaseline
	for i, t := range tuned[TaskProfile] {
		if t.Name == "recent_popularity" {
			profile = &tuned[TaskProfile][i]
		}
	}
	for i, t := range tuned[TaskHistory] {
		if t.Name == "recent_popularity" || t.Name == "recent_popularity_skin_type" {
			if rec == nil || t.Validation.NDCG > rec.Validation.NDCG {
				rec = &tuned[TaskHistory][i]
			}
		}
	}
	if profile == nil || rec == nil {
		return Start{}, false
	}
	p := base
	p.Weights = ranker.Weights{RecentLinear: 1}
	p.RecentHalfLifeDays = profile.Setting.HalfLife
	p.RecentMinRating = 0
	if profile.Setting.Positive {
		p.RecentMinRating = 4 // graph.CoReviewMinRating
	}
	var h ranker.Weights
	switch {
	case rec.Name == "recent_popularity_skin_type":
		h.PeerRecentScales[nearestScale(rec.Setting.HalfLife)] = 1
	case rec.Setting.Positive == profile.Setting.Positive:
		h.RecentLinear = 1
		p.HistoryRecentHalfLifeDays = rec.Setting.HalfLife
	default:
		h.RecentScales[nearestScale(rec.Setting.HalfLife)] = 1
	}
	p.HistoryWeights = h
	return Start{Name: "replica", Params: p}, true
}
