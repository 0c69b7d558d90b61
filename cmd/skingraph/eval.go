package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/ranker"
	"github.com/skingraph/skingraph/ranker/eval"
)

const evalUsage = `usage: skingraph eval --products FILE --train FILE... --test FILE... [--tune=false] [--json OUT]
       skingraph eval --products FILE --reviews FILE... --split-date 2023-02-01 [--tune=false] [--json OUT]

Offline evaluation (docs/EVALUATION.md): loads the Sephora catalogue (skincare), the ingredient
knowledge base and ONLY the train reviews into an empty Neo4j (a local one in a throwaway
folder unless SKINGRAPH_NEO4J_URI is set), builds the engine the API uses, and ranks for
queries derived from the test reviews (profile and history tasks), with every baseline and
every ablation on the same queries. Prints a Markdown table; --json writes the figures.
With --reviews and --split-date, reviews submitted before the date are train, the others test.
--tune (on by default, as the strong baselines are always tuned) first tunes the ranker
weights on the last --validation-days of the train period (never on test) and evaluates with
the tuned weights, --tune=false ranks with ranker.DefaultParams; --cold-start searched also
searches the cold-start weight set, which is otherwise held at eval.ColdStartEnsemble; --learn adds the pairwise learner's fit
(eval.LearnAndRefine) and a coordinate search from it; --bag B replays the winning search on
B bootstrap resamples of the validation queries and ranks with their mean weights (eval.Bag);
--probe logs how a blend of each
candidate signal (eval.ProbeFeatures) with the tuned engine's score moves validation NDCG@10,
and how each harm guard (eval.HarmProbe) trades validation NDCG@10 for harm_excess@10;
--harm-sweep runs the engine with the harm demotion forced up to each weight on the test
period (a sensitivity analysis, never chosen from).`

// evalOptions are the flags of skingraph eval.
type evalOptions struct {
	products       string
	train, test    stringsFlag
	reviews        stringsFlag
	splitDate      string
	tune           bool
	coldStart      string // --cold-start: fixed or searched
	learn          bool
	perKind        bool
	ablate         bool
	jsonOut        string
	validationDays int
	cpuProfile     string
	windows        string       // "" = every window; else comma-separated 1-based window numbers
	only           map[int]bool // the parsed --windows (nil: every window)
	secondWeek     bool
	searchWeek     string // "both" (the default since round 7) or "validation"
	probe          bool
	harmTwoWeeks   bool
	bag            int       // --bag: bootstrap resamples of the bagged search (0: none)
	harmSweep      string    // --harm-sweep, comma-separated
	sweep          []float64 // the parsed --harm-sweep
}

// validationSplit is a validation split and the baselines tuned on it.
type validationSplit struct {
	in    eval.Input
	tuned map[string][]eval.TunedBaseline
	from  time.Time // its first day
}

// bind declares the eval flags on fs (the command's flag set, next to the configuration's).
func (o *evalOptions) bind(fs *flag.FlagSet) {
	fs.StringVar(&o.products, "products", "", "the Sephora `product_info.csv`")
	fs.Var(&o.train, "train", "a Sephora reviews `file` of the train period (repeat for several)")
	fs.Var(&o.test, "test", "a Sephora reviews `file` of the test period (repeat for several)")
	fs.Var(&o.reviews, "reviews", "a Sephora reviews `file` to split by --split-date (repeat for several)")
	fs.StringVar(&o.splitDate, "split-date", "", "with --reviews: the first `day` (YYYY-MM-DD, UTC) of the test period; several, comma-separated, make rolling windows")
	fs.BoolVar(&o.tune, "tune", true, "tune the ranker weights on the end of the train period first, as the strong baselines are (false: rank with ranker.DefaultParams)")
	fs.BoolVar(&o.learn, "learn", false, "with --tune, also fit the family weights with the pairwise learner and refine from its fit (eval.LearnAndRefine; about a minute more per window)")
	fs.BoolVar(&o.ablate, "ablate", true, "also evaluate the engine with each scoring family switched off")
	fs.StringVar(&o.jsonOut, "json", "", "write the figures as JSON to `file`")
	fs.IntVar(&o.validationDays, "validation-days", 7, "the last `days` of each train period used for validation (baselines always, the engine with --tune)")
	fs.Float64Var(&eval.MinGainZ, "min-gain-z", 1, "with --tune: a move of the search, another start or the joined weight sets is taken only when its validation gain exceeds this many standard errors of the paired per-query NDCG@10 differences (0 takes every gain)")
	fs.BoolVar(&eval.SeparateConcernWeights, "concern-weights", true, "with --tune: tune a weight set of its own for requests that state concerns (ranker.Params.ConcernWeights) on the concern task, the cold-start set on the profile task alone (false: one cold-start set on both)")
	fs.StringVar(&o.coldStart, "cold-start", "fixed", "with --tune: fixed holds the cold-start weight set (profiles with neither history nor concerns) at the equal-weight multi-scale recent volume, eval.ColdStartEnsemble, and searches the history and concern sets only (round 12); forecast does the same, then takes the multi-scale weights fitted as a forecast of next week's reviews on the train period (eval.FitRecentScales) when they are significantly better on the validation weeks (eval.ChooseForecast); searched searches the cold-start set too, as up to round 11")
	fs.BoolVar(&o.perKind, "per-kind", false, "with --tune: the weights are the join of the best set of each kind (cold start, concerns, history), each as chosen on its task's validation parts, not the start best on the whole objective")
	fs.BoolVar(&o.secondWeek, "second-week", true, "with --tune: choose among the starts' weight sets on the validation split and on the --validation-days before it (a second split, never searched on)")
	fs.StringVar(&o.searchWeek, "search-week", "both", "with --tune: the validation weeks every move of the search is chosen on: both (the validation split and the week before it pooled, eval.TuneOn) or validation (the validation split alone, the rule up to round 6; the week before then only chooses among the starts)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the run to `file` (go tool pprof)")
	fs.BoolVar(&o.probe, "probe", false, "with --tune: blend each candidate signal of eval.ProbeFeatures with the tuned engine's score on the validation splits and log the best blend (a prototype; nothing is chosen from it)")
	fs.BoolVar(&o.harmTwoWeeks, "harm-two-weeks", true, "with --tune and a second validation week: the tuning measures the harm of the week before the validation split on both validation weeks' reviews (14 days after its cut, the test windows' length; eval.Input.Harm); false: on its own week, as up to round 7")
	fs.StringVar(&o.harmSweep, "harm-sweep", "0.3,1,3", "harm demotion `weights` (adverse_excess, comma-separated; empty for none) the engine is also run at on the test period, each in every weight set: what the harm goal would cost, reported and never chosen from")
	fs.IntVar(&o.bag, "bag", 0, "with --tune: run the winning selection (its starts' searches and join) again on `B` bootstrap resamples of the validation queries and take the mean of the B chosen weight sets (eval.Bag; 0: no bag)")
	fs.StringVar(&o.windows, "windows", "", "evaluate only these `windows` (1-based, comma-separated; default every one): for quick experiments")
}

