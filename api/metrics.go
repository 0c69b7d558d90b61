package api

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/skingraph/skingraph/graph"
)

// Metrics are the Prometheus series of one server, in a registry of its own (never the global
// default), so that tests can build several servers in one process.
type Metrics struct {
	reg        *prometheus.Registry
	httpDur    *prometheus.HistogramVec
	httpReqs   *prometheus.CounterVec
	httpErrs   *prometheus.CounterVec
	neo4jDur   *prometheus.HistogramVec
	neo4jErrs  *prometheus.CounterVec
	engineColl *engineCollector
}

// latencyBuckets span 50µs to 10s: cached answers take tens of microseconds, Cypher
// queries up to the analyst timeout.
var latencyBuckets = []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// NewMetrics returns the metrics of one server with the Go runtime and process collectors.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		httpDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "skingraph_http_request_duration_seconds", Help: "HTTP request latency by route template and status class.",
			Buckets: latencyBuckets,
		}, []string{"method", "route", "status_class"}),
		httpReqs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skingraph_http_requests_total", Help: "HTTP requests by route template and status code.",
		}, []string{"method", "route", "code"}),
		httpErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skingraph_http_errors_total", Help: "HTTP error responses (problem+json, status >= 400) by status code.",
		}, []string{"code"}),
		neo4jDur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "skingraph_neo4j_query_duration_seconds", Help: "Neo4j call latency by operation.",
			Buckets: latencyBuckets,
		}, []string{"operation"}),
		neo4jErrs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skingraph_neo4j_query_errors_total", Help: "Neo4j calls that returned an error, by operation.",
		}, []string{"operation"}),
		engineColl: &engineCollector{},
	}
	m.reg.MustRegister(m.httpDur, m.httpReqs, m.httpErrs, m.neo4jDur, m.neo4jErrs, m.engineColl,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Registry is where the server's series live (for /metrics, or for a caller adding its own).
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// ObserveNeo4j records one call to Neo4j: its latency in the histogram of op and, when ctx is
// a request's, in that response's Server-Timing "neo4j" entry.
func (m *Metrics) ObserveNeo4j(ctx context.Context, op string, d time.Duration, err error) {
	m.neo4jDur.WithLabelValues(op).Observe(d.Seconds())
	if failedInNeo4j(ctx, err) {
		m.neo4jErrs.WithLabelValues(op).Inc()
	}
	AddTiming(ctx, "neo4j", d)
}

// observeHTTP records one answered request.
func (m *Metrics) observeHTTP(method, route string, status int, d time.Duration) {
	code := strconv.Itoa(status)
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete, http.MethodOptions:
	default:
		method = "other" // clients choose methods; labels must stay few
	}
	m.httpDur.WithLabelValues(method, route, statusClass(status)).Observe(d.Seconds())
	m.httpReqs.WithLabelValues(method, route, code).Inc()
	if status >= 400 {
		m.httpErrs.WithLabelValues(code).Inc()
	}
}

func statusClass(status int) string {
	switch {
	case status < 200:
		return "1xx"
	case status < 300:
		return "2xx"
	case status < 400:
		return "3xx"
	case status < 500:
		return "4xx"
	}
	return "5xx"
}

// engineCollector reads the ranking engine's stats once per scrape: the projection's version,
// age and build time, how it was kept fresh (deltas, rebuilds, the last delta's time), and the
// result cache's hits and misses.
type engineCollector struct {
	rec   Recommender // nil: no engine series
	pages *pageCache  // nil: no page-cache series
}

