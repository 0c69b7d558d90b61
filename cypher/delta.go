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

// deltaQueries read the rows of the touched products ($products) and ingredients
// ($ingredients), and every rule when $rules: the statements of projectionQueries restricted
// to those ids, with the same visibility predicates (package visibility) and the same columns, so
// that their rows go through the same converters (projectionAdd) as a full build's.
var deltaQueries = []struct{ name, query string }{
	{"ingredients", visibility.StagedIDsParam + ` MATCH (i:Ingredient) WHERE i.inci IN $ingredients AND ` + visibility.Ingredient + ` RETURN i.inci AS inci, i.name AS name, i.comedogenic AS comedogenic`},
	{"products", visibility.StagedIDsParam + ` MATCH (p:Product) WHERE p.id IN $products AND ` + visibility.Product + ` RETURN p.id, p.name, p.brand, p.category, p.price, p.rating, p.review_count, p.in_stock = false`},
	{"contains", visibility.StagedIDsParam + ` MATCH (p:Product)-[c:CONTAINS]->(i:Ingredient) WHERE p.id IN $products AND ` + visibility.Product + ` AND ` + visibility.EdgeC + ` RETURN p.id, i.inci, c.position, c.may_contain`},
	{"treats", `MATCH (i:Ingredient)-[t:TREATS]->(c:Concern) WHERE i.inci IN $ingredients RETURN i.inci, c.name, t.evidence, t.efficacy, t.source`},
	{"aggravates", `MATCH (i:Ingredient)-[a:AGGRAVATES]->(t) WHERE i.inci IN $ingredients
		RETURN i.inci, CASE WHEN t:SkinType THEN 'skin_type' WHEN t:Concern THEN 'concern' WHEN t:Sensitivity THEN 'sensitivity' ELSE '' END,
		       t.name, a.severity, a.reason`},
	// Both directions: a conflict is stored on both of its ingredients.
	{"conflicts", `MATCH (x:Ingredient) WHERE x.inci IN $ingredients
		MATCH (x)-[c:CONFLICTS_WITH]-(:Ingredient)
		WITH DISTINCT c
		RETURN startNode(c).inci, endNode(c).inci, c.severity, c.reason`},
	{"claims", visibility.StagedIDsParam + ` MATCH (p:Product)-[r:CLAIMS]->(c:Concern) WHERE p.id IN $products AND ` + visibility.Product + ` AND ` + visibility.EdgeR + ` RETURN p.id, c.name`},
	{"suits", visibility.StagedIDsParam + ` MATCH (p:Product)-[r:SUITS]->(t:SkinType) WHERE p.id IN $products AND ` + visibility.Product + ` AND ` + visibility.EdgeR + ` RETURN p.id, t.name`},
	{"rules", `MATCH (r:Rule) WHERE $rules RETURN r {.*}`},
	{"experiments", `MATCH (e:Experiment) WHERE $rules RETURN e {.*}`},
	{"reviews", visibility.StagedIDsParam + ` MATCH (u:Reviewer)-[r:REVIEWED]->(p:Product) WHERE p.id IN $products AND ` + visibility.EdgeR + ` AND ` + visibility.Product + ` RETURN u.id, p.id, r.rating, r.at, coalesce(r.skin_type, '')`},
	{"outcomes", visibility.StagedIDsParam + ` MATCH (p:Product)-[:HAS_OUTCOME]->(o:Outcome) WHERE p.id IN $products AND ` + visibility.Product + ` RETURN o {.*}`},
}

// containedCypher lists the ingredients the touched products contain now: they join the
// touched ingredients, so that an ingredient a product upload created arrives with its node.
const containedCypher = visibility.StagedIDsParam + `
	MATCH (p:Product)-[c:CONTAINS]->(i:Ingredient) WHERE p.id IN $products AND ` + visibility.Product + ` AND ` + visibility.EdgeC + `
	RETURN collect(DISTINCT i.inci) AS incis`

// projectionAdd returns the converter of the full projection's statement name.
func projectionAdd(name string) func(b *graph.ProjectionBuilder, r *neo4j.Record) {
	for _, q := range projectionQueries {
		if q.name == name {
			return q.add
		}
	}
	panic("cypher: no projection statement " + name)
}

