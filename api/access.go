package api

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/rs/zerolog"
	"golang.org/x/time/rate"

	"github.com/skingraph/skingraph/api/auth"
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
// applies at once), the key's role against the route, and the key's request rate. Failed
// logins are throttled per client address. A nil ring means no keys are configured: the
// server then listens on loopback only and lets every local caller through (localOnly keeps
// browsers' pages of other sites out).
func authenticate(ring *auth.Ring, source func() *auth.Ring) gin.HandlerFunc {
	if ring == nil {
		return func(c *gin.Context) { c.Next() }
	}
	if source == nil {
		source = func() *auth.Ring { return ring }
	}
	limits := newRateLimits()
	failures := newLoginThrottle()
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
		if wait, blocked := failures.blocked(addr); blocked {
			c.Header("Retry-After", strconv.Itoa(max(1, int(math.Ceil(wait.Seconds())))))
			writeProblem(c, zlogNop, &Problem{Status: http.StatusTooManyRequests, Title: "Too many failed logins",
				Detail: "too many invalid API keys were sent from this address; retry later"})
			return
		}
		key, err := source().Verify(token)
		if err != nil {
			failures.fail(addr)
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
		if wait, ok := limits.allow(key); !ok {
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
	addrs *lru.Cache[string, *rate.Limiter]
}

const (
	loginFailures  = 30
	loginFailEvery = 2 * time.Second
	loginAddrs     = 10_000 // addresses remembered (least recently failed forgotten first)
)

func newLoginThrottle() *loginThrottle {
	c, _ := lru.New[string, *rate.Limiter](loginAddrs)
	return &loginThrottle{addrs: c}
}

func (t *loginThrottle) blocked(addr string) (time.Duration, bool) {
	lim, ok := t.addrs.Peek(addr)
	if !ok || lim.Tokens() >= 1 {
		return 0, false
	}
	r := lim.Reserve()
	d := r.Delay()
	r.Cancel()
	return d, true
}

func (t *loginThrottle) fail(addr string) {
	lim, ok := t.addrs.Get(addr)
	if !ok {
		lim = rate.NewLimiter(rate.Every(loginFailEvery), loginFailures)
		t.addrs.Add(addr, lim)
	}
	lim.Allow()
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

// rateLimits holds one token bucket per key, made at the key's first request (keys may be
// added by a reload) and made again when a reload changes the key's rate.
type rateLimits struct {
	mu  sync.Mutex
	per map[string]*keyLimiter
}

type keyLimiter struct {
	rate  float64
	burst int
	lim   *rate.Limiter
}

func newRateLimits() *rateLimits {
	return &rateLimits{per: map[string]*keyLimiter{}}
}

// allow takes a token for key, or says how long until one is free.
func (l *rateLimits) allow(key auth.Key) (time.Duration, bool) {
	l.mu.Lock()
	kl := l.per[key.ID]
	if kl == nil || kl.rate != key.Rate || kl.burst != key.Burst {
		kl = &keyLimiter{rate: key.Rate, burst: key.Burst, lim: rate.NewLimiter(rate.Limit(key.Rate), key.Burst)}
		l.per[key.ID] = kl
	}
	l.mu.Unlock()
	r := kl.lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return d, false
	}
	return 0, true
}
