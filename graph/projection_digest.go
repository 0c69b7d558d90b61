package graph

import (
	"bufio"
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"math"
	"slices"
	"time"
)

// Digest returns a hex SHA-256 over everything the ranker reads from p, in a canonical
// order: the version number, the nodes, every edge list, the outcome and claim indexes, the
// priors, the review ages and the co-review lists. Two projections of one version with the
// same digest rank alike; an incrementally maintained projection is checked against a full
// build with it. BuiltAt and what only Apply reads (review times) are left out.
func (p *Projection) Digest() string {
	h := sha256.New()
	d := digester{h: bufio.NewWriterSize(h, 64<<10)}
	d.section("version")
	d.i64(p.Version.N)
	d.section("products")
	d.n(len(p.Products))
	for _, x := range p.Products {
		d.str(x.ID)
		d.str(x.Name)
		d.str(x.Brand)
		d.str(x.Category)
		d.i64(int64(x.CategoryID))
		d.f64(x.Price)
		d.bool(x.OutOfStock)
		d.f64(x.Rating)
		d.n(x.ReviewCount)
		d.i8s(x.Claims)
		d.i8s(x.Suits)
	}
	d.section("rules")
	d.n(len(p.Rules))
	for _, r := range p.Rules {
		d.rule(r)
	}
	d.section("experiments")
	d.n(len(p.Experiments))
	for _, e := range p.Experiments {
		d.experiment(e)
	}
	d.section("ingredients")
	d.n(len(p.Ingredients))
	for _, i := range p.Ingredients {
		d.str(i.INCI)
		d.str(i.Name)
		d.i64(int64(i.Comedogenic))
	}
	d.section("contains")
	d.i32s(p.containsOff)
	for _, u := range p.contains {
		d.i64(int64(u.Ingredient))
		d.i64(int64(u.Position))
		d.bool(u.MayContain)
	}
	d.section("used by")
	d.i32s(p.usedByOff)
	d.i32s(p.usedBy)
	for _, pos := range p.usedByPos {
		d.i64(int64(pos))
	}
	d.section("treats")
	d.i32s(p.treatsOff)
	for _, t := range p.treats {
		d.i64(int64(t.Concern))
		d.i64(int64(t.Evidence))
		d.f64(t.Efficacy)
		d.str(t.Source)
	}
	d.section("aggravates")
	d.i32s(p.aggravOff)
	for _, a := range p.aggravations {
		d.attr(a.Attr)
		d.f64(a.Severity)
		d.str(a.Reason)
	}
	d.section("conflicts")
	d.i32s(p.conflictOff)
	for _, c := range p.conflicts {
		d.i64(int64(c.Other))
		d.f64(c.Severity)
		d.str(c.Reason)
	}
	d.section("outcomes")
	d.i32s(p.outcomeOff)
	for _, o := range p.outcomes {
		d.outcome(o)
	}
	d.section("outcomes for")
	attrs := make([]Attr, 0, len(p.outcomesFor))
	for a := range p.outcomesFor {
		attrs = append(attrs, a)
	}
	slices.SortFunc(attrs, func(a, b Attr) int { return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.ID, b.ID)) })
	d.n(len(attrs))
	for _, a := range attrs {
		d.attr(a)
		refs := p.outcomesFor[a]
		d.n(len(refs))
		for _, r := range refs {
			d.i64(int64(r.Product))
			d.outcome(*r.Stats)
		}
	}
	d.section("claimed by")
	d.n(len(p.claimedBy))
	for _, xs := range p.claimedBy {
		d.n(len(xs))
		d.i32s(xs)
	}
	d.section("filters")
	d.i8s(p.categoryIDs)
	for x := range p.prices {
		d.f64(p.prices[x])
		d.bool(p.outOfStock[x])
	}
	d.section("priors")
	d.f64(p.MeanRating)
	d.f64(p.MeanGood)
	d.f64(p.MeanBad)
	d.n(p.MaxReviewCount)
	d.section("reviews")
	d.time(p.lastReviewAt)
	d.i32s(p.ageOff)
	d.i32s(p.ages)
	d.i32s(p.posAgeOff)
	d.i32s(p.posAges)
	d.i8s(p.posSkin)
	d.n(len(p.reviewerIDs))
	for _, id := range p.reviewerIDs {
		d.str(id)
	}
	d.i32s(p.fanout)
	d.i32s(p.posOff)
	d.i32s(p.posBy)
	d.i32s(p.coOff)
	for _, c := range p.co {
		d.i64(int64(c.Product))
		d.i64(int64(c.Co))
	}
	d.h.Flush()
	return hex.EncodeToString(h.Sum(nil))
}

