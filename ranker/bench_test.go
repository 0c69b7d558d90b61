package ranker

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// benchProfiles are the requests the benchmarks cycle through: typical app profiles with
// concerns, sensitivities and a filter, explained in full.
var benchProfiles = []Request{
	{Profile: Profile{SkinType: "oily", SkinTone: "medium", Concerns: []string{"acne", "pores"}, Sensitivities: []string{"fragrance"}}, Limit: 10, Explain: ExplainFull},
	{Profile: Profile{SkinType: "dry", Concerns: []string{"aging", "dryness", "redness"}}, Limit: 10, Explain: ExplainFull},
	{Profile: Profile{SkinType: "combination", Concerns: []string{"hyperpigmentation"}}, Filters: Filters{Categories: []string{"serum"}, MaxPrice: 60}, Limit: 10, Explain: ExplainFull},
	{Profile: Profile{SkinType: "normal", SkinTone: "deep", Concerns: []string{"dullness", "texture"}, Sensitivities: []string{"essential-oils", "alcohol"}}, Limit: 10, Explain: ExplainFull},
}

// BenchmarkRank measures uncached ranking with full explanations on synthetic projections;
// it reports p50 and p99 latency. SKINGRAPH_BENCH_SIZES (comma list) overrides the sizes,
// e.g. 1000000 for the 1M-product target.
func BenchmarkRank(b *testing.B) {
	sizes := []int{10_000, 100_000}
	if s := os.Getenv("SKINGRAPH_BENCH_SIZES"); s != "" {
		sizes = nil
		for _, f := range splitComma(s) {
			var n int
			fmt.Sscan(f, &n)
			sizes = append(sizes, n)
		}
	}
	for _, n := range sizes {
		b.Run(fmt.Sprintf("products=%d", n), func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			p := syntheticProjection(b, n, 42)
			built := time.Since(start)
			runtime.GC()
			runtime.ReadMemStats(&after)
			nodes, edges := p.Size()
			b.Logf("projection: %d products, %d nodes, %d relationships, built in %s, %d MiB live heap",
				n, nodes, edges, built.Round(time.Millisecond), (after.HeapAlloc-before.HeapAlloc)>>20)
			benchmarkRank(b, p)
		})
	}
}

func benchmarkRank(b *testing.B, p *graph.Projection) { benchmarkRankRequests(b, p, benchProfiles) }

// benchmarkRankRequests ranks reqs in turn on p, uncached, and reports p50 and p99.
func benchmarkRankRequests(b *testing.B, p *graph.Projection, reqs []Request) {
	r, err := New(DefaultParams())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	// Warm up as a running server is: pooled buffers allocated, cached priors computed.
	for _, req := range reqs {
		if _, err := r.Rank(ctx, p, nil, req); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := r.Rank(ctx, p, nil, reqs[i%len(reqs)]); err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(start))
	}
	b.StopTimer()
	reportPercentiles(b, lat)
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	slices.Sort(lat)
	q := func(f float64) float64 {
		return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

func splitComma(s string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == ',' {
			if i > start {
				out = append(out, s[start:i])
			}
			start = i + 1
		}
	}
	return out
}