var (
	descProjVersion = prometheus.NewDesc("skingraph_projection_data_version", "Data version of the served projection.", nil, nil)
	descProjAge     = prometheus.NewDesc("skingraph_projection_age_seconds", "Seconds since the served projection was built.", nil, nil)
	descProjBuild   = prometheus.NewDesc("skingraph_projection_build_seconds", "How long the last projection (re)build took, by phase (stream from Neo4j and index; embeddings; the ranker's per-projection terms, computed before the first projection is served).", []string{"phase"}, nil)
	descProjSize    = prometheus.NewDesc("skingraph_projection_size", "Nodes and edges of the served projection.", []string{"kind"}, nil)
	descProjFailing = prometheus.NewDesc("skingraph_projection_refresh_failing", "1 while projection refreshes fail (the last good projection is served).", nil, nil)
	descCacheHits   = prometheus.NewDesc("skingraph_result_cache_hits_total", "Result-cache hits of the ranking engine.", nil, nil)
	descCacheMisses = prometheus.NewDesc("skingraph_result_cache_misses_total", "Result-cache misses of the ranking engine.", nil, nil)
	descPageHits    = prometheus.NewDesc("skingraph_page_cache_hits_total", "Recommendation pages answered from the cache of encoded pages, without the engine.", nil, nil)
	descPageMisses  = prometheus.NewDesc("skingraph_page_cache_misses_total", "Recommendation pages not in the cache of encoded pages (asked of the engine).", nil, nil)
	descSnapshots   = prometheus.NewDesc("skingraph_projection_snapshots_total", "Projections made after start-up, by how: applying a change as a delta, or a full rebuild (a pruned feed, a full change, a failed delta).", []string{"how"}, nil)
	descDelta       = prometheus.NewDesc("skingraph_projection_delta_seconds", "How long the last delta took, in all (read from Neo4j, apply, embeddings) and for its embeddings.", []string{"phase"}, nil)
)

func (e *engineCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descProjVersion, descProjAge, descProjBuild, descProjSize, descProjFailing, descCacheHits, descCacheMisses, descPageHits, descPageMisses, descSnapshots, descDelta} {
		ch <- d
	}
}

func (e *engineCollector) Collect(ch chan<- prometheus.Metric) {
	if e.pages != nil {
		hits, misses := e.pages.counts()
		ch <- prometheus.MustNewConstMetric(descPageHits, prometheus.CounterValue, float64(hits))
		ch <- prometheus.MustNewConstMetric(descPageMisses, prometheus.CounterValue, float64(misses))
	}
	if e.rec == nil {
		return
	}
	st := e.rec.Stats()
	failing := 0.0
	if st.LastError != "" {
		failing = 1
	}
	ch <- prometheus.MustNewConstMetric(descProjFailing, prometheus.GaugeValue, failing)
	ch <- prometheus.MustNewConstMetric(descCacheHits, prometheus.CounterValue, float64(st.CacheHits))
	ch <- prometheus.MustNewConstMetric(descCacheMisses, prometheus.CounterValue, float64(st.CacheMisses))
	ch <- prometheus.MustNewConstMetric(descSnapshots, prometheus.CounterValue, float64(st.Deltas), "delta")
	ch <- prometheus.MustNewConstMetric(descSnapshots, prometheus.CounterValue, float64(st.Rebuilds), "rebuild")
	ch <- prometheus.MustNewConstMetric(descDelta, prometheus.GaugeValue, st.LastDelta.Seconds(), "total")
	ch <- prometheus.MustNewConstMetric(descDelta, prometheus.GaugeValue, st.LastEmbedDelta.Seconds(), "embed")
	if st.BuiltAt.IsZero() {
		return // no projection yet
	}
	ch <- prometheus.MustNewConstMetric(descProjVersion, prometheus.GaugeValue, float64(st.Version.N))
	ch <- prometheus.MustNewConstMetric(descProjAge, prometheus.GaugeValue, time.Since(st.BuiltAt).Seconds())
	ch <- prometheus.MustNewConstMetric(descProjBuild, prometheus.GaugeValue, st.BuildTime.Seconds(), "build")
	ch <- prometheus.MustNewConstMetric(descProjBuild, prometheus.GaugeValue, st.EmbedTime.Seconds(), "embed")
	ch <- prometheus.MustNewConstMetric(descProjBuild, prometheus.GaugeValue, st.PrepareTime.Seconds(), "prepare")
	ch <- prometheus.MustNewConstMetric(descProjSize, prometheus.GaugeValue, float64(st.Nodes), "nodes")
	ch <- prometheus.MustNewConstMetric(descProjSize, prometheus.GaugeValue, float64(st.Edges), "edges")
}

// metricsHandler serves the registry in the Prometheus text format (gzip is left to the
// server's compression middleware).
func metricsHandler(m *Metrics) gin.HandlerFunc {
	return gin.WrapH(promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{DisableCompression: true}))
}

// failedInNeo4j tells Neo4j failures (unavailable, timed out, unexpected) from answers about
// the request (not found, invalid, conflict, forbidden) and from clients that went away.
func failedInNeo4j(ctx context.Context, err error) bool {
	if err == nil || ctx.Err() != nil {
		return false
	}
	for _, e := range []error{graph.ErrNotFound, graph.ErrInvalid, graph.ErrConflict, graph.ErrForbidden} {
		if errors.Is(err, e) {
			return false
		}
	}
	return true
}
