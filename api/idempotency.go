package api

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/sharedstate"
)

// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a client that retries a write
// with the same key gets the first answer again instead of a second write. Keys are scoped by
// API key and route and kept for idempotencyTTL in a graph.IdempotencyStore: this process's
// memory by default (lost on restart: the writes themselves are idempotent by content, so a
// retry after a restart changes nothing either), Neo4j or Redis when replicas share them
// (docs/SCALING.md). A request claims its key for idempotencyLease, longer than any request
// may run (the server's write timeout), so that a replica that dies mid-request does not
// block the key for a day.
//
// An answer over idempotencyMaxAnswer is not kept (a retry runs again, which the
// content-idempotent writes allow); the memory store is also bounded in entries and bytes.
// When the store cannot be reached the request is refused (503) rather than run unguarded:
// the server cannot tell whether the key was used.
const (
	idempotencyTTL       = 24 * time.Hour
	idempotencyLease     = 5 * time.Minute
	idempotencyEntries   = 10_000
	idempotencyMaxAnswer = 64 << 10
	idempotencyBytes     = 32 << 20
)

// idempotent lists the routes that honour Idempotency-Key.
var idempotent = map[string]bool{
	"POST /v1/products": true,
	"POST /v1/efficacy": true,
	"POST /v1/events":   true,
}

// newIdempotencyStore is the default store: this process's memory.
func newIdempotencyStore() *sharedstate.Memory {
	return sharedstate.NewMemoryIdempotency(idempotencyEntries, idempotencyBytes, idempotencyTTL)
}

// captureWriter keeps a copy of what the handler writes, up to limit bytes; over is set
// when the answer was longer (it is then not kept).
type captureWriter struct {
	gin.ResponseWriter
	buf   bytes.Buffer
	limit int
	over  bool
}

func (w *captureWriter) keep(n int) bool {
	if w.over || w.buf.Len()+n > w.limit {
		w.over = true
		w.buf = bytes.Buffer{}
		return false
	}
	return true
}

// Unwrap lets http.ResponseController reach the connection.
func (w *captureWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *captureWriter) Write(b []byte) (int, error) {
	if w.keep(len(b)) {
		w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

func (w *captureWriter) WriteString(s string) (int, error) {
	if w.keep(len(s)) {
		w.buf.WriteString(s)
	}
	return w.ResponseWriter.WriteString(s)
}

func idempotency(store graph.IdempotencyStore, log zerolog.Logger) gin.HandlerFunc {
	unavailable := func(c *gin.Context, op string, err error) {
		log.Error().Err(err).Str("request_id", c.GetString(requestIDKey)).Str("op", op).Msg("idempotency store unavailable")
		writeProblem(c, zlogNop, &Problem{Status: http.StatusServiceUnavailable, Title: "Service unavailable",
			Detail: "the store of Idempotency-Keys cannot be reached, so the request was not run; retry later"})
	}
	return func(c *gin.Context) {
		key := c.GetHeader("Idempotency-Key")
		_, given := c.Request.Header["Idempotency-Key"]
		if !given || !idempotent[c.Request.Method+" "+c.FullPath()] {
			c.Next()
			return
		}
		if !validRequestID(key) {
			writeProblem(c, zlogNop, &Problem{Status: http.StatusBadRequest, Title: "Invalid Idempotency-Key",
				Errors: []FieldIssue{{Field: "Idempotency-Key", Message: `must be 1 to 128 visible ASCII characters other than " and \`}}})
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxUploadBody))
		if err != nil {
			var mErr *http.MaxBytesError
			if errors.As(err, &mErr) {
				writeProblem(c, zlogNop, &Problem{Status: http.StatusRequestEntityTooLarge, Title: "Body too large",
					Detail: fmt.Sprintf("a request body may hold at most %d bytes", maxUploadBody)})
				return
			}
			writeProblem(c, zlogNop, &Problem{Status: http.StatusBadRequest, Title: "Unreadable body", Detail: "the request body could not be read"})
			return
		}
		c.Request.Body = io.NopCloser(bytes.NewReader(body))
		h := sha256.New()
		fmt.Fprintf(h, "%s\n%s\n%s\n", c.Request.URL.RawQuery, c.ContentType(), c.GetHeader("Accept"))
		h.Write(body)
		var fp graph.Fingerprint
		copy(fp[:], h.Sum(nil))
		scope := ""
		if k, ok := c.Get(apiKeyName); ok {
			scope = k.(auth.Key).ID
		}
		id := scope + "\x00" + c.Request.Method + " " + c.FullPath() + "\x00" + key

		ctx := c.Request.Context()
		prev, token, claimed, err := store.Claim(ctx, id, fp, idempotencyLease)
		if err != nil {
			unavailable(c, "claim", err)
			return
		}
		if !claimed {
			replay(c, prev, fp)
			return
		}
		cw := &captureWriter{ResponseWriter: c.Writer, limit: idempotencyMaxAnswer}
		c.Writer = cw
		// The answer is sent: keep it even when the client has gone.
		ctx = context.WithoutCancel(ctx)
		settled := false
		defer func() {
			if !settled { // the handler panicked (recoverer answers 500): a retry may run
				if err := store.Release(ctx, id, token); err != nil {
					log.Error().Err(err).Str("request_id", c.GetString(requestIDKey)).Msg("idempotency store: release a key")
				}
			}
		}()
		c.Next()
		settled = true
		status := cw.Status()
		if status >= 500 || cw.over {
			// A failure may be retried with the same key; an answer too long to keep is
			// produced again by a retry (the writes are idempotent by content).
			if err := store.Release(ctx, id, token); err != nil {
				log.Error().Err(err).Str("request_id", c.GetString(requestIDKey)).Msg("idempotency store: release a key")
			}
			return
		}
		ans := graph.IdempotentAnswer{Status: status, ContentType: cw.Header().Get("Content-Type"), Body: bytes.Clone(cw.buf.Bytes())}
		if err := store.Finish(ctx, id, token, ans, idempotencyTTL); err != nil {
			log.Error().Err(err).Str("request_id", c.GetString(requestIDKey)).Msg("idempotency store: keep an answer")
		}
	}
}

// replay answers a repeated Idempotency-Key: the first answer when the request is the same,
// 409 while the first is still running, 422 when the key is reused for another request.
func replay(c *gin.Context, prev graph.IdempotencyRecord, fp graph.Fingerprint) {
	if prev.Fingerprint != fp {
		writeProblem(c, zlogNop, &Problem{Status: http.StatusUnprocessableEntity, Title: "Idempotency-Key reused",
			Detail: "this Idempotency-Key was used for a different request; use a new key for a new request",
			Errors: []FieldIssue{{Field: "Idempotency-Key", Message: "already used with another body or query"}}})
		return
	}
	if !prev.Done {
		writeProblem(c, zlogNop, &Problem{Status: http.StatusConflict, Title: "Request in progress",
			Detail: "a request with this Idempotency-Key is still being processed; retry shortly"})
		return
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(prev.Answer.Status, prev.Answer.ContentType, prev.Answer.Body)
	c.Abort()
}