// check validates the flags once parsed; splits are the parsed --split-date days, ascending.
func (o *evalOptions) check(args []string) (splits []time.Time, err error) {
	var errs []string
	if len(args) > 0 {
		errs = append(errs, fmt.Sprintf("unexpected arguments %q", args))
	}
	if o.products == "" {
		errs = append(errs, "--products is required")
	}
	byFiles, bySplit := len(o.train)+len(o.test) > 0, len(o.reviews) > 0 || o.splitDate != ""
	switch {
	case byFiles && bySplit:
		errs = append(errs, "give either --train and --test, or --reviews and --split-date, not both")
	case bySplit:
		if len(o.reviews) == 0 || o.splitDate == "" {
			errs = append(errs, "--reviews and --split-date go together")
			break
		}
		for _, d := range strings.Split(o.splitDate, ",") {
			t, err := time.Parse(time.DateOnly, strings.TrimSpace(d))
			if err != nil {
				errs = append(errs, fmt.Sprintf("--split-date: want a day such as 2023-02-01, got %q", d))
				continue
			}
			if len(splits) > 0 && !t.After(splits[len(splits)-1]) {
				errs = append(errs, fmt.Sprintf("--split-date: days must increase, got %q after %s", d, splits[len(splits)-1].Format(time.DateOnly)))
				continue
			}
			splits = append(splits, t)
		}
	case len(o.train) == 0 || len(o.test) == 0:
		errs = append(errs, "--train and --test are required (or --reviews with --split-date)")
	}
	if o.probe && !o.tune {
		errs = append(errs, "--probe needs --tune (it blends the candidate signals with the tuned engine's score)")
	}
	if o.bag < 0 || o.bag > 50 {
		errs = append(errs, fmt.Sprintf("--bag: want 0 to 50 resamples, got %d", o.bag))
	}
	if o.bag > 0 && !o.tune {
		errs = append(errs, "--bag needs --tune (it bags the validation search)")
	}
	if o.bag > 0 && o.learn {
		errs = append(errs, "--bag and --learn do not go together (the bag replays the coordinate search only)")
	}
	switch o.coldStart {
	case "fixed", "forecast":
		if !eval.SeparateConcernWeights {
			errs = append(errs, fmt.Sprintf("--cold-start %s needs --concern-weights (the concern set must be a set of its own); give --cold-start searched with --concern-weights=false", o.coldStart))
		}
	case "searched":
	default:
		errs = append(errs, fmt.Sprintf("--cold-start: want fixed, forecast or searched, got %q", o.coldStart))
	}
	eval.FixedColdStart = o.coldStart != "searched"
	if o.searchWeek != "both" && o.searchWeek != "validation" {
		errs = append(errs, fmt.Sprintf("--search-week: want both or validation, got %q", o.searchWeek))
	}
	if o.validationDays < 1 {
		errs = append(errs, fmt.Sprintf("--validation-days must be at least 1, got %d", o.validationDays))
	}
	if o.harmSweep != "" {
		for _, f := range strings.Split(o.harmSweep, ",") {
			g, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
			if err != nil || g <= 0 || g > 1e6 || math.IsNaN(g) {
				errs = append(errs, fmt.Sprintf("--harm-sweep: want positive weights such as 0.3,1,3, got %q", f))
				continue
			}
			o.sweep = append(o.sweep, g)
		}
	}
	if o.windows != "" {
		n := max(len(splits), 1)
		o.only = map[int]bool{}
		for _, f := range strings.Split(o.windows, ",") {
			w, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || w < 1 || w > n {
				errs = append(errs, fmt.Sprintf("--windows: want window numbers from 1 to %d, got %q", n, f))
				continue
			}
			o.only[w] = true
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("eval: %w: %s\n%s", graph.ErrInvalid, strings.Join(errs, "; "), evalUsage)
	}
	return splits, nil
}

// evalWindow is one train/test split of a rolling-origin evaluation: train is every review
// before the test period, test the reviews of the period.
type evalWindow struct {
	train, test []graph.Review
}

// evalReviews reads the catalogue and the reviews, and splits them into windows: with
// split days, window i trains on the reviews before day i and tests on those from day i to
// day i+1 (the last window to the end); with --train and --test files, one window. Reviews
// of products that are not skincare, duplicates, and test reviews also found in train are
// left out. load.Reviews holds every review of every window, in time order.
func evalReviews(ctx context.Context, o *evalOptions, splits []time.Time, now time.Time) (load graph.Load, windows []evalWindow, err error) {
	opts := loader.SephoraOptions{SkincareOnly: true}
	if len(o.reviews) > 0 {
		load, _, err = loader.Sephora(ctx, o.products, o.reviews, opts, now)
		if err != nil {
			return graph.Load{}, nil, err
		}
		for i, split := range splits {
			var w evalWindow
			for _, r := range load.Reviews {
				switch {
				case r.At.Before(split):
					w.train = append(w.train, r)
				case i+1 == len(splits) || r.At.Before(splits[i+1]):
					w.test = append(w.test, r)
				}
			}
			windows = append(windows, w)
		}
	} else {
		if load, _, err = loader.Sephora(ctx, o.products, o.train, opts, now); err != nil {
			return graph.Load{}, nil, err
		}
		testLoad, _, err := loader.Sephora(ctx, o.products, o.test, opts, now)
		if err != nil {
			return graph.Load{}, nil, err
		}
		inTrain := make(map[string]bool, len(load.Reviews))
		for _, r := range load.Reviews {
			inTrain[r.ID] = true
		}
		w := evalWindow{train: load.Reviews}
		for _, r := range testLoad.Reviews {
			if !inTrain[r.ID] {
				w.test = append(w.test, r)
			}
		}
		load.Reviews = append(slices.Clone(w.train), w.test...)
		windows = []evalWindow{w}
	}
	slices.SortStableFunc(load.Reviews, func(a, b graph.Review) int { return a.At.Compare(b.At) })
	for i, w := range windows {
		if len(w.train) == 0 || len(w.test) == 0 {
			return graph.Load{}, nil, fmt.Errorf("eval: %w: window %d: %d train and %d test reviews of loaded products; both periods need reviews", graph.ErrInvalid, i+1, len(w.train), len(w.test))
		}
	}
	return load, windows, nil
}

// validationCut is the first day of the validation split carved from the end of train.
func validationCut(train []graph.Review, days int) time.Time {
	last := slices.MaxFunc(train, func(a, b graph.Review) int { return a.At.Compare(b.At) }).At
	return last.Truncate(24*time.Hour).AddDate(0, 0, 1-days)
}

// splitAt returns the reviews before cut and the others.
func splitAt(rs []graph.Review, cut time.Time) (before, after []graph.Review) {
	for _, r := range rs {
		if r.At.Before(cut) {
			before = append(before, r)
		} else {
			after = append(after, r)
		}
	}
	return before, after
}

// evalSnapshots loads the graph up to each cut in time order (each load adds the reviews
// since the previous cut: loads merge) and returns the engine's snapshot at each cut.
type evalSnapshots struct {
	store  *cypher.Store
	load   graph.Load // every review, sorted by time
	loaded time.Time  // reviews before it are in the graph
	n      int
	byCut  map[time.Time]*ranker.Snapshot
	log    zerolog.Logger
	stderr io.Writer // where the loads' progress bars go
}

// at returns the snapshot of the graph holding the catalogue and every review before cut.
// Cuts must be asked in increasing order.
func (s *evalSnapshots) at(ctx context.Context, cut time.Time) (*ranker.Snapshot, error) {
	if snap, ok := s.byCut[cut]; ok {
		return snap, nil
	}
	if s.n > 0 && cut.Before(s.loaded) {
		return nil, fmt.Errorf("eval: snapshot at %s asked after %s", cut.Format(time.DateOnly), s.loaded.Format(time.DateOnly))
	}
	part := s.load
	part.Reviews = nil
	for _, r := range s.load.Reviews {
		if r.At.Before(cut) && (s.n == 0 || !r.At.Before(s.loaded)) {
			part.Reviews = append(part.Reviews, r)
		}
	}
	s.n++
	part.ID = fmt.Sprintf("%s-%d", s.load.ID, s.n)
	snap, err := evalSnapshot(ctx, s.store, part, s.log, s.stderr)
	if err != nil {
		return nil, err
	}
	s.loaded = cut
	s.byCut[cut] = snap
	return snap, nil
}

// windowResult is one window's evaluation.
type windowResult struct {
	train, test []graph.Review
	report      eval.Report
	baselines   map[string][]eval.TunedBaseline
	validFrom   time.Time
	window      int // 1-based
}

// evalCommand runs skingraph eval against store, which must hold an empty graph.
func evalCommand(ctx context.Context, store *cypher.Store, o *evalOptions, args []string, log zerolog.Logger, stdout, stderr io.Writer) error {
	splits, err := o.check(args)
	if err != nil {
		return err
	}
	if o.cpuProfile != "" {
		f, err := os.Create(o.cpuProfile)
		if err != nil {
			return fmt.Errorf("eval: --cpuprofile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("eval: --cpuprofile: %w", err)
		}
		defer pprof.StopCPUProfile()
	}
	st, err := store.Stats(ctx)
	if err != nil {
		return err
	}
	if st.Products > 0 || st.Reviews > 0 {
		return fmt.Errorf("eval: %w: the graph already holds %d products and %d reviews; eval needs an empty graph (unset SKINGRAPH_NEO4J_URI to use a throwaway local Neo4j)",
			graph.ErrConflict, st.Products, st.Reviews)
	}
	start := time.Now()
	load, windows, err := evalReviews(ctx, o, splits, start)
	if err != nil {
		return err
	}
	log.Info().Int("products", len(load.Products)).Int("reviews", len(load.Reviews)).Int("windows", len(windows)).
		Dur("duration", time.Since(start)).Msg("eval: files read")

	snaps := &evalSnapshots{store: store, load: load, byCut: map[time.Time]*ranker.Snapshot{}, log: log, stderr: stderr}
	var results []windowResult
	for wi, w := range windows {
		if o.only != nil && !o.only[wi+1] {
			continue
		}
		trainEnd := slices.MaxFunc(w.train, func(a, b graph.Review) int { return a.At.Compare(b.At) }).At.Add(time.Nanosecond)
		cut := validationCut(w.train, o.validationDays)
		early, valid := splitAt(w.train, cut)
		if len(early) == 0 || len(valid) == 0 {
			return fmt.Errorf("eval: window %d: %w: the last %d days of train hold %d of %d reviews; need some before and some in them",
				wi+1, graph.ErrInvalid, o.validationDays, len(valid), len(w.train))
		}
		params := ranker.DefaultParams()
		var tuning *eval.TuneResult
		var proj *graph.Projection
		var tuned map[string][]eval.TunedBaseline
		if o.tune {
			// the week before the validation split: a second validation split on which the
			// starts' weight sets are chosen too (evalTune), never searched on
			var second *validationSplit
			if o.secondWeek {
				cutA := cut.AddDate(0, 0, -o.validationDays)
				earlyA, validA := splitAt(early, cutA)
				if len(earlyA) > 0 && len(validA) > 0 {
					snapA, err := snaps.at(ctx, cutA)
					if err != nil {
						return err
					}
					second = &validationSplit{in: eval.Input{Proj: snapA.Projection, Vecs: snapA.Vectors, Train: earlyA, Test: validA}, from: cutA}
					if o.harmTwoWeeks {
						// its harm over both validation weeks: every review after cutA and
						// before the test period (round 9)
						second.in.Harm = append(slices.Clone(validA), valid...)
					}
					if second.tuned, err = eval.TuneBaselinesOn(ctx, second.in); err != nil {
						return err
					}
				}
			}
			snap, err := snaps.at(ctx, cut)
			if err != nil {
				return err
			}
			proj = snap.Projection
			vin := eval.Input{Proj: snap.Projection, Vecs: snap.Vectors, Train: early, Test: valid}
			if tuned, err = eval.TuneBaselinesOn(ctx, vin); err != nil {
				return err
			}
			res, err := evalTune(ctx, vin, tuned, second, o.searchWeek == "both", o.learn, o.perKind, o.bag, wi+1, log)
			if err != nil {
				return err
			}
			res.ValidationFromDate = cut.Format(time.DateOnly)
			if o.coldStart == "forecast" {
				if err := chooseForecast(ctx, &res, vin, tuned, second, w.train, o.validationDays, cut, wi+1, log); err != nil {
					return err
				}
			}
			tuning, params = &res, res.Params
			if o.probe {
				splits := []*validationSplit{{in: vin, tuned: tuned, from: cut}, second}
				for si, s := range splits {
					if s == nil {
						continue
					}
					probes, err := eval.Probe(ctx, s.in, res.Params, s.tuned, eval.ProbeFeatures())
					if err != nil {
						return err
					}
					for _, pr := range probes {
						log.Info().Int("window", wi+1).Int("split", si+1).Str("from", s.from.Format(time.DateOnly)).Msg("eval: probe " + pr.String())
					}
					harms, err := eval.HarmProbe(ctx, s.in, res.Params)
					if err != nil {
						return err
					}
					for _, hr := range harms {
						log.Info().Int("window", wi+1).Int("split", si+1).Str("from", s.from.Format(time.DateOnly)).Msg("eval: harm probe " + hr.String())
					}
				}
			}
		}
		snap, err := snaps.at(ctx, trainEnd)
		if err != nil {
			return err
		}
		if proj == nil {
			proj = snap.Projection
			if tuned, err = eval.TuneBaselinesOn(ctx, eval.Input{Proj: proj, Train: early, Test: valid}); err != nil {
				return err
			}
		}
		for _, task := range eval.Tasks {
			log.Info().Int("window", wi+1).Str("task", task).Str("tuned_baselines", eval.FormatTuned(tuned[task])).Msg("eval: baselines tuned on validation")
		}
		in := eval.Input{Proj: snap.Projection, Vecs: snap.Vectors, Train: w.train, Test: w.test}
		start = time.Now()
		rep, err := eval.Run(ctx, in, eval.Options{Params: params, Ablate: o.ablate, Tuned: tuned, HarmSweep: o.sweep,
			Observe: func(s string) { log.Debug().Str("system", s).Msg("eval: running") }})
		if err != nil {
			return err
		}
		rep.Tuning = tuning
		log.Info().Int("window", wi+1).Dur("duration", time.Since(start)).Msg("eval: ranked every query")
		results = append(results, windowResult{train: w.train, test: w.test, report: rep, baselines: tuned, validFrom: cut, window: wi + 1})
	}
	for _, r := range results {
		if len(windows) > 1 {
			fmt.Fprintf(stdout, "## window %d: train to %s, test %s to %s\n\n", r.window, lastDay(r.train), firstDay(r.test), lastDay(r.test))
		}
		if err := writeWindow(stdout, len(load.Products), r); err != nil {
			return err
		}
	}
	writeWindowSummary(stdout, results)
	if o.jsonOut != "" {
		var out map[string]any
		if len(results) == 1 {
			out = results[0].report.JSON()
		} else {
			var ws []any
			for _, r := range results {
				j := r.report.JSON()
				j["train"] = map[string]string{"from": firstDay(r.train), "to": lastDay(r.train), "validation_from": r.validFrom.Format(time.DateOnly)}
				j["test"] = map[string]string{"from": firstDay(r.test), "to": lastDay(r.test)}
				ws = append(ws, j)
			}
			out = map[string]any{"windows": ws, "mean": windowMeans(results)}
		}
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return fmt.Errorf("eval: encode json: %w", err)
		}
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("eval: write %s: %w", o.jsonOut, err)
		}
	}
	return nil
}

