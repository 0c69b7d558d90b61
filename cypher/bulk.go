package cypher

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/bulkimport"
	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/graph"
)

// The bulk path of a first load (package bulkimport): neo4j-admin writes the store files of
// the rows, then FinishBulk, on the running server, does what the Cypher load does beyond
// copying rows, so that the graph is the one `skingraph load dir` would have made.

// emptyForBulkCypher counts what an empty store may not hold: any node but the ones
// Migrate seeds, and a data version past 0.
const emptyForBulkCypher = `
	CALL () {
		MATCH (n)
		WHERE NOT (n:DataVersion OR n:SchemaMigration OR n:SkinType OR n:SkinTone OR n:Concern OR n:Sensitivity)
		RETURN count(n) AS nodes
	}
	OPTIONAL MATCH (v:DataVersion {id: 'current'})
	RETURN nodes, coalesce(v.n, 0) AS version`

// CheckEmptyForBulk returns nil when the graph holds nothing but what Migrate seeds (so
// that a bulk import may overwrite it), else an error wrapping graph.ErrConflict that says
// what it holds.
func (s *Store) CheckEmptyForBulk(ctx context.Context) error {
	recs, err := s.read(ctx, emptyForBulkCypher, nil)
	if err != nil {
		return fmt.Errorf("cypher: check the store is empty: %w", err)
	}
	if len(recs) != 1 {
		return fmt.Errorf("cypher: check the store is empty: %d records", len(recs))
	}
	nodes, _, err := neo4j.GetRecordValue[int64](recs[0], "nodes")
	if err != nil {
		return fmt.Errorf("cypher: check the store is empty: %w", err)
	}
	version, _, err := neo4j.GetRecordValue[int64](recs[0], "version")
	if err != nil {
		return fmt.Errorf("cypher: check the store is empty: %w", err)
	}
	if nodes > 0 || version > 0 {
		return fmt.Errorf("%w: the store is not empty (%d nodes beyond the schema's, data version %d): a bulk import only fills an empty store; use a load without --bulk",
			graph.ErrConflict, nodes, version)
	}
	return nil
}

// The importer writes no property for an empty array; every REVIEWED edge and Product node
// it wrote came from a row whose lists are never null (rows.SortedCopy, rows.NonNil), so a
// missing list there is an empty one.
const (
	emptyHighlightsCypher = `
		MATCH (p:Product) WHERE p.highlights IS NULL
		CALL (p) { SET p.highlights = [] } IN TRANSACTIONS OF 20000 ROWS`
	emptyReviewListsCypher = `
		MATCH ()-[r:REVIEWED]->() WHERE r.concerns IS NULL OR r.effects IS NULL
		CALL (r) { SET r.concerns = coalesce(r.concerns, []), r.effects = coalesce(r.effects, []) } IN TRANSACTIONS OF 20000 ROWS`
)

// FinishBulk completes a load that neo4j-admin imported into an empty store (package
// bulkimport): the empty lists, the outcome aggregates of the reviewed products, then in one
// transaction the knowledge-base ingredients (with their TREATS, AGGRAVATES and
// CONFLICTS_WITH edges), the load's Source node and the data version bump with its change-feed
// entry. The schema must be migrated first (Migrate). The counts are those of a load into
// an empty store: every record created.
func (s *Store) FinishBulk(ctx context.Context, load graph.Load, sum bulkimport.Summary) (graph.LoadResult, error) {
	res := graph.LoadResult{LoadID: load.ID}
	for _, q := range []string{emptyHighlightsCypher, emptyReviewListsCypher} {
		if err := s.autocommit(ctx, q, nil); err != nil {
			return res, fmt.Errorf("cypher: finish bulk load %s: empty lists: %w", load.ID, err)
		}
	}
	if err := s.refreshOutcomes(ctx, sum.Reviewed, ""); err != nil {
		return res, fmt.Errorf("cypher: finish bulk load %s: %w", load.ID, err)
	}
	ingredientRows, conflictRows := rows.Ingredients(load.Ingredients)
	res.Counts = map[string]graph.Counts{
		"ingredients": {Created: len(ingredientRows)},
		"products":    {Created: len(sum.Products)},
		"reviews":     {Created: sum.Reviews},
	}
	for _, c := range res.Counts {
		res.Changed = res.Changed || c.Created > 0
	}
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		// The label-only ingredients the importer wrote for the products' INCI lists are
		// completed here as MERGE finds them; the counts above are those of an empty store.
		if _, err := writeIngredients(ctx, tx, ingredientRows, conflictRows, nil); err != nil {
			return err
		}
		if !res.Changed {
			return nil
		}
		// As the Cypher load records it: its products and the reviewed ones, the knowledge
		// base (recordLoad), and for a staged load also the ingredients its products created.
		ch := graph.Change{Products: append(append([]string(nil), sum.Products...), sum.Reviewed...)}
		if sum.Marked {
			ch.Ingredients = sum.Ingredients
		}
		var err error
		res.Version, err = recordLoad(ctx, tx, load, res.Counts, ch)
		return err
	})
	if err != nil {
		return graph.LoadResult{}, fmt.Errorf("cypher: finish bulk load %s: %w", load.ID, err)
	}
	if !res.Changed {
		if res.Version, err = s.DataVersion(ctx); err != nil {
			return graph.LoadResult{}, err
		}
	}
	return res, nil
}
