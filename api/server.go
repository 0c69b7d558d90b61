package api

import (
	"context"
	"net/http"
	"net/netip"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/graph"
)

// Catalogue reads products and ingredients from the graph.
type Catalogue interface {
	// Product returns one product with its ingredients; graph.ErrNotFound when there is none.
	Product(ctx context.Context, id string) (graph.ProductDetail, error)
	// Ingredient returns one ingredient by canonical INCI key; graph.ErrNotFound when unknown.
	Ingredient(ctx context.Context, inci string) (graph.IngredientDetail, error)
	// Search runs a full-text search (prefix and typo tolerant) over products and ingredients.
	Search(ctx context.Context, q string, limit int) ([]graph.SearchHit, error)
}

// Health reports whether the graph store can serve.
type Health interface {
	// Ping returns nil when Neo4j answers, graph.ErrUnavailable otherwise.
	Ping(ctx context.Context) error
	// SchemaReady reports whether the schema migration of this build has been applied.
	SchemaReady(ctx context.Context) (bool, error)
}

// Deps are what the handlers need.
type Deps struct {
	Catalogue   Catalogue
	Health      Health
	Recommender Recommender
	Explorer    Explorer
	// EfficacyLoader validates and commits merchandisers' efficacy files (nil answers 501).
	EfficacyLoader EfficacyLoader
	// ProductLoader validates and commits merchandisers' product files (nil answers 501).
	ProductLoader ProductLoader
	Log           zerolog.Logger
	Version       string // the build's version, reported by /healthz
	// Keys are the accepted API keys; nil turns authentication off (the caller must then
	// listen on loopback only, and the server answers only loopback Host names and refuses
	// cross-site writes).
	Keys *auth.Ring
	// KeySource, when set on a keyed server, returns the keys in force for each request (so
	// that a reloaded keys file applies at once); Keys is then the first ring.
	KeySource func() *auth.Ring
	// LocalOnly, on a server without keys, answers only loopback Host names and refuses
	// cross-site writes (see localOnly); cmd sets it whenever no keys file is configured.
	LocalOnly bool
	// Shedding bounds concurrent requests (zero value: no bound).
	Shedding Shedding
	// Bodies bounds how request bodies are read (zero value: the defaults of Bodies).
	Bodies Bodies
	// Streams bounds the update streams (zero value: the defaults of Streams).
	Streams Streams
	// Updates feeds GET /v1/updates (nil answers 501).
	Updates Updates
	// Stop, when closed, ends the long-lived update streams (the server closes it as it
	// shuts down, so draining does not wait for them).
	Stop <-chan struct{}
	// Metrics holds the server's Prometheus series (nil: New makes a registry of its own).
	// cmd shares it to time the projection's Neo4j calls (Metrics.ObserveNeo4j).
	Metrics *Metrics
	// Events records feedback events; Profiles keeps consented profiles (nil answers 501).
	Events   EventRecorder
	Profiles Profiles
	// Rules keeps merchandising rules (nil answers 501).
	Rules RuleStore
	// Experiments keeps experiments and their figures (nil answers 501).
	Experiments ExperimentStore
	// MaxPerBrand is the brand cap of a recommendation page when the request sets none
	// (0 = no cap; SKINGRAPH_MAX_PER_BRAND).
	MaxPerBrand int
	// Idempotency keeps the answers to Idempotency-Key retries; Limiter meters the keys'
	// request rates and failed logins. Replicas share them (Neo4j or Redis); nil keeps them
	// in this process's memory.
	Idempotency graph.IdempotencyStore
	Limiter     graph.RateLimiter
	// TrustedProxies are the load balancers whose X-Forwarded-For names the client (see
	// realClient); none: the peer's address is the client's.
	TrustedProxies []netip.Prefix
}

// New returns the HTTP handler of the API: the routes, gzip-compressed when the client asks
// (bodies of 1 KiB or more, never event streams).
// pageCacheBytes bounds the cache of encoded recommendation pages (about 2,500 Sephora pages
// with their gzip forms). It holds plain bytes, which the garbage collector does not scan.
const pageCacheBytes = 64 << 20

func New(d Deps) http.Handler {
	return compress(newRouter(d))
}

// newRouter builds the Gin engine (tests walk its routes).
func newRouter(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	if d.Metrics == nil {
		d.Metrics = NewMetrics()
	}
	pages := newPageCache(pageCacheBytes)
	d.Metrics.engineColl.rec, d.Metrics.engineColl.pages = d.Recommender, pages
	d = instrument(d, d.Metrics)
	r := gin.New()
	r.HandleMethodNotAllowed = true
	keyed := d.Keys != nil
	var idem graph.IdempotencyStore = d.Idempotency
	if idem == nil {
		idem = newIdempotencyStore()
	}
	// Admission, in order: the key (and, keyless, the local-only checks), the body read in
	// full within its deadline, then an in-flight slot within the key's share.
	guard := func(c *gin.Context) { c.Next() }
	if !keyed && d.LocalOnly {
		guard = localOnly()
	}
	r.Use(requestID(), realClient(d.TrustedProxies), observe(d.Metrics), accessLog(d.Log), recoverer(d.Log), securityHeaders(keyed), guard,
		authenticate(d.Keys, d.KeySource, d.Limiter, d.Log), readBodies(d.Bodies, keyed), shed(d.Shedding, keyed), idempotency(idem, d.Log))
	r.NoRoute(handle(d.Log, func(c *gin.Context) error {
		return notFound("no route for " + c.Request.Method + " " + c.Request.URL.Path)
	}))
	r.NoMethod(handle(d.Log, func(c *gin.Context) error {
		return &Problem{Status: http.StatusMethodNotAllowed, Title: "Method not allowed",
			Detail: c.Request.Method + " is not allowed on " + c.Request.URL.Path}
	}))

	h := &handlers{d: d, pages: pages, ready: &readiness{}, streams: newStreamLimit(d.Streams)}
	r.GET("/healthz", handle(d.Log, h.healthz))
	r.GET("/readyz", handle(d.Log, h.readyz))
	r.GET("/metrics", metricsHandler(d.Metrics))
	r.GET("/openapi.json", openAPIHandler)
	r.GET("/docs", handle(d.Log, docsHandler))
	v1 := r.Group("/v1")
	v1.GET("/products/:id", handle(d.Log, h.product))
	v1.GET("/products/:id/similar", handle(d.Log, h.similar))
	v1.GET("/status", handle(d.Log, h.status))
	v1.POST("/cypher", handle(d.Log, h.cypherQuery))
	v1.GET("/search", handle(d.Log, h.search))
	v1.GET("/ingredients/:inci", handle(d.Log, h.ingredient))
	v1.POST("/routine/check", handle(d.Log, h.routineCheck))
	v1.POST("/efficacy", handle(d.Log, efficacyHandler(d.EfficacyLoader)))
	v1.POST("/products", handle(d.Log, productsHandler(d.ProductLoader)))
	v1.POST("/recommendations", handle(d.Log, h.recommend))
	v1.GET("/recommendations", handle(d.Log, h.recommendGET))
	v1.GET("/updates", handle(d.Log, h.updates))
	v1.POST("/events", handle(d.Log, eventsHandler(d.Events)))
	registerProfiles(v1, d.Log, d.Profiles)
	registerRules(v1, d.Log, d.Rules)
	registerExperiments(v1, d.Log, d.Experiments)
	mountPages(r, d.Log)
	return r
}

type handlers struct {
	d       Deps
	pages   *pageCache // encoded recommendation pages
	ready   *readiness // the cached answer of /readyz
	streams *streamLimit
}