// writeWindow prints one window's report.
func writeWindow(stdout io.Writer, products int, r windowResult) error {
	fmt.Fprintf(stdout, "## skingraph eval\n\n%d skincare products; %d train reviews (%s to %s), %d test reviews (%s to %s); validation from %s\n\n",
		products, len(r.train), firstDay(r.train), lastDay(r.train), len(r.test), firstDay(r.test), lastDay(r.test), r.validFrom.Format(time.DateOnly))
	if err := r.report.WriteMarkdown(stdout); err != nil {
		return err
	}
	for _, task := range eval.Tasks {
		if len(r.baselines[task]) > 0 {
			fmt.Fprintf(stdout, "\nBaselines tuned on the %s task's validation queries:\n\n%s", task, eval.FormatTuned(r.baselines[task]))
		}
	}
	tuning := r.report.Tuning
	if tuning != nil {
		bp, bh := tuning.BestBaseline[eval.TaskProfile], tuning.BestBaseline[eval.TaskHistory]
		fmt.Fprintf(stdout, "\nTuned on %d profile and %d history validation queries (train reviews from %s on), %d evaluations: objective (NDCG@10 less harm_excess@10 above the relevant products' %.4f / %.4f, less %d× any shortfall below the best baseline's NDCG@10 %.4f / %.4f and Recall@10 %.4f / %.4f) %.4f -> %.4f.\n",
			tuning.ValidationQueries[eval.TaskProfile], tuning.ValidationQueries[eval.TaskHistory], tuning.ValidationFromDate,
			tuning.Evaluations, tuning.HarmCaps[eval.TaskProfile], tuning.HarmCaps[eval.TaskHistory], eval.ShortfallPenalty,
			bp.NDCG, bh.NDCG, bp.Recall, bh.Recall, tuning.Start, tuning.Best)
		fmt.Fprintf(stdout, "On validation the relevant products themselves have harm@10 %.4f / %.4f (profile / history).\n",
			tuning.RelevantHarm[eval.TaskProfile], tuning.RelevantHarm[eval.TaskHistory])
		vp, vh := tuning.Validation[eval.TaskProfile], tuning.Validation[eval.TaskHistory]
		fmt.Fprintf(stdout, "The search that won started from %q (eval.TuneStarts). On validation the tuned engine has NDCG@10 / Recall@10 / harm@10 %.4f / %.4f / %.4f (profile) and %.4f / %.4f / %.4f (history).\n",
			tuning.StartName, vp.NDCG, vp.Recall, vp.Harm, vh.NDCG, vh.Recall, vh.Harm)
		if sec := tuning.Second; sec != nil {
			sp, sh := sec.Validation[eval.TaskProfile], sec.Validation[eval.TaskHistory]
			fmt.Fprintf(stdout, "On the second validation split (from %s, %d profile and %d history queries; the starts' weight sets were chosen on both, eval.BetterAcross, MinGainZ %g) it has objective %.4f, NDCG@10 / Recall@10 / harm@10 %.4f / %.4f / %.4f (profile) and %.4f / %.4f / %.4f (history).\n",
				sec.ValidationFromDate, sec.ValidationQueries[eval.TaskProfile], sec.ValidationQueries[eval.TaskHistory], tuning.MinGainZ, sec.Best,
				sp.NDCG, sp.Recall, sp.Harm, sh.NDCG, sh.Recall, sh.Harm)
		}
		if tuning.FixedColdStart {
			fmt.Fprintf(stdout, "The cold-start weight set was held fixed, not searched (--cold-start fixed, eval.ColdStartEnsemble): the multi-scale recent volume over positive reviews at 1, 3, 7 and 14 days, equal weights; the history and concern sets were searched.\n")
		}
		if fc := tuning.Forecast; fc != nil {
			verdict := "the ensemble stays (not significantly better on the validation weeks, eval.BetterAcross)"
			if fc.Chosen {
				verdict = fmt.Sprintf("the forecaster is chosen; refitted on the whole train period (%d days, %d rows, R2 %.3f) it ranks the test queries with recent_scales %s", fc.Test.Days, fc.Test.Rows, fc.Test.R2, formatScales(fc.Test.Weights))
			}
			fmt.Fprintf(stdout, "Cold-start forecaster (--cold-start forecast, eval.ChooseForecast; %d-day horizon):", fc.HorizonDays)
			for i, f := range fc.Fits {
				fmt.Fprintf(stdout, " on the split from %s, fitted on %d days (%d rows, R2 %.3f) recent_scales %s, profile part %.4f against the ensemble's %.4f;",
					fc.ValidationFromDay[i], f.Days, f.Rows, f.R2, formatScales(f.Weights), fc.ForecasterParts[i], fc.EnsembleParts[i])
			}
			if len(fc.Fits) < len(fc.EnsembleParts) {
				fmt.Fprintf(stdout, " a validation split's train reviews were too few to fit on;")
			}
			fmt.Fprintf(stdout, " %s.\n", verdict)
		}
		fmt.Fprintf(stdout, "Each move of the search was chosen on %d validation split(s) pooled (--search-week; eval.TuneOn): searched objective %.4f -> %.4f; its steps, with that objective:\n",
			tuning.SearchSplits, tuning.SearchedStart, tuning.Searched)
		for _, s := range tuning.Steps {
			fmt.Fprintf(stdout, "  %s %g -> %g (%.4f)\n", s.Param, s.From, s.To, s.Objective)
		}
		if b := tuning.Bag; b != nil {
			fmt.Fprintf(stdout, "Bagged (--bag %d, eval.Bag): the selection above was run again on %d bootstrap resamples of the validation queries; the weights are their mean, the other parameters their vote. Searched objective on the whole validation queries: full-data search %.4f, bagged %.4f. The resamples' spread (param chosen (how) [min, max] (per resample)):\n",
				b.B, b.B, b.FullSearched, b.Searched)
			for _, sp := range b.Spread {
				fmt.Fprintf(stdout, "  %s\n", sp)
			}
		}
		if len(tuning.Learned) > 0 {
			fmt.Fprintf(stdout, "Pairwise logistic fits of the weights on the same validation queries (eval.LearnAndRefine), objective of each:\n")
			for _, t := range tuning.Learned {
				fmt.Fprintf(stdout, "  %s lambda %g, %d pairs, loss %.4f: objective %.4f%s %s\n", t.Task, t.Learned.Lambda, t.Learned.Pairs, t.Learned.Loss, t.Objective,
					map[bool]string{true: " (kept)", false: ""}[t.Kept], formatLearned(t.Learned.Weights))
			}
		}
		fmt.Fprintf(stdout, "To make the tuned weights the default, set in ranker/params.go:\n\n%s", eval.GoDefaults(tuning.Params))
	}
	fmt.Fprintln(stdout)
	return nil
}

