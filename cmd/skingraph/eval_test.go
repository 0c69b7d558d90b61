package main

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker/eval"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// The fixture (testdata/eval) is six skincare products and a lipstick, with January (train)
// and February (test) reviews of five authors. By hand, with train review counts S1 2, M1 2,
// S3 1, M2 1 (then Sephora's review counts):
//
// profile task, 6 queries: (1001, serum) S2 at 3 under popularity; (1002, moisturizer) M1 at
// 1; (1003, moisturizer) M1 at 1; (1004, serum) S3 at 2; (1004, cleanser) C1 at 1; (1005,
// serum) S1 at 1. NDCG (0.5 + 1 + 1 + 1/log2(3) + 1 + 1)/6, MRR (1/3 + 1 + 1 + 1/2 + 1 + 1)/6,
// every product recommended once: coverage 1. M2 broke out a dry reviewer, and no dry
// profile query lists it: harm 0.
//
// history task, 3 queries (1003's only test positive was reviewed in train): 1001 gets S3,
// M2, C1, S2 (hit at 4, M2 harmful for dry skin: harm 1/4); 1002 gets M1 first; 1004 gets
// M1, S1, S3, C1, S2 (hits at 3 and 4: (1/2 + 1/log2(5)) / (1 + 1/log2(3))); all six
// products are recommended.
var wantPopularity = map[string]map[string]float64{
	"profile": {
		"ndcg@10": (4.5 + 1/math.Log2(3)) / 6, "recall@10": 1, "hr@10": 1, "mrr@10": (4 + 1.0/3 + 0.5) / 6,
		"coverage@10": 1, "harm@10": 0,
	},
	"history": {
		"ndcg@10":   (1/math.Log2(5) + 1 + (0.5+1/math.Log2(5))/(1+1/math.Log2(3))) / 3,
		"recall@10": 1, "hr@10": 1, "mrr@10": (0.25 + 1 + 1.0/3) / 3, "coverage@10": 1, "harm@10": 0.25 / 3,
	},
}

func evalFixture(name string) string { return filepath.Join("testdata", "eval", name) }

