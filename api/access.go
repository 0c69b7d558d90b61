package api

import (
	"context"
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/sharedstate"
)

// access is who may call a route.
type access int

const (
	public      access = iota // anyone, no key (health, the spec, the web pages)
	anyRole                   // any valid key: apps' reads, events and profiles
	merchandise               // merchandisers and admins: data loads
	analyse                   // analysts and admins: Cypher
	administer                // admins only
)

func (a access) allows(r auth.Role) bool {
	switch a {
	case public, anyRole:
		return true
	case merchandise:
		return r == auth.RoleMerchandiser || r == auth.RoleAdmin
	case analyse:
		return r == auth.RoleAnalyst || r == auth.RoleAdmin
	default:
		return r == auth.RoleAdmin
	}
}

func (a access) String() string {
	return [...]string{"public", "any role", "merchandiser or admin", "analyst or admin", "admin"}[a]
}

// routeAccess is the one table of who may call what, by "METHOD /route/template". A route
// missing here is admin-only (and a test fails until it is listed).
var routeAccess = map[string]access{
	"GET /":                           public, // the web pages (they call the API with the user's key)
	"HEAD /":                          public,
	"GET /ui/*file":                   public,
	"HEAD /ui/*file":                  public,
	"GET /openapi.json":               public,
	"GET /docs":                       public,
	"GET /metrics":                    administer, // scrapers send an admin key
	"GET /healthz":                    public,
	"GET /readyz":                     public,
	"GET /v1/status":                  anyRole,
	"GET /v1/products/:id":            anyRole,
	"GET /v1/products/:id/similar":    anyRole,
	"GET /v1/search":                  anyRole,
	"GET /v1/ingredients/:inci":       anyRole,
	"POST /v1/routine/check":          anyRole,
	"POST /v1/recommendations":        anyRole,
	"GET /v1/recommendations":         anyRole,
	"GET /v1/updates":                 anyRole,
	"POST /v1/events":                 anyRole,
	"PUT /v1/profiles/:id":            anyRole,
	"DELETE /v1/profiles/:id":         anyRole,
	"GET /v1/profiles/:id/export":     anyRole,
	"POST /v1/products":               merchandise,
	"POST /v1/efficacy":               merchandise,
	"POST /v1/rules":                  merchandise,
	"GET /v1/rules":                   merchandise,
	"GET /v1/rules/:id":               merchandise,
	"PUT /v1/rules/:id":               merchandise,
	"DELETE /v1/rules/:id":            merchandise,
	"POST /v1/experiments":            merchandise,
	"GET /v1/experiments":             merchandise,
	"GET /v1/experiments/:id":         merchandise,
	"PUT /v1/experiments/:id":         merchandise,
	"DELETE /v1/experiments/:id":      merchandise,
	"GET /v1/experiments/:id/results": merchandise,
	"POST /v1/cypher":                 analyse,
}

func accessOf(c *gin.Context) access {
	if a, ok := routeAccess[c.Request.Method+" "+c.FullPath()]; ok {
		return a
	}
	if c.FullPath() == "" {
		return public // no route: the 404/405 handlers answer
	}
	return administer
}

const apiKeyName = "api_key" // gin context: the caller's auth.Key

// zlogNop is for refusals that must not log each time (401, 403, 429, shed 503): under a
// flood of them the log would become the bottleneck; the access log still counts them.
var zlogNop = zerolog.Nop()

// authenticate checks the caller's key (Authorization: Bearer sg_..., or X-API-Key) against
// the ring in force (source, when set, gives it per request, so that a reloaded keys file
// applies at once), the key's role against the route, and the key's request rate (metered by
// limiter, shared by the replicas when it is). Failed logins are throttled per client
// address. A nil ring means no keys are configured: the server then listens on loopback only
// and lets every local caller through (localOnly keeps browsers' pages of other sites out).
func authenticate(ring *auth.Ring, source func() *auth.Ring, limiter graph.RateLimiter, log zerolog.Logger) gin.HandlerFunc {
	if ring == nil {
		return func(c *gin.Context) { c.Next() }
	}
	if source == nil {
		source = func() *auth.Ring { return ring }
	}
	// Keys and client addresses have buckets of their own in memory, so that a flood of
	// addresses cannot evict the keys' buckets.
	limits := newRateLimits(limiter, log, keyBuckets)
	failures := &loginThrottle{limits: newRateLimits(limiter, log, loginAddrs)}
	return func(c *gin.Context) {
		need := accessOf(c)
		if need == public {
			c.Next()
			return
		}
		token := presentedKey(c.Request)
		if token == "" {
			c.Header("WWW-Authenticate", `Bearer realm="skingraph"`)
			writeProblem(c, zlogNop, &Problem{Status: http.StatusUnauthorized, Title: "Unauthorized",
				Detail: "send an API key as 'Authorization: Bearer <key>' or 'X-API-Key: <key>'"})
			return
		}
		addr := clientAddr(c.Request)
		if wait, blocked := failures.blocked(c.Request.Context(), addr); blocked {
			c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
			writeProblem(c, zlogNop, &Problem{Status: http.StatusTooManyRequests, Title: "Too many failed logins",
				Detail: "too many invalid API keys were sent from this address; retry later"})
			return
		}
		key, err := source().Verify(token)
		if err != nil {
			failures.fail(c.Request.Context(), addr)
			c.Header("WWW-Authenticate", `Bearer realm="skingraph", error="invalid_token"`)
			writeProblem(c, zlogNop, &Problem{Status: http.StatusUnauthorized, Title: "Unauthorized",
				Detail: "the API key is not valid"})
			return
		}
		if !need.allows(key.Role) {
			writeProblem(c, zlogNop, &Problem{Status: http.StatusForbidden, Title: "Forbidden",
				Detail: fmt.Sprintf("a %s key may not call %s %s; it needs %s", key.Role, c.Request.Method, c.FullPath(), need)})
			return
		}
		if wait, ok := limits.allow(c.Request.Context(), key); !ok {
			secs := int(math.Ceil(wait.Seconds()))
			if secs < 1 {
				secs = 1
			}
			c.Header("Retry-After", strconv.Itoa(secs))
			writeProblem(c, zlogNop, &Problem{Status: http.StatusTooManyRequests, Title: "Too many requests",
				Detail: fmt.Sprintf("this key may send %.0f requests per second (burst %d); retry in %d s", key.Rate, key.Burst, secs)})
			return
		}
		c.Set(apiKeyName, key)
		c.Next()
	}
}

