package eval

import (
	"context"
	"fmt"
	"slices"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// TaskReport is every system's figures on one task, on the same queries.
type TaskReport struct {
	Task      string
	Queries   int
	Engine    SystemResult
	Baselines []SystemResult
	Ablations []SystemResult // the engine with one family switched off, "engine -<family>"
	// RelevantHarm is the harm@10 of the relevant products themselves (each query's list
	// being exactly its relevant products): what a perfect ranking would score on harm.
	RelevantHarm float64
	// Relevant is every figure of that perfect ranking (its harm and rate-based harm are the
	// bounds a recommender of what people go on to like is held to).
	Relevant Metrics
	// HarmSweep is the engine with the harm demotion forced up to each of Options.HarmSweep
	// (SweepHarm): what holding harm_excess@10 down would cost. Reported, never chosen from.
	HarmSweep []SystemResult
}

// Report is the result of an evaluation run.
type Report struct {
	Params ranker.Params // the engine's parameters
	Tasks  []TaskReport  // profile, then history
	Tuning *TuneResult   // nil unless tuned
}

// Input is what an evaluation runs on: the projection of the catalogue and train reviews (and
// its embeddings, nil for none), the train reviews and the test reviews.
type Input struct {
	Proj  *graph.Projection
	Vecs  ranker.Vectors
	Train []graph.Review
	Test  []graph.Review
	// Harm, when set, are the reviews the tuning's harm terms (harm_excess@10 and its cap,
	// the relevant products' own) are measured on, instead of Test: a validation week's
	// queries with the harm of a horizon as long as the test period's (round 9). Every
	// review must be after Train. Only Tune reads it; Run measures harm on Test.
	Harm []graph.Review
}

// harmReviews are the reviews the tuning measures harm on: Harm when set, else Test.
func (in Input) harmReviews() []graph.Review {
	if in.Harm != nil {
		return in.Harm
	}
	return in.Test
}

// Options control Run.
type Options struct {
	Params  ranker.Params
	Ablate  bool                // also run each ablation
	Tasks   []string            // default both
	Observe func(system string) // called before each system runs (progress), may be nil
	// Tuned are the strong baselines of each task with the settings chosen on validation
	// (TuneBaselines); they run beside the fixed baselines, built on the train reviews.
	Tuned map[string][]TunedBaseline
	// HarmSweep are harm demotion weights (ranker.Weights.AdverseExcess) to run the engine at
	// besides its own, each in every weight set (SweepHarm): a sensitivity analysis of the
	// harm goal on the evaluated period, reported beside the ablations and never used to
	// choose anything (docs/EVALUATION.md, round 9). Empty: none.
	HarmSweep []float64
}

// SweepHarm returns p with the harm demotion (AdverseExcess) at least g in every weight set,
// and whether that changed p. A set whose own weight is higher keeps it.
func SweepHarm(p ranker.Params, g float64) (ranker.Params, bool) {
	changed := false
	raise := func(w *ranker.Weights) {
		if w.AdverseExcess < g {
			w.AdverseExcess, changed = g, true
		}
	}
	raise(&p.Weights)
	raise(&p.HistoryWeights)
	if p.ConcernWeights != nil {
		c := *p.ConcernWeights // a copy: the caller's parameters keep their set
		raise(&c)
		p.ConcernWeights = &c
	}
	return p, changed
}

// Ablation is one family switched off.
type Ablation struct {
	Family string
	Off    func(*ranker.Weights)
}

// Ablations lists the families that can be switched off, one weight each.
var Ablations = []Ablation{
	{"concern_fit", func(w *ranker.Weights) { w.ConcernFit = 0 }},
	{"claim", func(w *ranker.Weights) { w.Claim = 0 }},
	{"peer_rating", func(w *ranker.Weights) { w.PeerRating = 0 }},
	{"peer_effects", func(w *ranker.Weights) { w.PeerEffects = 0 }},
	{"peer_volume", func(w *ranker.Weights) { w.PeerVolume = 0 }},
	{"safety", func(w *ranker.Weights) { w.Safety = 0 }},
	{"affinity", func(w *ranker.Weights) { w.Affinity = 0 }},
	{"prior", func(w *ranker.Weights) { w.Prior = 0 }},
	{"co_review", func(w *ranker.Weights) { w.CoReview = 0 }},
	{"recent", func(w *ranker.Weights) { w.Recent = 0 }},
	{"recent_linear", func(w *ranker.Weights) { w.RecentLinear = 0 }},
	{"peer_adverse", func(w *ranker.Weights) { w.PeerAdverse = 0 }},
	{"recent_scales", func(w *ranker.Weights) { w.RecentScales = [ranker.NumRecentScales]float64{} }},
	{"peer_recent_scales", func(w *ranker.Weights) { w.PeerRecentScales = [ranker.NumRecentScales]float64{} }},
	{"item_item", func(w *ranker.Weights) { w.ItemItem = 0 }},
	{"adverse_excess", func(w *ranker.Weights) { w.AdverseExcess = 0 }},
	{"trend", func(w *ranker.Weights) { w.Trend = 0 }},
}

// ParamAblations switch off a part of the ranking that is not one family weight.
var ParamAblations = []struct {
	Name string
	Off  func(*ranker.Params)
}{
	// peer outcomes among reviewers who state the profile's concerns (the peer family's
	// concern attributes)
	{"peer_by_concern", func(p *ranker.Params) { p.AttrWeight.Concern = 0 }},
}

// Queries builds the queries of a task.
func Queries(task string, in Input) ([]Query, error) {
	switch task {
	case TaskProfile:
		return ProfileQueries(in.Proj, in.Test), nil
	case TaskHistory:
		return HistoryQueries(in.Proj, in.Train, in.Test), nil
	case TaskConcern:
		return ConcernQueries(in.Proj, in.Test), nil
	}
	return nil, fmt.Errorf("eval: unknown task %q: %w", task, graph.ErrInvalid)
}

// forEachTask calls f with each of Tasks and its queries, in order, skipping the tasks
// without any; it stops at the first error.
func forEachTask(in Input, f func(task string, qs []Query) error) error {
	for _, task := range Tasks {
		qs, err := Queries(task, in)
		if err != nil {
			return err
		}
		if len(qs) == 0 {
			continue
		}
		if err := f(task, qs); err != nil {
			return err
		}
	}
	return nil
}

// Run evaluates the engine, every baseline and (with opts.Ablate) every ablation on both
// tasks, on the same queries.
func Run(ctx context.Context, in Input, opts Options) (Report, error) {
	tasks := opts.Tasks
	if len(tasks) == 0 {
		tasks = Tasks
	}
	rep := Report{Params: opts.Params}
	data := NewData(in.Proj, in.Train)
	harm := NewHarmIndex(in.Test)
	observe := func(task, name string) {
		if opts.Observe != nil {
			opts.Observe(task + ": " + name)
		}
	}
	for _, task := range tasks {
		qs, err := Queries(task, in)
		if err != nil {
			return Report{}, err
		}
		tr := TaskReport{Task: task, Queries: len(qs)}
		// runEngine evaluates the engine under params p on this task's queries: the tuned
		// engine, each ablation and each step of the harm sweep.
		runEngine := func(name string, p ranker.Params) (SystemResult, error) {
			eng, err := NewEngine(name, p, in.Proj, in.Vecs)
			if err != nil {
				return SystemResult{}, err
			}
			observe(task, eng.Name())
			return Evaluate(ctx, eng, qs, harm, data.Catalogue())
		}
		if tr.Engine, err = runEngine("engine", opts.Params); err != nil {
			return Report{}, err
		}
		rel, err := Evaluate(ctx, relevantOnly{}, qs, harm, data.Catalogue())
		if err != nil {
			return Report{}, err
		}
		tr.RelevantHarm, tr.Relevant = rel.Overall.Harm, rel.Overall
		for _, b := range data.Baselines(task) {
			observe(task, b.Name())
			res, err := Evaluate(ctx, b, qs, harm, data.Catalogue())
			if err != nil {
				return Report{}, err
			}
			tr.Baselines = append(tr.Baselines, res)
		}
		for i, b := range TunedRecommenders(data, opts.Tuned[task]) {
			observe(task, b.Name())
			res, err := Evaluate(ctx, b, qs, harm, data.Catalogue())
			if err != nil {
				return Report{}, err
			}
			res.Setting = opts.Tuned[task][i].Describe
			tr.Baselines = append(tr.Baselines, res)
		}
		if opts.Ablate {
			for _, a := range Ablations {
				p := opts.Params
				before, beforeHistory, beforeConcern := p.Weights, p.HistoryWeights, p.ConcernSet()
				a.Off(&p.Weights) // in every weight set: the family is switched off for every request
				a.Off(&p.HistoryWeights)
				if p.ConcernWeights != nil {
					c := *p.ConcernWeights // a copy: opts.Params keeps its set
					a.Off(&c)
					p.ConcernWeights = &c
				}
				if p.Weights == before && p.HistoryWeights == beforeHistory && p.ConcernSet() == beforeConcern {
					continue // already off
				}
				res, err := runEngine("engine -"+a.Family, p)
				if err != nil {
					return Report{}, err
				}
				tr.Ablations = append(tr.Ablations, res)
			}
			for _, a := range ParamAblations {
				p := opts.Params
				a.Off(&p)
				if p.AttrWeight == opts.Params.AttrWeight {
					continue
				}
				res, err := runEngine("engine -"+a.Name, p)
				if err != nil {
					return Report{}, err
				}
				tr.Ablations = append(tr.Ablations, res)
			}
		}
		for _, g := range opts.HarmSweep {
			p, changed := SweepHarm(opts.Params, g)
			if !changed {
				continue
			}
			res, err := runEngine(fmt.Sprintf("engine adverse_excess>=%g", g), p)
			if err != nil {
				return Report{}, err
			}
			tr.HarmSweep = append(tr.HarmSweep, res)
		}
		rep.Tasks = append(rep.Tasks, tr)
	}
	return rep, nil
}

// relevantOnly recommends each query's relevant products, by id: the perfect ranking, used only
// to measure how much harm the products people go on to like carry.
type relevantOnly struct{}

func (relevantOnly) Name() string { return "relevant" }

func (relevantOnly) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	ids := make([]string, 0, len(q.Relevant))
	for id := range q.Relevant {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids[:min(k, len(ids))], nil
}

// Task returns the report of one task; ok is false when it did not run.
func (r Report) Task(name string) (TaskReport, bool) {
	for _, t := range r.Tasks {
		if t.Task == name {
			return t, true
		}
	}
	return TaskReport{}, false
}
