package cypher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// batchSize is how many rows one UNWIND statement carries.
const batchSize = 1000

// WriteLoad writes a load in one transaction: ingredients, then products, then reviews and the
// outcome aggregates of the products whose reviews changed, then the provenance Source node
// and a DataVersion bump. Records are MERGEd by key and compared by a content hash, so a record
// already stored as it is is not written again; a load that changes nothing neither bumps the
// version nor records a Source. Either all of it commits or, on any error, none of it. A dry
// run does all of it and rolls back, so its counts are exactly what the load would do.
func (s *Store) WriteLoad(ctx context.Context, load graph.Load) (graph.LoadResult, error) {
	res := graph.LoadResult{LoadID: load.ID, Counts: map[string]graph.Counts{}}
	if load.At.IsZero() {
		load.At = time.Now().UTC()
	}
	ingredientRows, conflictRows := rows.Ingredients(load.Ingredients)
	productRows := rows.ToProducts(load.Products)
	reviewRows := rows.ToReviews(load.Reviews)

	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		res.Counts = map[string]graph.Counts{} // the driver may retry the function
		var err error
		if res.Counts["ingredients"], err = writeIngredients(ctx, tx, ingredientRows, conflictRows, nil); err != nil {
			return err
		}
		if res.Counts["products"], err = upsertBatches(ctx, tx, upsertProductsCypher, productRows, nil); err != nil {
			return fmt.Errorf("products: %w", err)
		}
		reviews, touched, err := upsertReviews(ctx, tx, reviewRows)
		if err != nil {
			return fmt.Errorf("reviews: %w", err)
		}
		res.Counts["reviews"] = reviews
		for _, b := range batches(touched) {
			params, err := s.outcomeParams(ctx, tx, b)
			if err != nil {
				return err
			}
			if _, err := txn.Run(ctx, tx, refreshOutcomesCypher, params); err != nil {
				return fmt.Errorf("outcomes: %w", err)
			}
		}
		res.Changed = false
		for _, c := range res.Counts {
			if c.Created+c.Updated > 0 {
				res.Changed = true
			}
		}
		if !res.Changed {
			return nil
		}
		if load.DryRun {
			return errDryRun
		}
		res.Version, err = recordLoad(ctx, tx, load, res.Counts, graph.Change{Products: touched})
		return err
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return graph.LoadResult{}, fmt.Errorf("cypher: write load %s: %w", load.ID, err)
	}
	if !res.Changed || load.DryRun {
		if res.Version, err = s.DataVersion(ctx); err != nil {
			return graph.LoadResult{}, err
		}
	}
	return res, nil
}

// upsertBatches runs an upsert statement over rows in batches, for a one-transaction load
// (loadID nil) or the final transaction of the staged load loadID; the statement returns one
// (status, n) row per status: created, updated or unchanged.
func upsertBatches[T rows.Param](ctx context.Context, tx neo4j.ManagedTransaction, query string, rs []T, loadID any) (graph.Counts, error) {
	var c graph.Counts
	for _, b := range batches(rs) {
		recs, err := txn.Run(ctx, tx, query, map[string]any{"rows": rows.Params(b), "load": loadID})
		if err != nil {
			return c, err
		}
		if err := addCounts(&c, recs); err != nil {
			return c, err
		}
	}
	return c, nil
}

// writeIngredients writes knowledge-base ingredients and their conflicts in tx, for a
// one-transaction load (loadID nil) or the final transaction of the staged load loadID.
func writeIngredients(ctx context.Context, tx neo4j.ManagedTransaction, ings []rows.Ingredient, conflicts []rows.Conflict, loadID any) (graph.Counts, error) {
	c, err := upsertBatches(ctx, tx, upsertIngredientsCypher, ings, loadID)
	if err != nil {
		return c, fmt.Errorf("ingredients: %w", err)
	}
	for _, b := range batches(conflicts) {
		if _, err := txn.Run(ctx, tx, mergeConflictsCypher, map[string]any{"rows": rows.Params(b)}); err != nil {
			return c, fmt.Errorf("ingredient conflicts: %w", err)
		}
	}
	return c, nil
}