// clientAddr is the address of the peer (never a forwarded header, which a client can
// forge).
func clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginThrottle counts failed logins per client address: loginFailures in a burst, then one
// more every loginFailEvery; beyond, keys from that address are not even checked (429).
type loginThrottle struct {
	limits *rateLimits
}

const (
	loginFailures  = 30
	loginFailEvery = 2 * time.Second
	loginAddrs     = 10_000 // addresses remembered in memory (least recently failed forgotten first)
	keyBuckets     = 100_000
)

var loginLimit = graph.Limit{Rate: float64(time.Second) / float64(loginFailEvery), Burst: loginFailures}

func (t *loginThrottle) blocked(ctx context.Context, addr string) (time.Duration, bool) {
	d := t.limits.take(ctx, "login:"+addr, loginLimit, 0)
	if d.Remaining >= 1 {
		return 0, false
	}
	return d.RetryAfter, true
}

func (t *loginThrottle) fail(ctx context.Context, addr string) {
	t.limits.take(ctx, "login:"+addr, loginLimit, 1)
}

func presentedKey(r *http.Request) string {
	if _, given := r.Header["Authorization"]; given { // given but empty or not Bearer: no key (401), not the X-API-Key
		h := r.Header.Get("Authorization")
		if tok, ok := strings.CutPrefix(h, "Bearer "); ok {
			return strings.TrimSpace(tok)
		}
		return ""
	}
	return strings.TrimSpace(r.Header.Get("X-API-Key"))
}

// rateLimits meters the keys' requests and the failed logins through a graph.RateLimiter:
// this process's memory by default, or a store the replicas share. When a shared store
// fails, the request is metered by this process's own buckets instead (fail open to the
// per-replica limit, the behaviour of a single process): an outage of Redis or Neo4j then
// loosens the limits by the number of replicas rather than refusing every request or
// lifting the limits altogether. The failures are logged at most once a second.
type rateLimits struct {
	shared   graph.RateLimiter
	local    *sharedstate.MemoryLimiter
	log      zerolog.Logger
	lastWarn atomic.Int64 // unix nanoseconds of the last logged failure
}

func newRateLimits(limiter graph.RateLimiter, log zerolog.Logger, buckets int) *rateLimits {
	l := &rateLimits{local: sharedstate.NewMemoryLimiter(buckets), log: log}
	l.shared = limiter
	if l.shared == nil {
		l.shared = l.local
	}
	return l
}

// take takes n tokens for key (n = 0 only looks), falling back to the local buckets when the
// shared store fails.
func (l *rateLimits) take(ctx context.Context, key string, limit graph.Limit, n int) graph.RateDecision {
	d, err := l.shared.Take(ctx, key, limit, n)
	if err == nil {
		return d
	}
	now := time.Now().UnixNano()
	if last := l.lastWarn.Load(); ctx.Err() == nil && now-last > int64(time.Second) && l.lastWarn.CompareAndSwap(last, now) {
		l.log.Warn().Err(err).Msg("shared rate limiter unavailable: metering with this replica's own buckets")
	}
	d, _ = l.local.Take(ctx, key, limit, n)
	return d
}

// allow takes a token for key, or says how long until one is free.
func (l *rateLimits) allow(ctx context.Context, key auth.Key) (time.Duration, bool) {
	d := l.take(ctx, "key:"+key.ID, graph.Limit{Rate: key.Rate, Burst: key.Burst}, 1)
	return d.RetryAfter, d.Allowed
}
