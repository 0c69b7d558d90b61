package graph

import (
	"sort"
	"time"
)

// Default evidence caps (EvidenceCaps).
const (
	DefaultEvidencePeriod    = 24 * time.Hour
	DefaultEvidencePerSource = 25
)

// EvidenceCaps bound what feedback events may add to the outcome aggregates, so that they
// cannot be stuffed: a profile counts once per product (Reports), and the profiles one API
// key brings count at most PerSource times per product and Period.
type EvidenceCaps struct {
	// Period is the window the per-source cap applies to, by the time the server first
	// recorded a profile's report on a product; default DefaultEvidencePeriod.
	Period time.Duration
	// PerSource is how many profiles' reports on one product one source key may add per
	// Period; default DefaultEvidencePerSource.
	PerSource int
}

// WithDefaults returns c with zero fields set to the defaults.
func (c EvidenceCaps) WithDefaults() EvidenceCaps {
	if c.Period <= 0 {
		c.Period = DefaultEvidencePeriod
	}
	if c.PerSource <= 0 {
		c.PerSource = DefaultEvidencePerSource
	}
	return c
}

// Report is what one profile reported about one product: the outcome evidence its rating
// and effect events add, with the profile's skin attributes when it reported.
type Report struct {
	ProductID string
	Profile   string // the profile's pseudonym
	SkinType  string
	SkinTone  string
	Concerns  []string
	Rating    int    // 1-5; 0 when the profile only reported an effect
	Effect    string // "" when the profile only rated
}

// Reports turns recorded events into outcome evidence, one Report per (product, profile):
//   - only rating and effect events of a profile count: anonymous events carry no skin
//     attributes and add nothing to outcomes;
//   - a profile's latest rating and latest effect (by the time it gave, then the time the
//     server recorded it, then id) replace its earlier ones, and its skin attributes are
//     those of its latest event;
//   - per product, source key and Period (of the time a profile's first event on the product
//     was recorded), only the first caps.PerSource profiles count, so that a key that makes
//     many profiles cannot flood a product.
//
// The result is ordered by product, then by when each report began, then by profile.
func Reports(events []RecordedEvent, caps EvidenceCaps) []Report {
	caps = caps.WithDefaults()
	type pk struct{ product, profile string }
	groups := map[pk][]RecordedEvent{}
	for _, e := range events {
		if e.Outcome() && e.ProfileID != "" {
			k := pk{e.ProductID, e.ProfileID}
			groups[k] = append(groups[k], e)
		}
	}
	type candidate struct {
		Report
		first  time.Time
		source string
	}
	cands := make([]candidate, 0, len(groups))
	for k, evs := range groups {
		sort.Slice(evs, func(i, j int) bool { return eventBefore(evs[i], evs[j]) })
		c := candidate{Report: Report{ProductID: k.product, Profile: k.profile}, first: evs[0].ReceivedAt, source: evs[0].Source}
		for _, e := range evs {
			if e.ReceivedAt.Before(c.first) {
				c.first, c.source = e.ReceivedAt, e.Source
			}
			switch e.Type {
			case EventRating:
				c.Rating = e.Rating
			case EventEffect:
				c.Effect = e.Effect
			}
			c.SkinType, c.SkinTone, c.Concerns = e.SkinType, e.SkinTone, e.Concerns
		}
		cands = append(cands, c)
	}
	sort.Slice(cands, func(i, j int) bool {
		a, b := cands[i], cands[j]
		if a.ProductID != b.ProductID {
			return a.ProductID < b.ProductID
		}
		if !a.first.Equal(b.first) {
			return a.first.Before(b.first)
		}
		return a.Profile < b.Profile
	})
	type window struct {
		product, source string
		period          int64
	}
	used := map[window]int{}
	out := make([]Report, 0, len(cands))
	for _, c := range cands {
		w := window{c.ProductID, c.source, c.first.UnixNano() / int64(caps.Period)}
		if used[w] >= caps.PerSource {
			continue
		}
		used[w]++
		out = append(out, c.Report)
	}
	return out
}

// eventBefore orders a profile's events: by the time given, then recorded, then id.
func eventBefore(a, b RecordedEvent) bool {
	if !a.At.Equal(b.At) {
		return a.At.Before(b.At)
	}
	if !a.ReceivedAt.Equal(b.ReceivedAt) {
		return a.ReceivedAt.Before(b.ReceivedAt)
	}
	return a.ID < b.ID
}
