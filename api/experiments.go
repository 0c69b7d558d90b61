package api

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
)

// ExperimentStore keeps experiments and their figures (cypher.Store implements it). Writes
// bump the data version; writes of an existing experiment name its revision and fail with
// graph.ErrStale when it changed since; an experiment whose period overlaps another's is
// graph.ErrConflict, one naming unknown rules a *graph.ValidationError.
type ExperimentStore interface {
	CreateExperiment(ctx context.Context, e graph.Experiment, key string, now time.Time) (graph.Experiment, graph.DataVersion, error)
	Experiments(ctx context.Context) ([]graph.Experiment, error)
	Experiment(ctx context.Context, id string) (graph.Experiment, error)
	UpdateExperiment(ctx context.Context, e graph.Experiment, rev int64, key string, now time.Time) (graph.Experiment, graph.DataVersion, error)
	DeleteExperiment(ctx context.Context, id string, rev int64) (graph.DataVersion, error)
	// ExperimentDays returns the counts of experiment id per variant and day.
	ExperimentDays(ctx context.Context, id string) ([]graph.VariantDay, error)
}

type variantJSON struct {
	Name    string             `json:"name"`
	Share   int                `json:"share"`
	Weights map[string]float64 `json:"weights"`
	RuleIDs []string           `json:"rule_ids"`
}

// experimentInputJSON is the body of POST /v1/experiments and PUT /v1/experiments/{id}.
type experimentInputJSON struct {
	Name     string        `json:"name"`
	From     *time.Time    `json:"from"`
	Until    *time.Time    `json:"until"`
	Variants []variantJSON `json:"variants"`
}

// experimentJSON is a stored experiment.
type experimentJSON struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	From      *time.Time    `json:"from"`
	Until     *time.Time    `json:"until"`
	Variants  []variantJSON `json:"variants"`
	Control   string        `json:"control"`
	InForce   bool          `json:"in_force"`
	Revision  int64         `json:"revision"`
	CreatedBy string        `json:"created_by"`
	CreatedAt time.Time     `json:"created_at"`
	UpdatedBy string        `json:"updated_by"`
	UpdatedAt time.Time     `json:"updated_at"`
	// DataVersion is the data version the write made (writes only).
	DataVersion int64 `json:"data_version,omitempty"`
}

func (in experimentInputJSON) experiment() graph.Experiment {
	e := graph.Experiment{Name: in.Name}
	if in.From != nil {
		e.From = in.From.UTC()
	}
	if in.Until != nil {
		e.Until = in.Until.UTC()
	}
	for _, v := range in.Variants {
		e.Variants = append(e.Variants, graph.Variant{Name: v.Name, Share: v.Share, Weights: v.Weights, RuleIDs: v.RuleIDs})
	}
	return e
}

func toExperimentJSON(e graph.Experiment, now time.Time, dataVersion int64) experimentJSON {
	out := experimentJSON{ID: e.ID, Name: e.Name, Variants: make([]variantJSON, 0, len(e.Variants)), InForce: e.ActiveAt(now),
		Revision: e.Revision, CreatedBy: e.CreatedBy, CreatedAt: e.CreatedAt, UpdatedBy: e.UpdatedBy, UpdatedAt: e.UpdatedAt,
		DataVersion: dataVersion}
	for _, v := range e.Variants {
		w := v.Weights
		if w == nil {
			w = map[string]float64{}
		}
		out.Variants = append(out.Variants, variantJSON{Name: v.Name, Share: v.Share, Weights: w, RuleIDs: nonNil(v.RuleIDs)})
	}
	if len(e.Variants) > 0 {
		out.Control = e.Variants[graph.ControlVariantIndex].Name
	}
	out.From, out.Until = optionalTime(e.From), optionalTime(e.Until)
	return out
}

// experimentResults serves GET /v1/experiments/{id}/results; s nil answers 501.
type experimentResults struct{ s ExperimentStore }

// registerExperiments serves /v1/experiments (revisioned.go says how) and each experiment's
// results; s nil answers 501.
func registerExperiments(v1 *gin.RouterGroup, log zerolog.Logger, s ExperimentStore) {
	h := revisioned[graph.Experiment, experimentJSON]{kind: "experiment", plural: "experiments", read: readExperiment, toJSON: toExperimentJSON,
		identity: func(e graph.Experiment) (string, int64) { return e.ID, e.Revision },
		setID:    func(e *graph.Experiment, id string) { e.ID = id }}
	if s != nil {
		h.store = &revisionedStore[graph.Experiment]{create: s.CreateExperiment, list: s.Experiments, get: s.Experiment,
			update: s.UpdateExperiment, remove: s.DeleteExperiment}
	}
	h.register(v1, log)
	v1.GET("/experiments/:id/results", handle(log, experimentResults{s}.results))
}

func readExperiment(c *gin.Context) (graph.Experiment, error) {
	var in experimentInputJSON
	if err := decodeJSON(c, &in); err != nil {
		return graph.Experiment{}, err
	}
	e := in.experiment()
	if err := e.Validate(); err != nil {
		return graph.Experiment{}, err
	}
	return e, nil
}