// writeWindowSummary prints, per window and task, the engine against the best baseline with
// the ratio's bootstrap interval (eval.TaskReport.AgainstBest), and with several windows the
// means over them.
func writeWindowSummary(stdout io.Writer, results []windowResult) {
	title := "## Rolling windows: the engine against the best baseline"
	if len(results) == 1 {
		title = "## The engine against the best baseline"
	}
	fmt.Fprintf(stdout, "%s\n\nBaselines marked * read data written after the test period (eval.PostPeriodBaselines); each row is against every baseline, then (in-period) against the others only. The interval is the ratio's 95 %% paired bootstrap percentile interval over the test queries (eval.BootstrapRatio, %d resamples), and the share the resamples at or above the goal: how far another sample of as many queries could move the ratio (selection noise comes on top).\n\n| window | task | bars | engine NDCG@10 | best baseline | its NDCG@10 | ratio (goal) | 95 %% interval | share >= goal | engine Recall@10 | best Recall@10 | engine harm_excess@10 | relevant harm_excess@10 |\n|---|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|\n",
		title, eval.RatioResamples)
	for _, r := range results {
		for _, t := range r.report.Tasks {
			for _, inPeriod := range []bool{false, true} {
				best, recall := t.BestBaseline(inPeriod)
				interval, share := "-", "-"
				if _, ci, ok := t.AgainstBest(inPeriod); ok {
					interval, share = fmt.Sprintf("%.3f-%.3f", ci.Lo, ci.Hi), fmt.Sprintf("%.2f", ci.AtGoal)
				}
				bars, label := "all", best.Label()
				if inPeriod {
					bars = "in-period"
				}
				if eval.PostPeriodBaselines[best.Name] {
					label += " *"
				}
				fmt.Fprintf(stdout, "| %d (test %s to %s) | %s | %s | %.4f | %s | %.4f | %.3f (%.2f) | %s | %s | %.4f | %.4f | %.4f | %.4f |\n",
					r.window, firstDay(r.test), lastDay(r.test), t.Task, bars, t.Engine.Overall.NDCG, label, best.Overall.NDCG,
					t.Engine.Overall.NDCG/best.Overall.NDCG, eval.GoalRatio[t.Task], interval, share, t.Engine.Overall.Recall, recall, t.Engine.Overall.HarmExcess, t.Relevant.HarmExcess)
			}
		}
	}
	if len(results) == 1 {
		fmt.Fprintln(stdout)
		return
	}
	means := windowMeans(results)
	fmt.Fprintf(stdout, "\nMeans over the %d windows (NDCG@10 / Recall@10):\n\n| task | system | NDCG@10 | Recall@10 | harm_excess@10 |\n|---|---|---:|---:|---:|\n", len(results))
	for _, task := range eval.Tasks {
		m, _ := means[task].(map[string]map[string]float64)
		names := slices.Sorted(maps.Keys(m))
		for _, n := range names {
			fmt.Fprintf(stdout, "| %s | %s | %.4f | %.4f | %.4f |\n", task, n, m[n]["ndcg@10"], m[n]["recall@10"], m[n]["harm_excess@10"])
		}
	}
	fmt.Fprintln(stdout)
}

