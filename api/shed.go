package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
)

// Shedding bounds the requests the server works on at once. Beyond MaxInFlight a request
// waits at most QueueWait for a slot, then is refused with 503 and Retry-After: under
// overload the accepted requests keep their latency and the rest learn at once to come back,
// instead of queueing without bound. An admitted request's wait is its Server-Timing
// `queue` entry, never above QueueWait: a slot that frees just after the deadline (the
// timer and the slot both ready) is given back and the request refused, so the bound holds
// exactly.
type Shedding struct {
	MaxInFlight int           // 0 = no limit
	QueueWait   time.Duration // how long a request may wait for a slot
	RetryAfter  time.Duration // told to refused clients; default 1 s
}

// unshed lists the routes never shed: probes must answer under load, and the update stream
// holds its connection open by design.
var unshed = map[string]bool{"/healthz": true, "/readyz": true, "/metrics": true, "/v1/updates": true}

func shed(s Shedding) gin.HandlerFunc {
	if s.MaxInFlight <= 0 {
		return func(c *gin.Context) { c.Next() }
	}
	if s.RetryAfter < time.Second {
		s.RetryAfter = time.Second
	}
	slots := make(chan struct{}, s.MaxInFlight)
	retry := strconv.Itoa(int(s.RetryAfter / time.Second))
	refuse := func(c *gin.Context) {
		c.Header("Retry-After", retry)
		writeProblem(c, zlogNop, &Problem{Status: http.StatusServiceUnavailable, Title: "Overloaded",
			Detail: "the server is at capacity; retry after " + retry + " s"})
	}
	return func(c *gin.Context) {
		if unshed[c.FullPath()] {
			c.Next()
			return
		}
		began := time.Now()
		select {
		case slots <- struct{}{}:
		default:
			if s.QueueWait <= 0 {
				refuse(c)
				return
			}
			t := time.NewTimer(s.QueueWait)
			select {
			case slots <- struct{}{}:
				t.Stop()
			case <-t.C:
				refuse(c)
				return
			case <-c.Request.Context().Done():
				t.Stop()
				c.Abort()
				return
			}
		}
		waited := time.Since(began)
		if s.QueueWait > 0 && waited > s.QueueWait {
			<-slots
			refuse(c)
			return
		}
		AddTiming(c.Request.Context(), "queue", waited)
		defer func() { <-slots }()
		c.Next()
	}
}
