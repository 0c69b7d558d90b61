package ranker

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestConcernWeights: a request without history that states a known concern is ranked with
// Params.ConcernWeights when set; every other request (profile only, with history) with its
// own set as before; nil ConcernWeights ranks exactly as Weights; the
// variants of an experiment scale the concern set too, without touching the base Params.
func TestConcernWeights(t *testing.T) {
	ctx := context.Background()
	p := fixture(t)
	rank := func(params Params, prof Profile) Result {
		t.Helper()
		r, err := New(params)
		if err != nil {
			t.Fatal(err)
		}
		res, err := r.Rank(ctx, p, nil, Request{Profile: prof, Limit: 10, Explain: ExplainFull})
		if err != nil {
			t.Fatal(err)
		}
		checkSums(t, res)
		return res
	}
	scores := func(res Result) map[string]float64 {
		out := map[string]float64{}
		for _, it := range res.Items {
			out[it.Product.ID] = it.Score
		}
		return out
	}
	base := DefaultParams()
	// A concern set that differs from the cold-start one in every family the fixture reaches.
	concern := Weights{ConcernFit: 3, Claim: 1, PeerRating: 0.2, PeerVolume: 0.5, Safety: 0.1, Prior: 2}
	withConcern := base
	withConcern.SetConcernWeights(concern)
	// the same concern set given as the cold-start set: what a concern request must get
	asCold := base
	asCold.Weights = concern

	concernProfile := Profile{SkinType: "oily", Concerns: []string{"hyperpigmentation", "aging"}}
	tests := []struct {
		name string
		prof Profile
		want Params // parameters whose ranking of prof the concern-set ranking must equal
	}{
		{"concern request uses ConcernWeights", concernProfile, asCold},
		{"profile only keeps Weights", Profile{SkinType: "oily"}, base},
		{"history keeps HistoryWeights", Profile{SkinType: "oily", Concerns: []string{"aging"}, LikedProducts: []string{"p01"}}, base},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, want := scores(rank(withConcern, tc.prof)), scores(rank(tc.want, tc.prof))
			if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
				t.Errorf("scores (-want +got):\n%s", diff)
			}
		})
	}
	// One ranker serving every kind in turn ranks each as a fresh one does (the per-projection
	// terms are cached per kind: a concern request must not reuse the cold start's).
	shared, err := New(withConcern)
	if err != nil {
		t.Fatal(err)
	}
	for i, tc := range append(tests, tests...) {
		res, err := shared.Rank(ctx, p, nil, Request{Profile: tc.prof, Limit: 10, Explain: ExplainFull})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(scores(rank(tc.want, tc.prof)), scores(res), cmp.Comparer(func(a, b float64) bool { return math.Abs(a-b) < 1e-12 })); diff != "" {
			t.Errorf("shared ranker, request %d (%s): scores (-want +got):\n%s", i, tc.name, diff)
		}
	}
	// The set really changes the concern request's scores (the test above is not vacuous).
	if diff := cmp.Diff(scores(rank(base, concernProfile)), scores(rank(withConcern, concernProfile))); diff == "" {
		t.Errorf("ConcernWeights changed no score of a concern request")
	}
	// nil: exactly the behaviour without the field
	if got := base.ConcernSet(); got != base.Weights {
		t.Errorf("ConcernSet() of nil ConcernWeights = %+v, want Weights %+v", got, base.Weights)
	}

	// Validate reads the concern set.
	bad := base
	bad.SetConcernWeights(Weights{Safety: -1})
	if err := bad.Validate(); err == nil {
		t.Errorf("Validate accepted concern_weights.safety = -1")
	}

	// Experiments scale the concern set too (graph.Variant: every weight set alike), on a copy.
	scaled := scaleWeights(withConcern, map[string]float64{"prior": 3})
	if scaled.ConcernWeights.Prior != 6 || withConcern.ConcernWeights.Prior != 2 {
		t.Errorf("scaled concern prior %v (want 6), base's %v (want 2 untouched)", scaled.ConcernWeights.Prior, withConcern.ConcernWeights.Prior)
	}
}