// windowMeans averages every system's figures over the windows, by task.
func windowMeans(results []windowResult) map[string]any {
	sums := map[string]map[string]map[string]float64{}
	add := func(task, name string, m eval.Metrics) {
		if sums[task] == nil {
			sums[task] = map[string]map[string]float64{}
		}
		if sums[task][name] == nil {
			sums[task][name] = map[string]float64{}
		}
		for k, v := range m.MetricMap() {
			sums[task][name][k] += v / float64(len(results))
		}
		sums[task][name]["harm_excess@10"] += m.HarmExcess / float64(len(results))
	}
	for _, r := range results {
		for _, t := range r.report.Tasks {
			add(t.Task, "engine", t.Engine.Overall)
			add(t.Task, "relevant", t.Relevant)
			for _, b := range t.Baselines {
				add(t.Task, b.Name, b.Overall)
			}
		}
	}
	out := map[string]any{}
	for task, m := range sums {
		out[task] = m
	}
	return out
}

// recencyHalfLives returns the half-lives the recent_popularity baseline chose on the
// validation split of each task (0 = no decay), and whether it counts positive reviews only
// on the profile task.
func recencyHalfLives(tuned map[string][]eval.TunedBaseline) (profile, history float64, positive, ok bool) {
	var okP, okH bool
	for _, t := range tuned[eval.TaskProfile] {
		if t.Name == "recent_popularity" {
			profile, positive, okP = t.Setting.HalfLife, t.Setting.Positive, true
		}
	}
	for _, t := range tuned[eval.TaskHistory] {
		if t.Name == "recent_popularity" {
			history, okH = t.Setting.HalfLife, true
		}
	}
	return profile, history, positive, okP && okH
}

