package cypher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sony/gobreaker/v2"

	"github.com/skingraph/skingraph/graph"
)

// BreakerConfig tunes the circuit breaker that guards every call to Neo4j.
type BreakerConfig struct {
	// Failures is how many consecutive unavailability failures open the circuit; default 3.
	Failures uint32
	// OpenFor is how long an open circuit fails calls at once before it lets probes through;
	// default 5 s.
	OpenFor time.Duration
	// Probes is how many calls a half-open circuit lets through; default 1.
	Probes uint32
}

// BreakerState is the circuit's state: "closed" (calls go through), "open" (calls fail at
// once with graph.ErrUnavailable) or "half-open" (a few probe calls decide).
type BreakerState string

// ErrCircuitOpen is returned, wrapped with graph.ErrUnavailable, while the circuit is open.
var ErrCircuitOpen = errors.New("neo4j circuit open: recent calls failed; it is probed again shortly")

func newBreaker(cfg BreakerConfig, onChange func(from, to BreakerState)) *gobreaker.CircuitBreaker[struct{}] {
	if cfg.Failures == 0 {
		cfg.Failures = 3
	}
	if cfg.OpenFor <= 0 {
		cfg.OpenFor = 5 * time.Second
	}
	if cfg.Probes == 0 {
		cfg.Probes = 1
	}
	return gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "neo4j",
		MaxRequests: cfg.Probes,
		Timeout:     cfg.OpenFor,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= cfg.Failures },
		IsSuccessful: func(err error) bool {
			return !tripsBreaker(err)
		},
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if onChange != nil {
				onChange(BreakerState(from.String()), BreakerState(to.String()))
			}
		},
	})
}

// tripsBreaker says whether err means Neo4j itself is failing. Bad queries, refused writes,
// conflicts, an analyst's query stopped at its own time limit and callers that gave up do not
// count: only unreachable, overloaded or too slow servers do.
func tripsBreaker(err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, context.Canceled):
		return false
	case errors.Is(err, graph.ErrTimeout):
		return false
	}
	return errors.Is(err, graph.ErrUnavailable)
}

// guard runs fn through the circuit breaker: at once graph.ErrUnavailable (wrapping
// ErrCircuitOpen) while the circuit is open, fn's own error otherwise.
func (s *Store) guard(fn func() error) error {
	_, err := s.breaker.Execute(func() (struct{}, error) { return struct{}{}, fn() })
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return fmt.Errorf("%w: %w", graph.ErrUnavailable, ErrCircuitOpen)
	}
	return err
}

// BreakerState reports the circuit's state: "closed", "open" or "half-open".
func (s *Store) BreakerState() string { return s.breaker.State().String() }