// TestEvalCommand runs skingraph eval end to end against the test Neo4j: with --split-date
// and --tune, then with --train and --test files, and checks the JSON figures of the
// popularity baseline computed by hand above.
func TestEvalCommand(t *testing.T) {
	dir := t.TempDir()
	split := filepath.Join(dir, "split")
	trainFile, testFile := filepath.Join(dir, "train.csv"), filepath.Join(dir, "test.csv")
	splitFixture(t, trainFile, testFile)

	tests := []struct {
		name string
		args []string
		out  string
		want []string // in stdout
	}{
		{"split date and tune", []string{"--reviews", evalFixture("reviews.csv"), "--split-date", "2023-02-01", "--tune"}, split,
			[]string{"### profile task (6 queries)", "### history task (3 queries)", "Tuned on 1 profile and 1 history validation queries",
				// the summary with the ratio's bootstrap interval, for one window too (round 12)
				"## The engine against the best baseline", "| 95 % interval | share >= goal |",
				// every start is perfect on the one validation query of each task: none is
				// better than the unsearched replica of the recency baselines, which keeps the linear volume
				`The search that won started from "replica (unsearched)"`, "engine -recent_linear", "On the second validation split (from 2023-01-15", "To make the tuned weights the default",
				"Each move of the search was chosen on 2 validation split(s) pooled",
				// round 12: the cold-start set is held at eval.ColdStartEnsemble by default
				"The cold-start weight set was held fixed, not searched (--cold-start fixed",
				"Baselines tuned on the profile task's validation queries", "| recent_popularity (", "### concern task",
				// the harm sweep (default 0.3,1,3; the search's grid stops at 2, so 3 always runs)
				"Harm sweep (profile task", "| engine adverse_excess>=3 |"}},
		{"round 6's rule", []string{"--reviews", evalFixture("reviews.csv"), "--split-date", "2023-02-01", "--tune", "--search-week", "validation", "--cold-start", "searched", "--ablate=false"}, filepath.Join(dir, "validation"),
			[]string{"Each move of the search was chosen on 1 validation split(s) pooled", "On the second validation split (from 2023-01-15"}},
		// the bag (round 11) replays the winning selection on each resample and reports it
		// (with the cold-start forecaster, round 12: the fixture's few reviews cannot fit it)
		{"bagged search", []string{"--reviews", evalFixture("reviews.csv"), "--split-date", "2023-02-01", "--tune", "--bag", "2", "--cold-start", "forecast", "--ablate=false"}, filepath.Join(dir, "bag"),
			[]string{"Bagged (--bag 2, eval.Bag): the selection above was run again on 2 bootstrap resamples", "Searched objective on the whole validation queries: full-data search",
				"Cold-start forecaster (--cold-start forecast, eval.ChooseForecast; 7-day horizon): a validation split's train reviews were too few to fit on; the ensemble stays",
				`The search that won started from "replica (unsearched)"`}},
		{"train and test files", []string{"--train", trainFile, "--test", testFile, "--log-level", "warn"}, filepath.Join(dir, "files"),
			// --tune is the default (round 12)
			[]string{"6 skincare products; 6 train reviews (2023-01-05 to 2023-01-28), 7 test reviews (2023-02-03 to 2023-02-14)", "| popularity | 0.8552 |", "Tuned on "}},
		// --tune=false ranks with ranker.DefaultParams: no tuning report
		{"default weights", []string{"--reviews", evalFixture("reviews.csv"), "--split-date", "2023-02-01", "--tune=false", "--ablate=false"}, filepath.Join(dir, "defaults"),
			[]string{"### profile task (6 queries)", "| popularity | 0.8552 |"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			neo4jtest.Store(t) // an empty graph
			env := existingNeo4j(t)
			var stdout, stderr syncBuffer
			args := append([]string{"eval", "--products", evalFixture("product_info.csv"), "--json", tt.out}, tt.args...)
			if err := run(context.Background(), args, Env{Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr}); err != nil {
				t.Fatalf("eval: %v\n%s", err, stderr.String())
			}
			for _, w := range tt.want {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, stdout.String())
				}
			}
			checkEvalJSON(t, tt.out)
			if slices.Contains(tt.args, "--tune=false") && strings.Contains(stdout.String(), "Tuned on ") {
				t.Error("--tune=false: the report has a tuning section")
			}
			if slices.Contains(tt.args, "searched") && strings.Contains(stdout.String(), "was held fixed") {
				t.Error("--cold-start searched: the report says the cold-start set was held fixed")
			}
			if slices.Contains(tt.args, "--bag") {
				var j struct {
					Details struct {
						Tuning struct {
							Bag struct {
								Resamples int     `json:"resamples"`
								Full      float64 `json:"searched_objective_full"`
								Bagged    float64 `json:"searched_objective_bagged"`
							} `json:"bag"`
						} `json:"tuning"`
					} `json:"details"`
				}
				b, err := os.ReadFile(tt.out)
				if err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal(b, &j); err != nil {
					t.Fatal(err)
				}
				if bag := j.Details.Tuning.Bag; bag.Resamples != 2 || bag.Full == 0 || bag.Bagged == 0 {
					t.Errorf("details.tuning.bag %+v: want 2 resamples and both searched objectives", bag)
				}
			}

			// The graph now holds the fixture: a second run refuses it rather than mix data.
			err := run(context.Background(), args, Env{Getenv: func(k string) string { return env[k] }, Stdout: &stdout, Stderr: &stderr})
			if !errors.Is(err, graph.ErrConflict) {
				t.Errorf("eval on a non-empty graph: err = %v, want graph.ErrConflict", err)
			}
		})
	}
}

