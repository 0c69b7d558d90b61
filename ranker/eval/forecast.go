package eval

import (
	"context"
	"fmt"
	"math"
	"slices"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// Forecast is a cold-start weight set fitted as a forecast of next week's reviews
// (FitRecentScales): the multi-scale weights, scaled so that the largest is 1, and what the
// fit rested on.
type Forecast struct {
	Weights [ranker.NumRecentScales]float64 `json:"recent_scales"`
	Days    int                             `json:"days"` // the days fitted on
	Rows    int                             `json:"rows"` // (product, day) rows
	R2      float64                         `json:"r2"`   // the share of the target's variance the fit explains
}

// FitRecentScales fits the multi-scale recent volume's weights (ranker.Weights.RecentScales,
// positive reviews at the half-lives ranker.RecentScaleDays) as a forecast, from the train
// reviews alone: on every day t with horizon days of reviews after it (and horizon before), each
// product's positive reviews in [t, t + horizon days) are regressed on its five volumes before
// t, each over its largest value among the products that day (as the ranker computes them),
// pooled over the days, with an intercept (which changes no ranking) and non-negative weights.
// The fit is exact: the least-squares solution of every subset of the volumes, the best one
// whose weights are all positive (31 subsets). Rows where a product has neither a volume nor a
// review in the horizon are left out. No validation query is read: tens of thousands of
// (product, day) rows instead of one week's queries (round 12, docs/EVALUATION.md).
func FitRecentScales(reviews []graph.Review, horizon int) (Forecast, error) {
	if horizon < 1 {
		return Forecast{}, fmt.Errorf("eval: forecast: horizon %d days, want at least 1", horizon)
	}
	type review struct {
		at      time.Time
		product int
	}
	index := map[string]int{}
	var pos []review
	for _, r := range reviews {
		if r.Rating < graph.CoReviewMinRating {
			continue
		}
		x, ok := index[r.ProductID]
		if !ok {
			x = len(index)
			index[r.ProductID] = x
		}
		pos = append(pos, review{r.At, x})
	}
	if len(pos) == 0 {
		return Forecast{}, fmt.Errorf("eval: forecast: no positive review to fit on")
	}
	slices.SortFunc(pos, func(a, b review) int { return a.at.Compare(b.at) })
	day := func(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }
	first, last := day(pos[0].at), day(pos[len(pos)-1].at)
	n := len(index)
	var xs [][]float64
	var ys []float64
	days := 0
	for t := first.AddDate(0, 0, horizon); !t.AddDate(0, 0, horizon).After(last.AddDate(0, 0, 1)); t = t.AddDate(0, 0, 1) {
		vol := make([][ranker.NumRecentScales]float64, n)
		y := make([]float64, n)
		end := t.AddDate(0, 0, horizon)
		for _, r := range pos {
			switch {
			case r.at.Before(t):
				age := t.Sub(r.at).Hours() / 24
				for k, h := range ranker.RecentScaleDays {
					vol[r.product][k] += math.Exp2(-age / h)
				}
			case r.at.Before(end):
				y[r.product]++
			}
		}
		var top [ranker.NumRecentScales]float64
		for x := range n {
			for k := range top {
				top[k] = max(top[k], vol[x][k])
			}
		}
		if top[0] == 0 {
			continue
		}
		days++
		for x := range n {
			if y[x] == 0 && vol[x][len(top)-1] == 0 {
				continue
			}
			row := make([]float64, len(top))
			for k := range top {
				row[k] = vol[x][k] / top[k]
			}
			xs, ys = append(xs, row), append(ys, y[x])
		}
	}
	if len(ys) < ranker.NumRecentScales+2 {
		return Forecast{}, fmt.Errorf("eval: forecast: %d rows over %d days, too few to fit %d weights (the reviews span %s to %s, the horizon is %d days)",
			len(ys), days, ranker.NumRecentScales, first.Format(time.DateOnly), last.Format(time.DateOnly), horizon)
	}
	w, rss, ok := nonNegativeLeastSquares(xs, ys)
	if !ok {
		return Forecast{}, fmt.Errorf("eval: forecast: no fit with non-negative weights over %d rows", len(ys))
	}
	mean, tss := 0.0, 0.0
	for _, v := range ys {
		mean += v / float64(len(ys))
	}
	for _, v := range ys {
		tss += (v - mean) * (v - mean)
	}
	out := Forecast{Days: days, Rows: len(ys)}
	if tss > 0 {
		out.R2 = 1 - rss/tss
	}
	top := slices.Max(w)
	for k := range out.Weights {
		out.Weights[k] = w[k] / top
	}
	return out, nil
}

// nonNegativeLeastSquares is the least-squares fit of ys on the columns of xs plus an
// intercept with every column's weight positive (the intercept free): the best fit, by the
// residual sum of squares, among the ordinary least-squares fits of every non-empty subset of
// the columns whose weights all come out positive; the other columns get 0. It returns the
// columns' weights (without the intercept) and the residual sum of squares. Exhaustive, so for
// a handful of columns only (ranker.NumRecentScales here); a library NNLS (Lawson-Hanson) is
// not in gonum, and for five columns the 31 subsets are exact and cheap.
func nonNegativeLeastSquares(xs [][]float64, ys []float64) (w []float64, rss float64, ok bool) {
	cols := len(xs[0])
	y := mat.NewVecDense(len(ys), ys)
	best := math.Inf(1)
	for subset := 1; subset < 1<<cols; subset++ {
		var idx []int
		for c := range cols {
			if subset&(1<<c) != 0 {
				idx = append(idx, c)
			}
		}
		a := mat.NewDense(len(ys), len(idx)+1, nil)
		for r, row := range xs {
			for j, c := range idx {
				a.Set(r, j, row[c])
			}
			a.Set(r, len(idx), 1)
		}
		var qr mat.QR
		qr.Factorize(a)
		var beta mat.VecDense
		if err := qr.SolveVecTo(&beta, false, y); err != nil {
			continue // a singular subset
		}
		positive := true
		for j := range idx {
			if !(beta.AtVec(j) > 0) {
				positive = false
			}
		}
		if !positive {
			continue
		}
		var fit mat.VecDense
		fit.MulVec(a, &beta)
		fit.SubVec(y, &fit)
		if s := mat.Dot(&fit, &fit); s < best-1e-12 {
			best, ok = s, true
			w = make([]float64, cols)
			for j, c := range idx {
				w[c] = beta.AtVec(j)
			}
		}
	}
	return w, best, ok
}

// ForecastChoice is the choice between the fixed cold-start set (ColdStartEnsemble) and the
// forecaster fitted on each validation split's own train reviews (ChooseForecast), and, when
// it was chosen, the refit on the whole train period that ranks the test queries.
type ForecastChoice struct {
	// Fits are the forecaster fitted for each validation split (its own train reviews), in the
	// splits' order; EnsembleParts and ForecasterParts each split's profile part of the
	// objective with the ensemble and with its fit; ValidationFromDay each split's first day.
	Fits              []Forecast `json:"fits"`
	Chosen            bool       `json:"chosen"`
	Test              *Forecast  `json:"test,omitempty"` // the refit on the whole train period (when chosen)
	EnsembleParts     []float64  `json:"ensemble_profile_parts"`
	ForecasterParts   []float64  `json:"forecaster_profile_parts"`
	HorizonDays       int        `json:"horizon_days"`
	ValidationFromDay []string   `json:"validation_from"`
}

// ChooseForecast compares, on each validation split (the validation week first, then the
// weeks before it), the tuned parameters best (whose cold-start set is ColdStartEnsemble) with
// the same parameters whose cold-start set is the forecaster fitted on that split's own train
// reviews (FitRecentScales over horizon days): the forecaster is chosen only when its profile
// parts are significantly better on the splits together (BetterAcross, MinGainZ), the ensemble
// stays otherwise. The returned results are the chosen parameters' figures on each split (best
// itself, re-evaluated, when the ensemble stays). A split too short to fit on keeps the
// ensemble for the whole choice.
func ChooseForecast(ctx context.Context, splits []Split, best ranker.Params, horizon int) (ForecastChoice, []TuneResult, error) {
	choice := ForecastChoice{HorizonDays: horizon}
	var ens, fit []TuneResult
	for _, sp := range splits {
		e, err := TuneWith(ctx, sp.In, best, 0, sp.Tuned)
		if err != nil {
			return choice, nil, err
		}
		ens = append(ens, e)
		choice.EnsembleParts = append(choice.EnsembleParts, e.Parts[TaskProfile])
		f, err := FitRecentScales(sp.In.Train, horizon)
		if err != nil {
			return choice, ens, nil // too little to fit on: the ensemble stays
		}
		p := best
		p.Weights = ranker.Weights{RecentScales: f.Weights}
		r, err := TuneWith(ctx, sp.In, p, 0, sp.Tuned)
		if err != nil {
			return choice, nil, err
		}
		choice.Fits = append(choice.Fits, f)
		fit = append(fit, r)
		choice.ForecasterParts = append(choice.ForecasterParts, r.Parts[TaskProfile])
	}
	if BetterAcross(fit, ens, TaskProfile) {
		choice.Chosen = true
		return choice, fit, nil
	}
	return choice, ens, nil
}
