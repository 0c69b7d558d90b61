package eval

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Setting is one point of a tunable baseline's hyper-parameter grid; each baseline reads the
// fields it has.
type Setting struct {
	HalfLife   float64 // recency: days; 0 = no decay
	Positive   bool    // count (or build the matrix from) positive reviews only
	Lambda     float64 // EASE^R: L2 regularisation
	Alpha      float64 // RP3beta: exponent of the transition probabilities
	Beta       float64 // RP3beta: popularity penalty exponent
	Neighbours int     // item-kNN: neighbours kept per item, 0 = all
	Shrink     float64 // item-kNN: shrinkage of the cosine
}

// TunableBaseline is a baseline with a hyper-parameter grid, chosen on a validation split.
type TunableBaseline struct {
	Name        string
	HistoryOnly bool // needs the query's train history (history task only)
	Grid        []Setting
	Describe    func(Setting) string
	New         func(d *Data, s Setting) Recommender
}

// TunedBaseline is a tunable baseline with the setting chosen on validation and its
// validation figures.
type TunedBaseline struct {
	Name       string
	Setting    Setting
	Describe   string
	Validation Metrics
	Tried      int // grid points evaluated
}

func rows(positive bool) string {
	if positive {
		return "positive"
	}
	return "all"
}

var (
	halfLives = []float64{0.5, 1, 2, 3, 5, 7, 10, 14, 21, 30, 60, 0}
	both      = []bool{false, true}
)

func recencyGrid() []Setting {
	var g []Setting
	for _, pos := range both {
		for _, h := range halfLives {
			g = append(g, Setting{HalfLife: h, Positive: pos})
		}
	}
	return g
}

func describeRecency(s Setting) string {
	h := "no decay"
	if s.HalfLife > 0 {
		h = fmt.Sprintf("half-life %g d", s.HalfLife)
	}
	return fmt.Sprintf("%s, %s reviews", h, rows(s.Positive))
}

// TunableBaselines are the strong baselines (docs/EVALUATION.md has their formulas), each
// tuned on the validation split of its task.
var TunableBaselines = []TunableBaseline{
	{Name: "recent_popularity", Grid: recencyGrid(), Describe: describeRecency,
		New: func(d *Data, s Setting) Recommender { return recency{d: d, s: s, name: "recent_popularity"} }},
	{Name: "recent_popularity_skin_type", Grid: recencyGrid(), Describe: describeRecency,
		New: func(d *Data, s Setting) Recommender {
			return recency{d: d, s: s, name: "recent_popularity_skin_type", bySkinType: true}
		}},
	{Name: "ease", HistoryOnly: true, Grid: func() []Setting {
		var g []Setting
		for _, pos := range both {
			for _, l := range []float64{1, 3, 10, 30, 100, 300, 1000} {
				g = append(g, Setting{Lambda: l, Positive: pos})
			}
		}
		return g
	}(), Describe: func(s Setting) string { return fmt.Sprintf("lambda %g, %s reviews", s.Lambda, rows(s.Positive)) },
		New: func(d *Data, s Setting) Recommender { return ease{d: d, s: s} }},
	{Name: "rp3beta", HistoryOnly: true, Grid: func() []Setting {
		var g []Setting
		for _, pos := range both {
			for _, a := range []float64{0.25, 0.5, 0.75, 1, 1.5} {
				for _, b := range []float64{0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8} {
					g = append(g, Setting{Alpha: a, Beta: b, Positive: pos})
				}
			}
		}
		return g
	}(), Describe: func(s Setting) string {
		return fmt.Sprintf("alpha %g, beta %g, %s reviews", s.Alpha, s.Beta, rows(s.Positive))
	}, New: func(d *Data, s Setting) Recommender { return rp3beta{d: d, s: s} }},
	{Name: "item_knn_tuned", HistoryOnly: true, Grid: func() []Setting {
		var g []Setting
		for _, pos := range both {
			for _, k := range []int{5, 10, 20, 50, 100, 0} {
				for _, sh := range []float64{0, 1, 3, 10, 30, 100} {
					g = append(g, Setting{Neighbours: k, Shrink: sh, Positive: pos})
				}
			}
		}
		return g
	}(), Describe: func(s Setting) string {
		k := "all"
		if s.Neighbours > 0 {
			k = fmt.Sprint(s.Neighbours)
		}
		return fmt.Sprintf("%s neighbours, shrink %g, %s reviews", k, s.Shrink, rows(s.Positive))
	}, New: func(d *Data, s Setting) Recommender { return itemKNNShrunk{d: d, s: s} }},
}

// TunableFor returns the tunable baselines that run on task.
func TunableFor(task string) []TunableBaseline {
	var out []TunableBaseline
	for _, b := range TunableBaselines {
		if !b.HistoryOnly || task == TaskHistory {
			out = append(out, b)
		}
	}
	return out
}

