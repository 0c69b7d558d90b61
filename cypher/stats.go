package cypher

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/internal/visibility"
)

// Stats counts the main kinds of node and relationship in the graph.
type Stats struct {
	Products, Ingredients, Reviewers, Reviews, Outcomes int64
}

// statsCypher counts what readers see: a staged load under way is not counted.
const statsCypher = visibility.StagedIDs + `
	CALL (staged_ids) { MATCH (p:Product) WHERE ` + visibility.Product + ` RETURN count(p) AS products }
	CALL (staged_ids) { MATCH (i:Ingredient) WHERE ` + visibility.Ingredient + ` RETURN count(i) AS ingredients }
	CALL (staged_ids) { MATCH (node:Reviewer) WHERE ` + visibility.Node + ` RETURN count(node) AS reviewers }
	CALL (staged_ids) { MATCH ()-[r:REVIEWED]->(p:Product) WHERE ` + visibility.EdgeR + ` AND ` + visibility.Product + ` RETURN count(r) AS reviews }
	CALL () { MATCH (n:Outcome) RETURN count(n) AS outcomes }
	RETURN products, ingredients, reviewers, reviews, outcomes`

// Stats counts what the graph holds, as readers see it.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	recs, err := s.read(ctx, statsCypher, nil)
	if err != nil {
		return Stats{}, fmt.Errorf("cypher: stats: %w", err)
	}
	m := recs[0].AsMap()
	return Stats{
		Products: i64(m["products"]), Ingredients: i64(m["ingredients"]), Reviewers: i64(m["reviewers"]),
		Reviews: i64(m["reviews"]), Outcomes: i64(m["outcomes"]),
	}, nil
}

// Wipe deletes every node and relationship (in batches) but keeps the schema, then re-seeds
// the DataVersion node and vocabularies. Tests use it to give each test a clean graph.
func (s *Store) Wipe(ctx context.Context) error {
	if err := s.autocommit(ctx, `
		MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`, nil); err != nil {
		return fmt.Errorf("cypher: wipe: %w", err)
	}
	return s.Migrate(ctx)
}

// LastCommit returns an opaque mark of the last transaction committed to the database (the
// bookmark a read transaction ends with): two equal marks mean that nothing was committed in
// between, by anyone. A transaction that changes nothing (a MERGE that finds, a schema
// statement IF NOT EXISTS) commits nothing. Tests use it to reuse a graph they prepared, as
// long as no one has changed it.
func (s *Store) LastCommit(ctx context.Context) (string, error) {
	var mark string
	err := s.guard(func() error {
		sess := s.session(ctx, neo4j.AccessModeRead, neo4j.FetchDefault)
		defer sess.Close(context.WithoutCancel(ctx))
		if _, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			res, err := tx.Run(ctx, "RETURN 1", nil)
			if err != nil {
				return nil, err
			}
			return res.Consume(ctx)
		}); err != nil {
			return txn.Translate(err)
		}
		bm := sess.LastBookmarks()
		if len(bm) != 1 {
			return fmt.Errorf("%d bookmarks after one read, want 1", len(bm))
		}
		mark = bm[0]
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("cypher: last commit: %w", err)
	}
	return mark, nil
}
