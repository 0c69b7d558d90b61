package sharedstate_test

import (
	"testing"
	"time"

	"github.com/skingraph/skingraph/sharedstate"
	"github.com/skingraph/skingraph/sharedstate/sharedstatetest"
)

func TestMemoryIdempotency(t *testing.T) {
	sharedstatetest.RunIdempotency(t, sharedstate.NewMemoryIdempotency(1000, 1<<20, time.Hour), sharedstatetest.Options{})
}

func TestMemoryLimiter(t *testing.T) {
	sharedstatetest.RunLimiter(t, sharedstate.NewMemoryLimiter(1000))
}

func BenchmarkMemorySharedState(b *testing.B) {
	sharedstatetest.Bench(b, sharedstate.NewMemoryIdempotency(1_000_000, 1<<30, time.Hour), sharedstate.NewMemoryLimiter(1000))
}
