package embedding

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/skingraph/skingraph/graph"
)

// catalogue is a small editable graph for the update tests: it builds a projection of any
// version, and its changes name what they touched, as the change feed does.
type catalogue struct {
	version     int64
	ingredients map[string]*testIngredient
	products    map[string]*testProduct
	nextID      int
}

type testIngredient struct {
	treats map[string]float64 // concern → efficacy
	aggr   map[string]float64 // skin type → severity
}

type testProduct struct {
	uses     []string // label order
	claims   []string
	suits    []string
	outcomes map[[2]string]graph.Outcome // (kind, attribute)
}

// newCatalogue makes n products over n/8 ingredients (aqua in every product, so it is a hub
// once n >= hubDegree) with claims, skin types and outcomes.
func newCatalogue(rng *rand.Rand, n int) *catalogue {
	c := &catalogue{version: 1, ingredients: map[string]*testIngredient{}, products: map[string]*testProduct{}}
	c.addIngredient("aqua")
	for i := range max(n/8, 10) {
		inci := fmt.Sprintf("ing-%03d", i)
		c.addIngredient(inci)
		if rng.IntN(3) == 0 {
			c.ingredients[inci].treats[pick(rng, graph.Concerns.Names())] = 0.2 + 0.8*rng.Float64()
		}
		if rng.IntN(8) == 0 {
			c.ingredients[inci].aggr[pick(rng, graph.SkinTypes.Names())] = rng.Float64()
		}
	}
	for range n {
		c.addProduct(rng)
	}
	return c
}

func pick(rng *rand.Rand, names []string) string { return names[rng.IntN(len(names))] }

func (c *catalogue) addIngredient(inci string) {
	c.ingredients[inci] = &testIngredient{treats: map[string]float64{}, aggr: map[string]float64{}}
}

// addProduct adds a product with random edges and returns its id.
func (c *catalogue) addProduct(rng *rand.Rand) string {
	id := fmt.Sprintf("p-%05d", c.nextID)
	c.nextID++
	p := &testProduct{uses: []string{"aqua"}, outcomes: map[[2]string]graph.Outcome{}}
	incis := c.incis()
	for range 3 + rng.IntN(8) {
		// Squaring the draw skews popularity towards the first ingredients.
		f := rng.Float64()
		if inci := incis[int(f*f*float64(len(incis)))]; !slices.Contains(p.uses, inci) {
			p.uses = append(p.uses, inci)
		}
	}
	if rng.IntN(2) == 0 {
		p.claims = append(p.claims, pick(rng, graph.Concerns.Names()))
	}
	if rng.IntN(2) == 0 {
		p.suits = append(p.suits, pick(rng, graph.SkinTypes.Names()))
	}
	c.products[id] = p
	c.rate(rng, id)
	return id
}

// rate records a rating of product id by someone with a random skin type.
func (c *catalogue) rate(rng *rand.Rand, id string) {
	k := [2]string{graph.KindSkinType, pick(rng, graph.SkinTypes.Names())}
	o := c.products[id].outcomes[k]
	n := float64(o.Count)
	o.ProductID, o.Kind, o.Attribute = id, k[0], k[1]
	o.MeanRating = (o.MeanRating*n + float64(1+rng.IntN(5))) / (n + 1)
	o.Count++
	c.products[id].outcomes[k] = o
}

// users returns the products whose labels list inci.
func (c *catalogue) users(inci string) []string {
	var out []string
	for _, id := range c.ids() {
		if slices.Contains(c.products[id].uses, inci) {
			out = append(out, id)
		}
	}
	return out
}

func (c *catalogue) incis() []string {
	out := make([]string, 0, len(c.ingredients))
	for inci := range c.ingredients {
		out = append(out, inci)
	}
	slices.Sort(out)
	return out
}

