// Package sharedstate holds the in-memory implementations of graph.IdempotencyStore and
// graph.RateLimiter: the state of one API process, the default when no shared store is
// configured. Replicas share the Neo4j implementations (package cypher) or the Redis ones
// (package sharedstate/redisstate) instead; docs/SCALING.md compares them.
package sharedstate

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"golang.org/x/time/rate"

	"github.com/skingraph/skingraph/graph"
)

// Memory is an in-process graph.IdempotencyStore, bounded in entries and in bytes: when the
// kept answers pass maxBytes in all, the oldest are dropped (a retry then runs again, which
// the content-idempotent writes allow). Every record lives for the ttl given to
// NewMemoryIdempotency (the lease and ttl of each call are not used: a process that dies
// loses its claims with it).
type Memory struct {
	mu       sync.Mutex
	entries  *expirable.LRU[string, *memRecord]
	bytes    atomic.Int64
	maxBytes int64
	tokens   atomic.Uint64
}

var _ graph.IdempotencyStore = (*Memory)(nil)

type memRecord struct {
	rec   graph.IdempotencyRecord
	token string
	size  int64
}

// NewMemoryIdempotency returns a Memory of at most entries records and maxBytes of answers,
// each kept for ttl.
func NewMemoryIdempotency(entries int, maxBytes int64, ttl time.Duration) *Memory {
	m := &Memory{maxBytes: maxBytes}
	m.entries = expirable.NewLRU[string, *memRecord](entries, func(_ string, v *memRecord) {
		m.bytes.Add(-v.size)
	}, ttl)
	return m
}

// Bytes is the size of the answers kept.
func (m *Memory) Bytes() int64 { return m.bytes.Load() }

// Len is the number of records (answers and requests in progress) kept.
func (m *Memory) Len() int { return m.entries.Len() }

// Claim implements graph.IdempotencyStore.
func (m *Memory) Claim(_ context.Context, key string, fp graph.Fingerprint, _ time.Duration) (graph.IdempotencyRecord, string, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if prev, ok := m.entries.Get(key); ok {
		return prev.rec, "", false, nil
	}
	token := strconv.FormatUint(m.tokens.Add(1), 10)
	m.entries.Add(key, &memRecord{rec: graph.IdempotencyRecord{Fingerprint: fp}, token: token})
	return graph.IdempotencyRecord{}, token, true, nil
}

// Finish implements graph.IdempotencyStore.
func (m *Memory) Finish(_ context.Context, key, token string, ans graph.IdempotentAnswer, _ time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.entries.Peek(key)
	if !ok || cur.token != token {
		return nil // expired or evicted while it ran
	}
	size := int64(len(ans.Body) + len(key) + len(ans.ContentType) + 128)
	// A new record rather than a change of cur: a concurrent Claim may hold cur.rec.
	m.entries.Add(key, &memRecord{rec: graph.IdempotencyRecord{Fingerprint: cur.rec.Fingerprint, Done: true, Answer: ans}, token: token, size: size})
	m.bytes.Add(size)
	for m.bytes.Load() > m.maxBytes && m.entries.Len() > 1 {
		if _, _, ok := m.entries.RemoveOldest(); !ok {
			break
		}
	}
	return nil
}

// Release implements graph.IdempotencyStore.
func (m *Memory) Release(_ context.Context, key, token string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if cur, ok := m.entries.Peek(key); ok && cur.token == token {
		m.entries.Remove(key)
	}
	return nil
}

// MemoryLimiter is an in-process graph.RateLimiter: one token bucket (golang.org/x/time/rate)
// per key, made at the key's first request and again when its limit changes; the least
// recently used keys beyond its size are forgotten (their buckets start full again).
type MemoryLimiter struct {
	mu   sync.Mutex
	keys *lru.Cache[string, *memBucket]
}

var _ graph.RateLimiter = (*MemoryLimiter)(nil)

type memBucket struct {
	limit graph.Limit
	lim   *rate.Limiter
}

// NewMemoryLimiter returns a MemoryLimiter that remembers up to size keys.
func NewMemoryLimiter(size int) *MemoryLimiter {
	c, _ := lru.New[string, *memBucket](size)
	return &MemoryLimiter{keys: c}
}

// Take implements graph.RateLimiter.
func (l *MemoryLimiter) Take(_ context.Context, key string, limit graph.Limit, n int) (graph.RateDecision, error) {
	l.mu.Lock()
	b, ok := l.keys.Get(key)
	if !ok || b.limit != limit {
		b = &memBucket{limit: limit, lim: rate.NewLimiter(rate.Limit(limit.Rate), limit.Burst)}
		l.keys.Add(key, b)
	}
	l.mu.Unlock()
	now := time.Now()
	if n == 0 {
		tokens := b.lim.TokensAt(now)
		if tokens >= 1 {
			return graph.RateDecision{Allowed: true, Remaining: int(tokens)}, nil
		}
		return graph.RateDecision{Allowed: true, RetryAfter: time.Duration((1 - tokens) * float64(limit.Interval()))}, nil
	}
	r := b.lim.ReserveN(now, n)
	if !r.OK() {
		return graph.RateDecision{RetryAfter: time.Duration(n) * limit.Interval()}, nil
	}
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return graph.RateDecision{RetryAfter: d}, nil
	}
	return graph.RateDecision{Allowed: true, Remaining: int(b.lim.TokensAt(now))}, nil
}
