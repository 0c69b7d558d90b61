package cypher

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/internal/visibility"
	"github.com/skingraph/skingraph/graph"
)

// projectionQueries stream everything the in-memory projection holds, one kind at a time.
// Rows of staged loads still under way ($staged: their ids, package visibility) are left out.
var projectionQueries = []struct {
	name  string
	query string
	add   func(b *graph.ProjectionBuilder, r *neo4j.Record)
}{
	{"ingredients", visibility.StagedIDsParam + ` MATCH (i:Ingredient) WHERE ` + visibility.Ingredient + ` RETURN i.inci AS inci, i.name AS name, i.comedogenic AS comedogenic`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) {
			c := int8(-1)
			if v, ok := r.Values[2].(int64); ok {
				c = int8(v)
			}
			b.AddIngredient(graph.ProjectedIngredient{INCI: str(r.Values[0]), Name: str(r.Values[1]), Comedogenic: c})
		}},
	{"products", visibility.StagedIDsParam + ` MATCH (p:Product) WHERE ` + visibility.Product + ` RETURN p.id, p.name, p.brand, p.category, p.price, p.rating, p.review_count, p.in_stock = false`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) {
			v := r.Values
			b.AddProduct(graph.ProjectedProduct{ID: str(v[0]), Name: str(v[1]), Brand: str(v[2]), Category: str(v[3]),
				Price: f64(v[4]), Rating: f64(v[5]), ReviewCount: int(i64(v[6])), OutOfStock: v[7] == true})
		}},
	{"contains", visibility.StagedIDsParam + ` MATCH (p:Product)-[c:CONTAINS]->(i:Ingredient) WHERE ` + visibility.Product + ` AND ` + visibility.EdgeC + ` RETURN p.id, i.inci, c.position, c.may_contain`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) {
			v := r.Values
			b.AddContains(str(v[0]), str(v[1]), int(i64(v[2])), v[3] == true)
		}},
	{"treats", `MATCH (i:Ingredient)-[t:TREATS]->(c:Concern) RETURN i.inci, c.name, t.evidence, t.efficacy, t.source`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) {
			v := r.Values
			b.AddTreats(str(v[0]), str(v[1]), str(v[2]), f64(v[3]), str(v[4]))
		}},
	{"aggravates", `MATCH (i:Ingredient)-[a:AGGRAVATES]->(t)
		RETURN i.inci, CASE WHEN t:SkinType THEN 'skin_type' WHEN t:Concern THEN 'concern' WHEN t:Sensitivity THEN 'sensitivity' ELSE '' END,
		       t.name, a.severity, a.reason`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) {
			v := r.Values
			b.AddAggravates(str(v[0]), str(v[1]), str(v[2]), f64(v[3]), str(v[4]))
		}},
	{"conflicts", `MATCH (a:Ingredient)-[c:CONFLICTS_WITH]->(b:Ingredient) RETURN a.inci, b.inci, c.severity, c.reason`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) {
			v := r.Values
			b.AddConflict(str(v[0]), str(v[1]), f64(v[2]), str(v[3]))
		}},
	{"claims", visibility.StagedIDsParam + ` MATCH (p:Product)-[r:CLAIMS]->(c:Concern) WHERE ` + visibility.Product + ` AND ` + visibility.EdgeR + ` RETURN p.id, c.name`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) { b.AddClaim(str(r.Values[0]), str(r.Values[1])) }},
	{"suits", visibility.StagedIDsParam + ` MATCH (p:Product)-[r:SUITS]->(t:SkinType) WHERE ` + visibility.Product + ` AND ` + visibility.EdgeR + ` RETURN p.id, t.name`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) { b.AddSuits(str(r.Values[0]), str(r.Values[1])) }},
	{"rules", `MATCH (r:Rule) RETURN r {.*}`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) { b.AddRule(toRule(r.Values[0])) }},
	{"experiments", `MATCH (e:Experiment) RETURN e {.*}`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) { b.AddExperiment(toExperiment(r.Values[0])) }},
	// Every review, for the co-review lists and the recent review volume of the prior.
	{"reviews", visibility.StagedIDsParam + ` MATCH (u:Reviewer)-[r:REVIEWED]->(p:Product) WHERE ` + visibility.EdgeR + ` AND ` + visibility.Product + ` RETURN u.id, p.id, r.rating, r.at, coalesce(r.skin_type, '')`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) {
			v := r.Values
			at, _ := v[3].(time.Time)
			b.AddTypedReview(str(v[0]), str(v[1]), int(i64(v[2])), at, str(v[4]))
		}},
	{"outcomes", visibility.StagedIDsParam + ` MATCH (p:Product)-[:HAS_OUTCOME]->(o:Outcome) WHERE ` + visibility.Product + ` RETURN o {.*}`,
		func(b *graph.ProjectionBuilder, r *neo4j.Record) {
			m, _ := r.Values[0].(map[string]any)
			b.AddOutcome(toOutcome(m))
		}},
}

// Project streams the graph into an in-memory projection. The queries run in one read
// transaction; the data version is read before and after, and a load that commits in between
// makes Project start again (at most three times) so that the projection matches its version.
func (s *Store) Project(ctx context.Context) (*graph.Projection, error) {
	for attempt := 0; attempt < 3; attempt++ {
		p, stable, err := s.projectOnce(ctx)
		if err != nil {
			return nil, fmt.Errorf("cypher: project: %w", err)
		}
		if stable {
			return p, nil
		}
	}
	return nil, fmt.Errorf("cypher: project: %w: the data version kept changing while reading", graph.ErrUnavailable)
}

func (s *Store) projectOnce(ctx context.Context) (*graph.Projection, bool, error) {
	before, err := s.DataVersion(ctx)
	if err != nil {
		return nil, false, err
	}
	var b graph.ProjectionBuilder
	sess := s.session(ctx, neo4j.AccessModeRead, 5000)
	defer sess.Close(context.WithoutCancel(ctx))
	err = s.guard(func() error {
		_, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			b = graph.ProjectionBuilder{} // the driver may retry
			recs, err := txn.Run(ctx, tx, visibility.StagedLoadIDs, nil)
			if err != nil {
				return nil, fmt.Errorf("staged loads: %w", err)
			}
			staged, err := txn.StringLists(recs, "ids")
			if err != nil {
				return nil, fmt.Errorf("staged loads: %w", err)
			}
			params := map[string]any{"staged": staged}
			for _, q := range projectionQueries {
				res, err := tx.Run(ctx, q.query, params)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", q.name, err)
				}
				for res.Next(ctx) {
					q.add(&b, res.Record())
				}
				if err := res.Err(); err != nil {
					return nil, fmt.Errorf("%s: %w", q.name, err)
				}
			}
			return nil, nil
		})
		return txn.Translate(err)
	})
	if err != nil {
		return nil, false, err
	}
	after, err := s.DataVersion(ctx)
	if err != nil {
		return nil, false, err
	}
	if after.N != before.N {
		return nil, false, nil
	}
	p, err := b.Build(after)
	return p, err == nil, err
}
