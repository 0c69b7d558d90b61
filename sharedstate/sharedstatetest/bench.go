package sharedstatetest

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// Bench measures what the shared state adds to one request: a rate-limit take (every keyed
// request), a look at a login throttle (every keyed request), and an Idempotency-Key's claim
// and answer (each idempotent write that carries one). Run sequentially: the latency one
// request pays, not the store's throughput.
func Bench(b *testing.B, store graph.IdempotencyStore, limiter graph.RateLimiter) {
	ctx := context.Background()
	run := time.Now().UnixNano()
	b.Run("take", func(b *testing.B) {
		l := graph.Limit{Rate: 1e6, Burst: 1 << 30}
		key := fmt.Sprintf("bench-take-%d", run)
		for b.Loop() {
			if _, err := limiter.Take(ctx, key, l, 1); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("look", func(b *testing.B) {
		l := graph.Limit{Rate: 0.5, Burst: 30}
		key := fmt.Sprintf("bench-look-%d", run)
		for b.Loop() {
			if _, err := limiter.Take(ctx, key, l, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
	var n atomic.Int64 // keys never repeat, across the rounds b.Run makes too
	b.Run("claim+finish", func(b *testing.B) {
		var fp graph.Fingerprint
		ans := graph.IdempotentAnswer{Status: 200, ContentType: "application/json", Body: make([]byte, 512)}
		for b.Loop() {
			key := fmt.Sprintf("bench-idem-%d-%d", run, n.Add(1))
			_, token, claimed, err := store.Claim(ctx, key, fp, time.Minute)
			if err != nil || !claimed {
				b.Fatalf("claim: %v, claimed %v", err, claimed)
			}
			if err := store.Finish(ctx, key, token, ans, time.Minute); err != nil {
				b.Fatal(err)
			}
		}
	})
}
