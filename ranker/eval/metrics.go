package eval

import (
	"math"
	"slices"
)

// K is the cut-off of every metric.
const K = 10

// Metrics are the mean figures of a set of queries at cut-off K.
type Metrics struct {
	Queries  int
	NDCG     float64 // binary relevance, ideal DCG over min(|relevant|, K) hits
	Recall   float64 // hits / |relevant|
	HR       float64 // share of queries with at least one hit
	MRR      float64 // 1 / rank of the first hit, 0 without a hit
	Coverage float64 // distinct recommended products / catalogue size
	Harm     float64 // share of recommended products reported harmful by the same skin type
	// HarmRate is the mean of the recommended products' adverse rates among test reviewers of
	// the query's skin type (HarmIndex.Rate); HarmExcess the share of the recommended
	// products whose rate is above that skin type's catalogue rate (HarmIndex.Excess). Both are
	// rates, not "any report": they do not grow with a product's volume of reviews.
	HarmRate, HarmExcess float64
}

// QueryScore is one query's figures.
type QueryScore struct {
	NDCG, Recall, HR, MRR, Harm, HarmRate, HarmExcess float64
}

// ScoreQuery scores one ranked list (best first, at most K used) against the query.
func ScoreQuery(q Query, ranked []string, harm HarmIndex) QueryScore {
	if len(ranked) > K {
		ranked = ranked[:K]
	}
	var s QueryScore
	var dcg float64
	hits, harmful, above := 0, 0, 0
	rate := 0.0
	for i, id := range ranked {
		if q.Relevant[id] {
			hits++
			dcg += 1 / math.Log2(float64(i)+2)
			if s.MRR == 0 {
				s.MRR = 1 / float64(i+1)
			}
		}
		if harm.Harmful(q.SkinType, id) {
			harmful++
		}
		rate += harm.Rate(q.SkinType, id)
		if harm.Excess(q.SkinType, id) {
			above++
		}
	}
	var idcg float64
	for i := range min(len(q.Relevant), K) {
		idcg += 1 / math.Log2(float64(i)+2)
	}
	if idcg > 0 {
		s.NDCG = dcg / idcg
	}
	if len(q.Relevant) > 0 {
		s.Recall = float64(hits) / float64(len(q.Relevant))
	}
	if hits > 0 {
		s.HR = 1
	}
	if len(ranked) > 0 {
		s.Harm = float64(harmful) / float64(len(ranked))
		s.HarmRate = rate / float64(len(ranked))
		s.HarmExcess = float64(above) / float64(len(ranked))
	}
	return s
}

// accumulator sums query scores and collects the recommended products of a group.
type accumulator struct {
	n    int
	sum  QueryScore
	seen map[string]bool
}

func (a *accumulator) add(s QueryScore, ranked []string) {
	if a.seen == nil {
		a.seen = map[string]bool{}
	}
	a.n++
	a.sum.NDCG += s.NDCG
	a.sum.Recall += s.Recall
	a.sum.HR += s.HR
	a.sum.MRR += s.MRR
	a.sum.Harm += s.Harm
	a.sum.HarmRate += s.HarmRate
	a.sum.HarmExcess += s.HarmExcess
	for _, id := range ranked[:min(len(ranked), K)] {
		a.seen[id] = true
	}
}

func (a *accumulator) metrics(catalogue int) Metrics {
	m := Metrics{Queries: a.n}
	if a.n == 0 {
		return m
	}
	n := float64(a.n)
	m.NDCG, m.Recall, m.HR, m.MRR, m.Harm = a.sum.NDCG/n, a.sum.Recall/n, a.sum.HR/n, a.sum.MRR/n, a.sum.Harm/n
	m.HarmRate, m.HarmExcess = a.sum.HarmRate/n, a.sum.HarmExcess/n
	if catalogue > 0 {
		m.Coverage = float64(len(a.seen)) / float64(catalogue)
	}
	return m
}

// SystemResult is one recommender's figures on one task.
type SystemResult struct {
	// Setting describes the hyper-parameters chosen on validation (tuned baselines), else "".
	Setting    string
	Name       string
	Overall    Metrics
	BySkinType map[string]Metrics // by Query.Group
	// PerQueryNDCG is each query's NDCG@10, in the queries' order (the tuning's paired
	// comparisons, MinGainZ).
	PerQueryNDCG []float64
}

// Groups returns the skin-type groups of the result, sorted.
func (r SystemResult) Groups() []string {
	out := make([]string, 0, len(r.BySkinType))
	for g := range r.BySkinType {
		out = append(out, g)
	}
	slices.Sort(out)
	return out
}