// ProjectDelta reads what changed after data version from: the changes of the feed
// (ChangesSince; an error wrapping graph.ErrGone when some were pruned) merged into one, and
// the rows of the products and ingredients they touched, as of the current version (the
// Delta's To). A change marked Full gives a Delta marked Full, without rows. The changes and
// the rows are read in one read transaction and the version is read again at its end; a
// write that commits meanwhile makes ProjectDelta read again (at most three times).
func (s *Store) ProjectDelta(ctx context.Context, from graph.DataVersion) (*graph.Delta, error) {
	for attempt := 0; attempt < 3; attempt++ {
		d, stable, err := s.projectDeltaOnce(ctx, from)
		if err != nil {
			return nil, fmt.Errorf("cypher: project delta from %d: %w", from.N, err)
		}
		if stable {
			return d, nil
		}
	}
	return nil, fmt.Errorf("cypher: project delta from %d: %w: the data version kept changing while reading", from.N, graph.ErrUnavailable)
}

func (s *Store) projectDeltaOnce(ctx context.Context, from graph.DataVersion) (*graph.Delta, bool, error) {
	var d *graph.Delta
	stable := false
	err := s.readTx(ctx, func(tx neo4j.ManagedTransaction) error {
		d, stable = nil, false // the driver may retry
		recs, err := txn.Run(ctx, tx, visibility.StagedLoadIDs, nil)
		if err != nil {
			return fmt.Errorf("staged loads: %w", err)
		}
		staged, err := txn.StringLists(recs, "ids")
		if err != nil {
			return fmt.Errorf("staged loads: %w", err)
		}
		to, changes, err := changesSince(ctx, tx, from.N)
		if err != nil {
			return err
		}
		ch := graph.Merge(changes)
		d = &graph.Delta{From: from, To: to, Products: ch.Products, Ingredients: ch.Ingredients, Rules: ch.Rules, Full: ch.Full}
		if d.Full || ch.Empty() {
			d.Products, d.Ingredients = nil, nil
		} else {
			full, err := readDeltaRows(ctx, tx, staged, d)
			if err != nil {
				return err
			}
			if full { // too many to read as a delta
				d.Full, d.Products, d.Ingredients, stable = true, nil, nil, true
				return nil
			}
		}
		// Read committed: a write that committed while the rows were read shows in the version.
		after, err := txn.Run(ctx, tx, "MATCH (v:DataVersion {id: 'current'}) RETURN v.n AS n, v.at AS at", nil)
		if err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		if len(after) != 1 {
			return nil // not stable
		}
		now, err := toDataVersion(after[0])
		if err != nil {
			return err
		}
		stable = now.N == to.N
		return nil
	})
	return d, stable, err
}

// readDeltaRows reads into d the rows of its products, its ingredients and those its products
// contain, as the staged loads staged leave them visible. It reports true, reading nothing,
// when the ingredients are too many for a delta.
func readDeltaRows(ctx context.Context, tx neo4j.ManagedTransaction, staged []string, d *graph.Delta) (bool, error) {
	params := map[string]any{"staged": staged, "products": rows.NonNil(d.Products)}
	recs, err := txn.Run(ctx, tx, containedCypher, params)
	if err != nil {
		return false, fmt.Errorf("contained ingredients: %w", err)
	}
	contained, err := txn.StringLists(recs, "incis")
	if err != nil {
		return false, fmt.Errorf("contained ingredients: %w", err)
	}
	touched := graph.Change{Ingredients: append(contained, d.Ingredients...)}.Normalized()
	if touched.Full {
		return true, nil
	}
	d.Ingredients = touched.Ingredients
	params["ingredients"] = rows.NonNil(d.Ingredients)
	params["rules"] = d.Rules
	for _, q := range deltaQueries {
		add := projectionAdd(q.name)
		res, err := tx.Run(ctx, q.query, params)
		if err != nil {
			return false, fmt.Errorf("%s: %w", q.name, err)
		}
		for res.Next(ctx) {
			add(&d.Rows, res.Record())
		}
		if err := res.Err(); err != nil {
			return false, fmt.Errorf("%s: %w", q.name, err)
		}
	}
	return false, nil
}
