package api

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// healthz says the process is alive; it does not touch Neo4j.
func (h *handlers) healthz(c *gin.Context) error {
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"status": "ok", "version": h.d.Version})
	return nil
}

// breaker is implemented by a Health whose calls go through a circuit breaker.
type breaker interface {
	// BreakerState is "closed", "open" or "half-open".
	BreakerState() string
}

// readyCacheFor is how long one answer of /readyz (which needs no key) is reused: a flood of
// probes costs at most one pair of Neo4j queries a second.
const readyCacheFor = time.Second

// readiness caches the checks of /readyz. Callers that arrive while a check runs wait for it
// and share its answer (the mutex is held across the check), like a singleflight.
type readiness struct {
	mu     sync.Mutex
	at     time.Time
	ready  bool
	checks gin.H
	runs   int // how many checks ran (tests)
}

// readyz says whether the service can answer: Neo4j reachable and the schema applied.
func (h *handlers) readyz(c *gin.Context) error {
	r := h.ready
	r.mu.Lock()
	if r.checks == nil || time.Since(r.at) >= readyCacheFor {
		// The check runs for everyone waiting, so it does not end with the first caller.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 2*time.Second)
		r.ready, r.checks = h.readyChecks(ctx)
		cancel()
		r.at = time.Now()
		r.runs++
	}
	ready, checks := r.ready, r.checks
	r.mu.Unlock()
	c.Header("Cache-Control", "no-store")
	if !ready {
		return &Problem{Status: http.StatusServiceUnavailable, Title: "Not ready",
			Detail: describe(checks)}
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": checks})
	return nil
}

// readyChecks asks Neo4j, its circuit breaker and the projection whether they can serve.
func (h *handlers) readyChecks(ctx context.Context) (bool, gin.H) {
	checks := gin.H{}
	ready := true
	if b, ok := h.d.Health.(breaker); ok && b.BreakerState() != "" {
		checks["neo4j_circuit"] = b.BreakerState()
	}
	if err := h.d.Health.Ping(ctx); err != nil {
		checks["neo4j"] = "unreachable"
		ready = false
	} else {
		checks["neo4j"] = "ok"
		ok, err := h.d.Health.SchemaReady(ctx)
		switch {
		case err != nil:
			checks["schema"] = "unknown"
			ready = false
		case !ok:
			checks["schema"] = "not applied"
			ready = false
		default:
			checks["schema"] = "ok"
		}
	}
	if h.d.Recommender != nil {
		if st := h.d.Recommender.Stats(); st.BuiltAt.IsZero() {
			checks["projection"] = "building"
			ready = false
		} else {
			checks["projection"] = "ok"
		}
	}
	return ready, checks
}

func describe(checks gin.H) string {
	s := ""
	for _, k := range []string{"neo4j", "neo4j_circuit", "schema", "projection"} {
		if v, ok := checks[k]; ok {
			if s != "" {
				s += ", "
			}
			s += k + ": " + v.(string)
		}
	}
	return s
}
