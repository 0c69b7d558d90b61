package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/feedback"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// The change feed's upkeep (docs/SCALING.md): pruning the changes older than the retention,
// and the periodic check of the incrementally maintained projection against a full build.

// DefaultVerifyEvery is how often the server compares its projection with a full build.
const DefaultVerifyEvery = 10 * time.Minute

// feedEnv reads SKINGRAPH_CHANGE_RETENTION and SKINGRAPH_VERIFY_EVERY.
func feedEnv(getenv func(string) string, c *Config) []error {
	var errs []error
	if v := getenv("SKINGRAPH_CHANGE_RETENTION"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_CHANGE_RETENTION: %q is not a duration such as 24h", v))
		}
		c.ChangeRetention = d
	}
	if v := getenv("SKINGRAPH_VERIFY_EVERY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_VERIFY_EVERY: %q is not a duration such as 10m (0 = off)", v))
		}
		c.VerifyEvery = d
	}
	return errs
}

// validateFeed checks the feed settings.
func (c *Config) validateFeed() []error {
	var errs []error
	if c.ChangeRetention < time.Minute {
		errs = append(errs, fmt.Errorf("change retention %s: want at least 1m", c.ChangeRetention))
	}
	if c.VerifyEvery < 0 {
		errs = append(errs, errors.New("verify interval must be 0 (off) or positive"))
	}
	return errs
}

// pruneEvery is how often the server prunes the feed: a tenth of the retention, between a
// minute and an hour.
func pruneEvery(retention time.Duration) time.Duration {
	return min(max(retention/10, time.Minute), time.Hour)
}

// pruneChanges deletes the feed's changes older than retention, now and then every
// pruneEvery(retention), until ctx ends. Every replica does it; the deletes are idempotent.
func pruneChanges(ctx context.Context, store *cypher.Store, log zerolog.Logger, retention time.Duration) {
	t := time.NewTicker(pruneEvery(retention))
	defer t.Stop()
	for {
		n, err := store.PruneChanges(ctx, time.Now().Add(-retention))
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn().Err(err).Msg("pruning the change feed failed; retried later")
		case n > 0:
			log.Info().Int("changes", n).Dur("retention", retention).Msg("change feed pruned")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// verifyProjection compares the serving projection with a full build every interval (0 =
// never) and logs drift at warn with both digests; the engine swaps the full one in.
func verifyProjection(ctx context.Context, engine *ranker.Engine, log zerolog.Logger, every time.Duration) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		res, err := engine.Verify(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				log.Warn().Err(err).Msg("projection verification failed; retried later")
			}
		case res.Drift:
			log.Warn().Int64("data_version", res.Version.N).Str("incremental_digest", res.Incremental).
				Str("full_digest", res.Full).Dur("duration", res.Took).
				Msg("projection drift: the incrementally maintained projection differs from a full build; swapped to the full one")
		case res.Compared:
			// Embeddings derived by deltas differ from a full computation within the
			// tolerance of embedding.Update; the drift is logged for every verification.
			vd := res.VectorDrift
			log.Info().Int64("data_version", res.Version.N).Str("digest", res.Full).Dur("duration", res.Took).
				Int("vectors_compared", vd.Compared).Float64("vector_drift_max", vd.Max).Float64("vector_drift_mean", vd.Mean).
				Msg("projection verified")
		default:
			log.Info().Int64("data_version", res.Version.N).Msg("projection verification skipped: the data version moved during the build")
		}
	}
}

var _ ranker.DeltaSource = timedSource{}

// ProjectDelta passes the engine's delta reads through, timed; a source that reads no
// deltas answers graph.ErrGone (the engine then builds in full).
func (t timedSource) ProjectDelta(ctx context.Context, from graph.DataVersion) (*graph.Delta, error) {
	ds, ok := t.next.(ranker.DeltaSource)
	if !ok {
		return nil, fmt.Errorf("%w: the source reads no deltas", graph.ErrGone)
	}
	start := time.Now()
	d, err := ds.ProjectDelta(ctx, from)
	t.m.ObserveNeo4j(ctx, "project_delta", time.Since(start), err)
	return d, err
}

// refreshProjection refreshes the engine every interval, and at once when wrote is notified
// (a change this process committed), until ctx ends; it logs the full rebuilds that deltas
// could not avoid, with the reason (a pruned feed, a change too large to list, an error while
// applying); failures stay in the engine's stats.
func refreshProjection(ctx context.Context, engine *ranker.Engine, log zerolog.Logger, every time.Duration, wrote *feedback.Signal) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wrote.C():
		}
		before := engine.Stats().Rebuilds
		if swapped, err := engine.Refresh(ctx); err == nil && swapped {
			if st := engine.Stats(); st.Rebuilds > before {
				log.Info().Int64("data_version", st.Version.N).Dur("build", st.BuildTime).Str("reason", st.LastRebuildReason).
					Msg("projection rebuilt in full: the changes could not be applied as a delta")
			}
		}
	}
}