// recordLoad writes the Source node of a load that changed something and bumps the data
// version in tx, recording in the change feed what the load changed: its products and
// ingredients (loadChange) and ch.
func recordLoad(ctx context.Context, tx neo4j.ManagedTransaction, load graph.Load, counts map[string]graph.Counts, ch graph.Change) (graph.DataVersion, error) {
	if _, err := txn.Run(ctx, tx, createSourceCypher, map[string]any{
		"id": load.ID, "kind": load.Kind, "citation": load.Source, "at": load.At, "counts": countsJSON(counts),
	}); err != nil {
		return graph.DataVersion{}, fmt.Errorf("source: %w", err)
	}
	v, err := bumpVersion(ctx, tx, graph.Merge([]graph.Change{loadChange(load, nil), ch}))
	if err != nil {
		return v, fmt.Errorf("data version: %w", err)
	}
	return v, nil
}

// addCounts adds the (status, n) records of an upsert statement to c.
func addCounts(c *graph.Counts, recs []*neo4j.Record) error {
	for _, r := range recs {
		status, err := txn.String(r, "status")
		if err != nil {
			return fmt.Errorf("counts: %w", err)
		}
		n, _, err := neo4j.GetRecordValue[int64](r, "n")
		if err != nil {
			return fmt.Errorf("counts: %w", err)
		}
		switch status {
		case "created":
			c.Created += int(n)
		case "updated":
			c.Updated += int(n)
		case "unchanged":
			c.Unchanged += int(n)
		}
	}
	return nil
}

// upsertReviews writes reviews and returns the ids of the products whose reviews changed.
func upsertReviews(ctx context.Context, tx neo4j.ManagedTransaction, reviews []rows.Review) (graph.Counts, []string, error) {
	var c graph.Counts
	touched := map[string]bool{}
	for _, b := range batches(reviews) {
		recs, err := txn.Run(ctx, tx, upsertReviewsCypher, map[string]any{"rows": rows.Params(b)})
		if err != nil {
			return c, nil, err
		}
		var got graph.Counts
		if err := addCounts(&got, recs); err != nil {
			return c, nil, err
		}
		if n := got.Created + got.Updated + got.Unchanged; n != len(b) {
			return c, nil, fmt.Errorf("%w: %d of %d reviews refer to products that are neither in the graph nor in this load",
				graph.ErrInvalid, len(b)-n, len(b))
		}
		c.Created, c.Updated, c.Unchanged = c.Created+got.Created, c.Updated+got.Updated, c.Unchanged+got.Unchanged
		ids, err := txn.StringLists(recs, "touched")
		if err != nil {
			return c, nil, fmt.Errorf("touched products: %w", err)
		}
		for _, id := range ids {
			touched[id] = true
		}
	}
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return c, ids, nil
}

// batches splits rows into the batches of batchSize rows that one UNWIND statement carries.
func batches[T any](rs []T) [][]T { return rows.Chunks(rs, batchSize) }

func countsJSON(c map[string]graph.Counts) string {
	b, _ := json.Marshal(c)
	return string(b)
}

const createSourceCypher = `
	MERGE (s:Source {id: $id})
	SET s.kind = $kind, s.citation = $citation, s.loaded_at = $at, s.counts = $counts`

// upsertIngredientsCypher writes knowledge-base ingredients with their TREATS, AGGRAVATES
// and CONFLICTS_WITH edges, in a one-transaction load ($load null) and in the final
// transaction of a staged load ($load its id). The status of a row: created (new key, or a
// label-only node the staged load's own products created), unchanged (same content hash) or
// updated.
const upsertIngredientsCypher = `
	UNWIND $rows AS row
	OPTIONAL MATCH (old:Ingredient {inci: row.inci})
	WITH row, CASE WHEN old IS NULL OR (old._load = $load AND old.hash IS NULL) THEN 'created' WHEN old.hash = row.hash THEN 'unchanged' ELSE 'updated' END AS status
	CALL (row, status) {
		WITH row WHERE status <> 'unchanged'
		MERGE (i:Ingredient {inci: row.inci})
		SET i += row.props, i.hash = row.hash
		WITH i, row
		CALL (i) {
			OPTIONAL MATCH (i)-[r:TREATS|AGGRAVATES|CONFLICTS_WITH]-()
			DELETE r
		}
		CALL (i, row) {
			UNWIND row.treats AS t
			MATCH (c:Concern {name: t.concern})
			MERGE (i)-[x:TREATS]->(c)
			SET x.efficacy = t.efficacy, x.evidence = t.evidence, x.source = t.source
		}
		CALL (i, row) {
			UNWIND row.aggravates AS a
			OPTIONAL MATCH (st:SkinType {name: a.target}) WHERE a.kind = 'skin_type'
			OPTIONAL MATCH (c:Concern {name: a.target}) WHERE a.kind = 'concern'
			OPTIONAL MATCH (se:Sensitivity {name: a.target}) WHERE a.kind = 'sensitivity'
			WITH i, a, coalesce(st, c, se) AS target
			WHERE target IS NOT NULL
			MERGE (i)-[x:AGGRAVATES]->(target)
			SET x.severity = a.severity, x.reason = a.reason, x.source = a.source
		}
	}
	RETURN status, count(*) AS n`