// TuneBaselines evaluates every grid point of every tunable baseline of task on the
// validation queries qs (d holds the train reviews before the validation split) and keeps, per
// baseline, the one with the highest NDCG@10 (ties: the first in grid order).
func TuneBaselines(ctx context.Context, d *Data, task string, qs []Query, harm HarmIndex) ([]TunedBaseline, error) {
	var out []TunedBaseline
	for _, b := range TunableFor(task) {
		best := TunedBaseline{Name: b.Name, Validation: Metrics{NDCG: -1}}
		for _, s := range b.Grid {
			r, err := Evaluate(ctx, b.New(d, s), qs, harm, d.Catalogue())
			if err != nil {
				return nil, fmt.Errorf("eval: tune baseline %s: %w", b.Name, err)
			}
			best.Tried++
			if r.Overall.NDCG > best.Validation.NDCG+1e-12 {
				best.Setting, best.Describe, best.Validation = s, b.Describe(s), r.Overall
			}
		}
		out = append(out, best)
	}
	return out, nil
}

// TunedRecommenders builds the tuned baselines on d (the full train period).
func TunedRecommenders(d *Data, tuned []TunedBaseline) []Recommender {
	var out []Recommender
	for _, t := range tuned {
		for _, b := range TunableBaselines {
			if b.Name == t.Name {
				out = append(out, b.New(d, t.Setting))
			}
		}
	}
	return out
}

// memoised returns d.memo[key], computing it with f the first time.
func (d *Data) memoised(key string, f func() any) any {
	d.mu.Lock()
	defer d.mu.Unlock()
	if v, ok := d.memo[key]; ok {
		return v
	}
	v := f()
	d.memo[key] = v
	return v
}

// decayed returns, per product, Σ 2^(−age/h) over its train reviews (positive ones only with
// s.Positive; by reviewers of skinType only unless it is ""), age in days before the latest
// train review; h = 0 counts every review 1.
func (d *Data) decayed(s Setting, skinType string) []float64 {
	key := fmt.Sprintf("decayed %g %t %s", s.HalfLife, s.Positive, skinType)
	return d.memoised(key, func() any {
		v := make([]float64, len(d.proj.Products))
		for _, r := range d.revs {
			if (s.Positive && !r.positive) || (skinType != "" && r.skinType != skinType) {
				continue
			}
			w := 1.0
			if s.HalfLife > 0 {
				w = math.Exp2(-r.ageDays / s.HalfLife)
			}
			v[r.x] += w
		}
		return v
	}).([]float64)
}

// recency ranks by recency-weighted review volume, over every reviewer or (bySkinType) over
// the reviewers of the query's skin type (every reviewer when the query has none).
type recency struct {
	d          *Data
	s          Setting
	name       string
	bySkinType bool
}

func (r recency) Name() string { return r.name }

func (r recency) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	st := ""
	if r.bySkinType {
		st = q.SkinType
	}
	v := r.d.decayed(r.s, st)
	return r.d.top(q, k, func(x int32) float64 { return v[x] }), nil
}

// matrix returns the reviewer-product incidence lists of the setting's reviews.
func (d *Data) matrix(positive bool) (reviewersOf, itemsOf [][]int32) {
	if positive {
		return d.posReviewersOf, d.posItemsOf
	}
	return d.reviewersOf, d.itemsOf
}

// history returns the query author's train row: every product they reviewed in train (the
// query's left-out products), or their positive ones (Liked).
func (d *Data) history(q Query, positive bool) []int32 {
	var ids []string
	if positive {
		ids = q.Liked
	} else {
		for id := range q.Exclude {
			ids = append(ids, id)
		}
		slices.Sort(ids)
	}
	out := make([]int32, 0, len(ids))
	for _, id := range ids {
		if x, ok := d.proj.ProductIndex(id); ok {
			out = append(out, x)
		}
	}
	return out
}

// easeModel is B of EASE^R over the products that have train reviews (index in items).
type easeModel struct {
	index map[int32]int
	items []int32
	b     *mat.Dense
}

// ease is EASE^R (Steck 2019): B = I − P·diag(1/diag(P)) with the diagonal set to 0,
// P = (XᵀX + λI)⁻¹, X the binary reviewer-product matrix; score(x) = Σ_{i in the author's
// row} B[i, x].
type ease struct {
	d *Data
	s Setting
}

func (ease) Name() string { return "ease" }

func (e ease) model() (*easeModel, error) {
	key := fmt.Sprintf("ease %g %t", e.s.Lambda, e.s.Positive)
	v := e.d.memoised(key, func() any {
		reviewersOf, itemsOf := e.d.matrix(e.s.Positive)
		m := &easeModel{index: map[int32]int{}}
		for x, us := range reviewersOf {
			if len(us) > 0 {
				m.index[int32(x)] = len(m.items)
				m.items = append(m.items, int32(x))
			}
		}
		n := len(m.items)
		if n == 0 {
			return m
		}
		g := mat.NewSymDense(n, nil)
		for _, row := range itemsOf {
			for a, i := range row {
				ia := m.index[i]
				for _, j := range row[a:] {
					jb := m.index[j]
					g.SetSym(ia, jb, g.At(ia, jb)+1)
				}
			}
		}
		for i := range n {
			g.SetSym(i, i, g.At(i, i)+e.s.Lambda)
		}
		var ch mat.Cholesky
		if !ch.Factorize(g) {
			return fmt.Errorf("eval: ease: XᵀX + %g·I is not positive definite", e.s.Lambda)
		}
		var p mat.SymDense
		if err := ch.InverseTo(&p); err != nil {
			return fmt.Errorf("eval: ease: invert: %w", err)
		}
		b := mat.NewDense(n, n, nil)
		for i := range n {
			for j := range n {
				if i != j {
					b.Set(i, j, -p.At(i, j)/p.At(j, j))
				}
			}
		}
		m.b = b
		return m
	})
	if err, ok := v.(error); ok {
		return nil, err
	}
	return v.(*easeModel), nil
}

