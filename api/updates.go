package api

import (
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
)

// Updates tells subscribers when the data version changes (the ranker engine implements it).
type Updates interface {
	// Subscribe returns a channel of new data versions (only the newest when the reader is
	// slow) and a function to unsubscribe.
	Subscribe() (<-chan graph.DataVersion, func())
}

// Streams bounds the update streams (GET /v1/updates) open at once.
type Streams struct {
	PerKey int // streams one key (keyless: one address) may hold open; default 4
	Total  int // streams open at once, all callers; default 256
}

// streamLimit counts open streams per caller.
type streamLimit struct {
	cfg    Streams
	mu     sync.Mutex
	total  int
	perKey map[string]int
}

func newStreamLimit(cfg Streams) *streamLimit {
	if cfg.PerKey <= 0 {
		cfg.PerKey = 4
	}
	if cfg.Total <= 0 {
		cfg.Total = 256
	}
	return &streamLimit{cfg: cfg, perKey: map[string]int{}}
}

// open counts one more stream for key, or says why it may not (a problem to answer).
func (l *streamLimit) open(key string) *Problem {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case l.perKey[key] >= l.cfg.PerKey:
		return &Problem{Status: http.StatusTooManyRequests, Title: "Too many streams",
			Detail: fmt.Sprintf("a key may hold at most %d update streams open; close one first", l.cfg.PerKey)}
	case l.total >= l.cfg.Total:
		return &Problem{Status: http.StatusServiceUnavailable, Title: "Too many streams",
			Detail: "the server holds as many update streams as it may; retry later"}
	}
	l.total++
	l.perKey[key]++
	return nil
}

func (l *streamLimit) close(key string) {
	l.mu.Lock()
	l.total--
	if l.perKey[key]--; l.perKey[key] <= 0 {
		delete(l.perKey, key)
	}
	l.mu.Unlock()
}

// heartbeat is how often an idle update stream sends a comment, so that proxies keep it open
// and clients notice a dead connection.
var heartbeat = 15 * time.Second

// updates answers GET /v1/updates with a Server-Sent Events stream: one "data_version" event
// at once with the current version, then one each time the version changes (after the cache
// was warmed for the most asked requests), so apps refresh only when something changed. The
// event id is the data version: a client reconnecting with Last-Event-ID equal to the current
// version is not told again.
func (h *handlers) updates(c *gin.Context) error {
	if h.d.Updates == nil || h.d.Recommender == nil {
		return &Problem{Status: http.StatusNotImplemented, Title: "Not implemented", Detail: "update streams are not enabled on this server"}
	}
	key, _ := callerKey(c, true) // keyless: counted per address too
	if p := h.streams.open(key); p != nil {
		c.Header("Retry-After", "5")
		return p
	}
	defer h.streams.close(key)
	ch, unsubscribe := h.d.Updates.Subscribe()
	defer unsubscribe()
	// The stream outlives the server's write timeout by design.
	_ = http.NewResponseController(c.Writer).SetWriteDeadline(time.Time{})
	c.Header("Content-Type", "text/event-stream")
	c.Header("Cache-Control", "no-store")
	c.Header("X-Accel-Buffering", "no")
	c.Status(http.StatusOK)

	send := func(v graph.DataVersion) error {
		_, err := fmt.Fprintf(c.Writer, "id: %d\nevent: data_version\ndata: {\"data_version\":%d,\"at\":%q}\n\n",
			v.N, v.N, time.Now().UTC().Format(time.RFC3339Nano))
		c.Writer.Flush()
		return err
	}
	if _, err := fmt.Fprint(c.Writer, "retry: 5000\n\n"); err != nil {
		return nil
	}
	last := c.GetHeader("Last-Event-ID")
	if cur := h.d.Recommender.Stats().Version; fmt.Sprint(cur.N) != last {
		if err := send(cur); err != nil {
			return nil
		}
	} else {
		c.Writer.Flush()
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-c.Request.Context().Done():
			return nil
		case <-h.d.Stop:
			return nil
		case v := <-ch:
			if err := send(v); err != nil {
				return nil
			}
		case <-tick.C:
			if _, err := fmt.Fprint(c.Writer, ": keep-alive\n\n"); err != nil {
				return nil
			}
			c.Writer.Flush()
		}
	}
}
