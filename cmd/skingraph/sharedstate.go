package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api"
	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/sharedstate/redisstate"
)

// The state replicas share (idempotency keys, rate limits; docs/SCALING.md):
//
//	SKINGRAPH_SHARED_STATE=memory  this process only (the default without SKINGRAPH_REDIS_URL)
//	SKINGRAPH_SHARED_STATE=neo4j   nodes in the graph's Neo4j, pruned every sharedStatePrune
//	SKINGRAPH_SHARED_STATE=redis   Redis at SKINGRAPH_REDIS_URL (the default when it is set)
const (
	sharedMemory = "memory"
	sharedNeo4j  = "neo4j"
	sharedRedis  = "redis"

	sharedStatePrune = time.Minute
	sharedPruneBatch = 10_000
)

// loadSharedState reads SKINGRAPH_SHARED_STATE and SKINGRAPH_REDIS_URL into c.
func (c *Config) loadSharedState(getenv func(string) string) {
	c.RedisURL = getenv("SKINGRAPH_REDIS_URL")
	c.SharedState = getenv("SKINGRAPH_SHARED_STATE")
}

// sharedStateKind is the store in force: the one named, else redis when a URL is set, else
// memory.
func (c *Config) sharedStateKind() string {
	switch {
	case c.SharedState != "":
		return c.SharedState
	case c.RedisURL != "":
		return sharedRedis
	default:
		return sharedMemory
	}
}

func (c *Config) validateSharedState() []error {
	var errs []error
	switch c.sharedStateKind() {
	case sharedMemory, sharedNeo4j:
	case sharedRedis:
		if c.RedisURL == "" {
			errs = append(errs, errors.New("SKINGRAPH_SHARED_STATE=redis needs SKINGRAPH_REDIS_URL (redis://host:6379/0)"))
		}
	default:
		errs = append(errs, fmt.Errorf("SKINGRAPH_SHARED_STATE %q: want memory, neo4j or redis", c.SharedState))
	}
	if c.RedisURL != "" {
		if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") || u.Host == "" {
			errs = append(errs, fmt.Errorf("SKINGRAPH_REDIS_URL %q: want redis://[user:password@]host:port[/db] or rediss:// for TLS", redactURL(c.RedisURL)))
		}
	}
	return errs
}

// redactURL hides a URL's password.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable)"
	}
	return u.Redacted()
}

// sharedState is the state the API's replicas share, and how to let go of it.
type sharedState struct {
	kind        string
	idempotency graph.IdempotencyStore // nil: the API's in-memory store
	limiter     graph.RateLimiter      // nil: the API's in-memory buckets
	close       func()
}

// openSharedState opens the configured store, timed on metrics; with neo4j it prunes expired
// records until ctx ends.
func openSharedState(ctx context.Context, cfg *Config, store *cypher.Store, log zerolog.Logger, metrics *api.Metrics) (sharedState, error) {
	s, err := openSharedStore(ctx, cfg, store, log)
	if err != nil || s.kind == sharedMemory {
		return s, err
	}
	t, err := newTimedShared(s.kind, s.idempotency, s.limiter, metrics)
	if err != nil {
		s.close()
		return sharedState{}, err
	}
	s.idempotency, s.limiter = t, t
	return s, nil
}

func openSharedStore(ctx context.Context, cfg *Config, store *cypher.Store, log zerolog.Logger) (sharedState, error) {
	kind := cfg.sharedStateKind()
	switch kind {
	case sharedNeo4j:
		st, err := cypher.NewSharedState(ctx, store)
		if err != nil {
			return sharedState{}, err
		}
		go pruneSharedState(ctx, st, log)
		log.Info().Str("shared_state", kind).Msg("idempotency keys and rate limits are kept in Neo4j")
		return sharedState{kind: kind, idempotency: st, limiter: st, close: func() {}}, nil
	case sharedRedis:
		rs, err := redisstate.Open(ctx, cfg.RedisURL)
		if err != nil {
			return sharedState{}, fmt.Errorf("shared state: %w", err)
		}
		log.Info().Str("shared_state", kind).Str("redis", redactURL(cfg.RedisURL)).Msg("idempotency keys and rate limits are kept in Redis")
		return sharedState{kind: kind, idempotency: rs, limiter: rs, close: func() { rs.Close() }}, nil
	default:
		log.Info().Str("shared_state", sharedMemory).Msg("idempotency keys and rate limits are kept in this process only (one replica)")
		return sharedState{kind: sharedMemory, close: func() {}}, nil
	}
}

