package cypher

import (
	"context"
	"errors"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/internal/visibility"
	"github.com/skingraph/skingraph/graph"
)

// The first rating after Neo4j starts is slow: on the demo graph, with a fresh Neo4j, its
// outcome refresh took 0.5-1.0 s and the delta read 0.8-2.2 s, against 20-120 ms and 50-190 ms
// for the next ones (at 100k products the first refresh took 1.2-5.8 s). Planning the
// statements in advance (EXPLAIN) did not remove it: the cost is in their first executions with
// the parameters a real event brings. WarmUp therefore runs the real path once, on one real
// product, and rolls the writes back.

// warmUpProductCypher finds a committed product with reviews (any product when none has).
const warmUpProductCypher = `
	CALL () { MATCH (p:Product)<-[:REVIEWED]-() WHERE ` + visibility.CommittedProduct + ` RETURN p.id AS id LIMIT 1
	          UNION MATCH (p:Product) WHERE ` + visibility.CommittedProduct + ` RETURN p.id AS id LIMIT 1 }
	RETURN id LIMIT 1`

// errRolledBack ends WarmUp's write transaction without committing it.
var errRolledBack = errors.New("cypher: warm-up rolled back")

// WarmUp runs, once and for one real product, the statements between a rating and its
// visibility: in one write transaction that it rolls back, the event's check, creation and
// counters, the outcome refresh (unmark, evidence, recompute) and the version bump; then, in a
// read transaction, the delta read of that product. Nothing is written. While the write
// transaction runs (a second or two on a cold server), writes to that product and to the data
// version wait for it. It returns the product it used ("" when the graph has none).
func (s *Store) WarmUp(ctx context.Context) (string, error) {
	recs, err := s.read(ctx, warmUpProductCypher, nil)
	if err != nil {
		return "", fmt.Errorf("cypher: warm up: %w", err)
	}
	if len(recs) == 0 {
		return "", nil
	}
	id := str(recs[0].AsMap()["id"])
	err = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		check := []eventCheck{{Tag: "warm-up", ProductID: id}}
		if _, err := txn.Run(ctx, tx, checkEventsCypher, map[string]any{"rows": rows.Params(check)}); err != nil {
			return fmt.Errorf("check events: %w", err)
		}
		node := []eventNode{{Tag: "warm-up", Sealed: "warm-up", Key: "warm-up", ProductID: id, Type: graph.EventRating}}
		if _, err := txn.Run(ctx, tx, createEventsCypher, map[string]any{"rows": rows.Params(node)}); err != nil {
			return fmt.Errorf("create events: %w", err)
		}
		if err := bumpCounters(ctx, tx, map[string]map[string]int64{id: {graph.EventRating: 1}}, true); err != nil {
			return err
		}
		if _, err := txn.Run(ctx, tx, unmarkStaleCypher, nil); err != nil {
			return fmt.Errorf("stale products: %w", err)
		}
		if err := s.refreshOutcomesTx(ctx, tx, []string{id}); err != nil {
			return err
		}
		if _, err := bumpVersion(ctx, tx, graph.ProductsChange(id)); err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		return errRolledBack
	})
	if err != nil && !errors.Is(err, errRolledBack) {
		return "", fmt.Errorf("cypher: warm up with %s: %w", id, err)
	}
	v, err := s.DataVersion(ctx)
	if err != nil {
		return "", fmt.Errorf("cypher: warm up: %w", err)
	}
	err = s.readTx(ctx, func(tx neo4j.ManagedTransaction) error {
		recs, err := txn.Run(ctx, tx, visibility.StagedLoadIDs, nil)
		if err != nil {
			return fmt.Errorf("staged loads: %w", err)
		}
		staged, err := txn.StringLists(recs, "ids")
		if err != nil {
			return fmt.Errorf("staged loads: %w", err)
		}
		to, _, err := changesSince(ctx, tx, max(v.N-1, 0))
		if err != nil && !errors.Is(err, graph.ErrGone) {
			return err
		}
		_, err = readDeltaRows(ctx, tx, staged, &graph.Delta{To: to, Products: []string{id}})
		return err
	})
	if err != nil {
		return "", fmt.Errorf("cypher: warm up the delta read of %s: %w", id, err)
	}
	return id, nil
}
