package graph_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// BenchmarkBuildReviews measures the projection build with reviews (ages, reviewer lists and
// the co-review neighbour lists) and the heap the review index keeps. Products are reviewed
// with a Zipf-like skew; each reviewer writes 1-20 reviews. SKINGRAPH_BENCH_REVIEWS sets
// products:reviews (default 100000:500000), e.g. 1000000:5000000 for the 1M-product scale.
func BenchmarkBuildReviews(b *testing.B) {
	nP, nR := 100_000, 500_000
	if s := os.Getenv("SKINGRAPH_BENCH_REVIEWS"); s != "" {
		if _, err := fmt.Sscanf(s, "%d:%d", &nP, &nR); err != nil {
			b.Fatalf("SKINGRAPH_BENCH_REVIEWS=%q: want products:reviews", s)
		}
	}
	ids := make([]string, nP)
	for i := range ids {
		ids[i] = fmt.Sprintf("p%07d", i)
	}
	r := rand.New(rand.NewPCG(1, 2))
	zipf := rand.NewZipf(r, 1.1, 4, uint64(nP-1))
	at := time.Date(2023, 1, 31, 0, 0, 0, 0, time.UTC)
	type review struct {
		reviewer, product string
		rating            int
		at                time.Time
	}
	reviews := make([]review, 0, nR)
	for u := 0; len(reviews) < nR; u++ {
		uid := "u" + strconv.Itoa(u)
		for range 1 + r.IntN(20) {
			reviews = append(reviews, review{uid, ids[zipf.Uint64()], 1 + r.IntN(5), at.Add(-time.Duration(r.IntN(90*24)) * time.Hour)})
		}
	}
	b.ResetTimer()
	for range b.N {
		b.StopTimer()
		var bld graph.ProjectionBuilder
		for _, id := range ids {
			bld.AddProduct(graph.ProjectedProduct{ID: id})
		}
		var base runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&base)
		for _, rv := range reviews {
			bld.AddReview(rv.reviewer, rv.product, rv.rating, rv.at)
		}
		b.StartTimer()
		p, err := bld.Build(graph.DataVersion{N: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		bld = graph.ProjectionBuilder{}
		var after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&after)
		lists := 0
		for x := range int32(len(p.Products)) {
			lists += len(p.CoReviewed(x))
		}
		b.ReportMetric(float64(after.HeapAlloc-min(after.HeapAlloc, base.HeapAlloc))/(1<<20), "MiB-heap")
		b.ReportMetric(float64(lists)/float64(nP), "neighbours/product")
		runtime.KeepAlive(p)
		b.StartTimer()
	}
}
