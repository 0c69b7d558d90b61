package api

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
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