// Conflicts are stored once per pair, from the smaller key to the larger.
const mergeConflictsCypher = `
	UNWIND $rows AS row
	MATCH (a:Ingredient {inci: row.a}), (b:Ingredient {inci: row.b})
	MERGE (a)-[c:CONFLICTS_WITH]->(b)
	SET c.severity = row.severity, c.reason = row.reason, c.source = row.source`

const upsertProductsCypher = `
	UNWIND $rows AS row
	OPTIONAL MATCH (old:Product {id: row.id})
	WITH row, CASE WHEN old IS NULL THEN 'created' WHEN old.hash = row.hash THEN 'unchanged' ELSE 'updated' END AS status
	CALL (row, status) {
		WITH row WHERE status <> 'unchanged'
		MERGE (p:Product {id: row.id})
		SET p += row.props, p.hash = row.hash
		WITH p, row
		CALL (p) {
			OPTIONAL MATCH (p)-[r:CONTAINS|CLAIMS|SUITS]->()
			DELETE r
		}
		CALL (p, row) {
			UNWIND row.ingredients AS ing
			MERGE (i:Ingredient {inci: ing.inci})
			ON CREATE SET i.name = ing.name
			MERGE (p)-[c:CONTAINS]->(i)
			SET c.position = ing.position, c.concentration = ing.concentration,
			    c.may_contain = ing.may_contain, c.list = ing.list, c.label = ing.name
		}
		CALL (p, row) {
			UNWIND row.claims AS name
			MATCH (c:Concern {name: name})
			MERGE (p)-[:CLAIMS]->(c)
		}
		CALL (p, row) {
			UNWIND row.suits AS name
			MATCH (t:SkinType {name: name})
			MERGE (p)-[:SUITS]->(t)
		}
	}
	RETURN status, count(*) AS n`

// Reviews are REVIEWED relationships keyed by review id; the reviewer's attributes at review
// time are kept on the relationship (outcomes aggregate by them) and as HAS edges. A review
// found by its id (the reviewed_id index) whatever its endpoints: one whose content changed
// replaces the stored edge, so a review moved to another product or reviewer leaves no copy
// behind, and the products of both sides are touched (their outcomes are recomputed). Edges
// superseded by a committed staged load (package staging) are not looked at: they are garbage.
const upsertReviewsCypher = `
	UNWIND $rows AS row
	MATCH (p:Product {id: row.product_id})
	MERGE (u:Reviewer {id: row.reviewer})
	WITH row, p, u
	OPTIONAL MATCH ()-[old:REVIEWED {id: row.id}]->(op:Product)
	WHERE old._superseded IS NULL
	WITH row, p, u, collect(old) AS olds, collect(op.id) AS before
	WITH row, p, u, olds, before,
	     CASE WHEN size(olds) = 0 THEN 'created' WHEN size(olds) = 1 AND olds[0].hash = row.hash THEN 'unchanged' ELSE 'updated' END AS status
	CALL (row, p, u, olds, status) {
		WITH row, p, u, olds WHERE status <> 'unchanged'
		FOREACH (old IN olds | DELETE old)
		CREATE (u)-[r:REVIEWED {id: row.id}]->(p)
		SET r += row.props, r.hash = row.hash
		WITH u, row
		CALL (u, row) {
			MATCH (t:SkinType {name: row.props.skin_type})
			MERGE (u)-[:HAS]->(t)
		}
		CALL (u, row) {
			MATCH (t:SkinTone {name: row.props.skin_tone})
			MERGE (u)-[:HAS]->(t)
		}
		CALL (u, row) {
			UNWIND row.props.concerns AS name
			MATCH (c:Concern {name: name})
			MERGE (u)-[:HAS]->(c)
		}
	}
	WITH status, CASE WHEN status = 'unchanged' THEN [] ELSE before + [row.product_id] END AS touched
	WITH status, count(*) AS n, collect(touched) AS touched
	RETURN status, n, reduce(all = [], t IN touched | all + t) AS touched`
