package ranker

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/skingraph/skingraph/client"
	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/loader/gen"
	"github.com/skingraph/skingraph/loadgen"
)

// BenchmarkRankGen is the in-process side of make bench-scale: the catalogue `skingraph gen`
// writes (loader/gen, read back by loader.ReadDir as `skingraph load dir` does) projected in
// memory, ranked with the request mix of `skingraph bench --mode uncached`
// (loadgen.RandomRequest), explain none and full. SKINGRAPH_BENCH_GEN lists products:reviews
// pairs, default 100000:1000000 (the 100k / 1M). The outcomes are aggregated here as
// the store's refresh does (cypher/load.go), so figures compare with the HTTP ones.
func BenchmarkRankGen(b *testing.B) {
	sizes := [][2]int{{100_000, 1_000_000}}
	if s := os.Getenv("SKINGRAPH_BENCH_GEN"); s != "" {
		sizes = nil
		for _, f := range splitComma(s) {
			var p, r int
			if _, err := fmt.Sscanf(f, "%d:%d", &p, &r); err != nil {
				b.Fatalf("SKINGRAPH_BENCH_GEN: want products:reviews pairs, got %q", f)
			}
			sizes = append(sizes, [2]int{p, r})
		}
	}
	for _, sz := range sizes {
		build := func(b *testing.B) *graph.Projection {
			if genProjections[sz] == nil { // once per process: -count repeats reuse it
				genProjections[sz] = genProjection(b, sz[0], sz[1])
			}
			return genProjections[sz]
		}
		for _, explain := range []string{"none", "full"} {
			b.Run(fmt.Sprintf("products=%d/reviews=%d/explain=%s", sz[0], sz[1], explain), func(b *testing.B) {
				p := build(b)
				rng := rand.New(rand.NewPCG(1, 0))
				reqs := make([]Request, 512)
				for i := range reqs {
					reqs[i] = toRankerRequest(loadgen.RandomRequest(rng, explain))
				}
				benchmarkRankMix(b, p, reqs)
			})
		}
	}
}

// genProjections are the projections built so far, by products and reviews.
var genProjections = map[[2]int]*graph.Projection{}

// genProjection generates a catalogue into a temporary folder, reads it as `load dir` does
// and builds the projection the store would serve for it.
// edit, if any, changes the load before it is projected.
func genProjection(b testing.TB, products, reviews int, edit ...func(*graph.Load)) *graph.Projection {
	b.Helper()
	ctx := context.Background()
	f, err := datasets.FS.Open(loader.IngredientsFile)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	kb, err := loader.ReadIngredients(f, loader.IngredientsFile)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	if _, err := gen.WriteDir(ctx, gen.Config{Products: products, Reviews: reviews, Seed: 1, Ingredients: kb}, dir); err != nil {
		b.Fatal(err)
	}
	load, _, err := loader.ReadDir(ctx, dir, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		b.Fatal(err)
	}
	read := time.Since(start)
	for _, e := range edit {
		e(&load)
	}
	start = time.Now()
	p := projectLoad(b, kb, load)
	built := time.Since(start)
	load = graph.Load{}
	runtime.GC()
	runtime.ReadMemStats(&after)
	nodes, edges := p.Size()
	b.Logf("gen projection: %d products, %d reviews, %d nodes, %d relationships; generated and read in %s, built in %s, %d MiB live heap",
		products, reviews, nodes, edges, read.Round(time.Millisecond), built.Round(time.Millisecond), (int64(after.HeapAlloc)-int64(before.HeapAlloc))>>20)
	return p
}

