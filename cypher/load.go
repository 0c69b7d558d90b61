package cypher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

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
	ingredientRows, conflictRows := ingredientParams(load.Ingredients)
	productRows := productParams(load.Products)
	reviewRows := reviewParams(load.Reviews)

	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		res.Counts = map[string]graph.Counts{} // the driver may retry the function
		var err error
		if res.Counts["ingredients"], err = upsertBatches(ctx, tx, upsertIngredientsCypher, ingredientRows); err != nil {
			return fmt.Errorf("ingredients: %w", err)
		}
		if len(conflictRows) > 0 {
			for _, b := range batches(conflictRows) {
				if _, err := run(ctx, tx, mergeConflictsCypher, map[string]any{"rows": b}); err != nil {
					return fmt.Errorf("ingredient conflicts: %w", err)
				}
			}
		}
		if res.Counts["products"], err = upsertBatches(ctx, tx, upsertProductsCypher, productRows); err != nil {
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
			if _, err := run(ctx, tx, refreshOutcomesCypher, params); err != nil {
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
		if _, err := run(ctx, tx, createSourceCypher, map[string]any{
			"id": load.ID, "kind": load.Kind, "citation": load.Source, "at": load.At,
			"counts": countsJSON(res.Counts),
		}); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if res.Version, err = bumpVersion(ctx, tx, loadChange(load, touched)); err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		return nil
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

// upsertBatches runs an upsert statement over rows in batches; the statement returns one
// (status, n) row per status: created, updated or unchanged.
func upsertBatches(ctx context.Context, tx neo4j.ManagedTransaction, query string, rows []map[string]any) (graph.Counts, error) {
	var c graph.Counts
	for _, b := range batches(rows) {
		recs, err := run(ctx, tx, query, map[string]any{"rows": b, "load": nil})
		if err != nil {
			return c, err
		}
		addCounts(&c, recs)
	}
	return c, nil
}

func addCounts(c *graph.Counts, recs []*neo4j.Record) {
	for _, r := range recs {
		m := r.AsMap()
		n, _ := m["n"].(int64)
		switch m["status"] {
		case "created":
			c.Created += int(n)
		case "updated":
			c.Updated += int(n)
		case "unchanged":
			c.Unchanged += int(n)
		}
	}
}

// upsertReviews writes reviews and returns the ids of the products whose reviews changed.
func upsertReviews(ctx context.Context, tx neo4j.ManagedTransaction, rows []map[string]any) (graph.Counts, []string, error) {
	var c graph.Counts
	touched := map[string]bool{}
	for _, b := range batches(rows) {
		recs, err := run(ctx, tx, upsertReviewsCypher, map[string]any{"rows": b})
		if err != nil {
			return c, nil, err
		}
		var got graph.Counts
		addCounts(&got, recs)
		if n := got.Created + got.Updated + got.Unchanged; n != len(b) {
			return c, nil, fmt.Errorf("%w: %d of %d reviews refer to products that are neither in the graph nor in this load",
				graph.ErrInvalid, len(b)-n, len(b))
		}
		c.Created, c.Updated, c.Unchanged = c.Created+got.Created, c.Updated+got.Updated, c.Unchanged+got.Unchanged
		for _, r := range recs {
			if ids, ok := r.AsMap()["touched"].([]any); ok {
				for _, id := range ids {
					touched[id.(string)] = true
				}
			}
		}
	}
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return c, ids, nil
}

func batches[T any](rows []T) [][]T {
	var out [][]T
	for len(rows) > 0 {
		n := min(batchSize, len(rows))
		out = append(out, rows[:n])
		rows = rows[n:]
	}
	return out
}

// contentHash is a stable hash of a row's content (json.Marshal sorts map keys).
func contentHash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cypher: hash of unmarshalable row: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

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
// superseded by a committed staged load (see staging.go) are not looked at: they are garbage.
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

// refreshOutcomesCypher recomputes the Outcome nodes of the given products ($ids) from their
// reviews and the reports of their rating and effect events ($reports, by product id: the
// events are sealed, so Store.outcomeParams opens them and computes the reports in Go, one
// per profile and product, capped per source key and period; privacy.go): one Outcome per
// (product, skin type | skin tone | concern) that at least one reviewer or profile declared
// and that has at least one rating. Every review and every report is one: count counts them,
// mean_rating averages the ratings (so a report without one, an effect event, counts at the
// mean), recommend_rate averages the reviews' recommendations, and the effect counts are the
// reports naming each effect, so effect shares (count / reports) stay within [0, 1]
// (cypher/events.go). Reviews of staged loads under way are not counted yet (staging.go).
//
// The staged loads under way and the attribute nodes are read once, at the start: in a
// transaction that has deleted many nodes and relationships (the old outcomes and their FOR
// edges here), an EXISTS subquery per review (a StagedLoad label scan each) and a locking
// index seek per outcome on the attribute nodes cost 10 times what they cost otherwise:
// 500 products of a 3,000-product reload took 6.0 s to refresh with them and 1.2 s without.
var refreshOutcomesCypher = stagedIDs + outcomesFromStagedIDs

// outcomesFromStagedIDs is refreshOutcomesCypher once staged_ids is bound (visibility.go): a
// staged load binds it as it sees the graph (stagedOutcomesCypher).
var outcomesFromStagedIDs = `
	CALL () { MATCH (a:SkinType) RETURN collect(['skin_type', a]) AS types }
	CALL () { MATCH (a:SkinTone) RETURN collect(['skin_tone', a]) AS tones }
	CALL () { MATCH (a:Concern) RETURN collect(['concern', a]) AS concerns }
	WITH staged_ids, types + tones + concerns AS attributes
	UNWIND $ids AS pid
	MATCH (p:Product {id: pid})
	CALL (p) {
		OPTIONAL MATCH (p)-[:HAS_OUTCOME]->(o:Outcome)
		DETACH DELETE o
	}
	CALL (p, staged_ids, attributes) {
		CALL (p, staged_ids) {
			MATCH (:Reviewer)-[r:REVIEWED]->(p)
			WHERE ` + visibleR + `
			RETURN r.skin_type AS skin_type, r.skin_tone AS skin_tone, coalesce(r.concerns, []) AS concerns,
			       r.rating AS rating, coalesce(r.recommended, false) AS recommended, coalesce(r.effects, []) AS effects
			UNION ALL
			UNWIND coalesce($reports[p.id], []) AS e
			RETURN e.skin_type AS skin_type, e.skin_tone AS skin_tone, e.concerns AS concerns,
			       e.rating AS rating, null AS recommended, e.effects AS effects
		}
		UNWIND [['skin_type', skin_type], ['skin_tone', skin_tone]] + [c IN concerns | ['concern', c]] AS attr
		WITH p, rating, recommended, effects, attr[0] AS kind, attr[1] AS name
		WHERE name IS NOT NULL AND name <> ''
		WITH p, kind, name,
		     count(*) AS n, count(rating) AS rated, avg(toFloat(rating)) AS mean,
		     avg(CASE WHEN recommended IS NULL THEN null WHEN recommended THEN 1.0 ELSE 0.0 END) AS rec,
		     sum(CASE WHEN 'improved' IN effects THEN 1 ELSE 0 END) AS improved,
		     sum(CASE WHEN 'no-change' IN effects THEN 1 ELSE 0 END) AS no_change,
		     sum(CASE WHEN 'breakout' IN effects THEN 1 ELSE 0 END) AS breakout,
		     sum(CASE WHEN 'irritation' IN effects THEN 1 ELSE 0 END) AS irritation,
		     sum(CASE WHEN 'purging' IN effects THEN 1 ELSE 0 END) AS purging,
		     sum(CASE WHEN 'hydration' IN effects THEN 1 ELSE 0 END) AS hydration
		WITH p, kind, name, n, rated, mean, rec, improved, no_change, breakout, irritation, purging, hydration,
		     [a IN attributes WHERE a[0] = kind AND a[1].name = name | a[1]][0] AS attribute
		WHERE attribute IS NOT NULL AND rated > 0
		CREATE (o:Outcome {key: p.id + '|' + kind + ':' + name, product_id: p.id, kind: kind, attribute: name,
		        count: n, mean_rating: mean, recommend_rate: rec, improved: improved, no_change: no_change,
		        breakout: breakout, irritation: irritation, purging: purging, hydration: hydration})
		CREATE (p)-[:HAS_OUTCOME]->(o)
		CREATE (o)-[:FOR]->(attribute)
	}`
