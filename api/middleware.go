package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
)

const requestIDKey = "request_id"

// requestID takes a well-formed X-Request-ID from the client or makes one, and echoes it.
func requestID() gin.HandlerFunc {
	return func(c *gin.Context) {
		id := c.GetHeader("X-Request-ID")
		if !validRequestID(id) {
			id = newRequestID()
		}
		c.Set(requestIDKey, id)
		c.Header("X-Request-ID", id)
		c.Next()
	}
}

// validRequestID accepts 1-128 visible ASCII characters without spaces or quotes.
func validRequestID(id string) bool {
	if id == "" || len(id) > 128 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if b := id[i]; b <= ' ' || b > '~' || b == '"' || b == '\\' {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// accessLog writes one line per request: route template (never the raw query, which can hold
// a skin profile), status, size and duration.
func accessLog(log zerolog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "unmatched"
		}
		status := c.Writer.Status()
		ev := log.Info()
		if status >= 500 {
			ev = log.Warn()
		}
		if k, ok := c.Get(apiKeyName); ok {
			ev = ev.Str("key", k.(auth.Key).Name) // the key's name, never the key
		}
		ev.Str("request_id", c.GetString(requestIDKey)).
			Str("method", c.Request.Method).
			Str("route", route).
			Int("status", status).
			Int("bytes", c.Writer.Size()).
			Dur("duration", time.Since(start)).
			Msg("http request")
	}
}

// recoverer turns a panic into a 500 problem and logs it with the request id.
func recoverer(log zerolog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				writeProblem(c, log, fmt.Errorf("panic: %v", v))
			}
		}()
		c.Next()
	}
}

// Content security policies: the API's answers are data (nothing to run); the docs page has
// an inline style sheet; the web pages load their script and styles from /ui/ and call the
// API on the same origin. None may be framed.
const (
	cspAPI   = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	cspDocs  = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
	cspPages = "default-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)

// securityHeaders sets the headers every answer carries: nosniff, no framing, no referrer,
// a content security policy, and on a keyed server Vary on the headers that carry the key
// (an answer for one key must never be served from a cache to another).
func securityHeaders(keyed bool) gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		switch p := c.FullPath(); {
		case p == "/docs":
			h.Set("Content-Security-Policy", cspDocs)
		case p == "/" || strings.HasPrefix(p, "/ui/"):
			h.Set("Content-Security-Policy", cspPages)
		default:
			h.Set("Content-Security-Policy", cspAPI)
		}
		if keyed {
			h.Add("Vary", "Authorization, X-API-Key")
		}
		c.Next()
	}
}

// privateCache marks a keyed (or local) answer cacheable by the client only, for maxAge
// seconds: never by a shared cache, which would hand one key's answer to another caller.
func privateCache(c *gin.Context, maxAge int, extra ...string) {
	v := "private, max-age=" + strconv.Itoa(maxAge)
	for _, e := range extra {
		v += ", " + e
	}
	c.Header("Cache-Control", v)
}