func (e ease) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	m, err := e.model()
	if err != nil {
		return nil, err
	}
	score := make([]float64, len(e.d.proj.Products))
	for _, i := range e.d.history(q, e.s.Positive) {
		ii, ok := m.index[i]
		if !ok {
			continue
		}
		row := m.b.RawRowView(ii)
		for j, v := range row {
			score[m.items[j]] += v
		}
	}
	return e.d.top(q, k, func(x int32) float64 { return score[x] }), nil
}

// rp3beta is RP3beta (Paudel et al. 2017): a three-step random walk item -> reviewer -> item
// with transition probabilities raised to alpha, divided by the popularity of the target
// raised to beta: W[i, j] = Σ_u (1/deg i)^α (1/deg u)^α / (deg j)^β; score(x) = Σ_{i in the
// author's row} W[i, x].
type rp3beta struct {
	d *Data
	s Setting
}

func (rp3beta) Name() string { return "rp3beta" }

func (r rp3beta) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	reviewersOf, itemsOf := r.d.matrix(r.s.Positive)
	score := make([]float64, len(r.d.proj.Products))
	for _, i := range r.d.history(q, r.s.Positive) {
		if len(reviewersOf[i]) == 0 {
			continue
		}
		wi := math.Pow(1/float64(len(reviewersOf[i])), r.s.Alpha)
		for _, u := range reviewersOf[i] {
			w := wi * math.Pow(1/float64(len(itemsOf[u])), r.s.Alpha)
			for _, j := range itemsOf[u] {
				score[j] += w
			}
		}
	}
	for j, v := range score {
		if v != 0 {
			score[j] = v / math.Pow(float64(len(reviewersOf[j])), r.s.Beta)
		}
	}
	return r.d.top(q, k, func(x int32) float64 { return score[x] }), nil
}

// itemKNNShrunk is item-kNN with a shrunk cosine, sim(i, j) = co(i, j) / (√(n_i·n_j) + shrink),
// keeping the s.Neighbours most similar products of each product of the author's row (ties by
// product index); score(x) = Σ over the row of sim(i, x) when x is among i's neighbours.
type itemKNNShrunk struct {
	d *Data
	s Setting
}

func (itemKNNShrunk) Name() string { return "item_knn_tuned" }

func (b itemKNNShrunk) Recommend(_ context.Context, q Query, k int) ([]string, error) {
	reviewersOf, itemsOf := b.d.matrix(b.s.Positive)
	score := make([]float64, len(b.d.proj.Products))
	type nb struct {
		x   int32
		sim float64
	}
	for _, i := range b.d.history(q, b.s.Positive) {
		co := map[int32]float64{}
		for _, u := range reviewersOf[i] {
			for _, j := range itemsOf[u] {
				if j != i {
					co[j]++
				}
			}
		}
		ni := float64(len(reviewersOf[i]))
		nbs := make([]nb, 0, len(co))
		for j, c := range co {
			nbs = append(nbs, nb{j, c / (math.Sqrt(ni*float64(len(reviewersOf[j]))) + b.s.Shrink)})
		}
		slices.SortFunc(nbs, func(a, c nb) int { return cmp.Or(cmp.Compare(c.sim, a.sim), cmp.Compare(a.x, c.x)) })
		if b.s.Neighbours > 0 && len(nbs) > b.s.Neighbours {
			nbs = nbs[:b.s.Neighbours]
		}
		for _, n := range nbs {
			score[n.x] += n.sim
		}
	}
	return b.d.top(q, k, func(x int32) float64 { return score[x] }), nil
}

// FormatTuned writes the tuned baselines' choices on one line each.
func FormatTuned(tuned []TunedBaseline) string {
	var b strings.Builder
	for _, t := range tuned {
		fmt.Fprintf(&b, "%s: %s (validation NDCG@10 %.4f, %d settings tried)\n", t.Name, t.Describe, t.Validation.NDCG, t.Tried)
	}
	return b.String()
}

// TuneBaselinesOn tunes every tunable baseline of both tasks on a validation split: in.Train
// are the train reviews before the split, in.Test the split's reviews (in.Proj gives the
// catalogue; the baselines read no outcome from it).
func TuneBaselinesOn(ctx context.Context, in Input) (map[string][]TunedBaseline, error) {
	d := NewData(in.Proj, in.Train)
	harm := NewHarmIndex(in.Test)
	out := map[string][]TunedBaseline{}
	err := forEachTask(in, func(task string, qs []Query) error {
		var err error
		out[task], err = TuneBaselines(ctx, d, task, qs, harm)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
