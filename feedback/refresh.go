package feedback

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
)

// OutcomeRefresher recomputes the outcome aggregates that rating and effect events made
// stale and bumps the data version when it did (cypher.Store implements it).
type OutcomeRefresher interface {
	RefreshStaleOutcomes(ctx context.Context) (int, graph.DataVersion, error)
}

// Signal is a coalescing wake-up: Notify never blocks, and any number of calls before the
// receiver looks count as one. The zero value is not usable; call NewSignal.
type Signal struct{ c chan struct{} }

// NewSignal returns a Signal with nothing pending.
func NewSignal() *Signal { return &Signal{c: make(chan struct{}, 1)} }

// Notify marks the signal pending.
func (s *Signal) Notify() {
	select {
	case s.c <- struct{}{}:
	default:
	}
}

// C receives once per pending notification.
func (s *Signal) C() <-chan struct{} { return s.c }

// clear drops a pending notification.
func (s *Signal) clear() {
	select {
	case <-s.c:
	default:
	}
}

// RefreshConfig says when RefreshOutcomes refreshes.
type RefreshConfig struct {
	// MinGap is the least time between the starts of two refreshes, so the data version moves
	// at most once per MinGap however many events arrive; default DefaultMinGap.
	MinGap time.Duration
	// Debounce is how long a refresh woken by an event waits for the events committed right
	// after it; default DefaultDebounce.
	Debounce time.Duration
	// Sweep is how often the refresher looks for stale outcomes that no wake-up announced
	// (events written by another process, restored marks, a refresh that failed); default
	// SweepEvery(MinGap).
	Sweep time.Duration
	// Wake, when set, starts a refresh (after Debounce, and no sooner than MinGap after the
	// last one): the Batcher notifies it when it commits rating or effect events
	// (BatcherConfig.OutcomesStale).
	Wake *Signal
	// Refreshed, when set, is called after each refresh that bumped the data version, with
	// the new version (the server applies it to its projection at once).
	Refreshed func(graph.DataVersion)
}

// DefaultMinGap is the default least time between two outcome refreshes. A refresh bumps the
// data version, and every bump starts a new generation of the recommendation caches and one
// delta on every replica. One second keeps a rating within the 2 s freshness target (at most
// 1 s of waiting, then the refresh and the delta) while steady events cost at most one
// version bump per second per replica writing them; the earlier fixed 5 s interval made a
// rating wait up to 5 s.
const DefaultMinGap = time.Second

// DefaultDebounce is the default wait of a refresh woken by an event: long enough for the
// group commits of a burst to land in the same refresh, short beside the 2 s target.
const DefaultDebounce = 50 * time.Millisecond

// SweepEvery is the default sweep interval for a minimum gap: ten gaps, between 1 s and 1 min.
func SweepEvery(minGap time.Duration) time.Duration {
	return min(max(10*minGap, time.Second), time.Minute)
}

// withDefaults fills in the zero fields.
func (c RefreshConfig) withDefaults() RefreshConfig {
	if c.MinGap <= 0 {
		c.MinGap = DefaultMinGap
	}
	if c.Debounce <= 0 {
		c.Debounce = DefaultDebounce
	}
	if c.Sweep <= 0 {
		c.Sweep = SweepEvery(c.MinGap)
	}
	return c
}

// RefreshOutcomes refreshes stale outcomes once at start (events of an earlier run), then
// whenever cfg.Wake is notified (after cfg.Debounce) and every cfg.Sweep, until ctx ends. Two
// refreshes start at least cfg.MinGap apart: events arriving meanwhile wait and share the
// next refresh, so the data version moves at most once per MinGap. Failures are logged and
// retried at the next wake-up or sweep: the stale marks are in the graph, nothing is lost.
func RefreshOutcomes(ctx context.Context, r OutcomeRefresher, cfg RefreshConfig, log zerolog.Logger) {
	cfg = cfg.withDefaults()
	wake := cfg.Wake
	if wake == nil {
		wake = NewSignal() // never notified: sweeps only
	}
	sweep := time.NewTicker(cfg.Sweep)
	defer sweep.Stop()
	var last time.Time
	due := true
	for {
		if due {
			if !sleep(ctx, time.Until(last.Add(cfg.MinGap))) {
				return
			}
			// Events committed before this point are in the refresh below; a wake-up after it
			// starts another one, so none is missed.
			wake.clear()
			last = time.Now()
			n, v, err := r.RefreshStaleOutcomes(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				log.Warn().Err(err).Msg("refresh outcomes from events failed; retrying at the next event or sweep")
			case n > 0:
				log.Info().Int("products", n).Int64("data_version", v.N).Dur("duration", time.Since(last)).
					Msg("outcomes refreshed from events")
				if cfg.Refreshed != nil {
					cfg.Refreshed(v)
				}
			}
			due = false
		}
		select {
		case <-ctx.Done():
			return
		case <-wake.C():
			if !sleep(ctx, cfg.Debounce) {
				return
			}
			due = true
		case <-sweep.C:
			due = true
		}
	}
}

// sleep waits d (nothing when d <= 0) and reports false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