func checkEvalJSON(t *testing.T, file string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Tasks map[string]struct {
			Queries     int                           `json:"queries"`
			Engine      map[string]float64            `json:"engine"`
			Baselines   map[string]map[string]float64 `json:"baselines"`
			AgainstBest map[string]struct {
				Baseline    string     `json:"baseline"`
				Ratio       float64    `json:"ratio"`
				CI95        [2]float64 `json:"ci95"`
				Goal        float64    `json:"goal"`
				ShareAtGoal float64    `json:"share_at_goal"`
			} `json:"against_best"`
		} `json:"tasks"`
		Weights        map[string]any `json:"weights"`
		HistoryWeights map[string]any `json:"history_weights"`
		RateHarm       map[string]struct {
			Engine    map[string]float64            `json:"engine"`
			Baselines map[string]map[string]float64 `json:"baselines"`
			Relevant  map[string]float64            `json:"relevant"`
		} `json:"rate_harm"`
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatalf("decode %s: %v", file, err)
	}
	metrics := []string{"coverage@10", "harm@10", "hr@10", "mrr@10", "ndcg@10", "recall@10"}
	wantBaselines := map[string][]string{
		"profile": {"ingredient_tfidf", "popularity", "popularity_skin_type", "random", "top_rated"},
		"history": {"ingredient_tfidf", "item_knn", "popularity", "popularity_skin_type", "random", "top_rated"},
	}
	wantQueries := map[string]int{"profile": 6, "history": 3}
	for task, names := range wantBaselines {
		tr, ok := got.Tasks[task]
		if !ok {
			t.Fatalf("json has no task %q: %s", task, b)
		}
		if tr.Queries != wantQueries[task] {
			t.Errorf("%s queries = %d, want %d", task, tr.Queries, wantQueries[task])
		}
		// the fixed baselines, plus the tunable ones when the validation split had queries
		if diff := cmp.Diff(names, fixedBaselines(slices.Sorted(mapKeys(tr.Baselines)))); diff != "" {
			t.Errorf("%s baselines (-want +got):\n%s", task, diff)
		}
		for name, m := range tr.Baselines {
			if diff := cmp.Diff(metrics, slices.Sorted(mapKeys(m))); diff != "" {
				t.Errorf("%s %s metrics (-want +got):\n%s", task, name, diff)
			}
		}
		if diff := cmp.Diff(metrics, slices.Sorted(mapKeys(tr.Engine))); diff != "" {
			t.Errorf("%s engine metrics (-want +got):\n%s", task, diff)
		}
		for k, v := range tr.Engine {
			if v < 0 || v > 1 {
				t.Errorf("%s engine %s = %g, want 0..1", task, k, v)
			}
		}
		if diff := cmp.Diff(wantPopularity[task], tr.Baselines["popularity"], cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-9 })); diff != "" {
			t.Errorf("%s popularity (-want +got):\n%s", task, diff)
		}
		// The rate-based harm: an extra key beside the issue's, for the engine, every baseline
		// and the relevant products; harm@10 repeated there must equal the task's.
		rh, ok := got.RateHarm[task]
		if !ok {
			t.Fatalf("json has no rate_harm for %q: %s", task, b)
		}
		if diff := cmp.Diff(names, fixedBaselines(slices.Sorted(mapKeys(rh.Baselines)))); diff != "" {
			t.Errorf("%s rate_harm baselines (-want +got):\n%s", task, diff)
		}
		rateKeys := []string{"harm@10", "harm_excess@10", "harm_rate@10"}
		for name, m := range map[string]map[string]float64{"engine": rh.Engine, "relevant": rh.Relevant, "popularity": rh.Baselines["popularity"]} {
			if diff := cmp.Diff(rateKeys, slices.Sorted(mapKeys(m))); diff != "" {
				t.Errorf("%s rate_harm %s keys (-want +got):\n%s", task, name, diff)
			}
			for k, v := range m {
				if v < 0 || v > 1 {
					t.Errorf("%s rate_harm %s %s = %g, want 0..1", task, name, k, v)
				}
			}
		}
		// the engine over the best baseline, with its bootstrap interval (round 12)
		for _, bars := range []string{"all", "in_period"} {
			ab, ok := tr.AgainstBest[bars]
			if !ok {
				t.Errorf("%s against_best has no %q: %s", task, bars, b)
				continue
			}
			best := tr.Baselines[ab.Baseline]
			if best == nil || best["ndcg@10"] == 0 || math.Abs(ab.Ratio-tr.Engine["ndcg@10"]/best["ndcg@10"]) > 1e-9 {
				t.Errorf("%s against_best %s: ratio %g against %q, want the engine's NDCG@10 over that baseline's", task, bars, ab.Ratio, ab.Baseline)
			}
			if ab.CI95[0] > ab.Ratio || ab.Ratio > ab.CI95[1] || ab.ShareAtGoal < 0 || ab.ShareAtGoal > 1 || ab.Goal != eval.GoalRatio[task] {
				t.Errorf("%s against_best %s = %+v: want lo <= ratio <= hi, a share in 0..1 and the task's goal", task, bars, ab)
			}
		}
		if rh.Engine["harm@10"] != tr.Engine["harm@10"] {
			t.Errorf("%s rate_harm engine harm@10 = %g, want the task's %g", task, rh.Engine["harm@10"], tr.Engine["harm@10"])
		}
	}
	wantWeights := []string{"adverse_excess", "affinity", "claim", "co_review", "concern_fit", "item_item", "peer_adverse", "peer_effects", "peer_rating", "peer_recent_scales", "peer_volume", "prior", "recent", "recent_linear", "recent_scales", "safety", "trend"}
	if diff := cmp.Diff(wantWeights, slices.Sorted(mapKeys(got.Weights))); diff != "" {
		t.Errorf("weights (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantWeights, slices.Sorted(mapKeys(got.HistoryWeights))); diff != "" {
		t.Errorf("history_weights (-want +got):\n%s", diff)
	}
}

