package eval

import (
	"fmt"
	"io"
	"maps"
	"strings"

	"github.com/skingraph/skingraph/ranker"
)

// metricKeys are the metric names of the JSON report, in table order.
var metricKeys = []string{"ndcg@10", "recall@10", "hr@10", "mrr@10", "coverage@10", "harm@10"}

func (m Metrics) values() []float64 {
	return []float64{m.NDCG, m.Recall, m.HR, m.MRR, m.Coverage, m.Harm}
}

// rateHarmKeys are the extra JSON keys of the rate-based harm (Metrics.HarmRate and
// HarmExcess), next to the keys, which keep their names and meaning.
var rateHarmKeys = []string{"harm_rate@10", "harm_excess@10"}

func (m Metrics) rateHarmValues() []float64 { return []float64{m.HarmRate, m.HarmExcess} }

// MetricMap returns the metrics under their JSON names (the keys).
func (m Metrics) MetricMap() map[string]float64 {
	out := make(map[string]float64, len(metricKeys))
	for i, v := range m.values() {
		out[metricKeys[i]] = v
	}
	return out
}

// rateHarmMap returns the rate-based harm under its JSON names, with the harm@10
// beside it for comparison.
func (m Metrics) rateHarmMap() map[string]float64 {
	out := map[string]float64{"harm@10": m.Harm}
	for i, v := range m.rateHarmValues() {
		out[rateHarmKeys[i]] = v
	}
	return out
}

// JSON returns the machine-readable report in the shape of issue 6:
//
//	{"tasks": {"profile": {"queries": N, "engine": {"ndcg@10": x, ...},
//	  "baselines": {"popularity": {...}, ...}}, "history": {...}},
//	 "weights": {...}}
//
// where "weights" are the cold-start weights (the profile task's), plus "history_weights"
// (the history task's), "rate_harm" (by task, for the engine, every baseline and the relevant
// products themselves: harm@10 beside harm_rate@10 and harm_excess@10, Metrics.HarmRate and
// HarmExcess),
// and "details" with what the issue leaves to the report: per skin type figures with their
// query counts, the ablations, the full parameters and the tuning.
func (r Report) JSON() map[string]any {
	tasks := map[string]any{}
	rateHarm := map[string]any{}
	details := map[string]any{"params": r.Params}
	for _, t := range r.Tasks {
		baselines := map[string]any{}
		settings := map[string]string{}
		for _, b := range t.Baselines {
			baselines[b.Name] = b.Overall.MetricMap()
			if b.Setting != "" {
				settings[b.Name] = b.Setting
			}
		}
		tasks[t.Task] = map[string]any{"queries": t.Queries, "engine": t.Engine.Overall.MetricMap(), "baselines": baselines, "baseline_settings": settings}
		// the engine over the best baseline, with its bootstrap interval (AgainstBest)
		against := map[string]any{}
		for _, inPeriod := range []bool{false, true} {
			if best, ci, ok := t.AgainstBest(inPeriod); ok {
				key := map[bool]string{false: "all", true: "in_period"}[inPeriod]
				against[key] = map[string]any{"baseline": best.Name, "ratio": ci.Ratio, "ci95": []float64{ci.Lo, ci.Hi}, "goal": ci.Goal, "share_at_goal": ci.AtGoal}
			}
		}
		if len(against) > 0 {
			tasks[t.Task].(map[string]any)["against_best"] = against
		}
		rateBaselines := map[string]any{}
		for _, b := range t.Baselines {
			rateBaselines[b.Name] = b.Overall.rateHarmMap()
		}
		rateHarm[t.Task] = map[string]any{"engine": t.Engine.Overall.rateHarmMap(), "baselines": rateBaselines, "relevant": t.Relevant.rateHarmMap()}

		bySkin := map[string]any{}
		for _, s := range append([]SystemResult{t.Engine}, t.Baselines...) {
			for g, m := range s.BySkinType {
				gm, _ := bySkin[g].(map[string]any)
				if gm == nil {
					gm = map[string]any{"queries": m.Queries}
					bySkin[g] = gm
				}
				gm[s.Name] = m.MetricMap()
			}
		}
		ablations := map[string]any{}
		for _, a := range t.Ablations {
			m := a.Overall.MetricMap()
			maps.Copy(m, a.Overall.rateHarmMap()) // which family pushes harm up (round 9)
			ablations[a.Name] = m
		}
		details[t.Task] = map[string]any{"by_skin_type": bySkin, "ablations": ablations, "relevant_harm@10": t.RelevantHarm}
		if len(t.HarmSweep) > 0 {
			sweep := map[string]any{}
			for _, s := range t.HarmSweep {
				m := s.Overall.MetricMap()
				maps.Copy(m, s.Overall.rateHarmMap())
				sweep[s.Name] = m
			}
			details[t.Task].(map[string]any)["harm_sweep"] = sweep
		}
	}
	if r.Tuning != nil {
		details["tuning"] = map[string]any{
			"start_objective": r.Tuning.Start, "best_objective": r.Tuning.Best, "evaluations": r.Tuning.Evaluations,
			"validation_queries": r.Tuning.ValidationQueries, "harm_caps": r.Tuning.HarmCaps, "best_baseline": bestBaselines(r.Tuning.BestBaseline), "relevant_harm@10": r.Tuning.RelevantHarm, "validation_from": r.Tuning.ValidationFromDate,
			"params": r.Tuning.Params, "start": r.Tuning.StartName, "validation": validationMaps(r.Tuning.Validation),
			"min_gain_z": r.Tuning.MinGainZ, "from_feature_cache": r.Tuning.FastEvaluations,
			"search_splits": r.Tuning.SearchSplits, "searched_objective": r.Tuning.Searched,
			"fixed_cold_start": r.Tuning.FixedColdStart,
		}
		if r.Tuning.Forecast != nil {
			details["tuning"].(map[string]any)["forecast"] = r.Tuning.Forecast
		}
		if r.Tuning.Second != nil {
			details["tuning"].(map[string]any)["second_split"] = map[string]any{
				"validation_from": r.Tuning.Second.ValidationFromDate, "objective": r.Tuning.Second.Best, "parts": r.Tuning.Second.Parts,
				"validation_queries": r.Tuning.Second.ValidationQueries, "validation": validationMaps(r.Tuning.Second.Validation),
			}
		}
		if b := r.Tuning.Bag; b != nil {
			spread := []map[string]any{}
			for _, sp := range b.Spread {
				spread = append(spread, map[string]any{"param": sp.Param, "values": sp.Values, "min": sp.Min, "max": sp.Max, "chosen": sp.Chosen, "mean": sp.Mean})
			}
			details["tuning"].(map[string]any)["bag"] = map[string]any{
				"resamples": b.B, "full_params": b.Full, "searched_objective_full": b.FullSearched, "searched_objective_bagged": b.Searched, "spread": spread,
			}
		}
	}
	out := map[string]any{"tasks": tasks, "weights": r.Params.Weights, "history_weights": r.Params.HistoryWeights, "rate_harm": rateHarm, "details": details}
	if r.Params.ConcernWeights != nil {
		out["concern_weights"] = *r.Params.ConcernWeights
	}
	return out
}

