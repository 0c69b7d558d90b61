package api

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/hashicorp/golang-lru/v2/expirable"

	"github.com/skingraph/skingraph/api/auth"
)

// Idempotency-Key (draft-ietf-httpapi-idempotency-key-header): a client that retries a write
// with the same key gets the first answer again instead of a second write. Keys are scoped by
// API key and route, kept in memory for idempotencyTTL (lost on restart: the writes
// themselves are idempotent by content, so a retry after a restart changes nothing either).
//
// The store is bounded in entries and in bytes: an answer over idempotencyMaxAnswer is not
// kept (a retry runs again, which the content-idempotent writes allow), and when the kept
// answers pass idempotencyBytes in all, the oldest are dropped.
const (
	idempotencyTTL       = 24 * time.Hour
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

// savedResponse is the first answer to one Idempotency-Key; done is closed once it is known.
type savedResponse struct {
	fingerprint [sha256.Size]byte
	done        chan struct{}
	status      int
	contentType string
	body        []byte
	size        int64 // bytes counted against the store's bound
}

type idempotencyStore struct {
	mu       sync.Mutex
	entries  *expirable.LRU[string, *savedResponse]
	bytes    atomic.Int64 // bytes of the kept answers (bodies and the keys)
	maxBytes int64
	maxEntry int
}

func newIdempotencyStore() *idempotencyStore {
	return newIdempotencyStoreSized(idempotencyEntries, idempotencyBytes, idempotencyMaxAnswer)
}

func newIdempotencyStoreSized(entries int, maxBytes int64, maxAnswer int) *idempotencyStore {
	s := &idempotencyStore{maxBytes: maxBytes, maxEntry: maxAnswer}
	s.entries = expirable.NewLRU[string, *savedResponse](entries, func(k string, v *savedResponse) {
		s.bytes.Add(-v.size)
	}, idempotencyTTL)
	return s
}

// Bytes is the size of the answers the store keeps.
func (s *idempotencyStore) Bytes() int64 { return s.bytes.Load() }

// Len is the number of answers (and requests in progress) the store keeps.
func (s *idempotencyStore) Len() int { return s.entries.Len() }

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

func idempotency(store *idempotencyStore) gin.HandlerFunc {
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
		var fp [sha256.Size]byte
		copy(fp[:], h.Sum(nil))
		scope := ""
		if k, ok := c.Get(apiKeyName); ok {
			scope = k.(auth.Key).ID
		}
		id := scope + "\x00" + c.Request.Method + " " + c.FullPath() + "\x00" + key

		mine := &savedResponse{fingerprint: fp, done: make(chan struct{})}
		store.mu.Lock()
		prev, found := store.entries.Get(id)
		if !found {
			store.entries.Add(id, mine)
		}
		store.mu.Unlock()
		if found {
			replay(c, prev, fp)
			return
		}
		cw := &captureWriter{ResponseWriter: c.Writer, limit: store.maxEntry}
		c.Writer = cw
		c.Next()
		mine.status, mine.contentType, mine.body = cw.Status(), cw.Header().Get("Content-Type"), bytes.Clone(cw.buf.Bytes())
		close(mine.done)
		store.mu.Lock()
		defer store.mu.Unlock()
		if mine.status >= 500 || cw.over {
			// A failure may be retried with the same key; an answer too long to keep is
			// produced again by a retry (the writes are idempotent by content).
			store.entries.Remove(id)
			return
		}
		size := int64(len(mine.body) + len(id) + len(mine.contentType) + 128)
		if cur, ok := store.entries.Peek(id); !ok || cur != mine {
			return // expired or evicted while it ran
		}
		mine.size = size
		store.bytes.Add(size)
		for store.bytes.Load() > store.maxBytes && store.entries.Len() > 1 {
			if _, _, ok := store.entries.RemoveOldest(); !ok {
				break
			}
		}
	}
}

// replay answers a repeated Idempotency-Key: the first answer when the request is the same,
// 409 while the first is still running, 422 when the key is reused for another request.
func replay(c *gin.Context, prev *savedResponse, fp [sha256.Size]byte) {
	if prev.fingerprint != fp {
		writeProblem(c, zlogNop, &Problem{Status: http.StatusUnprocessableEntity, Title: "Idempotency-Key reused",
			Detail: "this Idempotency-Key was used for a different request; use a new key for a new request",
			Errors: []FieldIssue{{Field: "Idempotency-Key", Message: "already used with another body or query"}}})
		return
	}
	select {
	case <-prev.done:
	default:
		writeProblem(c, zlogNop, &Problem{Status: http.StatusConflict, Title: "Request in progress",
			Detail: "a request with this Idempotency-Key is still being processed; retry shortly"})
		return
	}
	c.Header("Idempotent-Replayed", "true")
	c.Data(prev.status, prev.contentType, prev.body)
	c.Abort()
}
