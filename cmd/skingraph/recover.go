package main

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
)

// withRecoveredStore is withStore that first rolls back the staged loads whose writer died
// (recoverStaged). strict says whether a failed recovery stops the command (loads and
// imports, which write next) or is only logged (the server: the dead load's rows are hidden
// from every read path anyway, and the watch retries).
func withRecoveredStore(ctx context.Context, cfg *Config, log zerolog.Logger, env Env, strict bool, fn func(*cypher.Store) error) error {
	return withStore(ctx, cfg, log, env, func(store *cypher.Store) error {
		if err := recoverStaged(ctx, store, log); err != nil {
			if strict {
				return err
			}
			log.Error().Err(err).Msg("rolling back dead staged loads failed; their rows stay hidden, retried later")
		}
		return fn(store)
	})
}

// recoverStaged rolls back the staged loads whose lease expired (their process died) and
// logs one line per load rolled back. Loads whose lease is fresh, in this process or
// another, are left alone.
func recoverStaged(ctx context.Context, store *cypher.Store, log zerolog.Logger) error {
	start := time.Now()
	rolled, err := store.RecoverStaged(ctx)
	for _, rb := range rolled {
		log.Warn().Str("load_id", rb.ID).Str("kind", rb.Kind).Str("owner", rb.Owner).Time("last_heartbeat", rb.Heartbeat).
			Int64("nodes_removed", rb.Nodes).Int64("relationships_removed", rb.Rels).Dur("duration", time.Since(start)).
			Msg("rolled back a dead staged load")
	}
	if err != nil {
		return fmt.Errorf("recover staged loads: %w", err)
	}
	return nil
}

// watchStaged runs recoverStaged every interval until ctx ends, for loads that die while the
// server runs (or whose lease had not yet expired when it started).
func watchStaged(ctx context.Context, store *cypher.Store, log zerolog.Logger, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := recoverStaged(ctx, store, log); err != nil && ctx.Err() == nil {
				log.Warn().Err(err).Msg("rolling back dead staged loads failed; retried later")
			}
		}
	}
}