// WriteMarkdown writes the report as Markdown tables: per task, the engine against every
// baseline, the ablations, and NDCG@10, recall@10 and harm@10 per skin type.
func (r Report) WriteMarkdown(w io.Writer) error {
	var b strings.Builder
	header := "| system | " + strings.Join(metricKeys, " | ") + " |\n|---|" + strings.Repeat("---:|", len(metricKeys)) + "\n"
	row := func(name string, m Metrics) {
		fmt.Fprintf(&b, "| %s |", name)
		for _, v := range m.values() {
			fmt.Fprintf(&b, " %.4f |", v)
		}
		b.WriteString("\n")
	}
	for _, t := range r.Tasks {
		fmt.Fprintf(&b, "### %s task (%d queries)\n\n%s", t.Task, t.Queries, header)
		row("**engine**", t.Engine.Overall)
		for _, s := range t.Baselines {
			row(s.Label(), s.Overall)
		}
		fmt.Fprintf(&b, "\nThe relevant products themselves (a perfect ranking) have harm@10 %.4f; half of popularity's is %.4f.\n",
			t.RelevantHarm, popularityHarm(t)/2)
		fmt.Fprintf(&b, "\nRate-based harm (%s task): harm_rate@10 is the mean adverse rate of the recommended products among test reviewers of the query's skin type, shrunk with %d pseudo-reviews towards that skin type's rate; harm_excess@10 the share of recommended products whose rate is above that skin type's catalogue rate.\n\n| system | harm@10 | %s |\n|---|---:|%s\n",
			t.Task, HarmRateSmoothing, strings.Join(rateHarmKeys, " | "), strings.Repeat("---:|", len(rateHarmKeys)))
		rateRow := func(name string, m Metrics) {
			fmt.Fprintf(&b, "| %s | %.4f |", name, m.Harm)
			for _, v := range m.rateHarmValues() {
				fmt.Fprintf(&b, " %.4f |", v)
			}
			b.WriteString("\n")
		}
		rateRow("**engine**", t.Engine.Overall)
		for _, s := range t.Baselines {
			rateRow(s.Name, s.Overall)
		}
		rateRow("relevant products (perfect ranking)", t.Relevant)
		if len(t.Ablations) > 0 {
			fmt.Fprintf(&b, "\nAblations (%s task: the engine with one family switched off; harm_excess@10 last):\n\n| system | %s | harm_excess@10 |\n|---|%s---:|\n",
				t.Task, strings.Join(metricKeys, " | "), strings.Repeat("---:|", len(metricKeys)))
			ablationRow := func(name string, m Metrics) {
				fmt.Fprintf(&b, "| %s |", name)
				for _, v := range m.values() {
					fmt.Fprintf(&b, " %.4f |", v)
				}
				fmt.Fprintf(&b, " %.4f |\n", m.HarmExcess)
			}
			ablationRow("engine", t.Engine.Overall)
			for _, s := range t.Ablations {
				ablationRow(s.Name, s.Overall)
			}
		}
		if len(t.HarmSweep) > 0 {
			fmt.Fprintf(&b, "\nHarm sweep (%s task: the engine with the harm demotion adverse_excess forced up to each value in every weight set; a sensitivity analysis, never chosen from):\n\n| system | ndcg@10 | recall@10 | harm_excess@10 |\n|---|---:|---:|---:|\n", t.Task)
			for _, s := range append([]SystemResult{t.Engine}, t.HarmSweep...) {
				fmt.Fprintf(&b, "| %s | %.4f | %.4f | %.4f |\n", s.Name, s.Overall.NDCG, s.Overall.Recall, s.Overall.HarmExcess)
			}
			fmt.Fprintf(&b, "| relevant products (perfect ranking) | | | %.4f |\n", t.Relevant.HarmExcess)
		}
		groups := t.Engine.Groups()
		fmt.Fprintf(&b, "\nBy skin type (%s task), NDCG@10 / Recall@10 / harm@10:\n\n| system |", t.Task)
		for _, g := range groups {
			fmt.Fprintf(&b, " %s (%d) |", g, t.Engine.BySkinType[g].Queries)
		}
		b.WriteString("\n|---|" + strings.Repeat("---:|", len(groups)) + "\n")
		for _, s := range append([]SystemResult{t.Engine}, t.Baselines...) {
			fmt.Fprintf(&b, "| %s |", s.Name)
			for _, g := range groups {
				m := s.BySkinType[g]
				fmt.Fprintf(&b, " %.3f / %.3f / %.3f |", m.NDCG, m.Recall, m.Harm)
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "Weights: %s\n", FormatWeights(r.Params))
	_, err := io.WriteString(w, b.String())
	return err
}

// FormatWeights writes the parameters the evaluation moves, on one line: the cold-start
// weights, the history weights (h.), then the shared numbers.
func FormatWeights(p ranker.Params) string {
	set := func(prefix string, w ranker.Weights) string {
		return fmt.Sprintf("%sconcern_fit=%g %sclaim=%g %speer_rating=%g %speer_effects=%g %speer_volume=%g %ssafety=%g %saffinity=%g %sprior=%g %sco_review=%g %srecent=%g %srecent_linear=%g %speer_adverse=%g",
			prefix, w.ConcernFit, prefix, w.Claim, prefix, w.PeerRating, prefix, w.PeerEffects, prefix, w.PeerVolume, prefix, w.Safety,
			prefix, w.Affinity, prefix, w.Prior, prefix, w.CoReview, prefix, w.Recent, prefix, w.RecentLinear, prefix, w.PeerAdverse) +
			fmt.Sprintf(" %srecent_scales=%v %speer_recent_scales=%v %sitem_item=%g %sadverse_excess=%g %strend=%g", prefix, w.RecentScales, prefix, w.PeerRecentScales, prefix, w.ItemItem, prefix, w.AdverseExcess, prefix, w.Trend)
	}
	concern := ""
	if p.ConcernWeights != nil {
		concern = "with concerns: " + set("c.", *p.ConcernWeights) + "; "
	}
	return fmt.Sprintf("%s recent_half_life_days=%g; %swith history: %s h.recent_half_life_days=%g; recent_min_rating=%g popularity_share=%g smoothing=%g adverse_smoothing=%g liked_population_scale=%g attr_weight.skin_type=%g attr_weight.skin_tone=%g attr_weight.concern=%g item_item_lambda=%g",
		set("", p.Weights), p.RecentHalfLifeDays, concern, set("h.", p.HistoryWeights), p.HistoryRecentHalfLifeDays,
		p.RecentMinRating, p.PopularityShare, p.Smoothing, p.AdverseSmoothing, p.LikedPopulationScale, p.AttrWeight.SkinType, p.AttrWeight.SkinTone, p.AttrWeight.Concern, p.ItemItemLambda) +
		fmt.Sprintf(" trend_half_life_days=%g/%g h.trend_half_life_days=%g/%g", // round 10: short/long, cold start (and concern set) / history
			p.TrendShortHalfLifeDays, p.TrendLongHalfLifeDays, p.HistoryTrendShortHalfLifeDays, p.HistoryTrendLongHalfLifeDays)
}

// GoDefaults writes the Go statements that make p the default of ranker.DefaultParams.
func GoDefaults(p ranker.Params) string {
	set := func(name string, w ranker.Weights) string {
		return fmt.Sprintf(`%s: Weights{
	ConcernFit: %g, Claim: %g, PeerRating: %g, PeerEffects: %g, PeerVolume: %g,
	Safety: %g, Affinity: %g, Prior: %g,
	CoReview: %g, Recent: %g, RecentLinear: %g, PeerAdverse: %g,
	RecentScales: %s, PeerRecentScales: %s,
	ItemItem: %g, AdverseExcess: %g, Trend: %g,
},
`, name, w.ConcernFit, w.Claim, w.PeerRating, w.PeerEffects, w.PeerVolume, w.Safety, w.Affinity, w.Prior, w.CoReview, w.Recent, w.RecentLinear, w.PeerAdverse,
			goScales(w.RecentScales), goScales(w.PeerRecentScales), w.ItemItem, w.AdverseExcess, w.Trend)
	}
	concern := ""
	if p.ConcernWeights != nil {
		concern = "ConcernWeights: &" + set("Weights", *p.ConcernWeights)[len("Weights: "):]
	}
	return "// ranker/params.go, DefaultParams:\n" + set("Weights", p.Weights) + set("HistoryWeights", p.HistoryWeights) + concern + fmt.Sprintf(`Smoothing: %g,
PopularityShare: %g,
RecentHalfLifeDays: %g,
HistoryRecentHalfLifeDays: %g,
RecentMinRating: %g,
AdverseSmoothing: %g,
LikedPopulationScale: %g,
ItemItemLambda: %g,
p.AttrWeight.SkinType, p.AttrWeight.SkinTone, p.AttrWeight.Concern = %g, %g, %g
`, p.Smoothing, p.PopularityShare, p.RecentHalfLifeDays, p.HistoryRecentHalfLifeDays, p.RecentMinRating, p.AdverseSmoothing, p.LikedPopulationScale, p.ItemItemLambda, p.AttrWeight.SkinType, p.AttrWeight.SkinTone, p.AttrWeight.Concern) +
		fmt.Sprintf("p.TrendShortHalfLifeDays, p.TrendLongHalfLifeDays = %g, %g\np.HistoryTrendShortHalfLifeDays, p.HistoryTrendLongHalfLifeDays = %g, %g\n",
			p.TrendShortHalfLifeDays, p.TrendLongHalfLifeDays, p.HistoryTrendShortHalfLifeDays, p.HistoryTrendLongHalfLifeDays)
}

// Label is the system's name with its tuned setting, if any, for tables.
func (r SystemResult) Label() string {
	if r.Setting == "" {
		return r.Name
	}
	return r.Name + " (" + r.Setting + ")"
}

// PostPeriodBaselines read data written after the test period: top_rated ranks by Sephora's
// rating and all-time review count from product_info.csv, scraped after the reviews (the
// engine's prior reads them too).
var PostPeriodBaselines = map[string]bool{"top_rated": true}

// BestBaseline returns the baseline of t with the highest NDCG@10 and the highest Recall@10
// any baseline reaches (the goal's two bars); with inPeriod, only among the baselines that
// read nothing written after the test period (not PostPeriodBaselines).
func (t TaskReport) BestBaseline(inPeriod bool) (best SystemResult, recall float64) {
	best.Overall.NDCG = -1
	for _, b := range t.Baselines {
		if inPeriod && PostPeriodBaselines[b.Name] {
			continue
		}
		if b.Overall.NDCG > best.Overall.NDCG {
			best = b
		}
		recall = max(recall, b.Overall.Recall)
	}
	return best, recall
}

// bestBaselines writes the tuning's baseline bars under the JSON metric names.
func bestBaselines(by map[string]Metrics) map[string]map[string]float64 {
	out := make(map[string]map[string]float64, len(by))
	for task, m := range by {
		out[task] = map[string]float64{"ndcg@10": m.NDCG, "recall@10": m.Recall}
	}
	return out
}

// popularityHarm is the popularity baseline's harm@10 in t (0 when it did not run).
func popularityHarm(t TaskReport) float64 {
	for _, b := range t.Baselines {
		if b.Name == "popularity" {
			return b.Overall.Harm
		}
	}
	return 0
}

// validationMaps writes the tuned engine's validation figures under the JSON metric names.
func validationMaps(by map[string]Metrics) map[string]map[string]float64 {
	out := make(map[string]map[string]float64, len(by))
	for task, m := range by {
		out[task] = m.MetricMap()
	}
	return out
}

// goScales writes a multi-scale weight array as a Go literal.
func goScales(v [ranker.NumRecentScales]float64) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = fmt.Sprintf("%g", x)
	}
	return "[ranker.NumRecentScales]float64{" + strings.Join(parts, ", ") + "}"
}
