// Package sharedstatetest is the one behaviour every implementation of graph.IdempotencyStore
// and graph.RateLimiter must have: the in-memory stores, Neo4j's and Redis's run the same
// suite against a real store.
package sharedstatetest

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

// Options say what an implementation does beyond the common behaviour.
type Options struct {
	// LeaseExpires: a claim lapses after its lease (the shared stores; the memory store
	// keeps one expiry for all its records).
	LeaseExpires bool
}

// unique makes keys that no earlier run of the suite on the same store used.
func unique(t *testing.T, name string) string {
	return fmt.Sprintf("%s/%s/%d", t.Name(), name, time.Now().UnixNano())
}

func fp(s string) graph.Fingerprint { return sha256.Sum256([]byte(s)) }

// RunIdempotency checks store's claims, answers, releases, expiry and concurrent claims.
func RunIdempotency(t *testing.T, store graph.IdempotencyStore, opts Options) {
	ctx := context.Background()
	t.Run("claim, replay, reuse", func(t *testing.T) {
		key := unique(t, "k")
		_, token, claimed, err := store.Claim(ctx, key, fp("body"), time.Minute)
		if err != nil || !claimed || token == "" {
			t.Fatalf("first claim: claimed %v, token %q, err %v; want a claim", claimed, token, err)
		}
		rec, _, claimed, err := store.Claim(ctx, key, fp("body"), time.Minute)
		if err != nil || claimed {
			t.Fatalf("second claim while running: claimed %v, err %v", claimed, err)
		}
		if diff := cmp.Diff(graph.IdempotencyRecord{Fingerprint: fp("body")}, rec); diff != "" {
			t.Errorf("record while running (-want +got):\n%s", diff)
		}
		// Bytes that are not UTF-8, a zero byte, and an empty content type survive.
		ans := graph.IdempotentAnswer{Status: 201, ContentType: "application/json", Body: []byte("{\"x\":1}\x00\xff\xfe")}
		if err := store.Finish(ctx, key, token, ans, time.Hour); err != nil {
			t.Fatal(err)
		}
		rec, _, claimed, err = store.Claim(ctx, key, fp("body"), time.Minute)
		if err != nil || claimed {
			t.Fatalf("claim after the answer: claimed %v, err %v", claimed, err)
		}
		if diff := cmp.Diff(graph.IdempotencyRecord{Fingerprint: fp("body"), Done: true, Answer: ans}, rec); diff != "" {
			t.Errorf("record after the answer (-want +got):\n%s", diff)
		}
		rec, _, claimed, err = store.Claim(ctx, key, fp("another body"), time.Minute)
		if err != nil || claimed || rec.Fingerprint != fp("body") {
			t.Fatalf("claim with another body: claimed %v, err %v, fingerprint of the first %v", claimed, err, rec.Fingerprint == fp("body"))
		}
	})
	t.Run("empty answer", func(t *testing.T) {
		key := unique(t, "k")
		_, token, _, err := store.Claim(ctx, key, fp("b"), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Finish(ctx, key, token, graph.IdempotentAnswer{Status: 204}, time.Hour); err != nil {
			t.Fatal(err)
		}
		rec, _, _, err := store.Claim(ctx, key, fp("b"), time.Minute)
		if err != nil || !rec.Done || rec.Answer.Status != 204 || len(rec.Answer.Body) != 0 {
			t.Fatalf("record %+v, err %v; want done, 204, no body", rec, err)
		}
	})
	t.Run("release lets a retry run", func(t *testing.T) {
		key := unique(t, "k")
		_, token, _, err := store.Claim(ctx, key, fp("b"), time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if err := store.Release(ctx, key, "not-the-token"); err != nil {
			t.Fatal(err)
		}
		if _, _, claimed, err := store.Claim(ctx, key, fp("b"), time.Minute); err != nil || claimed {
			t.Fatalf("a release with another token freed the key: claimed %v, err %v", claimed, err)
		}
		if err := store.Release(ctx, key, token); err != nil {
			t.Fatal(err)
		}
		_, token2, claimed, err := store.Claim(ctx, key, fp("b"), time.Minute)
		if err != nil || !claimed || token2 == token {
			t.Fatalf("claim after release: claimed %v, err %v, same token %v", claimed, err, token2 == token)
		}
	})
	t.Run("a lost claim keeps no answer", func(t *testing.T) {
		key := unique(t, "k")
		if _, _, _, err := store.Claim(ctx, key, fp("b"), time.Minute); err != nil {
			t.Fatal(err)
		}
		if err := store.Finish(ctx, key, "stale-token", graph.IdempotentAnswer{Status: 200, Body: []byte("x")}, time.Hour); err != nil {
			t.Fatal(err)
		}
		rec, _, _, err := store.Claim(ctx, key, fp("b"), time.Minute)
		if err != nil || rec.Done {
			t.Fatalf("record %+v, err %v: an answer with another token was kept", rec, err)
		}
	})
	t.Run("one of many concurrent claims wins", func(t *testing.T) {
		key := unique(t, "k")
		const n = 12
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins, errs := 0, []error{}
		for range n {
			wg.Go(func() {
				_, _, claimed, err := store.Claim(ctx, key, fp("b"), time.Minute)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if claimed {
					wins++
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 || wins != 1 {
			t.Fatalf("%d of %d concurrent claims won (errors %v); want exactly 1", wins, n, errs)
		}
	})
	if opts.LeaseExpires {
		t.Run("a lapsed claim is taken over", func(t *testing.T) {
			key := unique(t, "k")
			if _, _, _, err := store.Claim(ctx, key, fp("b"), 200*time.Millisecond); err != nil {
				t.Fatal(err)
			}
			time.Sleep(400 * time.Millisecond)
			_, _, claimed, err := store.Claim(ctx, key, fp("other"), time.Minute)
			if err != nil || !claimed {
				t.Fatalf("claim after the lease: claimed %v, err %v", claimed, err)
			}
		})
	}
}

// RunLimiter checks limiter's bursts, refusals, looks, refills and concurrent takes.
func RunLimiter(t *testing.T, limiter graph.RateLimiter) {
	ctx := context.Background()
	t.Run("burst then refuse", func(t *testing.T) {
		key := unique(t, "k")
		l := graph.Limit{Rate: 0.01, Burst: 5} // slow enough that no token comes back during the test
		for i := range 5 {
			d, err := limiter.Take(ctx, key, l, 1)
			if err != nil || !d.Allowed || d.Remaining != 4-i {
				t.Fatalf("take %d: %+v, err %v; want allowed with %d left", i+1, d, err, 4-i)
			}
		}
		d, err := limiter.Take(ctx, key, l, 1)
		if err != nil || d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > l.Interval() {
			t.Fatalf("take 6: %+v, err %v; want refused, retry within %s", d, err, l.Interval())
		}
		// Another key has its own bucket.
		if d, err := limiter.Take(ctx, unique(t, "other"), l, 1); err != nil || !d.Allowed {
			t.Fatalf("another key: %+v, err %v", d, err)
		}
	})
	t.Run("look without taking", func(t *testing.T) {
		key := unique(t, "k")
		l := graph.Limit{Rate: 0.01, Burst: 3}
		d, err := limiter.Take(ctx, key, l, 0)
		if err != nil || !d.Allowed || d.Remaining != 3 {
			t.Fatalf("look at a new key: %+v, err %v; want 3 free", d, err)
		}
		for range 3 {
			if _, err := limiter.Take(ctx, key, l, 1); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 { // looking twice takes nothing
			d, err = limiter.Take(ctx, key, l, 0)
			if err != nil || d.Remaining != 0 || d.RetryAfter <= 0 || d.RetryAfter > l.Interval() {
				t.Fatalf("look at an empty bucket: %+v, err %v; want none free, one back within %s", d, err, l.Interval())
			}
		}
	})
	t.Run("tokens come back", func(t *testing.T) {
		key := unique(t, "k")
		l := graph.Limit{Rate: 0.5, Burst: 1} // one token every 2 s
		if d, err := limiter.Take(ctx, key, l, 1); err != nil || !d.Allowed {
			t.Fatalf("first take: %+v, err %v", d, err)
		}
		d, err := limiter.Take(ctx, key, l, 1)
		if err != nil || d.Allowed {
			t.Fatalf("second take at once: %+v, err %v; want refused", d, err)
		}
		time.Sleep(d.RetryAfter + 100*time.Millisecond)
		if d, err := limiter.Take(ctx, key, l, 1); err != nil || !d.Allowed {
			t.Fatalf("after the retry delay: %+v, err %v; want allowed", d, err)
		}
	})
	t.Run("concurrent takes share one burst", func(t *testing.T) {
		key := unique(t, "k")
		l := graph.Limit{Rate: 0.01, Burst: 8}
		var wg sync.WaitGroup
		var mu sync.Mutex
		allowed, errs := 0, []error{}
		for range 20 {
			wg.Go(func() {
				d, err := limiter.Take(ctx, key, l, 1)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if d.Allowed {
					allowed++
				}
			})
		}
		wg.Wait()
		if len(errs) > 0 || allowed != 8 {
			t.Fatalf("%d of 20 concurrent takes allowed (errors %v); want the burst, 8", allowed, errs)
		}
	})
}
