package eval

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

func TestSweepHarm(t *testing.T) {
	p := ranker.DefaultParams()
	p.HistoryWeights.AdverseExcess = 0.5
	p.SetConcernWeights(ranker.Weights{Recent: 1})
	got, changed := SweepHarm(p, 0.3)
	if !changed {
		t.Errorf("SweepHarm(0.3) changed nothing, want the cold-start and concern sets raised")
	}
	if diff := cmp.Diff([]float64{0.3, 0.5, 0.3}, []float64{got.Weights.AdverseExcess, got.HistoryWeights.AdverseExcess, got.ConcernWeights.AdverseExcess}); diff != "" {
		t.Errorf("adverse_excess of the cold-start, history and concern sets (-want +got):\n%s", diff)
	}
	if p.ConcernWeights.AdverseExcess != 0 || p.Weights.AdverseExcess != 0 {
		t.Errorf("SweepHarm changed its argument: %+v", p)
	}
	if _, changed := SweepHarm(got, 0.2); changed {
		t.Errorf("SweepHarm(0.2) on weights at 0.3 and 0.5 reports a change, want none")
	}
}

// TestRunHarmSweep: the dry profile query's moisturizers are p3 and p4; a dry tester broke
// out on p4 (above the dry testers' rate, 1/2) and loved p3. Every sweep point keeps p3 first
// (the demotion only pushes p4 down): NDCG@10 1, harm_excess@10 1/2 (p4 is the second of two).
func TestRunHarmSweep(t *testing.T) {
	proj := fixture(t)
	test := []graph.Review{rv("d1", "p3", 5, "dry"), rv("d2", "p4", 1, "dry", "breakout")}
	rep, err := Run(context.Background(), Input{Proj: proj, Train: trainReviews, Test: test},
		Options{Params: ranker.DefaultParams(), HarmSweep: []float64{0.3, 3}})
	if err != nil {
		t.Fatal(err)
	}
	profile, _ := rep.Task(TaskProfile)
	var names []string
	for _, s := range profile.HarmSweep {
		names = append(names, s.Name)
		if s.Overall.NDCG != 1 || s.Overall.HarmExcess != 0.5 {
			t.Errorf("%s: NDCG@10 %g, harm_excess@10 %g; want 1 and 0.5", s.Name, s.Overall.NDCG, s.Overall.HarmExcess)
		}
	}
	if diff := cmp.Diff([]string{"engine adverse_excess>=0.3", "engine adverse_excess>=3"}, names); diff != "" {
		t.Errorf("sweep (-want +got):\n%s", diff)
	}
	sweep := rep.JSON()["details"].(map[string]any)[TaskProfile].(map[string]any)["harm_sweep"].(map[string]any)
	if got := sweep["engine adverse_excess>=3"].(map[string]float64)["harm_excess@10"]; got != 0.5 {
		t.Errorf("json harm_sweep harm_excess@10 = %v, want 0.5", got)
	}
	var md bytes.Buffer
	if err := rep.WriteMarkdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "| engine adverse_excess>=3 | 1.0000 | 1.0000 | 0.5000 |") {
		t.Errorf("markdown lacks the sweep row:\n%s", md.String())
	}
}

// harmTrain: p4 has 4 reviews, 2 by dry reviewers of which 1 broke out, and 1 oily breakout;
// p3 2 reviews without harm. 6 reviews, 2 harmful: beta = 1/3.
var harmTrain = []graph.Review{
	rv("a", "p4", 2, "dry", "breakout"), rv("b", "p4", 5, "dry"), rv("c", "p4", 1, "oily", "irritation"), rv("d", "p4", 4, ""),
	rv("e", "p3", 5, "dry"), rv("f", "p3", 4, "oily"),
}

func TestHarmEvidence(t *testing.T) {
	proj := fixture(t)
	in := Input{Proj: proj, Train: harmTrain}
	ev := newHarmEvidence(NewData(proj, harmTrain), in)
	if math.Abs(ev.beta-1.0/3) > 1e-12 {
		t.Fatalf("beta = %g, want 1/3", ev.beta)
	}
	x4, _ := proj.ProductIndex("p4")
	product, peer, n, b := ev.rates(x4, "dry", 2)
	// product = (2 + 2/3) / (4 + 2) = 4/9; peer = (1 + 2·4/9) / (2 + 2) = 17/36
	want := []float64{4.0 / 9, 17.0 / 36, 2, 1}
	if diff := cmp.Diff(want, []float64{product, peer, n, b}, cmpopts.EquateApprox(0, 1e-12)); diff != "" {
		t.Errorf("rates of p4 for dry (-want +got):\n%s", diff)
	}
	// the excess guard at m = 2 is (17/36 − 1/3)/(1/3) = 5/12; p3 (no harm) has none
	guards := harmGuards()
	excess := guards[0].h(ev, "dry") // excess_m50
	x3, _ := proj.ProductIndex("p3")
	if excess(x3) != 0 || excess(x4) <= 0 {
		t.Errorf("excess_m50: p3 %g (want 0), p4 %g (want > 0)", excess(x3), excess(x4))
	}
	prob := guards[2].h(ev, "dry") // prob_m20: the posterior P(rate > beta)
	if !(prob(x4) > prob(x3)) || prob(x4) > 1 || prob(x3) < 0 {
		t.Errorf("prob_m20: p4 %g, p3 %g; want 0 <= p3 < p4 <= 1", prob(x4), prob(x3))
	}
}

