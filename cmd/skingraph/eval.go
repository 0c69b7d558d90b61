package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/ranker"
	"github.com/skingraph/skingraph/ranker/eval"
)

const evalUsage = `usage: skingraph eval --products FILE --train FILE... --test FILE... [--tune] [--json OUT]
       skingraph eval --products FILE --reviews FILE... --split-date 2023-02-01 [--tune] [--json OUT]

Offline evaluation (docs/EVALUATION.md): loads the Sephora catalogue (skincare), the ingredient
knowledge base and ONLY the train reviews into an empty Neo4j (a local one in a throwaway
folder unless SKINGRAPH_NEO4J_URI is set), builds the engine the API uses, and ranks for
queries derived from the test reviews (profile and history tasks), with every baseline and
every ablation on the same queries. Prints a Markdown table; --json writes the figures.
With --reviews and --split-date, reviews submitted before the date are train, the others test.
--tune first tunes the ranker weights on the last --validation-days of the train period
(never on test) and evaluates with the tuned weights.`

// evalOptions are the flags of skingraph eval.
type evalOptions struct {
	products       string
	train, test    stringsFlag
	reviews        stringsFlag
	splitDate      string
	tune           bool
	ablate         bool
	jsonOut        string
	validationDays int
}

// bind declares the eval flags on fs (the command's flag set, next to the configuration's).
func (o *evalOptions) bind(fs *flag.FlagSet) {
	fs.StringVar(&o.products, "products", "", "the Sephora `product_info.csv`")
	fs.Var(&o.train, "train", "a Sephora reviews `file` of the train period (repeat for several)")
	fs.Var(&o.test, "test", "a Sephora reviews `file` of the test period (repeat for several)")
	fs.Var(&o.reviews, "reviews", "a Sephora reviews `file` to split by --split-date (repeat for several)")
	fs.StringVar(&o.splitDate, "split-date", "", "with --reviews: the first `day` (YYYY-MM-DD, UTC) of the test period")
	fs.BoolVar(&o.tune, "tune", false, "tune the ranker weights on the end of the train period first")
	fs.BoolVar(&o.ablate, "ablate", true, "also evaluate the engine with each scoring family switched off")
	fs.StringVar(&o.jsonOut, "json", "", "write the figures as JSON to `file`")
	fs.IntVar(&o.validationDays, "validation-days", 7, "with --tune: the last `days` of the train period used for validation")
}

// check validates the flags once parsed; split is the parsed --split-date.
func (o *evalOptions) check(args []string) (split time.Time, err error) {
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
		} else if split, err = time.Parse(time.DateOnly, o.splitDate); err != nil {
			errs = append(errs, fmt.Sprintf("--split-date: want a day such as 2023-02-01, got %q", o.splitDate))
		}
	case len(o.train) == 0 || len(o.test) == 0:
		errs = append(errs, "--train and --test are required (or --reviews with --split-date)")
	}
	if o.validationDays < 1 {
		errs = append(errs, fmt.Sprintf("--validation-days must be at least 1, got %d", o.validationDays))
	}
	if len(errs) > 0 {
		return time.Time{}, fmt.Errorf("eval: %w: %s\n%s", graph.ErrInvalid, strings.Join(errs, "; "), evalUsage)
	}
	return split, nil
}

// evalReviews reads the catalogue and the train and test reviews. Reviews of products that
// are not skincare, duplicates, and test reviews also found in train are left out.
func evalReviews(ctx context.Context, o *evalOptions, split time.Time, now time.Time) (load graph.Load, test []graph.Review, err error) {
	opts := loader.SephoraOptions{SkincareOnly: true}
	if len(o.reviews) > 0 {
		load, _, err = loader.Sephora(ctx, o.products, o.reviews, opts, now)
		if err != nil {
			return graph.Load{}, nil, err
		}
		var train []graph.Review
		for _, r := range load.Reviews {
			if r.At.Before(split) {
				train = append(train, r)
			} else {
				test = append(test, r)
			}
		}
		load.Reviews = train
		return load, test, nil
	}
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
	for _, r := range testLoad.Reviews {
		if !inTrain[r.ID] {
			test = append(test, r)
		}
	}
	return load, test, nil
}

