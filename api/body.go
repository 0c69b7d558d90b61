package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
)

// Bodies is how request bodies are read before a request may take an in-flight slot: within
// a deadline, within the route's size limit, at most PerKey being received at once for one
// caller, and within a memory budget for all bodies being read or held at once.
type Bodies struct {
	Timeout time.Duration // the whole body must arrive within it (default 10 s); 408 beyond
	PerKey  int           // bodies one key (or, keyless, one address) may be sending at once (default 8); 429 beyond
	Memory  int64         // bytes of bodies buffered at once, all callers (default 256 MiB); 503 beyond
}

func (b Bodies) withDefaults() Bodies {
	if b.Timeout <= 0 {
		b.Timeout = 10 * time.Second
	}
	if b.PerKey <= 0 {
		b.PerKey = 8
	}
	if b.Memory <= 0 {
		b.Memory = 256 << 20
	}
	return b
}

// uploadRoutes take files (maxUploadBody); every other body is JSON (maxBody).
var uploadRoutes = map[string]bool{"POST /v1/products": true, "POST /v1/efficacy": true}

// bodyLimit is the size limit of the route's request bodies.
func bodyLimit(c *gin.Context) int64 {
	if uploadRoutes[c.Request.Method+" "+c.FullPath()] {
		return maxUploadBody
	}
	return maxBody
}

// bodyBudget counts buffered body bytes and bodies in progress per caller.
type bodyBudget struct {
	mu     sync.Mutex
	used   int64
	perKey map[string]int
}

func (b *bodyBudget) take(key string, n int64, cfg Bodies) (ok bool, perKey bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.perKey[key] >= cfg.PerKey {
		return false, true
	}
	if b.used+n > cfg.Memory {
		return false, false
	}
	b.used += n
	b.perKey[key]++
	return true, false
}

// read says the body of key has arrived: it no longer counts against the key's bodies in
// progress (its bytes count until the request ends).
func (b *bodyBudget) read(key string) {
	b.mu.Lock()
	if b.perKey[key]--; b.perKey[key] <= 0 {
		delete(b.perKey, key)
	}
	b.mu.Unlock()
}

func (b *bodyBudget) give(n int64) {
	b.mu.Lock()
	b.used -= n
	b.mu.Unlock()
}

// readBodies reads a request's whole body, with a deadline and within the route's limit,
// into memory before the request goes on to shed (which takes the in-flight slot): a client
// that sends slowly ties up only its own connection, never a slot. Bodies on unmatched
// routes are not read (the 404/405 answers do not need them).
func readBodies(cfg Bodies, keyed bool) gin.HandlerFunc {
	cfg = cfg.withDefaults()
	budget := &bodyBudget{perKey: map[string]int{}}
	return func(c *gin.Context) {
		r := c.Request
		if r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0 || c.FullPath() == "" {
			c.Next()
			return
		}
		limit := bodyLimit(c)
		if r.ContentLength > limit {
			writeProblem(c, zlogNop, &Problem{Status: http.StatusRequestEntityTooLarge, Title: "Body too large",
				Detail: fmt.Sprintf("a body sent to %s may hold at most %d bytes", c.FullPath(), limit)})
			return
		}
		reserve := limit // unknown length (chunked): reserve the limit
		if r.ContentLength > 0 {
			reserve = r.ContentLength
		}
		key, _ := callerKey(c, keyed)
		if key == "" {
			key = "addr:" + clientAddr(r)
		}
		if ok, perKey := budget.take(key, reserve, cfg); !ok {
			c.Header("Retry-After", "1")
			if perKey {
				writeProblem(c, zlogNop, &Problem{Status: http.StatusTooManyRequests, Title: "Too many requests",
					Detail: fmt.Sprintf("this key may send at most %d request bodies at once", cfg.PerKey)})
				return
			}
			writeProblem(c, zlogNop, &Problem{Status: http.StatusServiceUnavailable, Title: "Overloaded",
				Detail: "the server is receiving too many request bodies; retry after 1 s"})
			return
		}
		defer budget.give(reserve) // the buffer lives until the request ends
		rc := http.NewResponseController(c.Writer)
		_ = rc.SetReadDeadline(time.Now().Add(cfg.Timeout)) // not supported by test recorders
		var buf bytes.Buffer
		if r.ContentLength > 0 {
			buf.Grow(int(r.ContentLength))
		}
		_, err := buf.ReadFrom(http.MaxBytesReader(c.Writer, r.Body, limit))
		_ = rc.SetReadDeadline(time.Time{})
		budget.read(key)
		if err != nil {
			var mErr *http.MaxBytesError
			switch {
			case errors.As(err, &mErr):
				writeProblem(c, zlogNop, &Problem{Status: http.StatusRequestEntityTooLarge, Title: "Body too large",
					Detail: fmt.Sprintf("a body sent to %s may hold at most %d bytes", c.FullPath(), limit)})
			case errors.Is(err, os.ErrDeadlineExceeded):
				writeProblem(c, zlogNop, &Problem{Status: http.StatusRequestTimeout, Title: "Body too slow",
					Detail: fmt.Sprintf("the request body must arrive within %s", cfg.Timeout)})
			default:
				writeProblem(c, zlogNop, &Problem{Status: http.StatusBadRequest, Title: "Unreadable body",
					Detail: "the request body could not be read"})
			}
			return
		}
		c.Set(bodyReadKey, true)
		r.Body = io.NopCloser(bytes.NewReader(buf.Bytes()))
		r.ContentLength = int64(buf.Len())
		c.Next()
	}
}

// bodyReadKey (gin context) marks a request whose body readBodies has read into memory.
const bodyReadKey = "body_read"

// closeUnread marks the connection of a request refused before its body was read to be
// closed after the answer: otherwise the server would first wait for the rest of the body
// (to reuse the connection), which a slow sender never sends.
func closeUnread(c *gin.Context) {
	if c.Request.ContentLength != 0 && !c.GetBool(bodyReadKey) {
		c.Header("Connection", "close")
	}
}
