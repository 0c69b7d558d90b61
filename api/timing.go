package api

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// timing collects one request's Server-Timing entries (cache, rank, neo4j); handlers and the
// Neo4j decorators add to it through the request context, and the observe middleware writes
// the header, with total, just before the response headers go out.
type timing struct {
	start   time.Time
	mu      sync.Mutex
	entries []timingEntry
}

type timingEntry struct {
	name, desc string
	dur        time.Duration
	hasDur     bool
}

type timingKey struct{}

// AddTiming adds d to the Server-Timing entry name of the request that ctx belongs to
// (several calls to one name add up); outside a request it does nothing.
func AddTiming(ctx context.Context, name string, d time.Duration) {
	if t, ok := ctx.Value(timingKey{}).(*timing); ok {
		t.add(name, "", d, true)
	}
}

// describeTiming sets the description of entry name (e.g. cache;desc=hit).
func describeTiming(ctx context.Context, name, desc string) {
	if t, ok := ctx.Value(timingKey{}).(*timing); ok {
		t.add(name, desc, 0, false)
	}
}

func (t *timing) add(name, desc string, d time.Duration, hasDur bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := range t.entries {
		if e := &t.entries[i]; e.name == name {
			e.dur += d
			e.hasDur = e.hasDur || hasDur
			if desc != "" {
				e.desc = desc
			}
			return
		}
	}
	t.entries = append(t.entries, timingEntry{name: name, desc: desc, dur: d, hasDur: hasDur})
}

// header renders the entries and total, durations in milliseconds (RFC: Server Timing).
func (t *timing) header() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var b strings.Builder
	for _, e := range t.entries {
		b.WriteString(e.name)
		if e.hasDur {
			b.WriteString(";dur=")
			b.WriteString(ms(e.dur))
		}
		if e.desc != "" {
			b.WriteString(";desc=")
			b.WriteString(e.desc)
		}
		b.WriteString(", ")
	}
	b.WriteString("total;dur=")
	b.WriteString(ms(time.Since(t.start)))
	return b.String()
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Nanoseconds())/1e6, 'f', 3, 64)
}

// timingWriter sets Server-Timing on the first write of the headers.
type timingWriter struct {
	gin.ResponseWriter
	t    *timing
	done bool
}

func (w *timingWriter) stamp() {
	if !w.done {
		w.done = true
		if !w.ResponseWriter.Written() {
			w.Header().Set("Server-Timing", w.t.header())
		}
	}
}

func (w *timingWriter) WriteHeaderNow() { w.stamp(); w.ResponseWriter.WriteHeaderNow() }

func (w *timingWriter) Write(b []byte) (int, error) { w.stamp(); return w.ResponseWriter.Write(b) }

func (w *timingWriter) WriteString(s string) (int, error) {
	w.stamp()
	return w.ResponseWriter.WriteString(s)
}

func (w *timingWriter) Flush() { w.stamp(); w.ResponseWriter.Flush() }

// Unwrap lets http.ResponseController reach the connection (read and write deadlines).
func (w *timingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// observe times every request: Server-Timing on the response, the HTTP latency histogram
// and the request and error counters by route template.
func observe(m *Metrics) gin.HandlerFunc {
	return func(c *gin.Context) {
		t := &timing{start: time.Now()}
		c.Request = c.Request.WithContext(context.WithValue(c.Request.Context(), timingKey{}, t))
		tw := &timingWriter{ResponseWriter: c.Writer, t: t}
		c.Writer = tw
		c.Next()
		tw.stamp() // a response without a body (304, 204) has not written its headers yet
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		m.observeHTTP(c.Request.Method, route, c.Writer.Status(), time.Since(t.start))
	}
}