// fixedBaselines drops the names of the tunable baselines (eval.TunableBaselines).
func fixedBaselines(names []string) []string {
	return slices.DeleteFunc(names, func(n string) bool {
		return slices.ContainsFunc(eval.TunableBaselines, func(b eval.TunableBaseline) bool { return b.Name == n })
	})
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// splitFixture writes the fixture's January and February reviews to two files.
func splitFixture(t *testing.T, train, test string) {
	t.Helper()
	b, err := os.ReadFile(evalFixture("reviews.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	tr, te := lines[0], lines[0]
	for _, l := range lines[1:] {
		switch {
		case strings.Contains(l, ",2023-01-"):
			tr += l
		case strings.Contains(l, ",2023-02-"):
			te += l
		}
	}
	for name, content := range map[string]string{train: tr, test: te} {
		if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// TestEvalBadArguments checks that bad arguments are refused, each named, before anything is
// loaded.
func TestEvalBadArguments(t *testing.T) {
	store := neo4jtest.Store(t)
	env := existingNeo4j(t)
	products, reviews := evalFixture("product_info.csv"), evalFixture("reviews.csv")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no products", []string{"--train", reviews, "--test", reviews}, "--products is required"},
		{"no test", []string{"--products", products, "--train", reviews}, "--train and --test are required"},
		{"both modes", []string{"--products", products, "--train", reviews, "--test", reviews, "--reviews", reviews, "--split-date", "2023-02-01"}, "not both"},
		{"split dates not increasing", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-15,2023-02-01"}, `--split-date: days must increase, got "2023-02-01" after 2023-02-15`},
		{"bad split date", []string{"--products", products, "--reviews", reviews, "--split-date", "Feb 1"}, `--split-date: want a day such as 2023-02-01, got "Feb 1"`},
		{"split date alone", []string{"--products", products, "--split-date", "2023-02-01"}, "--reviews and --split-date go together"},
		{"no validation days", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--tune", "--validation-days", "0"}, "--validation-days must be at least 1"},
		{"no test reviews", []string{"--products", products, "--reviews", reviews, "--split-date", "2024-01-01"}, "13 train and 0 test reviews"},
		{"window out of range", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01,2023-02-15", "--windows", "3"}, `--windows: want window numbers from 1 to 2, got "3"`},
		{"window not a number", []string{"--products", products, "--train", reviews, "--test", reviews, "--windows", "x"}, `--windows: want window numbers from 1 to 1, got "x"`},
		{"probe without tune", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--tune=false", "--probe"}, "--probe needs --tune"},
		{"search week", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--tune", "--search-week", "second"}, `--search-week: want both or validation, got "second"`},
		{"harm sweep not a weight", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--harm-sweep", "0.3,x"}, `--harm-sweep: want positive weights such as 0.3,1,3, got "x"`},
		{"harm sweep not positive", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--harm-sweep", "-1"}, `--harm-sweep: want positive weights such as 0.3,1,3, got "-1"`},
		{"bag negative", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--tune", "--bag", "-1"}, "--bag: want 0 to 50 resamples, got -1"},
		{"bag without tune", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--tune=false", "--bag", "3"}, "--bag needs --tune"},
		{"bag with learn", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--tune", "--learn", "--bag", "3"}, "--bag and --learn do not go together"},
		{"cold start not a rule", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--cold-start", "frozen"}, `--cold-start: want fixed, forecast or searched, got "frozen"`},
		{"fixed cold start, one cold-start set", []string{"--products", products, "--reviews", reviews, "--split-date", "2023-02-01", "--concern-weights=false"}, "--cold-start fixed needs --concern-weights"},
		{"missing file", []string{"--products", products, "--train", "nope.csv", "--test", reviews}, "nope.csv"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := run(context.Background(), append([]string{"eval"}, tt.args...), Env{Getenv: func(k string) string { return env[k] }, Stdout: &syncBuffer{}, Stderr: &syncBuffer{}})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
			st, err := store.Stats(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if st.Products != 0 || st.Reviews != 0 {
				t.Errorf("graph after a refused eval: %d products, %d reviews; want none", st.Products, st.Reviews)
			}
		})
	}
}

// TestWriteWindowSummary prints the summary of hand-made windows: one row per window, task
// and set of bars, the ratio over the best (in-period) baseline with its bootstrap interval,
// and the means over the windows only when there are several.
func TestWriteWindowSummary(t *testing.T) {
	day := func(d string) graph.Review {
		at, err := time.Parse(time.DateOnly, d)
		if err != nil {
			t.Fatal(err)
		}
		return graph.Review{At: at}
	}
	sys := func(name string, ndcg ...float64) eval.SystemResult {
		sum := 0.0
		for _, v := range ndcg {
			sum += v
		}
		return eval.SystemResult{Name: name, Overall: eval.Metrics{NDCG: sum / float64(len(ndcg)), Recall: 0.5}, PerQueryNDCG: ndcg}
	}
	window := func(w int, engine ...float64) windowResult {
		return windowResult{train: []graph.Review{day("2023-01-02"), day("2023-01-31")}, test: []graph.Review{day("2023-02-01"), day("2023-02-14")}, window: w,
			report: eval.Report{Tasks: []eval.TaskReport{{Task: eval.TaskProfile, Queries: 4,
				Engine: sys("engine", engine...),
				// top_rated reads data after the test period: best of all, not in-period
				Baselines: []eval.SystemResult{sys("popularity", 0.2, 0.4, 0.4, 0.2), sys("top_rated", 1, 1, 1, 1)}}}}}
	}
	for _, tt := range []struct {
		name    string
		windows []windowResult
		want    []string
		notWant []string
	}{
		{"one window", []windowResult{window(1, 0.3, 0.6, 0.6, 0.3)},
			[]string{"## The engine against the best baseline\n",
				// 0.45 / 0.3 = 1.5 on every query: the interval is one point, always at the goal
				"| 1 (test 2023-02-01 to 2023-02-14) | profile | in-period | 0.4500 | popularity | 0.3000 | 1.500 (1.02) | 1.500-1.500 | 1.00 |",
				// against a constant 1 the ratio is the resample's mean: all four queries at 0.3
				// or all at 0.6 happen in 1/16 of the draws each, so the interval is [0.3, 0.6]
				"| 1 (test 2023-02-01 to 2023-02-14) | profile | all | 0.4500 | top_rated * | 1.0000 | 0.450 (1.02) | 0.300-0.600 | 0.00 |"},
			[]string{"Means over", "Rolling windows"}},
		{"two windows", []windowResult{window(1, 0.3, 0.6, 0.6, 0.3), window(2, 0.2, 0.4, 0.4, 0.2)},
			[]string{"## Rolling windows: the engine against the best baseline", "| 2 (test 2023-02-01 to 2023-02-14) | profile | in-period | 0.3000 | popularity | 0.3000 | 1.000 (1.02) | 1.000-1.000 | 0.00 |",
				"Means over the 2 windows", "| profile | engine | 0.3750 |"},
			nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var out strings.Builder
			writeWindowSummary(&out, tt.windows)
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("summary lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(out.String(), w) {
					t.Errorf("summary has %q:\n%s", w, out.String())
				}
			}
		})
	}
}
