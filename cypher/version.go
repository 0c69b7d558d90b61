package cypher

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/graph"
)

// DataVersion returns the current data version; ErrNotFound before Migrate has run.
func (s *Store) DataVersion(ctx context.Context) (graph.DataVersion, error) {
	recs, err := s.read(ctx, "MATCH (v:DataVersion {id: 'current'}) RETURN v.n AS n, v.at AS at", nil)
	if err != nil {
		return graph.DataVersion{}, fmt.Errorf("cypher: data version: %w", err)
	}
	if len(recs) == 0 {
		return graph.DataVersion{}, fmt.Errorf("cypher: data version: %w (schema not migrated)", graph.ErrNotFound)
	}
	return toDataVersion(recs[0]), nil
}

// bumpVersion increments the data version inside tx and returns the new one.
func bumpVersion(ctx context.Context, tx neo4j.ManagedTransaction) (graph.DataVersion, error) {
	recs, err := run(ctx, tx, `
		MATCH (v:DataVersion {id: 'current'})
		SET v.n = v.n + 1, v.at = datetime()
		RETURN v.n AS n, v.at AS at`, nil)
	if err != nil {
		return graph.DataVersion{}, err
	}
	if len(recs) == 0 {
		return graph.DataVersion{}, fmt.Errorf("%w: no DataVersion node (schema not migrated)", graph.ErrNotFound)
	}
	return toDataVersion(recs[0]), nil
}

func toDataVersion(rec *neo4j.Record) graph.DataVersion {
	var v graph.DataVersion
	if n, ok := rec.AsMap()["n"].(int64); ok {
		v.N = n
	}
	if at, ok := rec.AsMap()["at"].(time.Time); ok {
		v.At = at.UTC()
	}
	return v
}