type proportionJSON struct {
	Rate float64 `json:"rate"`
	Low  float64 `json:"low"`
	High float64 `json:"high"`
}

type figuresJSON struct {
	Impressions   int64               `json:"impressions"`
	Views         int64               `json:"views"`
	Clicks        int64               `json:"clicks"`
	AddToCarts    int64               `json:"add_to_carts"`
	Purchases     int64               `json:"purchases"`
	CTR           proportionJSON      `json:"ctr"`
	AddToCartRate proportionJSON      `json:"add_to_cart_rate"`
	Conversion    proportionJSON      `json:"conversion"`
	proportions   [3]graph.Proportion // CTR, add-to-cart, conversion, for the tests against the control
}

type dayFiguresJSON struct {
	Day string `json:"day"` // YYYY-MM-DD (UTC)
	figuresJSON
}

type comparisonJSON struct {
	Diff   float64 `json:"diff"`
	Z      float64 `json:"z"`
	PValue float64 `json:"p_value"`
}

type versusJSON struct {
	CTR           comparisonJSON `json:"ctr"`
	AddToCartRate comparisonJSON `json:"add_to_cart_rate"`
	Conversion    comparisonJSON `json:"conversion"`
}

type variantResultsJSON struct {
	Variant   string           `json:"variant"`
	Share     int              `json:"share"`
	Totals    figuresJSON      `json:"totals"`
	Days      []dayFiguresJSON `json:"days"`
	VsControl *versusJSON      `json:"vs_control"`
}

type resultsJSON struct {
	Experiment string               `json:"experiment"`
	Name       string               `json:"name"`
	Control    string               `json:"control"`
	InForce    bool                 `json:"in_force"`
	Confidence float64              `json:"confidence"`
	Variants   []variantResultsJSON `json:"variants"`
}

func toFigures(c graph.AttributionCounts) figuresJSON {
	p := func(x graph.Proportion) proportionJSON { return proportionJSON{Rate: x.Rate, Low: x.Low, High: x.High} }
	ctr, atc, conv := graph.Wilson(c.Clicks, c.Impressions), graph.Wilson(c.AddToCarts, c.Impressions), graph.Wilson(c.Purchases, c.Impressions)
	return figuresJSON{Impressions: c.Impressions, Views: c.Views, Clicks: c.Clicks, AddToCarts: c.AddToCarts, Purchases: c.Purchases,
		CTR: p(ctr), AddToCartRate: p(atc), Conversion: p(conv), proportions: [3]graph.Proportion{ctr, atc, conv}}
}

// results answers GET /v1/experiments/{id}/results: per variant, the totals and the figures of
// every day with counts (graph.AttributionCounts says what is counted), each rate with its
// Wilson interval at 95 %, and each variant's two-proportion z-test against the control.
func (h experimentResults) results(c *gin.Context) error {
	if h.s == nil {
		return &Problem{Status: http.StatusNotImplemented, Title: "Not implemented", Detail: "experiments are not enabled on this server"}
	}
	ctx := c.Request.Context()
	e, err := h.s.Experiment(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	days, err := h.s.ExperimentDays(ctx, e.ID)
	if err != nil {
		return err
	}
	var dates []time.Time
	byVariant := map[string]map[time.Time]graph.AttributionCounts{}
	for _, d := range days {
		if byVariant[d.Variant] == nil {
			byVariant[d.Variant] = map[time.Time]graph.AttributionCounts{}
		}
		byVariant[d.Variant][d.Day] = d.AttributionCounts
		if !slices.ContainsFunc(dates, d.Day.Equal) {
			dates = append(dates, d.Day)
		}
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return a.Compare(b) })
	out := resultsJSON{Experiment: e.ID, Name: e.Name, InForce: e.ActiveAt(time.Now()), Confidence: 0.95,
		Variants: make([]variantResultsJSON, 0, len(e.Variants))}
	if len(e.Variants) > 0 {
		out.Control = e.Variants[graph.ControlVariantIndex].Name
	}
	for _, v := range e.Variants {
		r := variantResultsJSON{Variant: v.Name, Share: v.Share, Days: make([]dayFiguresJSON, 0, len(dates))}
		var total graph.AttributionCounts
		for _, d := range dates {
			cnt := byVariant[v.Name][d]
			total.Add(cnt)
			r.Days = append(r.Days, dayFiguresJSON{Day: d.Format(time.DateOnly), figuresJSON: toFigures(cnt)})
		}
		r.Totals = toFigures(total)
		out.Variants = append(out.Variants, r)
	}
	if len(out.Variants) > 0 {
		ctl := out.Variants[0].Totals.proportions
		for i := 1; i < len(out.Variants); i++ {
			p := out.Variants[i].Totals.proportions
			cmpJSON := func(k int) comparisonJSON {
				x := graph.CompareProportions(ctl[k], p[k])
				return comparisonJSON{Diff: x.Diff, Z: x.Z, PValue: x.P}
			}
			out.Variants[i].VsControl = &versusJSON{CTR: cmpJSON(0), AddToCartRate: cmpJSON(1), Conversion: cmpJSON(2)}
		}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
	return nil
}
