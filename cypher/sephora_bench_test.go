package cypher_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/ranker"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// sephoraDir is where the public Sephora files are: SKINGRAPH_SEPHORA_DIR, or the shared
// folder beside the repository. Benchmarks only: tests never need these files.
func sephoraDir() string {
	if d := os.Getenv("SKINGRAPH_SEPHORA_DIR"); d != "" {
		return d
	}
	return filepath.Join("..", "..", "shared", "datasets", "sephora")
}

// loadSephora loads the Sephora skincare catalogue and its 2023 reviews into a clean graph.
func loadSephora(b *testing.B) (*cypher.Store, *graph.Projection) {
	b.Helper()
	dir := sephoraDir()
	products := filepath.Join(dir, "product_info.csv")
	reviews := filepath.Join(dir, "reviews_skincare_2023-01_2023-02.csv")
	if _, err := os.Stat(products); err != nil {
		b.Skipf("the Sephora files are not here (%v); set SKINGRAPH_SEPHORA_DIR", err)
	}
	store := neo4jtest.Store(b)
	ctx := context.Background()
	start := time.Now()
	if _, _, err := loader.LoadSephora(ctx, store, products, []string{reviews}, loader.SephoraOptions{SkincareOnly: true}, time.Now()); err != nil {
		b.Fatal(err)
	}
	b.Logf("sephora load: %s", time.Since(start).Round(time.Millisecond))
	proj, err := store.Project(ctx)
	if err != nil {
		b.Fatal(err)
	}
	return store, proj
}

var sephoraProfiles = []ranker.Request{
	{Profile: ranker.Profile{SkinType: "oily", SkinTone: "medium", Concerns: []string{"acne", "pores"}, Sensitivities: []string{"fragrance"}}, Limit: 10, Explain: ranker.ExplainFull},
	{Profile: ranker.Profile{SkinType: "dry", Concerns: []string{"aging", "dryness", "redness"}}, Limit: 10, Explain: ranker.ExplainFull},
	{Profile: ranker.Profile{SkinType: "combination", Concerns: []string{"hyperpigmentation"}}, Filters: ranker.Filters{Categories: []string{"serum"}, MaxPrice: 60}, Limit: 10, Explain: ranker.ExplainFull},
	{Profile: ranker.Profile{SkinType: "normal", SkinTone: "deep", Concerns: []string{"dullness", "texture"}, Sensitivities: []string{"essential-oils", "alcohol"}}, Limit: 10, Explain: ranker.ExplainFull},
}

// BenchmarkSephora measures, on the Sephora skincare catalogue with its reviews: the
// projection rebuild from Neo4j, one product read (GET /v1/products/{id}), and uncached
// in-process ranking with full explanations
// (p50/p99).
func BenchmarkSephora(b *testing.B) {
	store, proj := loadSephora(b)
	nodes, edges := proj.Size()
	b.Logf("projection: %d products, %d nodes, %d relationships", len(proj.Products), nodes, edges)
	b.Run("Project", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := store.Project(context.Background()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Product", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := store.Product(context.Background(), proj.Products[i%len(proj.Products)].ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ReferenceRank", func(b *testing.B) {
		lat := make([]time.Duration, 0, b.N)
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if _, err := store.ReferenceRank(context.Background(), ranker.DefaultParams(), sephoraProfiles[i%len(sephoraProfiles)]); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
	})
	b.Run("Rank", func(b *testing.B) {
		r, err := ranker.New(ranker.DefaultParams())
		if err != nil {
			b.Fatal(err)
		}
		for _, req := range sephoraProfiles { // warm up: pooled buffers, cached priors
			if _, err := r.Rank(context.Background(), proj, nil, req); err != nil {
				b.Fatal(err)
			}
		}
		lat := make([]time.Duration, 0, b.N)
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			start := time.Now()
			if _, err := r.Rank(context.Background(), proj, nil, sephoraProfiles[i%len(sephoraProfiles)]); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		b.StopTimer()
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[min(len(lat)-1, len(lat)*99/100)].Microseconds())/1000, "p99-ms")
	})
}
