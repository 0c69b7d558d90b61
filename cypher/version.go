package cypher

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
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
	return toDataVersion(recs[0])
}

// bumpVersion increments the data version inside tx, records what the transaction changed
// as the (:Change) node of the new version (the change feed, changes.go) and returns the new
// version. ch is normalised first (ids sorted and distinct; Full past graph.MaxChangeIDs).
func bumpVersion(ctx context.Context, tx neo4j.ManagedTransaction, ch graph.Change) (graph.DataVersion, error) {
	ch = ch.Normalized()
	recs, err := txn.Run(ctx, tx, bumpVersionCypher, bumpVersionParams(ch))
	if err != nil {
		return graph.DataVersion{}, err
	}
	if len(recs) == 0 {
		return graph.DataVersion{}, fmt.Errorf("%w: no DataVersion node (schema not migrated)", graph.ErrNotFound)
	}
	return toDataVersion(recs[0])
}

// bumpVersionCypher moves the data version on by one and records the change in the feed.
const bumpVersionCypher = `
	MATCH (v:DataVersion {id: 'current'})
	SET v.n = v.n + 1, v.at = datetime()
	CREATE (c:Change {n: v.n, at: v.at, products: $products, ingredients: $ingredients, rules: $rules, full: $full})
	RETURN v.n AS n, v.at AS at`

// bumpVersionParams are bumpVersionCypher's parameters for a normalized change.
func bumpVersionParams(ch graph.Change) map[string]any {
	return map[string]any{"products": rows.NonNil(ch.Products), "ingredients": rows.NonNil(ch.Ingredients), "rules": ch.Rules, "full": ch.Full}
}

// toDataVersion reads the columns n and at of rec.
func toDataVersion(rec *neo4j.Record) (graph.DataVersion, error) {
	n, _, err := neo4j.GetRecordValue[int64](rec, "n")
	if err != nil {
		return graph.DataVersion{}, fmt.Errorf("data version: %w", err)
	}
	at, _, err := neo4j.GetRecordValue[time.Time](rec, "at")
	if err != nil {
		return graph.DataVersion{}, fmt.Errorf("data version: %w", err)
	}
	return graph.DataVersion{N: n, At: at.UTC()}, nil
}
