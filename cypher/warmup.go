package cypher

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/internal/visibility"
	"github.com/skingraph/skingraph/graph"
)

// Neo4j plans a statement the first time it sees its text (and its parameters' types) and
// caches the plan. The statements between a rating and its visibility (the event write, the
// outcome refresh, the version bump and the delta read) are planned in a second or more on
// a cold server, the first time one event arrives: 0.9 s for refreshOutcomesCypher alone
// on the demo graph against 0.1-0.2 s once planned, and 5.8 s for the first refresh at 100k
// products against 0.1 s later (docs/PERFORMANCE.md). WarmUp has them planned in advance.

// warmStatement is one statement to plan, with parameters of the types it is run with (plans
// are cached per parameter type).
type warmStatement struct {
	name   string
	query  string
	params map[string]any
}

// warmStatements are the statements WarmUp plans.
func warmStatements() []warmStatement {
	const id = "warm-up"
	ids := []string{id}
	out := []warmStatement{
		{"check events", checkEventsCypher, map[string]any{"rows": rows.Params([]eventCheck{{Tag: id, ProductID: id, ProfileID: id}})}},
		{"create events", createEventsCypher, map[string]any{"rows": rows.Params([]eventNode{{Tag: id, Sealed: id, Key: id, Owner: id, Subject: id}})}},
		{"event counters", bumpCountersCypher, map[string]any{"rows": rows.Params([]counterDelta{{ID: id, Counts: map[string]int64{}, Stale: true}})}},
		{"stale outcomes", unmarkStaleCypher, nil},
		{"event evidence", productEvidenceCypher, map[string]any{"subjects": ids}},
		{"outcomes", refreshOutcomesCypher, map[string]any{"ids": ids, "reports": map[string]any{id: []any{map[string]any{
			"skin_type": id, "skin_tone": nil, "concerns": ids, "rating": int64(1), "effects": ids}}}}},
		{"data version", bumpVersionCypher, bumpVersionParams(graph.ProductsChange(id))},
		{"changes since", changesSinceCypher, map[string]any{"n": int64(0)}},
		{"staged loads", visibility.StagedLoadIDs, nil},
	}
	delta := map[string]any{"staged": ids, "products": ids, "ingredients": ids, "rules": false}
	out = append(out, warmStatement{"contained ingredients", containedCypher, delta})
	for _, q := range deltaQueries {
		out = append(out, warmStatement{"delta " + q.name, q.query, delta})
	}
	return out
}

// WarmUp has Neo4j plan the statements that carry an event to the projection (EXPLAIN: they
// are planned and cached, not run, and nothing is written), so that the first rating after
// a start is not slowed by planning. It returns how many statements it planned.
func (s *Store) WarmUp(ctx context.Context) (int, error) {
	list := warmStatements()
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		for _, st := range list {
			if _, err := txn.Run(ctx, tx, "EXPLAIN "+st.query, st.params); err != nil {
				return fmt.Errorf("%s: %w", st.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("cypher: warm up: %w", err)
	}
	return len(list), nil
}
