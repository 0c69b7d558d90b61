package graph

import (
	"context"
	"crypto/sha256"
	"time"
)

// Shared state is what API replicas must agree on beyond the graph itself: the answers kept
// for Idempotency-Key retries and the request rates of API keys and client addresses. One
// process keeps it in memory; several replicas keep it in Neo4j or Redis (docs/SCALING.md).

// IdempotencyStore keeps the first answer to each idempotency key, so that a retry, on any
// replica, gets that answer instead of running the write again. Keys are opaque strings made
// by the caller (scope, route and the client's key); every record expires.
//
// Errors: an implementation returns an error wrapping ErrUnavailable when its store cannot be
// reached or timed out; the caller then refuses the request (it cannot tell whether the key
// was used).
type IdempotencyStore interface {
	// Claim records that a request with fingerprint fp runs under key. When the key is free
	// (new or expired) it is claimed for lease (the longest a request may run) and Claim
	// returns claimed true and a claim token for Finish or Release. Otherwise it returns the
	// record as it stands: the first request's fingerprint, and its answer once Done.
	Claim(ctx context.Context, key string, fp Fingerprint, lease time.Duration) (rec IdempotencyRecord, token string, claimed bool, err error)
	// Finish keeps the answer of the claimed request for ttl. It does nothing when the claim
	// was lost meanwhile (expired and taken by another request).
	Finish(ctx context.Context, key, token string, ans IdempotentAnswer, ttl time.Duration) error
	// Release forgets the claim, so that a retry runs again (a failed or unkeepable answer).
	Release(ctx context.Context, key, token string) error
}

// Fingerprint identifies a request's content (query, content type, body).
type Fingerprint [sha256.Size]byte

// IdempotencyRecord is the state of an idempotency key claimed by an earlier request.
type IdempotencyRecord struct {
	Fingerprint Fingerprint
	Done        bool // the first request has answered; Answer holds its answer
	Answer      IdempotentAnswer
}

// IdempotentAnswer is the answer kept for replays.
type IdempotentAnswer struct {
	Status      int
	ContentType string
	Body        []byte
}

// RateLimiter meters requests per key with a token bucket (GCRA): Limit.Rate tokens a second,
// at most Limit.Burst at once. Keys are opaque strings made by the caller.
//
// Errors: an error wrapping ErrUnavailable when the store cannot be reached or timed out.
type RateLimiter interface {
	// Take takes n tokens for key when that many are free, and reports what is left or how
	// long until n would be free. n = 0 only looks: Allowed is true, Remaining the whole
	// tokens free and, when none is, RetryAfter about the time until one is.
	Take(ctx context.Context, key string, l Limit, n int) (RateDecision, error)
}

// Limit is a token bucket: Rate tokens a second, Burst at most.
type Limit struct {
	Rate  float64
	Burst int
}

// Interval is the time one token takes to come back.
func (l Limit) Interval() time.Duration { return time.Duration(float64(time.Second) / l.Rate) }

// RateDecision is the outcome of RateLimiter.Take.
type RateDecision struct {
	Allowed bool
	// Remaining is the whole tokens left after the take.
	Remaining int
	// RetryAfter, when not Allowed, is how long until the tokens asked for are free.
	RetryAfter time.Duration
}
