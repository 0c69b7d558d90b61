package cypher

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/staging"
	"github.com/skingraph/skingraph/graph"
)

// Staged loads live in package staging (the protocol: begin, chunks, commit, abort, lease,
// recovery, spill); what readers may see of one under way is package visibility's rule,
// which every read path here uses. The Store decides which loads are staged and delegates
// to them; it lends them the writes they share with the one-transaction load (stagingStore).

// StagingOptions tune the staged loads a Store writes (Config.Staging); zero fields take the
// defaults.
type StagingOptions = staging.Options

// RolledBackLoad is a dead staged load that RecoverStaged removed.
type RolledBackLoad = staging.RolledBackLoad

const (
	// StagedThreshold is the default number of products plus reviews above which
	// WriteLoadProgress writes in stages.
	StagedThreshold = staging.DefaultThreshold
	// DefaultStagedLease is how long a staged load stays alive without a heartbeat.
	DefaultStagedLease = staging.DefaultLease
)

// WriteLoadProgress is WriteLoad that reports the rows written so far (products and
// reviews) to progress, when it is not nil, after each chunk. A load of more than
// StagedThreshold rows (or whose products' INCI lists would make one transaction hold too
// much) is written in stages (package staging).
func (s *Store) WriteLoadProgress(ctx context.Context, load graph.Load, progress func(done int)) (graph.LoadResult, error) {
	if s.staged.Staged(load) {
		return s.staged.Write(ctx, load, progress)
	}
	res, err := s.WriteLoad(ctx, load)
	if err == nil && progress != nil {
		progress(len(load.Products) + len(load.Reviews))
	}
	return res, err
}

// BeginStaged starts a staged load whose products and reviews the caller then hands over in
// chunks, so that a load larger than memory can be streamed (staging.Loads.Begin).
func (s *Store) BeginStaged(ctx context.Context, load graph.Load) (graph.StagedLoad, error) {
	st, err := s.staged.Begin(ctx, load)
	if err != nil {
		return nil, err
	}
	return st, nil
}

// StagedThreshold is the number of products plus reviews above which loads are staged.
func (s *Store) StagedThreshold() int { return s.staged.Threshold() }

// RecoverStaged rolls back every staged load whose writer is dead (its lease expired) and
// returns them, in id order; it also deletes the edges that committed loads superseded and
// left behind. A load whose lease is fresh, even one written by another process, is left
// alone (staging.Loads.Recover).
func (s *Store) RecoverStaged(ctx context.Context) ([]RolledBackLoad, error) {
	return s.staged.Recover(ctx)
}

// stagingStore lends the staged loads the writes they share with the one-transaction load.
type stagingStore struct{ s *Store }

var _ staging.Store = stagingStore{}

func (a stagingStore) RefreshOutcomes(ctx context.Context, ids []string, asLoad string) error {
	return a.s.refreshOutcomes(ctx, ids, asLoad)
}

func (a stagingStore) WriteIngredients(ctx context.Context, tx neo4j.ManagedTransaction, ings []graph.Ingredient, loadID string) (graph.Counts, error) {
	ingredients, conflicts := rows.Ingredients(ings)
	return writeIngredients(ctx, tx, ingredients, conflicts, loadID)
}

func (a stagingStore) RecordLoad(ctx context.Context, tx neo4j.ManagedTransaction, load graph.Load, counts map[string]graph.Counts, ch graph.Change) (graph.DataVersion, error) {
	return recordLoad(ctx, tx, load, counts, ch)
}

func (a stagingStore) DataVersion(ctx context.Context) (graph.DataVersion, error) {
	return a.s.DataVersion(ctx)
}
