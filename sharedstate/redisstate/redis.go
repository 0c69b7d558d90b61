// Package redisstate keeps the state API replicas share (graph.IdempotencyStore and
// graph.RateLimiter) in Redis, when SKINGRAPH_REDIS_URL is set. Idempotency records are
// hashes with a Redis expiry, claimed and finished by Lua scripts (atomic on the server);
// rate limits are GCRA buckets of github.com/go-redis/redis_rate.
package redisstate

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"

	"github.com/skingraph/skingraph/graph"
)

// Store is both stores over one Redis client.
type Store struct {
	rdb     *redis.Client
	limiter *redis_rate.Limiter
	prefix  string
}

var (
	_ graph.IdempotencyStore = (*Store)(nil)
	_ graph.RateLimiter      = (*Store)(nil)
)

// Open connects to the Redis at url (redis://[user:password@]host:port/db, or rediss:// for
// TLS) and checks that it answers. Keys are named under "skingraph:".
func Open(ctx context.Context, url string) (*Store, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	// Fail fast: a request waits on Redis at most this long before the API falls back
	// (rate limits) or refuses (idempotency).
	opt.DialTimeout = 2 * time.Second
	opt.ReadTimeout = time.Second
	opt.WriteTimeout = time.Second
	opt.MaxRetries = 1
	rdb := redis.NewClient(opt)
	if err := rdb.Ping(ctx).Err(); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("redis at %s: %w", opt.Addr, unavailable(err))
	}
	return &Store{rdb: rdb, limiter: redis_rate.NewLimiter(rdb), prefix: "skingraph:"}, nil
}

// Close closes the connections.
func (s *Store) Close() error { return s.rdb.Close() }

func unavailable(err error) error {
	return fmt.Errorf("%w: %w", graph.ErrUnavailable, err)
}

// idemKey names a record: the caller's key is hashed (it holds a client's string).
func (s *Store) idemKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return s.prefix + "idem:" + hex.EncodeToString(h[:])
}

// claimScript creates the record when there is none (and returns {1}), else returns {0, fp,
// done, status, content type, body}.
var claimScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('HSET', KEYS[1], 'fp', ARGV[1], 'token', ARGV[2], 'done', '0')
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return {1}
end
local r = redis.call('HMGET', KEYS[1], 'fp', 'done', 'status', 'ct', 'body')
return {0, r[1], r[2], r[3] or '', r[4] or '', r[5] or ''}
`)

// finishScript keeps the answer when the claim is still the caller's.
var finishScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'done', '1', 'status', ARGV[2], 'ct', ARGV[3], 'body', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
`)

// releaseScript deletes the record when the claim is still the caller's.
var releaseScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
return redis.call('DEL', KEYS[1])
`)

// Claim implements graph.IdempotencyStore.
func (s *Store) Claim(ctx context.Context, key string, fp graph.Fingerprint, lease time.Duration) (graph.IdempotencyRecord, string, bool, error) {
	token := rand.Text() // tells this claim from a later one of the same key
	res, err := claimScript.Run(ctx, s.rdb, []string{s.idemKey(key)}, string(fp[:]), token, lease.Milliseconds()).Slice()
	if err != nil {
		return graph.IdempotencyRecord{}, "", false, fmt.Errorf("claim an idempotency key: %w", unavailable(err))
	}
	if n, _ := res[0].(int64); n == 1 {
		return graph.IdempotencyRecord{}, token, true, nil
	}
	if len(res) != 6 {
		return graph.IdempotencyRecord{}, "", false, fmt.Errorf("claim an idempotency key: %d values from redis, want 6", len(res))
	}
	str := func(v any) string { s, _ := v.(string); return s }
	var rec graph.IdempotencyRecord
	copy(rec.Fingerprint[:], str(res[1]))
	rec.Done = str(res[2]) == "1"
	if rec.Done {
		rec.Answer.Status, _ = strconv.Atoi(str(res[3]))
		rec.Answer.ContentType = str(res[4])
		rec.Answer.Body = []byte(str(res[5]))
	}
	return rec, "", false, nil
}

// Finish implements graph.IdempotencyStore.
func (s *Store) Finish(ctx context.Context, key, token string, ans graph.IdempotentAnswer, ttl time.Duration) error {
	err := finishScript.Run(ctx, s.rdb, []string{s.idemKey(key)}, token, ans.Status, ans.ContentType, ans.Body, ttl.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("keep an idempotent answer: %w", unavailable(err))
	}
	return nil
}

// Release implements graph.IdempotencyStore.
func (s *Store) Release(ctx context.Context, key, token string) error {
	if err := releaseScript.Run(ctx, s.rdb, []string{s.idemKey(key)}, token).Err(); err != nil {
		return fmt.Errorf("release an idempotency key: %w", unavailable(err))
	}
	return nil
}

// rateScale turns a rate per second into redis_rate's whole tokens per period: rate*1000
// tokens per 1000 s is the same emission interval, to a thousandth of a token a second.
const rateScale = 1000

// Take implements graph.RateLimiter with redis_rate's GCRA (one Lua script, Redis's clock).
func (s *Store) Take(ctx context.Context, key string, l graph.Limit, n int) (graph.RateDecision, error) {
	if l.Rate <= 0 || l.Burst < 1 {
		return graph.RateDecision{}, fmt.Errorf("rate limit of %q: rate %g, burst %d: %w", key, l.Rate, l.Burst, graph.ErrInvalid)
	}
	lim := redis_rate.Limit{Rate: max(1, int(math.Round(l.Rate*rateScale))), Burst: l.Burst, Period: rateScale * time.Second}
	res, err := s.limiter.AllowN(ctx, s.prefix+"rate:"+key, lim, n)
	if err != nil {
		if errors.Is(err, context.Canceled) {
			return graph.RateDecision{}, err
		}
		return graph.RateDecision{}, fmt.Errorf("rate limit: %w", unavailable(err))
	}
	d := graph.RateDecision{Allowed: res.Allowed > 0 || n == 0, Remaining: res.Remaining}
	switch {
	case n > 0 && !d.Allowed:
		d.RetryAfter = res.RetryAfter
	case n == 0 && res.Remaining < 1:
		// Only looking: redis_rate reports the whole tokens left, not when the next comes back.
		d.RetryAfter = l.Interval()
	}
	return d, nil
}
