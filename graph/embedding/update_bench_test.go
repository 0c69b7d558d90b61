package embedding

import (
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
)

var benchTolerance = flag.Float64("tolerance", 0, "Options.Tolerance of BenchmarkUpdateSequence (0: the default)")

// productRows adds product x of p to rb as it is, through edit (which may change the rows).
func productRows(rb *graph.ProjectionBuilder, p *graph.Projection, x int32, edit func(uses []graph.Use, outcomes []graph.Outcome) ([]graph.Use, []graph.Outcome)) {
	prod := p.Products[x]
	node := prod
	node.Claims, node.Suits = nil, nil
	rb.AddProduct(node)
	var outs []graph.Outcome
	for _, o := range p.Outcomes(x) {
		outs = append(outs, graph.Outcome{ProductID: prod.ID, Kind: o.Attr.Kind.String(),
			Attribute: o.Attr.Kind.Vocabulary().Names()[o.Attr.ID], Count: int(o.Count), MeanRating: o.MeanRating})
	}
	uses, outs := edit(slices.Clone(p.Uses(x)), outs)
	for _, u := range uses {
		rb.AddContains(prod.ID, p.Ingredients[u.Ingredient].INCI, int(u.Position), u.MayContain)
	}
	for _, c := range prod.Claims {
		rb.AddClaim(prod.ID, graph.Concerns.Names()[c])
	}
	for _, s := range prod.Suits {
		rb.AddSuits(prod.ID, graph.SkinTypes.Names()[s])
	}
	for _, o := range outs {
		rb.AddOutcome(o)
	}
}

// BenchmarkUpdateSequence applies a stream of changes to the synthetic projection, each by
// Projection.Apply and Update from the previous embeddings, as the engine does after every
// delta: 80% ratings, 15% new labels, 5% new products. It reports the mean and worst update,
// the share that fell back to a full computation, and the drift from Compute at the end.
func BenchmarkUpdateSequence(b *testing.B) {
	p := synthetic()
	opts := Options{Seed: 1, Tolerance: *benchTolerance}
	e, err := Compute(context.Background(), p, opts)
	if err != nil {
		b.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 2))
	var took, worst time.Duration
	n, full := 0, 0
	for b.Loop() {
		x := int32(rng.IntN(len(p.Products)))
		id := p.Products[x].ID
		rb := &graph.ProjectionBuilder{}
		switch f := rng.Float64(); {
		case f < 0.8:
			productRows(rb, p, x, func(uses []graph.Use, outs []graph.Outcome) ([]graph.Use, []graph.Outcome) {
				k := [...]string{graph.KindSkinType, graph.KindSkinTone, graph.KindConcern}[rng.IntN(3)]
				names := map[string][]string{graph.KindSkinType: graph.SkinTypes.Names(), graph.KindSkinTone: graph.SkinTones.Names(), graph.KindConcern: graph.Concerns.Names()}[k]
				a := names[rng.IntN(len(names))]
				for i, o := range outs {
					if o.Kind == k && o.Attribute == a {
						outs[i].MeanRating = (o.MeanRating*float64(o.Count) + float64(1+rng.IntN(5))) / float64(o.Count+1)
						outs[i].Count++
						return uses, outs
					}
				}
				return uses, append(outs, graph.Outcome{ProductID: id, Kind: k, Attribute: a, Count: 1, MeanRating: float64(1 + rng.IntN(5))})
			})
		case f < 0.95:
			productRows(rb, p, x, func(uses []graph.Use, outs []graph.Outcome) ([]graph.Use, []graph.Outcome) {
				uses[len(uses)-1].Ingredient = int32(rng.IntN(len(p.Ingredients)))
				for _, u := range uses[:len(uses)-1] {
					if u.Ingredient == uses[len(uses)-1].Ingredient {
						return uses[:len(uses)-1], outs
					}
				}
				return uses, outs
			})
		default:
			id = fmt.Sprintf("%s-%d", id, n)
			productRowsAs(rb, p, x, id)
		}
		q, err := p.Apply(&graph.Delta{From: p.Version, To: graph.DataVersion{N: p.Version.N + 1}, Products: []string{id}, Rows: *rb})
		if err != nil {
			b.Fatal(err)
		}
		next, st, err := e.Update(context.Background(), q, []string{id}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if st.Full {
			full++
			if full <= 3 {
				b.Logf("update %d computed in full: %+v", n, st)
			}
		}
		took += st.Took
		worst = max(worst, st.Took)
		n++
		p, e = q, next
	}
	want, err := Compute(context.Background(), p, opts)
	if err != nil {
		b.Fatal(err)
	}
	maxCos, meanCos, maxEntry := drift(b, want, e)
	b.ReportMetric(float64(took.Milliseconds())/float64(n), "ms/update")
	b.ReportMetric(float64(worst.Milliseconds()), "worst-ms")
	b.ReportMetric(float64(full)/float64(n), "full/update")
	b.ReportMetric(maxCos, "max-cos-drift")
	b.ReportMetric(meanCos, "mean-cos-drift")
	b.ReportMetric(maxEntry, "max-entry-drift")
}

// productRowsAs adds a copy of product x of p under a new id.
func productRowsAs(rb *graph.ProjectionBuilder, p *graph.Projection, x int32, id string) {
	prod := p.Products[x]
	node := prod
	node.ID, node.Claims, node.Suits = id, nil, nil
	rb.AddProduct(node)
	for _, u := range p.Uses(x) {
		rb.AddContains(id, p.Ingredients[u.Ingredient].INCI, int(u.Position), u.MayContain)
	}
	for _, c := range prod.Claims {
		rb.AddClaim(id, graph.Concerns.Names()[c])
	}
	for _, s := range prod.Suits {
		rb.AddSuits(id, graph.SkinTypes.Names()[s])
	}
	for _, o := range p.Outcomes(x) {
		rb.AddOutcome(graph.Outcome{ProductID: id, Kind: o.Attr.Kind.String(),
			Attribute: o.Attr.Kind.Vocabulary().Names()[o.Attr.ID], Count: int(o.Count), MeanRating: o.MeanRating})
	}
}