// TestHarmProbe: with no guard the blend ranks like the engine (Base is the engine's own
// figures), and every guard reports each of its strengths.
func TestHarmProbe(t *testing.T) {
	proj := fixture(t)
	test := []graph.Review{rv("d1", "p3", 5, "dry"), rv("d2", "p4", 1, "dry", "breakout")}
	in := Input{Proj: proj, Train: harmTrain, Test: test}
	p := ranker.DefaultParams()
	got, err := HarmProbe(context.Background(), in, p)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := NewEngine("engine", p, proj, nil)
	if err != nil {
		t.Fatal(err)
	}
	qs, _ := Queries(TaskProfile, in)
	want, err := Evaluate(context.Background(), eng, qs, NewHarmIndex(test), len(proj.Products))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(harmGuards()) {
		t.Fatalf("%d results, want one per guard on the profile task (%d)", len(got), len(harmGuards()))
	}
	for i, r := range got {
		g := harmGuards()[i]
		if r.Task != TaskProfile || r.Guard != g.name || r.Queries != 1 {
			t.Errorf("result %d = %s %s %d queries, want profile %s 1", i, r.Task, r.Guard, r.Queries, g.name)
		}
		if r.Base.NDCG != want.Overall.NDCG || r.Base.HarmExcess != want.Overall.HarmExcess {
			t.Errorf("%s base = %+v, want the engine's %+v", r.Guard, r.Base, want.Overall)
		}
		if len(r.ByWeight) != len(g.weights) {
			t.Errorf("%s: %d strengths reported, want %d", r.Guard, len(r.ByWeight), len(g.weights))
		}
		// p3 is first without a guard and only p4 is demoted: nothing moves
		for w, m := range r.ByWeight {
			if m.NDCG != 1 {
				t.Errorf("%s at %g: NDCG@10 %g, want 1", r.Guard, w, m.NDCG)
			}
		}
	}
}

// TestTuneHarmHorizon: a split with Input.Harm measures the tuning's harm terms (the cap, the
// relevant products' harm_excess@10, and the engine's) on those reviews, not on Test: the
// queries stay the week's own.
func TestTuneHarmHorizon(t *testing.T) {
	a, _ := twoWeeks(t)
	ctx := context.Background()
	own, err := TuneOn(ctx, []Split{a}, ranker.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	wide := a
	// a later week in which dry reviewers broke out on p3, which d1 (dry) loved in a's
	wide.In.Harm = append(append([]graph.Review{}, a.In.Test...), rv("x1", "p3", 1, "dry", "breakout"), rv("x2", "p3", 2, "dry", "irritation"))
	got, err := TuneOn(ctx, []Split{wide}, ranker.DefaultParams(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(own.ValidationQueries, got.ValidationQueries); diff != "" {
		t.Errorf("queries changed with Harm (-own +with Harm):\n%s", diff)
	}
	for _, task := range Tasks {
		qs, err := Queries(task, a.In)
		if err != nil {
			t.Fatal(err)
		}
		for name, in := range map[string][]graph.Review{"own week": a.In.Test, "with the later week": wide.In.Harm} {
			res := own
			if name == "with the later week" {
				res = got
			}
			rel, err := Evaluate(ctx, relevantOnly{}, qs, NewHarmIndex(in), len(a.In.Proj.Products))
			if err != nil {
				t.Fatal(err)
			}
			if res.HarmCaps[task] != rel.Overall.HarmExcess {
				t.Errorf("%s %s: cap %g, want the relevant products' harm_excess@10 on those reviews, %g", task, name, res.HarmCaps[task], rel.Overall.HarmExcess)
			}
		}
	}
	if own.HarmCaps[TaskProfile] == got.HarmCaps[TaskProfile] {
		t.Errorf("profile cap %g with the later week's reviews, %g without: want a difference (p3 is above the dry rate in them)", got.HarmCaps[TaskProfile], own.HarmCaps[TaskProfile])
	}
}
