package cypher_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestChangeFeedRecordsWhatChanged checks the feed: every version bump records one change
// naming what it touched, ChangesSince lists them in order, and pruning makes an old version
// ErrGone.
func TestChangeFeedRecordsWhatChanged(t *testing.T) {
	store := vaultStore(t)
	ctx := context.Background()
	v0, err := store.DataVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.WriteLoad(ctx, fixtureLoad("load-1")); err != nil {
		t.Fatalf("WriteLoad: %v", err)
	}
	if _, _, err := store.CreateRule(ctx, graph.Rule{Name: "up", Kind: graph.RuleBoost, Amount: 0.5,
		Match: graph.RuleMatch{Brands: []string{"Acme"}}}, "k", eventAt); err != nil {
		t.Fatalf("CreateRule: %v", err)
	}
	putProfile(t, store, "profile-x", oilyMedium)
	writeOne(t, store, ev("e1", graph.EventRating, "p2", "profile-x", 5, ""))
	refresh(t, store)
	if _, err := store.WriteEfficacy(ctx, "eff-1", "study", eventAt, []graph.EfficacyClaim{{SubjectType: graph.SubjectIngredient,
		Subject: "retinol", Concern: "acne", EffectSize: 0.4, SampleSize: 10, Evidence: "clinical", Source: "s", Date: eventAt}}, false); err != nil {
		t.Fatalf("WriteEfficacy: %v", err)
	}

	got, err := store.ChangesSince(ctx, v0.N)
	if err != nil {
		t.Fatalf("ChangesSince: %v", err)
	}
	for i := range got {
		if got[i].At.IsZero() {
			t.Errorf("change %d has no time", got[i].N)
		}
		got[i].At = time.Time{}
	}
	want := []graph.Change{
		{N: v0.N + 1, Products: []string{"p1", "p2"}, Ingredients: []string{"niacinamide", "retinol"}},
		{N: v0.N + 2, Rules: true},
		{N: v0.N + 3, Products: []string{"p2"}},
		{N: v0.N + 4, Ingredients: []string{"retinol"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if got, err := store.ChangesSince(ctx, v0.N+4); err != nil || len(got) != 0 {
		t.Errorf("ChangesSince(current) = %v, %v; want none", got, err)
	}
	if _, err := store.ChangesSince(ctx, v0.N+9); !errors.Is(err, graph.ErrGone) {
		t.Errorf("ChangesSince(a version ahead) error = %v, want ErrGone", err)
	}

	n, err := store.PruneChanges(ctx, time.Now().Add(time.Hour))
	if err != nil || n != 4 {
		t.Fatalf("PruneChanges = %d, %v; want 4 pruned", n, err)
	}
	if _, err := store.ChangesSince(ctx, v0.N); !errors.Is(err, graph.ErrGone) {
		t.Errorf("ChangesSince after pruning: error = %v, want ErrGone", err)
	}
	if got, err := store.ChangesSince(ctx, v0.N+4); err != nil || len(got) != 0 {
		t.Errorf("ChangesSince(current) after pruning = %v, %v; want none", got, err)
	}
}

// TestIncrementalProjectionEqualsFullBuild applies random sequences of writes (review loads,
// product uploads and updates, ingredient loads, efficacy rows, events, profile erasures,
// rules) and, after each (sometimes after two), brings the incrementally maintained projection
// forward by ProjectDelta and Apply, and compares its digest with a fresh full build's.
func TestIncrementalProjectionEqualsFullBuild(t *testing.T) {
	for _, seed := range []uint64{1, 2} {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			store := vaultStore(t)
			ctx := context.Background()
			w := &randomWriter{t: t, store: store, rng: rand.New(rand.NewPCG(seed, 17))}
			w.base()
			inc, err := store.Project(ctx)
			if err != nil {
				t.Fatalf("Project: %v", err)
			}
			checkDigest(t, store, inc, "base")
			for step := range 24 {
				what := w.step(step)
				if w.rng.IntN(4) == 0 {
					what += " + " + w.step(step+100)
				}
				d, err := store.ProjectDelta(ctx, inc.Version)
				if err != nil {
					t.Fatalf("step %d (%s): ProjectDelta: %v", step, what, err)
				}
				if d.Full {
					t.Fatalf("step %d (%s): the delta asks for a full rebuild", step, what)
				}
				next, err := inc.Apply(d)
				if err != nil {
					t.Fatalf("step %d (%s): Apply: %v", step, what, err)
				}
				inc = next
				checkDigest(t, store, inc, fmt.Sprintf("step %d (%s)", step, what))
				t.Logf("step %d: %s: version %d, %d products, %d ingredients: digests equal", step, what, inc.Version.N, len(d.Products), len(d.Ingredients))
			}
		})
	}
}

func checkDigest(t *testing.T, store *cypher.Store, inc *graph.Projection, what string) {
	t.Helper()
	full, err := store.Project(context.Background())
	if err != nil {
		t.Fatalf("%s: Project: %v", what, err)
	}
	if inc.Version.N != full.Version.N {
		t.Fatalf("%s: incremental version %d, full %d", what, inc.Version.N, full.Version.N)
	}
	if a, b := inc.Digest(), full.Digest(); a != b {
		t.Fatalf("%s: digest of the incremental projection %s, of a full build %s", what, a, b)
	}
}

// randomWriter makes random writes of every kind the feed records.
type randomWriter struct {
	t        *testing.T
	store    *cypher.Store
	rng      *rand.Rand
	products int // p0 .. p<products-1> exist
	loads    int
	events   int
	profiles []string
	rules    []graph.Rule
	exp      *graph.Experiment // the experiment in force, if any (one at a time)
	staged   *cypher.Store     // the same database, staging every load
}

var (
	randomINCIs    = []string{"water", "glycerin", "niacinamide", "retinol", "salicylic acid", "fragrance", "squalane", "zinc oxide"}
	randomConcerns = []string{"acne", "aging", "dryness", "redness", "hyperpigmentation"}
	randomTypes    = []string{"dry", "oily", "combination", "normal"}
)

func (w *randomWriter) pick(xs []string) string { return xs[w.rng.IntN(len(xs))] }

func (w *randomWriter) product(id string) graph.Product {
	p := graph.Product{ID: id, Name: "Product " + id, Brand: w.pick([]string{"Acme", "Bloom", "Cedar"}),
		Category: w.pick([]string{"serum", "moisturizer", "cleanser"}), Price: float64(5 + w.rng.IntN(60)),
		Rating: 3 + float64(w.rng.IntN(20))/10, ReviewCount: w.rng.IntN(50)}
	seen := map[string]bool{}
	for pos := 1; pos <= 2+w.rng.IntN(4); pos++ {
		inci := w.pick(randomINCIs)
		if w.rng.IntN(10) == 0 {
			inci = fmt.Sprintf("rare extract %d", w.rng.IntN(1000)) // a new ingredient node
		}
		if seen[inci] {
			continue
		}
		seen[inci] = true
		p.Ingredients = append(p.Ingredients, graph.ProductIngredient{INCI: inci, Name: inci, Position: pos})
	}
	if w.rng.IntN(2) == 0 {
		p.Claims = []string{w.pick(randomConcerns)}
	}
	if w.rng.IntN(2) == 0 {
		p.Suits = []string{w.pick(randomTypes)}
	}
	return p
}

func (w *randomWriter) reviews(n int) []graph.Review {
	var out []graph.Review
	for range n {
		w.loads++
		out = append(out, graph.Review{ID: fmt.Sprintf("r%d", w.loads), Reviewer: fmt.Sprintf("u%d", w.rng.IntN(12)),
			ProductID: fmt.Sprintf("p%d", w.rng.IntN(w.products)), Rating: 1 + w.rng.IntN(5), Recommended: w.rng.IntN(2) == 0,
			At:       eventAt.Add(time.Duration(w.rng.IntN(1_000_000)) * time.Second).Add(time.Duration(w.rng.IntN(1000)) * time.Millisecond),
			SkinType: w.pick(randomTypes), Effects: []string{w.pick([]string{"improved", "breakout", "irritation", "hydration"})}})
	}
	return out
}

func (w *randomWriter) ingredient(inci string) graph.Ingredient {
	i := graph.Ingredient{INCI: inci, Name: inci, Source: "s",
		Treats: []graph.Treatment{{Concern: w.pick(randomConcerns), Efficacy: float64(w.rng.IntN(10)) / 10, Evidence: "clinical", Source: "s"}}}
	if w.rng.IntN(2) == 0 {
		i.Aggravates = []graph.Aggravation{{Kind: graph.KindSkinType, Target: w.pick(randomTypes), Severity: float64(1+w.rng.IntN(9)) / 10, Reason: "r", Source: "s"}}
	}
	if w.rng.IntN(3) == 0 {
		i.Conflicts = []graph.Conflict{{INCI: w.pick(randomINCIs), Severity: float64(1+w.rng.IntN(9)) / 10, Reason: "c", Source: "s"}}
	}
	return i
}

func (w *randomWriter) load(l graph.Load) {
	w.t.Helper()
	w.loads++
	l.ID, l.Source, l.Kind, l.At = fmt.Sprintf("load-%d", w.loads), "random", "test", eventAt
	if _, err := w.store.WriteLoad(context.Background(), l); err != nil {
		w.t.Fatalf("WriteLoad: %v", err)
	}
}

// base loads ingredients, eight products and their reviews, and two profiles.
func (w *randomWriter) base() {
	var l graph.Load
	for _, inci := range randomINCIs {
		l.Ingredients = append(l.Ingredients, w.ingredient(inci))
	}
	for x := range 8 {
		l.Products = append(l.Products, w.product(fmt.Sprintf("p%d", x)))
	}
	w.products = 8
	l.Reviews = w.reviews(40)
	w.load(l)
	for _, id := range []string{"profile-a", "profile-b"} {
		putProfile(w.t, w.store, id, graph.SkinProfile{SkinType: w.pick(randomTypes), SkinTone: "medium"})
		w.profiles = append(w.profiles, id)
	}
}

// step makes one random write and says what it was.
func (w *randomWriter) step(i int) string {
	t, ctx := w.t, context.Background()
	t.Helper()
	switch k := w.rng.IntN(9); k {
	case 8:
		// A staged load (chunks, then a commit): a new product, an update and reviews.
		if w.staged == nil {
			w.staged = neo4jtest.OpenStaging(t, cypher.StagingOptions{Threshold: 1})
			w.staged.SetVault(testVault(t))
		}
		id := fmt.Sprintf("p%d", w.products)
		w.products++
		w.loads++
		l := graph.Load{ID: fmt.Sprintf("staged-%d", w.loads), Source: "random", Kind: "test", At: eventAt,
			Products: []graph.Product{w.product(id), w.product(fmt.Sprintf("p%d", w.rng.IntN(w.products-1)))},
			Reviews:  w.reviews(3)}
		if _, err := w.staged.WriteLoadProgress(ctx, l, nil); err != nil {
			t.Fatalf("staged WriteLoadProgress: %v", err)
		}
		return "staged load with " + id
	case 0:
		w.load(graph.Load{Reviews: w.reviews(1 + w.rng.IntN(5))})
		return "reviews"
	case 1:
		id := fmt.Sprintf("p%d", w.products)
		w.products++
		w.load(graph.Load{Products: []graph.Product{w.product(id)}, Reviews: nil})
		return "new product " + id
	case 2:
		w.load(graph.Load{Products: []graph.Product{w.product(fmt.Sprintf("p%d", w.rng.IntN(w.products)))}})
		return "product update"
	case 3:
		w.load(graph.Load{Ingredients: []graph.Ingredient{w.ingredient(w.pick(randomINCIs))}})
		return "ingredient load"
	case 4:
		w.loads++
		if _, err := w.store.WriteEfficacy(ctx, fmt.Sprintf("eff-%d", w.loads), "study", eventAt, []graph.EfficacyClaim{{
			SubjectType: graph.SubjectIngredient, Subject: w.pick(randomINCIs), Concern: w.pick(randomConcerns),
			EffectSize: float64(w.rng.IntN(10)) / 10, SampleSize: 10, Evidence: "clinical", Source: "s", Date: eventAt}}, false); err != nil {
			t.Fatalf("WriteEfficacy: %v", err)
		}
		return "efficacy"
	case 5:
		var evs []graph.Event
		for range 1 + w.rng.IntN(3) {
			w.events++
			e := ev(fmt.Sprintf("e%d", w.events), graph.EventRating, fmt.Sprintf("p%d", w.rng.IntN(w.products)), w.pick(w.profiles), 1+w.rng.IntN(5), "")
			if w.rng.IntN(2) == 0 {
				e.Type, e.Rating, e.Effect = graph.EventEffect, 0, w.pick([]string{"improved", "breakout"})
			}
			evs = append(evs, e)
		}
		writeOne(t, w.store, evs...)
		refresh(t, w.store)
		return "events"
	case 6:
		id := w.pick(w.profiles)
		if _, err := w.store.EraseProfile(ctx, id); err != nil {
			t.Fatalf("EraseProfile: %v", err)
		}
		putProfile(t, w.store, id, graph.SkinProfile{SkinType: w.pick(randomTypes)})
		return "erase " + id
	default:
		switch {
		case w.rng.IntN(4) == 0 && w.exp != nil:
			if _, err := w.store.DeleteExperiment(ctx, w.exp.ID, w.exp.Revision); err != nil {
				t.Fatalf("DeleteExperiment: %v", err)
			}
			w.exp = nil
			return "delete experiment"
		case w.exp == nil && w.rng.IntN(4) == 0:
			e, _, err := w.store.CreateExperiment(ctx, graph.Experiment{Name: "exp", Variants: []graph.Variant{{Name: "control", Share: 50},
				{Name: "peer", Share: 50, Weights: map[string]float64{"peer_rating": 1.5}}}}, "k", eventAt)
			if err != nil {
				t.Fatalf("CreateExperiment: %v", err)
			}
			w.exp = &e
			return "create experiment"
		case len(w.rules) > 0 && w.rng.IntN(3) == 0:
			r := w.rules[len(w.rules)-1]
			if _, err := w.store.DeleteRule(ctx, r.ID, r.Revision); err != nil {
				t.Fatalf("DeleteRule: %v", err)
			}
			w.rules = w.rules[:len(w.rules)-1]
			return "delete rule"
		case len(w.rules) > 0 && w.rng.IntN(2) == 0:
			r := w.rules[len(w.rules)-1]
			up := r
			up.Amount = float64(1+w.rng.IntN(9)) / 10
			got, _, err := w.store.UpdateRule(ctx, up, r.Revision, "k", eventAt.Add(time.Duration(i)*time.Minute))
			if err != nil {
				t.Fatalf("UpdateRule: %v", err)
			}
			w.rules[len(w.rules)-1] = got
			return "update rule"
		}
		r, _, err := w.store.CreateRule(ctx, graph.Rule{Name: "rule", Kind: graph.RuleBoost, Amount: 0.3,
			Match: graph.RuleMatch{Brands: []string{"Acme"}}}, "k", eventAt)
		if err != nil {
			t.Fatalf("CreateRule: %v", err)
		}
		w.rules = append(w.rules, r)
		return "create rule"
	}
}
