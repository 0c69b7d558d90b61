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

// RefreshOutcomes refreshes stale outcomes once at start (events of an earlier run) and then
// every interval until ctx ends, so the data version moves at most once per interval however
// many events arrive. Failures are logged and retried at the next tick: the stale marks are
// in the graph, nothing is lost.
func RefreshOutcomes(ctx context.Context, r OutcomeRefresher, every time.Duration, log zerolog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		start := time.Now()
		n, v, err := r.RefreshStaleOutcomes(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn().Err(err).Msg("refresh outcomes from events failed; retrying at the next tick")
		case n > 0:
			log.Info().Int("products", n).Int64("data_version", v.N).Dur("duration", time.Since(start)).
				Msg("outcomes refreshed from events")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