func (c *catalogue) ids() []string {
	out := make([]string, 0, len(c.products))
	for id := range c.products {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

func (c *catalogue) build(t testing.TB) *graph.Projection {
	t.Helper()
	var b graph.ProjectionBuilder
	for _, inci := range c.incis() {
		ing := c.ingredients[inci]
		b.AddIngredient(graph.ProjectedIngredient{INCI: inci})
		for concern, eff := range ing.treats {
			b.AddTreats(inci, concern, "clinical", eff, "test")
		}
		for st, sev := range ing.aggr {
			b.AddAggravates(inci, graph.KindSkinType, st, sev, "test")
		}
	}
	for _, id := range c.ids() {
		p := c.products[id]
		b.AddProduct(graph.ProjectedProduct{ID: id})
		for pos, inci := range p.uses {
			b.AddContains(id, inci, pos+1, false)
		}
		for _, cn := range p.claims {
			b.AddClaim(id, cn)
		}
		for _, s := range p.suits {
			b.AddSuits(id, s)
		}
		for _, o := range p.outcomes {
			b.AddOutcome(o)
		}
	}
	p, err := b.Build(graph.DataVersion{N: c.version})
	if err != nil {
		t.Fatal(err)
	}
	if b.Skipped != 0 {
		t.Fatalf("builder skipped %d edges", b.Skipped)
	}
	return p
}

// change makes one random change, as a write transaction would, and returns the products and
// ingredients it touched.
func (c *catalogue) change(rng *rand.Rand) (kind string, products, ingredients []string) {
	c.version++
	ids := c.ids()
	id := ids[rng.IntN(len(ids))]
	switch rng.IntN(9) {
	case 8:
		var inci string
		for _, i := range c.incis() {
			if i != "aqua" && (inci == "" || len(c.users(i)) < len(c.users(inci))) {
				inci = i
			}
		}
		users := c.users(inci)
		for _, u := range users {
			c.products[u].uses = slices.DeleteFunc(c.products[u].uses, func(s string) bool { return s == inci })
		}
		delete(c.ingredients, inci)
		return "ingredient removed", users, []string{inci}
	case 0, 1, 2: // events are the most common change
		c.rate(rng, id)
		return "rating", []string{id}, nil
	case 3:
		p := c.products[id]
		p.uses[len(p.uses)-1] = pick(rng, c.incis())
		p.uses = slices.Compact(p.uses)
		return "new label", []string{id}, nil
	case 4:
		return "product added", []string{c.addProduct(rng)}, nil
	case 5:
		delete(c.products, id)
		return "product removed", []string{id}, nil
	case 6:
		inci := pick(rng, c.incis())
		c.ingredients[inci].treats[pick(rng, graph.Concerns.Names())] = rng.Float64()
		return "efficacy", nil, []string{inci}
	default:
		inci := fmt.Sprintf("new-%05d", c.version)
		c.addIngredient(inci)
		c.ingredients[inci].aggr[pick(rng, graph.SkinTypes.Names())] = 0.5
		p := c.products[id]
		p.uses = append(p.uses, inci)
		return "ingredient added", []string{id}, []string{inci}
	}
}

// drift compares two embeddings of the same projection row by row: the largest and mean
// cosine distance (1 − cosine) and the largest entry difference.
func drift(t testing.TB, a, b *Embeddings) (maxCos, meanCos, maxEntry float64) {
	t.Helper()
	if a.l != b.l {
		t.Fatalf("layouts differ: %+v and %+v", a.l, b.l)
	}
	rows := a.l.rows()
	for r := range rows {
		va, vb := a.row(r), b.row(r)
		for j := range va {
			maxEntry = max(maxEntry, math.Abs(float64(va[j])-float64(vb[j])))
		}
		d := 0.0
		if a.norms[r] > 0 || b.norms[r] > 0 {
			d = 1 - Cosine(va, vb)
		}
		maxCos = max(maxCos, d)
		meanCos += d
	}
	return maxCos, meanCos / float64(rows), maxEntry
}

// TestUpdateMatchesCompute applies random sequences of changes (ratings, labels, products and
// ingredients that come and go, efficacy rows) by Update, each from the previous result, and
// compares with Compute on the final projection: with a tolerance near zero the two agree to
// float32 rounding (the propagation misses nothing), with the default tolerance they drift by
// at most a small cosine distance.
func TestUpdateMatchesCompute(t *testing.T) {
	tests := []struct {
		name              string
		tolerance         float64
		maxCos, maxEntry  float64
		wantIncrementally bool // every update stays incremental
	}{
		{"exact", 1e-12, 1e-9, 1e-6, true},
		{"default tolerance", 0, 1e-4, 1e-2, true},
	}
	for _, tt := range tests {
		for seed := range uint64(3) {
			t.Run(fmt.Sprintf("%s/seed %d", tt.name, seed), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(seed, 11))
				c := newCatalogue(rng, 400)
				opts := Options{Seed: 7, Tolerance: tt.tolerance}
				e := mustCompute(t, c.build(t), opts)
				var kinds []string
				for range 40 {
					kind, ps, is := c.change(rng)
					kinds = append(kinds, kind)
					next, st, err := e.Update(context.Background(), c.build(t), ps, is)
					if err != nil {
						t.Fatalf("Update after %v: %v", kinds, err)
					}
					if st.Full && tt.wantIncrementally {
						t.Fatalf("Update after %v computed in full: %s", kinds, st.Reason)
					}
					e = next
				}
				want := mustCompute(t, c.build(t), opts)
				maxCos, meanCos, maxEntry := drift(t, want, e)
				t.Logf("after %d changes: cosine distance max %.3g mean %.3g, largest entry difference %.3g", len(kinds), maxCos, meanCos, maxEntry)
				if maxCos > tt.maxCos || maxEntry > tt.maxEntry {
					t.Errorf("Update drifted from Compute: cosine distance max %.3g (bound %.3g), largest entry difference %.3g (bound %.3g)",
						maxCos, tt.maxCos, maxEntry, tt.maxEntry)
				}
			})
		}
	}
}

