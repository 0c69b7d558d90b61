package cypher

import (
	"context"
	"fmt"
)

// Stats counts the main kinds of node and relationship in the graph.
type Stats struct {
	Products, Ingredients, Reviewers, Reviews, Outcomes int64
}

// Stats counts what the graph holds.
func (s *Store) Stats(ctx context.Context) (Stats, error) {
	recs, err := s.read(ctx, `
		CALL () { MATCH (n:Product) RETURN count(n) AS products }
		CALL () { MATCH (n:Ingredient) RETURN count(n) AS ingredients }
		CALL () { MATCH (n:Reviewer) RETURN count(n) AS reviewers }
		CALL () { MATCH ()-[r:REVIEWED]->() RETURN count(r) AS reviews }
		CALL () { MATCH (n:Outcome) RETURN count(n) AS outcomes }
		RETURN products, ingredients, reviewers, reviews, outcomes`, nil)
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
