//go:build ignore

// Calibrate prints the shape statistics of the public Sephora files that the synthetic
// generator is calibrated on (datasets/GENERATOR.md). It reads the files with the project's
// own Sephora importer, so ingredient lists are counted exactly as a load would store them.
//
//	go run loader/gen/calibrate.go ../shared/datasets/sephora
package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/skingraph/skingraph/loader"
)

func main() {
	dir := "../shared/datasets/sephora"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	load, stats, err := loader.Sephora(context.Background(), filepath.Join(dir, "product_info.csv"),
		[]string{filepath.Join(dir, "reviews_skincare_2023-01_2023-02.csv")}, loader.SephoraOptions{SkincareOnly: true}, time.Now())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	kb := map[string]bool{}
	for _, in := range load.Ingredients {
		kb[in.INCI] = true
	}
	fmt.Printf("products %d (stats %+v)\n", len(load.Products), stats.Products)

	var lens []float64
	freq := map[string]int{}
	entries, kbEntries, waterFirst, withIngr := 0, 0, 0, 0
	cats := map[string]int{}
	var logPrice, logReviews []float64
	zeroReviews, claims, suits := 0, 0, 0
	claimN := map[int]int{}
	for _, p := range load.Products {
		cats[p.Category]++
		if p.Price > 0 {
			logPrice = append(logPrice, math.Log(p.Price))
		}
		if p.ReviewCount == 0 {
			zeroReviews++
		} else {
			logReviews = append(logReviews, math.Log(float64(p.ReviewCount)))
		}
		claimN[len(p.Claims)]++
		claims += len(p.Claims)
		suits += len(p.Suits)
		n := 0
		seen := map[string]bool{}
		for _, in := range p.Ingredients {
			if in.List != "" && n > 0 && in.Position == 1 {
				break // first list only
			}
			if seen[in.INCI] {
				continue
			}
			seen[in.INCI] = true
			n++
			freq[in.INCI]++
			entries++
			if kb[in.INCI] {
				kbEntries++
			}
			if in.Position == 1 && in.INCI == "water" {
				waterFirst++
			}
		}
		if n > 0 {
			withIngr++
			lens = append(lens, float64(n))
		}
	}
	sort.Float64s(lens)
	q := func(xs []float64, p float64) float64 { return xs[int(p*float64(len(xs)-1))] }
	fmt.Printf("ingredient list length (first list, distinct keys) n=%d mean=%.1f p10=%.0f p25=%.0f p50=%.0f p75=%.0f p90=%.0f p99=%.0f max=%.0f\n",
		len(lens), mean(lens), q(lens, .1), q(lens, .25), q(lens, .5), q(lens, .75), q(lens, .9), q(lens, .99), lens[len(lens)-1])
	fmt.Printf("log length mean=%.3f sd=%.3f; products without ingredients %d\n", mean(logs(lens)), sd(logs(lens)), len(load.Products)-withIngr)
	fmt.Printf("water first on %d of %d labels (%.3f)\n", waterFirst, withIngr, float64(waterFirst)/float64(withIngr))
	fmt.Printf("distinct ingredient keys %d; entries %d; in knowledge base %.3f of entries; kb keys seen %d of %d\n",
		len(freq), entries, float64(kbEntries)/float64(entries), countKB(freq, kb), len(kb))
	type kv struct {
		k string
		n int
	}
	var ranked []kv
	for k, n := range freq {
		ranked = append(ranked, kv{k, n})
	}
	sort.Slice(ranked, func(i, j int) bool {
		return ranked[i].n > ranked[j].n || ranked[i].n == ranked[j].n && ranked[i].k < ranked[j].k
	})
	for i := 0; i < 15; i++ {
		fmt.Printf("  #%d %s %d (%.3f of labels)\n", i+1, ranked[i].k, ranked[i].n, float64(ranked[i].n)/float64(withIngr))
	}
	once := 0
	for _, r := range ranked {
		if r.n == 1 {
			once++
		}
	}
	fmt.Printf("keys seen on one label only %d (%.3f)\n", once, float64(once)/float64(len(ranked)))
	// Zipf exponent: least squares of log(freq) on log(rank) over ranks 10..1000.
	var xs, ys []float64
	for i := 9; i < 1000 && i < len(ranked); i++ {
		xs = append(xs, math.Log(float64(i+1)))
		ys = append(ys, math.Log(float64(ranked[i].n)))
	}
	fmt.Printf("zipf exponent (ranks 10-1000) %.3f\n", -slope(xs, ys))
	xs, ys = nil, nil
	for i := 0; i < len(ranked); i++ {
		xs = append(xs, math.Log(float64(i+1)))
		ys = append(ys, math.Log(float64(ranked[i].n)))
	}
	fmt.Printf("zipf exponent (all ranks) %.3f\n", -slope(xs, ys))
	fmt.Printf("categories %v\n", cats)
	fmt.Printf("log price mean=%.3f sd=%.3f (median %.1f)\n", mean(logPrice), sd(logPrice), math.Exp(median(logPrice)))
	fmt.Printf("review count: zero on %d of %d; log count mean=%.3f sd=%.3f\n", zeroReviews, len(load.Products), mean(logReviews), sd(logReviews))
	fmt.Printf("claims per product %.2f %v; suits per product %.2f\n", float64(claims)/float64(len(load.Products)), claimN, float64(suits)/float64(len(load.Products)))

	ratings := map[int]int{}
	recBy := map[int]int{}
	st, tone, eff := map[string]int{}, map[string]int{}, map[string]int{}
	perProduct, perReviewer := map[string]int{}, map[string]int{}
	for _, r := range load.Reviews {
		ratings[r.Rating]++
		if r.Recommended {
			recBy[r.Rating]++
		}
		st[r.SkinType]++
		tone[r.SkinTone]++
		for _, e := range r.Effects {
			eff[e]++
		}
		perProduct[r.ProductID]++
		perReviewer[r.Reviewer]++
	}
	n := float64(len(load.Reviews))
	fmt.Printf("reviews %d by %d reviewers (%.2f per reviewer) on %d products\n", len(load.Reviews), len(perReviewer), n/float64(len(perReviewer)), len(perProduct))
	for k := 1; k <= 5; k++ {
		fmt.Printf("  rating %d: %.4f, recommended %.3f\n", k, float64(ratings[k])/n, float64(recBy[k])/float64(max(1, ratings[k])))
	}
	fmt.Printf("skin types %v\nskin tones %v\neffects %v\n", shares(st, n), shares(tone, n), shares(eff, n))
	var counts []float64
	for _, c := range perProduct {
		counts = append(counts, float64(c))
	}
	sort.Float64s(counts)
	total := 0.0
	for _, c := range counts {
		total += c
	}
	top := 0.0
	for i := len(counts) - 1; i >= len(counts)-len(counts)/10; i-- {
		top += counts[i]
	}
	fmt.Printf("reviews per reviewed product: p50=%.0f p90=%.0f p99=%.0f max=%.0f; top 10%% of products hold %.3f of reviews\n",
		q(counts, .5), q(counts, .9), q(counts, .99), counts[len(counts)-1], top/total)
}

func countKB(freq map[string]int, kb map[string]bool) int {
	n := 0
	for k := range freq {
		if kb[k] {
			n++
		}
	}
	return n
}

func shares(m map[string]int, n float64) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		if k == "" {
			k = "(none)"
		}
		out[k] = fmt.Sprintf("%.4f", float64(v)/n)
	}
	return out
}

func logs(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = math.Log(x)
	}
	return out
}

func mean(xs []float64) float64 {
	s := 0.0
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func median(xs []float64) float64 {
	ys := append([]float64(nil), xs...)
	sort.Float64s(ys)
	return ys[len(ys)/2]
}

func sd(xs []float64) float64 {
	m, s := mean(xs), 0.0
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)-1))
}

func slope(xs, ys []float64) float64 {
	mx, my := mean(xs), mean(ys)
	num, den := 0.0, 0.0
	for i := range xs {
		num += (xs[i] - mx) * (ys[i] - my)
		den += (xs[i] - mx) * (xs[i] - mx)
	}
	return num / den
}
