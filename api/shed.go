package api

import (
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/api/auth"
)

// Shedding bounds the requests the server works on at once. Beyond MaxInFlight a request
// waits at most QueueWait for a slot, then is refused with 503 and Retry-After: under
// overload the accepted requests keep their latency and the rest learn at once to come back,
// instead of queueing without bound. An admitted request's wait is its Server-Timing
// `queue` entry, never above QueueWait: a slot that frees just after the deadline is given
// back and the request refused, so the bound holds exactly.
//
// Slots are shared fairly between keys: one key holds at most KeyShare of them (default
// half of MaxInFlight, at least 1), so that a key sending slow queries cannot take the
// server from the others, and the last slot is kept for admin keys when MaxInFlight is 4
// or more (an operator can always reach the server). Keyless servers (one local user) give
// every slot to every caller. The body of a request has been read before it asks for a slot
// (readBodies), so a slow sender holds no slot while it sends.
type Shedding struct {
	MaxInFlight int           // 0 = no limit
	QueueWait   time.Duration // how long a request may wait for a slot
	RetryAfter  time.Duration // told to refused clients; default 1 s
	KeyShare    int           // slots one key may hold at once; 0 = MaxInFlight/2 (at least 1)
}

// unshed lists the routes never shed: probes must answer under load, and the update stream
// holds its connection open by design (it is bounded per key by streamLimits instead).
var unshed = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/v1/updates": true}

// slotPool is MaxInFlight slots with a per-key share; waiters are woken when a slot frees.
type slotPool struct {
	mu      sync.Mutex
	max     int
	share   int
	reserve int // slots only admin keys may take
	used    int
	perKey  map[string]int
	freed   chan struct{} // closed (and replaced) each time a slot is given back
}

func newSlotPool(s Shedding) *slotPool {
	share := s.KeyShare
	if share <= 0 {
		share = max(1, s.MaxInFlight/2)
	}
	reserve := 0
	if s.MaxInFlight >= 4 {
		reserve = 1
	}
	return &slotPool{max: s.MaxInFlight, share: min(share, s.MaxInFlight), reserve: reserve,
		perKey: map[string]int{}, freed: make(chan struct{})}
}

// tryTake takes a slot for key (""= keyless: no share applies) or returns the channel that
// is closed when a slot next frees.
func (p *slotPool) tryTake(key string, admin bool) (bool, <-chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	limit := p.max
	if !admin {
		limit -= p.reserve
	}
	if key == "" {
		limit = p.max
	}
	if p.used >= limit || (key != "" && p.perKey[key] >= p.share) {
		return false, p.freed
	}
	p.used++
	if key != "" {
		p.perKey[key]++
	}
	return true, nil
}

func (p *slotPool) give(key string) {
	p.mu.Lock()
	p.used--
	if key != "" {
		if p.perKey[key]--; p.perKey[key] <= 0 {
			delete(p.perKey, key)
		}
	}
	close(p.freed)
	p.freed = make(chan struct{})
	p.mu.Unlock()
}

// callerKey is what a caller's share is counted under: the id of its API key, or on a keyed
// server its address for the public routes (pages, docs), and "" on a keyless server (one
// local user, no share); admin says whether it is an admin key.
func callerKey(c *gin.Context, keyed bool) (string, bool) {
	if k, ok := c.Get(apiKeyName); ok {
		key := k.(auth.Key)
		return "key:" + key.ID, key.Role == auth.RoleAdmin
	}
	if keyed {
		return "addr:" + clientAddr(c.Request), false
	}
	return "", false
}

// shed admits requests into the slots of s; keyed says whether the server checks API keys.
func shed(s Shedding, keyed bool) gin.HandlerFunc {
	if s.MaxInFlight <= 0 {
		return func(c *gin.Context) { c.Next() }
	}
	if s.RetryAfter < time.Second {
		s.RetryAfter = time.Second
	}
	pool := newSlotPool(s)
	retry := strconv.Itoa(int(s.RetryAfter / time.Second))
	refuse := func(c *gin.Context) {
		c.Header("Retry-After", retry)
		writeProblem(c, zlogNop, &Problem{Status: http.StatusServiceUnavailable, Title: "Overloaded",
			Detail: "the server (or this key's share of it) is at capacity; retry after " + retry + " s"})
	}
	return func(c *gin.Context) {
		if unshed[c.FullPath()] {
			c.Next()
			return
		}
		key, admin := callerKey(c, keyed)
		began := time.Now()
		var deadline <-chan time.Time
		for {
			ok, freed := pool.tryTake(key, admin)
			if ok {
				break
			}
			if s.QueueWait <= 0 {
				refuse(c)
				return
			}
			if deadline == nil {
				t := time.NewTimer(s.QueueWait)
				defer t.Stop()
				deadline = t.C
			}
			select {
			case <-freed:
			case <-deadline:
				refuse(c)
				return
			case <-c.Request.Context().Done():
				c.Abort()
				return
			}
		}
		waited := time.Since(began)
		if s.QueueWait > 0 && waited > s.QueueWait {
			pool.give(key)
			refuse(c)
			return
		}
		AddTiming(c.Request.Context(), "queue", waited)
		defer pool.give(key)
		c.Next()
	}
}
