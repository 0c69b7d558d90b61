package staging

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/internal/visibility"
	"github.com/skingraph/skingraph/graph"
)

// The products of a staged load (step 2 of the package comment): each chunk creates the new products
// and the new edges of the changed ones, hidden until the commit.

// WriteProducts writes the new products of one chunk in one transaction (step 2); chunks
// larger than stagedProductChunk products or stagedProductCost cost units are split.
func (st *Load) WriteProducts(ctx context.Context, products []graph.Product) error {
	if st.finished {
		return fmt.Errorf("cypher: staged load %s: %w: already finished", st.load.ID, graph.ErrInvalid)
	}
	for _, part := range productChunks(products) {
		if err := st.writeProducts(ctx, part); err != nil {
			return fmt.Errorf("cypher: staged load %s: products: %w", st.load.ID, err)
		}
	}
	return nil
}

func (st *Load) writeProducts(ctx context.Context, part []graph.Product) error {
	chunk := rows.ToProducts(part)
	// The driver may run the function again: it only fills c and deferred, which are
	// added up once the transaction has committed.
	var c graph.Counts
	var deferred []int // indexes into part: the changed products, whose properties Commit sets
	err := st.l.db.InWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		c, deferred = graph.Counts{}, nil
		for bi, b := range rows.Chunks(chunk, stagedBatch) {
			ids := make([]string, len(b))
			for i, r := range b {
				ids[i] = r.ID
			}
			stored, err := storedHashes(ctx, tx, productHashesCypher, ids)
			if err != nil {
				return err
			}
			var created, changed []rows.Product
			var changedIDs []string
			for i, r := range b {
				switch h, ok := stored[r.ID]; {
				case !ok:
					created = append(created, r)
				case h == r.Hash:
					c.Unchanged++
				default:
					changed = append(changed, r)
					changedIDs = append(changedIDs, r.ID)
					deferred = append(deferred, bi*stagedBatch+i)
				}
			}
			if len(created)+len(changed) == 0 {
				continue
			}
			ings, err := mergeLabelIngredients(ctx, tx, append(append([]rows.Product(nil), created...), changed...), st.load.ID)
			if err != nil {
				return fmt.Errorf("ingredients: %w", err)
			}
			if len(created) > 0 {
				if _, err := txn.Run(ctx, tx, createProductsCypher, chunkParams(st.load.ID, withIngredientIDs(created, ings))); err != nil {
					return err
				}
			}
			if len(changed) > 0 {
				// Their new edges now, hidden until the commit; the old ones count until then.
				if _, err := txn.Run(ctx, tx, supersedeProductEdgesCypher, map[string]any{"ids": changedIDs, "load": st.load.ID}); err != nil {
					return fmt.Errorf("supersede the edges of changed products: %w", err)
				}
				if _, err := txn.Run(ctx, tx, productEdgesCypher, chunkParams(st.load.ID, withIngredientIDs(changed, ings))); err != nil {
					return fmt.Errorf("edges of changed products: %w", err)
				}
			}
			c.Created += len(created)
			c.Updated += len(changed)
		}
		return heartbeat(ctx, tx, st.load.ID, st.l.lease())
	})
	if err != nil {
		return err
	}
	st.products.Created += c.Created
	st.products.Updated += c.Updated
	st.products.Unchanged += c.Unchanged
	for _, i := range deferred {
		if err := st.changedProducts.add(part[i]); err != nil {
			return err
		}
	}
	st.advance(len(chunk))
	return nil
}

// storedHashes runs query (productHashesCypher) for the ids
// of rows and returns the content hash stored for each id that exists. It reads without
// taking locks: the rows it does not find are created next in the same transaction. A
// product created meanwhile by another transaction fails that creation on its uniqueness
// constraint; reviews have none, and, as with the relationship index seek used before, two
// loads writing the same new review at the same moment are not guarded against.
func storedHashes(ctx context.Context, tx neo4j.ManagedTransaction, query string, ids []string) (map[string]string, error) {
	recs, err := txn.Run(ctx, tx, query, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("stored hashes: %w", err)
	}
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		id, err := txn.String(rec, "id")
		if err != nil {
			return nil, fmt.Errorf("stored hashes: %w", err)
		}
		hash, err := txn.String(rec, "hash")
		if err != nil {
			return nil, fmt.Errorf("stored hashes: %w", err)
		}
		out[id] = hash
	}
	return out, nil
}

// mergeLabelIngredients merges once each ingredient the new products of a batch name (a
// label-only node, marked with the load, when the graph has none; named as on the first
// label that names it, as merging row by row did) and returns the element id of each by INCI
// key, so that the products' CONTAINS edges are created without an index seek apiece.
func mergeLabelIngredients(ctx context.Context, tx neo4j.ManagedTransaction, products []rows.Product, loadID string) (map[string]string, error) {
	seen := map[string]bool{}
	var ings []labelIngredient
	for _, r := range products {
		for _, in := range r.Contains {
			if !seen[in.INCI] {
				seen[in.INCI] = true
				ings = append(ings, labelIngredient{INCI: in.INCI, Name: in.Name})
			}
		}
	}
	recs, err := txn.Run(ctx, tx, mergeIngredientsCypher, map[string]any{"rows": rows.Params(ings), "load": loadID})
	if err != nil {
		return nil, err
	}
	return txn.ElementIDs(recs, "inci")
}