// digester writes values to a hash unambiguously (lengths before strings and lists).
type digester struct {
	h   *bufio.Writer
	buf [8]byte
}

func (d *digester) i64(v int64) {
	binary.LittleEndian.PutUint64(d.buf[:], uint64(v))
	d.h.Write(d.buf[:])
}
func (d *digester) n(v int)          { d.i64(int64(v)) }
func (d *digester) f64(v float64)    { d.i64(int64(math.Float64bits(v))) }
func (d *digester) str(s string)     { d.n(len(s)); d.h.WriteString(s) }
func (d *digester) section(s string) { d.str("§" + s) }
func (d *digester) bool(b bool) {
	if b {
		d.i64(1)
	} else {
		d.i64(0)
	}
}
func (d *digester) time(t time.Time) {
	if t.IsZero() {
		d.i64(0)
		return
	}
	d.i64(t.UnixNano())
}
func (d *digester) i8s(v []int8) {
	d.n(len(v))
	for _, x := range v {
		d.i64(int64(x))
	}
}
func (d *digester) i32s(v []int32) {
	d.n(len(v))
	for _, x := range v {
		d.i64(int64(x))
	}
}
func (d *digester) strs(v []string) {
	d.n(len(v))
	for _, s := range v {
		d.str(s)
	}
}
func (d *digester) attr(a Attr) { d.i64(int64(a.Kind)); d.i64(int64(a.ID)) }
func (d *digester) outcome(o OutcomeStats) {
	d.attr(o.Attr)
	d.i64(int64(o.Count))
	d.f64(o.MeanRating)
	d.f64(o.RecommendRate)
	for _, e := range o.Effects {
		d.i64(int64(e))
	}
}
func (d *digester) experiment(e Experiment) {
	d.str(e.ID)
	d.str(e.Name)
	d.time(e.From)
	d.time(e.Until)
	d.n(len(e.Variants))
	for _, v := range e.Variants {
		d.str(v.Name)
		d.n(v.Share)
		names := slices.Sorted(maps.Keys(v.Weights))
		d.strs(names)
		for _, k := range names {
			d.f64(v.Weights[k])
		}
		d.strs(v.RuleIDs)
	}
	d.i64(e.Revision)
	d.str(e.CreatedBy)
	d.str(e.UpdatedBy)
	d.time(e.CreatedAt)
	d.time(e.UpdatedAt)
}

func (d *digester) rule(r Rule) {
	d.str(r.ID)
	d.str(r.Name)
	d.str(r.Kind)
	d.strs(r.Condition.SkinTypes)
	d.strs(r.Condition.Concerns)
	d.strs(r.Condition.Categories)
	d.strs(r.Match.Brands)
	d.strs(r.Match.Categories)
	d.strs(r.Match.Ingredients)
	d.strs(r.Match.Claims)
	d.strs(r.Match.ProductIDs)
	d.f64(r.Amount)
	d.str(r.ProductID)
	d.n(r.Position)
	d.time(r.From)
	d.time(r.Until)
	d.i64(r.Revision)
	d.str(r.CreatedBy)
	d.str(r.UpdatedBy)
	d.time(r.CreatedAt)
	d.time(r.UpdatedAt)
}
