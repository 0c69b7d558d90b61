package cypher

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/internal/visibility"
)

// The outcome aggregates: (:Product)-[:HAS_OUTCOME]->(:Outcome)-[:FOR]->(attribute), recomputed
// from the reviews and the reports of events whenever they change.

// refreshOutcomes recomputes the outcome aggregates of the given products, a chunk per
// transaction, counting the reviews of the staged load asLoad ("": none) and of no other
// staged load under way.
func (s *Store) refreshOutcomes(ctx context.Context, ids []string, asLoad string) error {
	for _, chunk := range rows.Chunks(ids, 2000) {
		err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
			for _, b := range rows.Chunks(chunk, 5000) {
				params, err := s.outcomeParams(ctx, tx, b)
				if err != nil {
					return err
				}
				params["load"] = asLoad
				if _, err := txn.Run(ctx, tx, stagedOutcomesCypher, params); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("outcomes: %w", err)
		}
	}
	return nil
}

// stagedOutcomesCypher is refreshOutcomesCypher as the staged load $load sees the graph
// (StagedIDsAsLoad): it counts the load's own reviews, whose marker exists until its final
// transaction ends, and not the edges the load replaces (those of other staged loads under
// way are left out, as everywhere). With $load "" it counts what refreshOutcomesCypher does.
const stagedOutcomesCypher = visibility.StagedIDsAsLoad + outcomesFromStagedIDs

// refreshOutcomesCypher recomputes the Outcome nodes of the given products ($ids) from their
// reviews and the reports of their rating and effect events ($reports, by product id: the
// events are sealed, so Store.outcomeParams opens them and computes the reports in Go, one
// per profile and product, capped per source key and period; privacy.go): one Outcome per
// (product, skin type | skin tone | concern) that at least one reviewer or profile declared
// and that has at least one rating. Every review and every report is one: count counts them,
// mean_rating averages the ratings (so a report without one, an effect event, counts at the
// mean), recommend_rate averages the reviews' recommendations, and the effect counts are the
// reports naming each effect, so effect shares (count / reports) stay within [0, 1]
// (cypher/events.go). Reviews of staged loads under way are not counted yet (package staging).
//
// The staged loads under way and the attribute nodes are read once, at the start: in a
// transaction that has deleted many nodes and relationships (the old outcomes and their FOR
// edges here), an EXISTS subquery per review (a StagedLoad label scan each) and a locking
// index seek per outcome on the attribute nodes cost 10 times what they cost otherwise:
// 500 products of a 3,000-product reload took 6.0 s to refresh with them and 1.2 s without.
const refreshOutcomesCypher = visibility.StagedIDs + outcomesFromStagedIDs

// outcomesFromStagedIDs is refreshOutcomesCypher once staged_ids is bound (package
// visibility): a staged load binds it as it sees the graph (stagedOutcomesCypher).
const outcomesFromStagedIDs = `
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
			WHERE ` + visibility.EdgeR + `
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
