package api

import (
	"fmt"
	"net/http"
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
