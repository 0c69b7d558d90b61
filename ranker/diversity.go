package ranker

// Diversity: Request.MaxPerBrand caps the products of one brand in a page. It is applied
// after scoring (and after boosts, buries and filters), before pins and pagination: the
// ranking is cut into pages of Limit from the first item, and each page takes, in score
// order, the best remaining products whose brand has not reached the cap in that page; a
// product passed over stays first in line for the next page. Scores are not changed (an item
// may follow one with a lower score). When too few other brands remain to fill a page, the
// page is filled with the best of the products passed over, so that every page but the last
// is full and offsets stay valid. The candidates considered are the best diversityDepth of
// the ranking; the result depends only on the scores, the ids and the brands, so it is
// deterministic.

// diversityDepth is how many of the best candidates are kept for the brand cap when k would
// be enough without it.
func diversityDepth(k int) int { return min(max(4*k, k+100), MaxOffset+MaxLimit) }

// diversify reorders ranked (best first) page by page so that no page of size limit holds
// more than perBrand products of one brand, unless nothing else is left to fill it.
func diversify(ranked []scored, limit, perBrand int, brand func(int32) string) []scored {
	if perBrand <= 0 || limit <= 0 || len(ranked) == 0 {
		return ranked
	}
	out := make([]scored, 0, len(ranked))
	rest := append([]scored(nil), ranked...)
	for len(rest) > 0 {
		count := map[string]int{}
		var next []scored // passed over, in order
		taken := 0
		i := 0
		for ; i < len(rest) && taken < limit; i++ {
			b := brand(rest[i].x)
			if count[b] >= perBrand {
				next = append(next, rest[i])
				continue
			}
			count[b]++
			out = append(out, rest[i])
			taken++
		}
		// Fill a short page with the best passed over (only when the list ran out).
		for taken < limit && len(next) > 0 {
			out = append(out, next[0])
			next = next[1:]
			taken++
		}
		rest = append(next, rest[i:]...)
	}
	return out
}