// TestUpdateDeterministicAndLeavesTheOldEmbeddings checks that the same update gives
// bit-identical vectors and that the embeddings it starts from (a published snapshot's) do
// not change.
func TestUpdateDeterministicAndLeavesTheOldEmbeddings(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	c := newCatalogue(rng, 300)
	e := mustCompute(t, c.build(t), Options{Seed: 3})
	before := make([][]float32, e.l.rows())
	for r := range before {
		before[r] = slices.Clone(e.row(r))
	}
	for range 10 {
		_, ps, is := c.change(rng)
		q := c.build(t)
		a, sa, err := e.Update(context.Background(), q, ps, is)
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := e.Update(context.Background(), q, ps, is)
		if err != nil {
			t.Fatal(err)
		}
		for r := range a.l.rows() {
			if !slices.Equal(a.row(r), b.row(r)) {
				t.Fatalf("two updates differ at row %d (stats %+v)", r, sa)
			}
		}
		for r := range e.l.rows() {
			if !slices.Equal(e.row(r), before[r]) {
				t.Fatalf("Update changed row %d of the embeddings it started from", r)
			}
		}
	}
}

// TestUpdateWorkFollowsTheChange checks that a rating recomputes a few rows, not the graph,
// and copies a few pages.
func TestUpdateWorkFollowsTheChange(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	c := newCatalogue(rng, 2000)
	e := mustCompute(t, c.build(t), Options{Seed: 3})
	id := c.ids()[17]
	c.version++
	c.rate(rng, id)
	_, st, err := e.Update(context.Background(), c.build(t), []string{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("a rating: %+v", st)
	rows := e.l.rows()
	if st.Full || st.ChangedEdges == 0 || st.Vectors == 0 || st.Vectors > rows/10 {
		t.Errorf("a rating of one product of %d rows: %+v; want an incremental update of a few rows", rows, st)
	}
}

// TestUpdateComputesInFullWhenItCannotPropagate covers the options Update does not propagate
// under: unnormalised steps and no step at all.
func TestUpdateComputesInFullWhenItCannotPropagate(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"unnormalised steps", Options{Seed: 3, NoStepNormalise: true}},
		{"no step", Options{Seed: 3, Iterations: []float64{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			c := newCatalogue(rng, 50)
			e := mustCompute(t, c.build(t), tt.opts)
			_, ps, is := c.change(rng)
			q := c.build(t)
			got, st, err := e.Update(context.Background(), q, ps, is)
			if err != nil || !st.Full {
				t.Fatalf("Update = %+v, %v; want a full computation", st, err)
			}
			if _, _, maxEntry := drift(t, mustCompute(t, q, tt.opts), got); maxEntry != 0 {
				t.Errorf("the full computation differs from Compute by %g", maxEntry)
			}
		})
	}
}