// projectLoad builds the projection of a load into an empty graph: what cypher.Store.Project
// streams after the load, with the outcome aggregates of refreshOutcomesCypher (per product
// and skin attribute of the reviewers: count, mean rating, recommend rate, effect counts).
func projectLoad(b testing.TB, kb []graph.Ingredient, load graph.Load) *graph.Projection {
	b.Helper()
	var pb graph.ProjectionBuilder
	known := map[string]bool{}
	addIngredient := func(i graph.Ingredient) {
		if known[i.INCI] {
			return
		}
		known[i.INCI] = true
		c := int8(-1)
		if i.Comedogenic != nil {
			c = int8(*i.Comedogenic)
		}
		pb.AddIngredient(graph.ProjectedIngredient{INCI: i.INCI, Name: i.Name, Comedogenic: c})
		for _, t := range i.Treats {
			pb.AddTreats(i.INCI, t.Concern, t.Evidence, t.Efficacy, t.Source)
		}
		for _, a := range i.Aggravates {
			pb.AddAggravates(i.INCI, a.Kind, a.Target, a.Severity, a.Reason)
		}
		for _, c := range i.Conflicts {
			pb.AddConflict(i.INCI, c.INCI, c.Severity, c.Reason)
		}
	}
	for _, i := range append(kb, load.Ingredients...) {
		addIngredient(i)
	}
	for _, p := range load.Products {
		pb.AddProduct(graph.ProjectedProduct{ID: p.ID, Name: p.Name, Brand: p.Brand, Category: p.Category,
			Price: p.Price, Rating: p.Rating, ReviewCount: p.ReviewCount, OutOfStock: p.OutOfStock})
		for _, in := range p.Ingredients {
			if !known[in.INCI] {
				known[in.INCI] = true
				pb.AddIngredient(graph.ProjectedIngredient{INCI: in.INCI, Name: in.Name, Comedogenic: -1})
			}
			pb.AddContains(p.ID, in.INCI, in.Position, in.MayContain)
		}
		for _, c := range p.Claims {
			pb.AddClaim(p.ID, c)
		}
		for _, s := range p.Suits {
			pb.AddSuits(p.ID, s)
		}
	}
	type key struct{ product, kind, name string }
	type agg struct {
		n, rated, recN, rec int
		sum                 float64
		effects             map[string]int
	}
	aggs := map[key]*agg{}
	var order []key
	for _, r := range load.Reviews {
		pb.AddTypedReview(r.Reviewer, r.ProductID, r.Rating, r.At, r.SkinType)
		attrs := []key{{r.ProductID, graph.KindSkinType, r.SkinType}, {r.ProductID, graph.KindSkinTone, r.SkinTone}}
		for _, c := range r.Concerns {
			attrs = append(attrs, key{r.ProductID, graph.KindConcern, c})
		}
		for _, k := range attrs {
			if k.name == "" {
				continue
			}
			a := aggs[k]
			if a == nil {
				a = &agg{effects: map[string]int{}}
				aggs[k] = a
				order = append(order, k)
			}
			a.n++
			if r.Rating > 0 {
				a.rated++
				a.sum += float64(r.Rating)
			}
			a.recN++
			if r.Recommended {
				a.rec++
			}
			for _, e := range r.Effects {
				a.effects[e]++
			}
		}
	}
	for _, k := range order {
		a := aggs[k]
		if a.rated == 0 {
			continue
		}
		pb.AddOutcome(graph.Outcome{ProductID: k.product, Kind: k.kind, Attribute: k.name, Count: a.n,
			MeanRating: a.sum / float64(a.rated), RecommendRate: float64(a.rec) / float64(a.recN), Effects: a.effects})
	}
	p, err := pb.Build(graph.DataVersion{N: 1})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// toRankerRequest is what the API makes of a request body (vocabulary names are already
// canonical in the mix).
func toRankerRequest(r client.RecommendationRequest) Request {
	ex := ExplainSummary
	switch r.Explain {
	case "none":
		ex = ExplainNone
	case "full":
		ex = ExplainFull
	}
	return Request{
		Profile: Profile{SkinType: r.Profile.SkinType, SkinTone: r.Profile.SkinTone, Concerns: r.Profile.Concerns,
			Sensitivities: r.Profile.Sensitivities},
		Filters: Filters{Categories: r.Filters.Categories, MaxPrice: r.Filters.MaxPrice, Brands: r.Filters.Brands},
		Limit:   r.Limit, Explain: ex,
	}
}

// benchmarkRankMix ranks reqs in turn, reporting p50 and p99.
func benchmarkRankMix(b *testing.B, p *graph.Projection, reqs []Request) {
	r, err := New(DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, req := range reqs[:8] { // warm up as a running server is
		if _, err := r.Rank(ctx, p, nil, req); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	cpu0 := processCPU()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := r.Rank(ctx, p, nil, reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	// CPU time per request (the process's, GC included): on a shared machine wall time
	// says as much about the neighbours as about the code.
	b.ReportMetric(float64(processCPU()-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
	reportPercentiles(b, lat)
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