// evalTune tunes the engine's weights on a validation split (in: the projection of the train
// reviews before the split, the split's reviews as test), from each start of eval.TuneStarts.
//
// With searchBoth (--search-week=both) and a second split, every search chooses its moves on
// both splits pooled (eval.TuneOn); else on in alone.
//
// With perKind (--per-kind) the result is the join of the best weight set of each kind, each
// as chosen on its own task (no pass after joining), even when another start is better on
// the whole objective.
//
// With bag > 0 (--bag) the selection that won (the winning start's search, or the searches of
// the starts whose weight sets were joined and the join's pass) is run again on bag bootstrap
// resamples of the validation queries (eval.Bag, seeds eval.BagSeed with window) and the
// weights are the resamples' choices averaged (eval.BagParams).
func evalTune(ctx context.Context, in eval.Input, tuned map[string][]eval.TunedBaseline, second *validationSplit, searchBoth, learn, perKind bool, bag, window int, log zerolog.Logger) (eval.TuneResult, error) {
	start := time.Now()
	search := []eval.Split{{In: in, Tuned: tuned}}
	if searchBoth && second != nil {
		search = append(search, eval.Split{In: second.in, Tuned: second.tuned})
	}
	var res eval.TuneResult
	evaluations := 0
	starts := eval.TuneStarts(ranker.DefaultParams())
	// (the "recency" start, eval.RecencyStart, never won on validation in two rounds and is
	// left out to keep make eval near 10 minutes)
	if h, hh, _, ok := recencyHalfLives(tuned); ok {
		starts = append(starts, eval.ScalesStart(ranker.DefaultParams(), h, hh))
	}
	if st, ok := eval.ItemItemStart(ranker.DefaultParams(), tuned); ok {
		starts = append(starts, struct {
			Name   string
			Params ranker.Params
		}{st.Name, st.Params})
	}
	// The replica of the best recency baselines goes first (unsearched, then searched):
	// another start, or the joined weight sets below, wins only when significantly better on
	// the validation weeks (eval.BetterAcross).
	if st, ok := eval.ReplicaStart(ranker.DefaultParams(), tuned); ok {
		starts = append([]struct {
			Name   string
			Params ranker.Params
		}{{st.Name, st.Params}}, starts...)
	}
	// round 12: every start has the fixed cold-start set, which the searches leave alone
	if eval.HoldsColdStart() {
		for i := range starts {
			starts[i].Params = eval.WithFixedColdStart(starts[i].Params)
		}
	}
	// on is a result with its figures on the second split (when there is one): what the
	// choices below compare
	on := func(r eval.TuneResult) ([]eval.TuneResult, error) {
		if second == nil {
			return []eval.TuneResult{r}, nil
		}
		a, err := eval.TuneWith(ctx, second.in, r.Params, 0, second.tuned)
		if err != nil {
			return nil, err
		}
		evaluations += a.Evaluations
		log.Info().Str("start", r.StartName).Float64("objective", a.Best).Float64("profile", a.Parts[eval.TaskProfile]).
			Float64("history", a.Parts[eval.TaskHistory]).Float64("concern", a.Parts[eval.TaskConcern]).Msg("eval: on the second validation split")
		return []eval.TuneResult{r, a}, nil
	}
	var results [][]eval.TuneResult
	var best []eval.TuneResult
	// which start's search the result is (-1: the join of coldIdx's, concIdx's and histIdx's
	// weight sets, searched joinPasses passes): what eval.Bag replays on each resample
	bestIdx, coldIdx, concIdx, histIdx, joinPasses := 0, 0, 0, 0, 1
	// The replica itself, unsearched, is the first candidate: the engine leaves the best
	// recency baselines only for weights significantly better on both validation weeks, so
	// selection noise alone cannot put it below them.
	passes := make([]int, len(starts))
	for i := range passes {
		passes[i] = 3
	}
	if len(starts) > 0 && starts[0].Name == "replica" {
		starts = append(starts[:1:1], starts...)
		starts[0].Name = "replica (unsearched)"
		passes = append([]int{0}, passes...)
	}
	for i, st := range starts {
		r, err := eval.TuneOn(ctx, search, st.Params, passes[i])
		if err != nil {
			return eval.TuneResult{}, err
		}
		r.StartName = st.Name
		evaluations += r.Evaluations
		both, err := on(r)
		if err != nil {
			return eval.TuneResult{}, err
		}
		results = append(results, both)
		log.Info().Str("start", st.Name).Float64("objective_before", r.Start).Float64("objective_after", r.Best).
			Int("search_splits", r.SearchSplits).Float64("searched_before", r.SearchedStart).Float64("searched_after", r.Searched).
			Float64("profile", r.Parts[eval.TaskProfile]).Float64("history", r.Parts[eval.TaskHistory]).Float64("concern", r.Parts[eval.TaskConcern]).
			Any("start_parts", r.StartParts).Int("steps", len(r.Steps)).Int("rejected_moves", r.Rejected).Int("evaluations", r.Evaluations).Int("from_feature_cache", r.FastEvaluations).
			Str("feature_cache_mismatch", r.FastMismatch).Msg("eval: tuned from one start")
		if i == 0 || eval.BetterAcross(both, best, eval.Tasks...) {
			best, bestIdx = both, i
		}
	}
	// The weight sets answer different tasks: the best cold-start set (profile part; with
	// eval.SeparateConcernWeights, else profile and concern parts), the best concern set
	// (concern part) and the best history set (history part) may come from different starts.
	// Join them and settle the shared numbers with one pass; kept only when better.
	coldTasks := []string{eval.TaskProfile}
	if !eval.SeparateConcernWeights {
		coldTasks = append(coldTasks, eval.TaskConcern)
	}
	cold, conc, hist := results[0], results[0], results[0]
	for j := 1; j < len(results); j++ {
		r := results[j]
		// a start's weight set replaces the first start's (the replica's) only when its
		// tasks' parts are significantly better on the validation splits (eval.BetterAcross,
		// MinGainZ)
		if eval.BetterAcross(r, cold, coldTasks...) {
			cold, coldIdx = r, j
		}
		if eval.SeparateConcernWeights && eval.BetterAcross(r, conc, eval.TaskConcern) {
			conc, concIdx = r, j
		}
		if eval.BetterAcross(r, hist, eval.TaskHistory) {
			hist, histIdx = r, j
		}
	}
	if !eval.SeparateConcernWeights {
		conc, concIdx = cold, coldIdx
	}
	if perKind && cold[0].StartName == hist[0].StartName && cold[0].StartName == conc[0].StartName {
		best, bestIdx = cold, coldIdx // one start has the best set of every kind
	}
	differ := cold[0].StartName != hist[0].StartName || cold[0].StartName != conc[0].StartName
	if cold[0].FixedColdStart {
		// every start has the same cold-start set: a join differs only when the concern and
		// history sets come from different starts
		differ = conc[0].StartName != hist[0].StartName
	}
	if differ {
		if perKind {
			joinPasses = 0 // each set exactly as chosen on its task
		}
		r, err := eval.TuneOn(ctx, search, eval.CombineSets(cold[0].Params, conc[0].Params, hist[0].Params), joinPasses)
		if err != nil {
			return eval.TuneResult{}, err
		}
		coldName := cold[0].StartName
		if cold[0].FixedColdStart {
			coldName = "fixed" // every start has the same cold-start set (eval.FixedColdStart)
		}
		r.StartName = coldName + " (cold start) + " + conc[0].StartName + " (concerns) + " + hist[0].StartName + " (history)"
		evaluations += r.Evaluations
		both, err := on(r)
		if err != nil {
			return eval.TuneResult{}, err
		}
		log.Info().Str("start", r.StartName).Float64("objective_before", r.Start).Float64("objective_after", r.Best).
			Float64("profile", r.Parts[eval.TaskProfile]).Float64("history", r.Parts[eval.TaskHistory]).Float64("concern", r.Parts[eval.TaskConcern]).
			Msg("eval: tuned from the best weight set of each kind")
		if perKind || eval.BetterAcross(both, best, eval.Tasks...) {
			best, bestIdx = both, -1
		}
	}
	res = best[0]
	if len(best) > 1 {
		r := best[1]
		r.ValidationFromDate = second.from.Format(time.DateOnly)
		res.Second = &r
	}
	res.Evaluations = evaluations
	if bag > 0 {
		// replay is the selection that won, on other splits: the same starts, passes and join
		replay := func(ctx context.Context, splits []eval.Split) (ranker.Params, error) {
			searched := map[int]ranker.Params{}
			from := func(i int) (ranker.Params, error) {
				if p, ok := searched[i]; ok {
					return p, nil
				}
				r, err := eval.TuneOn(ctx, splits, starts[i].Params, passes[i])
				if err != nil {
					return ranker.Params{}, err
				}
				searched[i] = r.Params
				return r.Params, nil
			}
			if bestIdx >= 0 {
				return from(bestIdx)
			}
			c, err := from(coldIdx)
			if err != nil {
				return ranker.Params{}, err
			}
			k, err := from(concIdx)
			if err != nil {
				return ranker.Params{}, err
			}
			h, err := from(histIdx)
			if err != nil {
				return ranker.Params{}, err
			}
			r, err := eval.TuneOn(ctx, splits, eval.CombineSets(c, k, h), joinPasses)
			return r.Params, err
		}
		bagStart := time.Now()
		// the resamples' searches run side by side, one per core (each ranks from its own
		// feature caches, single-threaded; docs/EVALUATION.md round 11 has the memory)
		eval.BagConcurrency = min(bag, runtime.GOMAXPROCS(0))
		full, fullSearched := res.Params, res.Searched
		br, err := eval.Bag(ctx, search, full, bag, func(i, s int) int64 { return eval.BagSeed(window, s, i) }, replay)
		if err != nil {
			return eval.TuneResult{}, err
		}
		// the figures on validation are the bagged weights'; the search's story (start, steps)
		// is the full-data search's
		r, err := eval.TuneOn(ctx, search, br.Params, 0)
		if err != nil {
			return eval.TuneResult{}, err
		}
		br.B, br.Full, br.FullSearched, br.Searched = bag, full, fullSearched, r.Searched
		res.Params, res.Best, res.Parts, res.Validation, res.PerQuery, res.Searched = br.Params, r.Best, r.Parts, r.Validation, r.PerQuery, r.Searched
		if second != nil {
			a, err := eval.TuneWith(ctx, second.in, br.Params, 0, second.tuned)
			if err != nil {
				return eval.TuneResult{}, err
			}
			a.ValidationFromDate = second.from.Format(time.DateOnly)
			res.Second = &a
		}
		res.Bag = &br
		for _, sp := range br.Spread {
			log.Info().Int("window", window).Msg("eval: bag spread " + sp.String())
		}
		log.Info().Int("window", window).Int("resamples", bag).Float64("searched_full", fullSearched).Float64("searched_bagged", r.Searched).
			Dur("duration", time.Since(bagStart)).Msg("eval: bagged")
	}
	if learn {
		learned, trials, err := eval.LearnAndRefine(ctx, in, res, tuned, 2)
		if err != nil {
			return eval.TuneResult{}, err
		}
		for _, t := range trials {
			log.Info().Str("task", t.Task).Float64("lambda", t.Learned.Lambda).Int("pairs", t.Learned.Pairs).Float64("loss", t.Learned.Loss).
				Float64("objective", t.Objective).Bool("kept", t.Kept).Msg("eval: pairwise fit of the weights")
		}
		log.Info().Float64("objective_before", res.Best).Float64("objective_after", learned.Best).Msg("eval: learned and refined")
		res = learned
	}
	log.Info().Int("evaluations", res.Evaluations).Float64("ndcg_before", res.Start).Float64("ndcg_after", res.Best).
		Dur("duration", time.Since(start)).Msg("eval: tuned")
	return res, nil
}