// labelIngredient is an ingredient that a product's label names (mergeIngredientsCypher).
type labelIngredient struct{ INCI, Name string }

// Param is the row as mergeIngredientsCypher reads it.
func (r labelIngredient) Param() map[string]any {
	return map[string]any{"inci": r.INCI, "name": r.Name}
}

// productEdges is a product row whose ingredients carry the element id of their Ingredient
// node (createProductsCypher, productEdgesCypher).
type productEdges struct {
	rows.Product
	eids map[string]string // element id by INCI key (mergeLabelIngredients)
}

// withIngredientIDs pairs product rows with the element ids of their ingredients.
func withIngredientIDs(products []rows.Product, eids map[string]string) []productEdges {
	out := make([]productEdges, len(products))
	for i, r := range products {
		out[i] = productEdges{Product: r, eids: eids}
	}
	return out
}

// Param is the row as createProductsCypher and productEdgesCypher read it: the CONTAINS
// rows carry the element id of their ingredient and only the edge's properties.
func (r productEdges) Param() map[string]any {
	contains := make([]any, len(r.Contains))
	for j, in := range r.Contains {
		contains[j] = map[string]any{"eid": r.eids[in.INCI], "props": in.EdgeProps()}
	}
	return map[string]any{"id": r.ID, "props": r.Props.Param(), "hash": r.Hash, "contains": contains,
		"claims": r.Claims, "suits": r.Suits}
}

// chunkParams are the parameters of a chunk's statement: its rows and the load's id.
func chunkParams[T rows.Param](loadID string, rs []T) map[string]any {
	return map[string]any{"rows": rows.Params(rs), "load": loadID}
}

// productHashesCypher returns the stored content hash of the products with the given
// ids that exist (index seeks, no locks).
const productHashesCypher = `
	UNWIND $ids AS id
	MATCH (p:Product {id: id})
	RETURN id, p.hash AS hash`

// supersedeProductEdgesCypher marks the CONTAINS, CLAIMS and SUITS edges of changed
// products as superseded by the load (as supersedeReviewsCypher does for reviews).
const supersedeProductEdgesCypher = visibility.StagedIDs + `
	UNWIND $ids AS id
	MATCH (p:Product {id: id})-[r:CONTAINS|CLAIMS|SUITS]->()
	WHERE r._superseded IS NULL AND ` + visibility.EdgeR + `
	SET r._superseded = $load`

// productEdgesCypher creates the new CONTAINS, CLAIMS and SUITS edges of changed
// products (rows as withIngredientIDs makes them), each marked with the load: the product
// node is committed, so its new edges carry the mark themselves.
const productEdgesCypher = `
	UNWIND $rows AS row
	MATCH (p:Product {id: row.id})
	CALL (p, row) {
		UNWIND row.contains AS ing
		MATCH (i:Ingredient) WHERE elementId(i) = ing.eid
		CREATE (p)-[c:CONTAINS {_load: $load}]->(i)
		SET c += ing.props
	}
	CALL (p, row) {
		UNWIND row.claims AS name
		MATCH (c:Concern {name: name})
		CREATE (p)-[:CLAIMS {_load: $load}]->(c)
	}
	CALL (p, row) {
		UNWIND row.suits AS name
		MATCH (t:SkinType {name: name})
		CREATE (p)-[:SUITS {_load: $load}]->(t)
	}`

// mergeIngredientsCypher merges the ingredients a batch of new products names, one row
// per INCI key; those it creates are label-only, marked with the load.
const mergeIngredientsCypher = `
	UNWIND $rows AS row
	MERGE (i:Ingredient {inci: row.inci})
	ON CREATE SET i.name = row.name, i._load = $load
	RETURN row.inci AS inci, elementId(i) AS eid`

// createProductsCypher creates new products (none of their ids is stored), marked with
// the load, with their CONTAINS edges to the ingredients found by element id
// (withIngredientIDs) and their CLAIMS and SUITS edges. It only creates, so the planner needs
// no Eager barrier between its rows.
const createProductsCypher = `
	UNWIND $rows AS row
	CREATE (p:Product {id: row.id})
	SET p += row.props, p.hash = row.hash, p._load = $load
	WITH p, row
	CALL (p, row) {
		UNWIND row.contains AS ing
		MATCH (i:Ingredient) WHERE elementId(i) = ing.eid
		CREATE (p)-[c:CONTAINS]->(i)
		SET c += ing.props
	}
	CALL (p, row) {
		UNWIND row.claims AS name
		MATCH (c:Concern {name: name})
		CREATE (p)-[:CLAIMS]->(c)
	}
	CALL (p, row) {
		UNWIND row.suits AS name
		MATCH (t:SkinType {name: name})
		CREATE (p)-[:SUITS]->(t)
	}`
