package feedback

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// EventWriter records groups of events in one transaction (cypher.Store implements it). A
// group is all or nothing; refusals (graph.ErrInvalid, graph.ErrConflict) come back per group
// in errs, and err is for the transaction as a whole (then nothing was written).
type EventWriter interface {
	WriteEvents(ctx context.Context, groups [][]graph.Event) (results []graph.EventResult, errs []error, err error)
}

// BatcherConfig says when the Batcher flushes.
type BatcherConfig struct {
	// MaxWait is how long the first request of a flush waits for others to join it; default
	// (0) 2 ms; a negative value flushes at once (requests arriving during a flush still join
	// the next one).
	MaxWait time.Duration
	// MaxEvents flushes as soon as this many events wait; default 1000.
	MaxEvents int
	// FlushTimeout bounds one flush; default 15 s.
	FlushTimeout time.Duration
	// OutcomesStale, when set, is called after a flush that committed new rating or effect
	// events, which made their products' outcomes stale (it wakes RefreshOutcomes through
	// RefreshConfig.Wake). It must not block.
	OutcomesStale func()
}

// Batcher is a group commit: concurrent Submit calls are coalesced into one transaction,
// flushed when MaxEvents events wait or MaxWait has passed since the first, and every caller
// is answered once its events are committed (or refused). Nothing is acknowledged before
// Neo4j has committed it, so a crash loses no acknowledged event; a client that got no
// answer retries, which is safe because events are idempotent by id.
type Batcher struct {
	w    EventWriter
	cfg  BatcherConfig
	in   chan *submission
	done chan struct{}

	mu      sync.RWMutex // guards closed against sends on a closed channel
	closed  bool
	pending atomic.Int64 // events taken from the queue and not yet flushed
}

type submission struct {
	events []graph.Event
	reply  chan reply // buffered: the flusher never blocks on a caller who left
}

type reply struct {
	res graph.EventResult
	err error
}

// ErrClosed is returned by Submit after Close.
var ErrClosed = fmt.Errorf("%w: the event batcher is shut down", graph.ErrUnavailable)

// NewBatcher starts a batcher writing to w. ctx bounds its life: flushes run under it
// (without its cancellation, so that Close can still flush); Close must be called.
func NewBatcher(ctx context.Context, w EventWriter, cfg BatcherConfig) *Batcher {
	if cfg.MaxWait < 0 {
		cfg.MaxWait = 0
	} else if cfg.MaxWait == 0 {
		cfg.MaxWait = 2 * time.Millisecond
	}
	if cfg.MaxEvents <= 0 {
		cfg.MaxEvents = 1000
	}
	if cfg.FlushTimeout <= 0 {
		cfg.FlushTimeout = 15 * time.Second
	}
	b := &Batcher{w: w, cfg: cfg, in: make(chan *submission, 64), done: make(chan struct{})}
	go b.loop(context.WithoutCancel(ctx))
	return b
}

// Submit records events (already validated, profile ids already pseudonyms) and returns once
// they are committed: what was created and what was a duplicate, or the group's refusal
// (*graph.ValidationError, *graph.ConflictError), or graph.ErrUnavailable. When ctx ends
// first, Submit returns its error and the events may or may not have been written.
func (b *Batcher) Submit(ctx context.Context, events []graph.Event) (graph.EventResult, error) {
	s := &submission{events: events, reply: make(chan reply, 1)}
	b.mu.RLock()
	if b.closed {
		b.mu.RUnlock()
		return graph.EventResult{}, ErrClosed
	}
	select {
	case b.in <- s:
		b.mu.RUnlock()
	case <-ctx.Done():
		b.mu.RUnlock()
		return graph.EventResult{}, fmt.Errorf("%w: %w", graph.ErrUnavailable, ctx.Err())
	}
	select {
	case r := <-s.reply:
		return r.res, r.err
	case <-ctx.Done():
		return graph.EventResult{}, fmt.Errorf("%w: %w", graph.ErrUnavailable, ctx.Err())
	}
}

// Pending returns how many events wait in the batch being collected or flushed (a gauge
// for metrics).
func (b *Batcher) Pending() int { return int(b.pending.Load()) }

// Close stops accepting events, flushes every event already submitted and waits for that
// flush, or for ctx to end.
func (b *Batcher) Close(ctx context.Context) error {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.in)
	}
	b.mu.Unlock()
	select {
	case <-b.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("feedback: close the event batcher: %w", ctx.Err())
	}
}

func (b *Batcher) loop(ctx context.Context) {
	defer close(b.done)
	for {
		first, ok := <-b.in
		if !ok {
			return
		}
		batch, n := []*submission{first}, len(first.events)
		b.pending.Add(int64(len(first.events)))
		open := true
		var timer <-chan time.Time
		var t *time.Timer
		if b.cfg.MaxWait > 0 {
			t = time.NewTimer(b.cfg.MaxWait)
			timer = t.C
		}
	collect:
		for n < b.cfg.MaxEvents {
			if timer == nil {
				select { // take what is already waiting, without waiting for more
				case s, ok := <-b.in:
					if !ok {
						open = false
						break collect
					}
					batch, n = append(batch, s), n+len(s.events)
					b.pending.Add(int64(len(s.events)))
					continue
				default:
					break collect
				}
			}
			select {
			case s, ok := <-b.in:
				if !ok {
					open = false
					break collect
				}
				batch, n = append(batch, s), n+len(s.events)
				b.pending.Add(int64(len(s.events)))
			case <-timer:
				break collect
			}
		}
		if t != nil {
			t.Stop()
		}
		b.flush(ctx, batch)
		b.pending.Add(-int64(n))
		if !open {
			return
		}
	}
}

// flush writes one batch and answers every submission in it.
func (b *Batcher) flush(ctx context.Context, batch []*submission) {
	ctx, cancel := context.WithTimeout(ctx, b.cfg.FlushTimeout)
	defer cancel()
	groups := make([][]graph.Event, len(batch))
	for i, s := range batch {
		groups[i] = s.events
	}
	results, errs, err := b.w.WriteEvents(ctx, groups)
	if err == nil && (len(results) != len(batch) || len(errs) != len(batch)) {
		err = errors.New("feedback: the event writer answered for the wrong number of groups")
	}
	stale := false
	for i, s := range batch {
		if err != nil {
			s.reply <- reply{err: err}
			continue
		}
		stale = stale || errs[i] == nil && results[i].Created > 0 && touchesOutcomes(s.events)
		s.reply <- reply{res: results[i], err: errs[i]}
	}
	if stale && b.cfg.OutcomesStale != nil {
		b.cfg.OutcomesStale()
	}
}

// touchesOutcomes reports whether events hold a rating or effect event, the kinds that feed
// the outcome aggregates. (A group that also held duplicates may wake the refresher for
// nothing; it then finds no stale product and bumps nothing.)
func touchesOutcomes(events []graph.Event) bool {
	for _, e := range events {
		if e.Type == graph.EventRating || e.Type == graph.EventEffect {
			return true
		}
	}
	return false
}
