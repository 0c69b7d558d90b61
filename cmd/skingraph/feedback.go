package main

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api"
	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/feedback"
	"github.com/skingraph/skingraph/graph"
)

var (
	_ api.EventRecorder         = (*feedback.Service)(nil)
	_ api.Profiles              = (*feedback.Service)(nil)
	_ feedback.EventWriter      = (*cypher.Store)(nil)
	_ feedback.ProfileStore     = (*cypher.Store)(nil)
	_ feedback.OutcomeRefresher = (*cypher.Store)(nil)
)

// feedbackParts are the running pieces of feedback: the service the API calls, the event
// batcher and the outcome refresher, stopped in order by stop.
type feedbackParts struct {
	svc      *feedback.Service
	profiles api.Profiles      // nil when profiles are disabled (no pseudonym key)
	events   api.EventRecorder // nil when events are disabled (no pseudonym key)
	stop     func(ctx context.Context) error
}

// startFeedback starts the event batcher and the outcome refresher over store. The batcher
// wakes the refresher when it commits rating or effect events; refreshed, when set, is
// called with the data version of each refresh that bumped it.
func startFeedback(ctx context.Context, cfg *Config, log zerolog.Logger, store *cypher.Store, refreshed func(graph.DataVersion)) (*feedbackParts, error) {
	// useVault (pseudonym.go) gave the store its keys when a pseudonym key is configured;
	// without them profiles and events are disabled (they could not be sealed).
	var pseudo *graph.Pseudonymizer
	if v := store.Vault(); v != nil {
		pseudo = v.Tags
		if err := store.UsePseudonymKey(ctx, "profile", pseudo.Fingerprint(), ""); err != nil {
			return nil, err
		}
		go resealInBackground(ctx, store, log)
	} else {
		log.Warn().Msg("no pseudonym key: profiles and events are disabled")
	}
	go warmUp(ctx, store, log)
	stale := feedback.NewSignal()
	batcher := feedback.NewBatcher(ctx, store, feedback.BatcherConfig{MaxWait: cfg.EventsFlushInterval,
		MaxEvents: cfg.EventsFlushEvents, OutcomesStale: stale.Notify})
	svc := feedback.NewService(batcher, store, pseudo, nil)
	refreshCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		feedback.RefreshOutcomes(refreshCtx, store, feedback.RefreshConfig{MinGap: cfg.OutcomeRefreshInterval,
			Wake: stale, Refreshed: refreshed}, log)
	}()
	parts := &feedbackParts{svc: svc, stop: func(ctx context.Context) error {
		err := batcher.Close(ctx) // flush what was submitted; HTTP is drained already
		cancel()
		<-done
		return err
	}}
	if pseudo != nil {
		parts.profiles, parts.events = svc, svc
	}
	return parts, nil
}

// warmUp runs the path from an event to its visibility once, rolled back, in the background
// (cypher.Store.WarmUp), so that the first rating after a start does not pay Neo4j's first
// executions of those statements; a failure only costs that time, and is logged.
func warmUp(ctx context.Context, store *cypher.Store, log zerolog.Logger) {
	start := time.Now()
	id, err := store.WarmUp(ctx)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Warn().Err(err).Msg("warming up the event path failed; the first event pays for it")
	case err == nil:
		log.Info().Str("product", id).Dur("duration", time.Since(start)).Msg("event path warmed up (rolled back)")
	}
}