// evalCommand runs skingraph eval against store, which must hold an empty graph.
func evalCommand(ctx context.Context, store *cypher.Store, o *evalOptions, args []string, log zerolog.Logger, stdout, stderr io.Writer) error {
	split, err := o.check(args)
	if err != nil {
		return err
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
	load, test, err := evalReviews(ctx, o, split, start)
	if err != nil {
		return err
	}
	train := load.Reviews
	if len(train) == 0 || len(test) == 0 {
		return fmt.Errorf("eval: %w: %d train and %d test reviews of loaded products; both periods need reviews", graph.ErrInvalid, len(train), len(test))
	}
	log.Info().Int("products", len(load.Products)).Int("train_reviews", len(train)).Int("test_reviews", len(test)).
		Dur("duration", time.Since(start)).Msg("eval: files read")

	params := ranker.DefaultParams()
	var tuning *eval.TuneResult
	if o.tune {
		res, err := evalTune(ctx, store, load, o.validationDays, log, stderr)
		if err != nil {
			return err
		}
		tuning, params = &res, res.Params
	}

	snap, err := evalSnapshot(ctx, store, load, log, stderr)
	if err != nil {
		return err
	}
	in := eval.Input{Proj: snap.Projection, Vecs: snap.Vectors, Train: train, Test: test}
	start = time.Now()
	rep, err := eval.Run(ctx, in, eval.Options{Params: params, Ablate: o.ablate,
		Observe: func(s string) { log.Debug().Str("system", s).Msg("eval: running") }})
	if err != nil {
		return err
	}
	rep.Tuning = tuning
	log.Info().Dur("duration", time.Since(start)).Msg("eval: ranked every query")

	fmt.Fprintf(stdout, "## skingraph eval\n\n%d skincare products; %d train reviews (%s to %s), %d test reviews (%s to %s)\n\n",
		len(snap.Projection.Products), len(train), firstDay(train), lastDay(train), len(test), firstDay(test), lastDay(test))
	if err := rep.WriteMarkdown(stdout); err != nil {
		return err
	}
	if tuning != nil {
		bp, bh := tuning.BestBaseline[eval.TaskProfile], tuning.BestBaseline[eval.TaskHistory]
		fmt.Fprintf(stdout, "\nTuned on %d profile and %d history validation queries (train reviews from %s on), %d evaluations: objective (NDCG@10 less harm@10 above %.4f / %.4f, less %d× any shortfall below the best baseline's NDCG@10 %.4f / %.4f and Recall@10 %.4f / %.4f) %.4f -> %.4f.\n",
			tuning.ValidationQueries[eval.TaskProfile], tuning.ValidationQueries[eval.TaskHistory], tuning.ValidationFromDate,
			tuning.Evaluations, tuning.HarmCaps[eval.TaskProfile], tuning.HarmCaps[eval.TaskHistory], eval.ShortfallPenalty,
			bp.NDCG, bh.NDCG, bp.Recall, bh.Recall, tuning.Start, tuning.Best)
		fmt.Fprintf(stdout, "On validation the relevant products themselves have harm@10 %.4f / %.4f (profile / history).\n",
			tuning.RelevantHarm[eval.TaskProfile], tuning.RelevantHarm[eval.TaskHistory])
		vp, vh := tuning.Validation[eval.TaskProfile], tuning.Validation[eval.TaskHistory]
		fmt.Fprintf(stdout, "The search that won started from %q (eval.TuneStarts). On validation the tuned engine has NDCG@10 / Recall@10 / harm@10 %.4f / %.4f / %.4f (profile) and %.4f / %.4f / %.4f (history).\n",
			tuning.StartName, vp.NDCG, vp.Recall, vp.Harm, vh.NDCG, vh.Recall, vh.Harm)
		for _, s := range tuning.Steps {
			fmt.Fprintf(stdout, "  %s %g -> %g (%.4f)\n", s.Param, s.From, s.To, s.Objective)
		}
		fmt.Fprintf(stdout, "To make the tuned weights the default, set in ranker/params.go:\n\n%s", eval.GoDefaults(tuning.Params))
	}
	if o.jsonOut != "" {
		b, err := json.MarshalIndent(rep.JSON(), "", "  ")
		if err != nil {
			return fmt.Errorf("eval: encode json: %w", err)
		}
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("eval: write %s: %w", o.jsonOut, err)
		}
	}
	return nil
}

// evalTune loads the train reviews before the last validationDays of the train period,
// projects, and tunes the weights on the reviews of those last days. The rest of the train
// reviews are loaded afterwards by evalSnapshot.
func evalTune(ctx context.Context, store *cypher.Store, load graph.Load, validationDays int, log zerolog.Logger, stderr io.Writer) (eval.TuneResult, error) {
	last := slices.MaxFunc(load.Reviews, func(a, b graph.Review) int { return a.At.Compare(b.At) }).At
	cut := last.Truncate(24*time.Hour).AddDate(0, 0, 1-validationDays)
	var early, valid []graph.Review
	for _, r := range load.Reviews {
		if r.At.Before(cut) {
			early = append(early, r)
		} else {
			valid = append(valid, r)
		}
	}
	if len(early) == 0 || len(valid) == 0 {
		return eval.TuneResult{}, fmt.Errorf("eval: tune: %w: the last %d days of train hold %d of %d reviews; need some before and some in them",
			graph.ErrInvalid, validationDays, len(valid), len(load.Reviews))
	}
	part := load
	part.ID, part.Reviews = load.ID+"-tune", early
	snap, err := evalSnapshot(ctx, store, part, log, stderr)
	if err != nil {
		return eval.TuneResult{}, err
	}
	start := time.Now()
	var res eval.TuneResult
	evaluations := 0
	for i, st := range eval.TuneStarts(ranker.DefaultParams()) {
		r, err := eval.Tune(ctx, eval.Input{Proj: snap.Projection, Vecs: snap.Vectors, Train: early, Test: valid}, st.Params, 3)
		if err != nil {
			return eval.TuneResult{}, err
		}
		r.StartName = st.Name
		evaluations += r.Evaluations
		log.Info().Str("start", st.Name).Float64("objective_before", r.Start).Float64("objective_after", r.Best).Msg("eval: tuned from one start")
		if i == 0 || r.Best > res.Best+1e-9 {
			res = r
		}
	}
	res.Evaluations = evaluations
	res.ValidationFromDate = cut.Format(time.DateOnly)
	log.Info().Int("evaluations", res.Evaluations).Float64("ndcg_before", res.Start).Float64("ndcg_after", res.Best).
		Dur("duration", time.Since(start)).Msg("eval: tuned")
	return res, nil
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
