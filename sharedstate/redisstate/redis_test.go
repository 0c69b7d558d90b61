package redisstate_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/sharedstate/redisstate"
	"github.com/skingraph/skingraph/sharedstate/sharedstatetest"
	"github.com/skingraph/skingraph/testcontainers"
)

// startRedis starts a redis-server of the test's own (Debian's package) and connects to it.
func startRedis(t *testing.T) (*testcontainers.Daemon, *redisstate.Store) {
	t.Helper()
	ctx := context.Background()
	d, err := testcontainers.StartRedis(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop() })
	s, err := redisstate.Open(ctx, "redis://"+d.Addr+"/0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return d, s
}

func TestRedisSharedState(t *testing.T) {
	_, s := startRedis(t)
	t.Run("idempotency", func(t *testing.T) {
		sharedstatetest.RunIdempotency(t, s, sharedstatetest.Options{LeaseExpires: true})
	})
	t.Run("limiter", func(t *testing.T) { sharedstatetest.RunLimiter(t, s) })
}

// TestRedisDownIsUnavailable: with Redis gone, every call fails fast with ErrUnavailable (the
// API then refuses idempotent writes and meters rates locally), and Open refuses a URL
// nothing answers.
func TestRedisDownIsUnavailable(t *testing.T) {
	d, s := startRedis(t)
	if err := d.Stop(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var fp graph.Fingerprint
	if _, _, _, err := s.Claim(ctx, "k", fp, time.Minute); !errors.Is(err, graph.ErrUnavailable) {
		t.Errorf("Claim: %v, want ErrUnavailable", err)
	}
	if _, err := s.Take(ctx, "k", graph.Limit{Rate: 1, Burst: 1}, 1); !errors.Is(err, graph.ErrUnavailable) {
		t.Errorf("Take: %v, want ErrUnavailable", err)
	}
	if _, err := redisstate.Open(ctx, "redis://"+d.Addr); !errors.Is(err, graph.ErrUnavailable) {
		t.Errorf("Open: %v, want ErrUnavailable", err)
	}
	if _, err := redisstate.Open(ctx, "http://"+d.Addr); err == nil {
		t.Error("Open accepted an http:// URL")
	}
}

// BenchmarkRedisSharedState: go test -run '^$' -bench RedisSharedState ./sharedstate/redisstate
func BenchmarkRedisSharedState(b *testing.B) {
	ctx := context.Background()
	d, err := testcontainers.StartRedis(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer d.Stop()
	s, err := redisstate.Open(ctx, "redis://"+d.Addr+"/0")
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	sharedstatetest.Bench(b, s, s)
}