// pruneSharedState deletes expired shared-state nodes every sharedStatePrune (each replica
// does; a prune that finds nothing costs one index seek).
func pruneSharedState(ctx context.Context, st *cypher.SharedState, log zerolog.Logger) {
	t := time.NewTicker(sharedStatePrune)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for {
			n, err := st.Prune(ctx, sharedPruneBatch)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn().Err(err).Msg("prune shared state")
				}
				break
			}
			if n > 0 {
				log.Debug().Int("deleted", n).Msg("pruned expired shared state")
			}
			if n < sharedPruneBatch {
				break
			}
		}
	}
}

// timedShared times every call to a shared store: a histogram and an error counter by store
// and operation on the server's /metrics, and a "shared" entry in the response's
// Server-Timing.
type timedShared struct {
	idem graph.IdempotencyStore
	lim  graph.RateLimiter
	kind string
	dur  *prometheus.HistogramVec
	errs *prometheus.CounterVec
}

func newTimedShared(kind string, idem graph.IdempotencyStore, lim graph.RateLimiter, m *api.Metrics) (*timedShared, error) {
	t := &timedShared{idem: idem, lim: lim, kind: kind,
		dur: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "skingraph_shared_state_duration_seconds", Help: "Latency of the shared state (idempotency keys, rate limits) by store and operation.",
			Buckets: []float64{.00005, .0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"store", "operation"}),
		errs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "skingraph_shared_state_errors_total", Help: "Shared-state calls that failed, by store and operation (rate limits then fall back to the replica's own buckets; idempotent writes are refused).",
		}, []string{"store", "operation"}),
	}
	if err := m.Registry().Register(t.dur); err != nil {
		return nil, fmt.Errorf("shared state metrics: %w", err)
	}
	if err := m.Registry().Register(t.errs); err != nil {
		return nil, fmt.Errorf("shared state metrics: %w", err)
	}
	return t, nil
}

func (t *timedShared) observe(ctx context.Context, op string, start time.Time, err error) {
	d := time.Since(start)
	t.dur.WithLabelValues(t.kind, op).Observe(d.Seconds())
	if err != nil && ctx.Err() == nil {
		t.errs.WithLabelValues(t.kind, op).Inc()
	}
	api.AddTiming(ctx, "shared", d)
}

func (t *timedShared) Claim(ctx context.Context, key string, fp graph.Fingerprint, lease time.Duration) (graph.IdempotencyRecord, string, bool, error) {
	start := time.Now()
	rec, token, claimed, err := t.idem.Claim(ctx, key, fp, lease)
	t.observe(ctx, "claim", start, err)
	return rec, token, claimed, err
}

func (t *timedShared) Finish(ctx context.Context, key, token string, ans graph.IdempotentAnswer, ttl time.Duration) error {
	start := time.Now()
	err := t.idem.Finish(ctx, key, token, ans, ttl)
	t.observe(ctx, "finish", start, err)
	return err
}

func (t *timedShared) Release(ctx context.Context, key, token string) error {
	start := time.Now()
	err := t.idem.Release(ctx, key, token)
	t.observe(ctx, "release", start, err)
	return err
}

func (t *timedShared) Take(ctx context.Context, key string, l graph.Limit, n int) (graph.RateDecision, error) {
	start := time.Now()
	d, err := t.lim.Take(ctx, key, l, n)
	op := "take"
	if n == 0 {
		op = "look"
	}
	t.observe(ctx, op, start, err)
	return d, err
}