// formatScales prints multi-scale weights with their half-lives: "{1 d: 1, 3 d: 0.29, ...}".
func formatScales(w [ranker.NumRecentScales]float64) string {
	parts := make([]string, len(w))
	for k, h := range ranker.RecentScaleDays {
		parts[k] = fmt.Sprintf("%g d: %.3g", h, w[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// chooseForecast settles the cold-start set of res (tuned with the fixed ensemble) between the
// ensemble and the forecaster of next week's reviews (--cold-start forecast, eval.ChooseForecast),
// each validation split's forecaster fitted on its own train reviews. When the forecaster is
// chosen, the test queries are ranked with it refitted on the whole train period (train).
func chooseForecast(ctx context.Context, res *eval.TuneResult, in eval.Input, tuned map[string][]eval.TunedBaseline, second *validationSplit,
	train []graph.Review, horizon int, cut time.Time, window int, log zerolog.Logger) error {
	splits := []eval.Split{{In: in, Tuned: tuned}}
	from := []string{cut.Format(time.DateOnly)}
	if second != nil {
		splits = append(splits, eval.Split{In: second.in, Tuned: second.tuned})
		from = append(from, second.from.Format(time.DateOnly))
	}
	choice, figures, err := eval.ChooseForecast(ctx, splits, res.Params, horizon)
	if err != nil {
		return err
	}
	choice.ValidationFromDay = from
	if choice.Chosen {
		test, err := eval.FitRecentScales(train, horizon)
		if err != nil {
			return err
		}
		choice.Test = &test
		res.Params.Weights = ranker.Weights{RecentScales: test.Weights}
		res.Best, res.Parts, res.Validation, res.PerQuery = figures[0].Best, figures[0].Parts, figures[0].Validation, figures[0].PerQuery
		if len(figures) > 1 && res.Second != nil {
			sec := figures[1]
			sec.ValidationFromDate = res.Second.ValidationFromDate
			res.Second = &sec
		}
	}
	res.Forecast = &choice
	log.Info().Int("window", window).Bool("chosen", choice.Chosen).Any("fits", choice.Fits).Floats64("ensemble_profile_parts", choice.EnsembleParts).
		Floats64("forecaster_profile_parts", choice.ForecasterParts).Any("test_fit", choice.Test).Msg("eval: cold-start forecaster")
	return nil
}

// evalSnapshot writes load and builds the engine's snapshot (projection and embeddings) the
// way the API does.
func evalSnapshot(ctx context.Context, store *cypher.Store, load graph.Load, log zerolog.Logger, stderr io.Writer) (*ranker.Snapshot, error) {
	start := time.Now()
	p := newProgress(stderr, log, "eval: load", len(load.Products)+len(load.Reviews))
	res, err := writeWithProgress(ctx, store, load, p)
	p.Done(len(load.Products) + len(load.Reviews))
	if err != nil {
		return nil, fmt.Errorf("eval: load: %w", err)
	}
	log.Info().Str("load_id", res.LoadID).Int("reviews", len(load.Reviews)).Int64("data_version", res.Version.N).
		Dur("duration", time.Since(start)).Msg("eval: loaded")
	r, err := ranker.New(ranker.DefaultParams())
	if err != nil {
		return nil, err
	}
	engine, err := ranker.NewEngine(store, r, embedProducts, 1<<20)
	if err != nil {
		return nil, err
	}
	defer engine.Close()
	if _, err := engine.Refresh(ctx); err != nil {
		return nil, fmt.Errorf("eval: build the projection: %w", err)
	}
	return engine.Snapshot(), nil
}

func firstDay(rs []graph.Review) string {
	return slices.MinFunc(rs, func(a, b graph.Review) int { return a.At.Compare(b.At) }).At.Format(time.DateOnly)
}

func lastDay(rs []graph.Review) string {
	return slices.MaxFunc(rs, func(a, b graph.Review) int { return a.At.Compare(b.At) }).At.Format(time.DateOnly)
}

// evalNeo4jDir makes the throwaway data folder of the local Neo4j of an eval run.
func evalNeo4jDir() (string, func(), error) {
	dir, err := os.MkdirTemp("", "skingraph-eval-")
	if err != nil {
		return "", nil, fmt.Errorf("eval: neo4j data folder: %w", err)
	}
	return dir, func() { _ = os.RemoveAll(dir) }, nil
}

// formatLearned writes fitted weights by name, sorted, the zero ones left out.
func formatLearned(w map[string]float64) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(w)) {
		if w[k] != 0 {
			parts = append(parts, fmt.Sprintf("%s=%g", k, w[k]))
		}
	}
	return strings.Join(parts, " ")
}
