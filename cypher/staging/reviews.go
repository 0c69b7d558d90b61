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

// The reviews of a staged load (step 2 of the package comment): each chunk creates the new and changed
// reviews as new edges, hidden until the commit, and marks the edges they replace.

// storedReview is what a staged load finds stored under a review id.
type storedReview struct {
	hash     string   // the content hash, when a single edge holds the id
	products []string // the products of the edges holding the id
}

// storedReviews returns what is stored under the ids of review rows (storedReviewsCypher), by
// id. Like storedHashes, it reads without taking locks.
func storedReviews(ctx context.Context, tx neo4j.ManagedTransaction, reviews []rows.Review) (map[string]storedReview, error) {
	ids := make([]string, len(reviews))
	for i, r := range reviews {
		ids[i] = r.ID
	}
	recs, err := txn.Run(ctx, tx, storedReviewsCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("stored reviews: %w", err)
	}
	out := make(map[string]storedReview, len(recs))
	for _, rec := range recs {
		id, err := txn.String(rec, "id")
		if err != nil {
			return nil, fmt.Errorf("stored reviews: %w", err)
		}
		hashes, err := txn.StringList(rec, "hashes")
		if err != nil {
			return nil, fmt.Errorf("stored reviews: %w", err)
		}
		products, err := txn.StringList(rec, "products")
		if err != nil {
			return nil, fmt.Errorf("stored reviews: product ids: %w", err)
		}
		sr := storedReview{products: products}
		if len(hashes) == 1 {
			sr.hash = hashes[0]
		}
		out[id] = sr
	}
	return out, nil
}

// WriteReviews writes the new reviews of one chunk in one transaction (step 2); chunks
// larger than stagedChunk are split. A review of a product that is neither in the graph nor
// in an earlier chunk is graph.ErrInvalid.
func (st *Load) WriteReviews(ctx context.Context, reviews []graph.Review) error {
	if st.finished {
		return fmt.Errorf("cypher: staged load %s: %w: already finished", st.load.ID, graph.ErrInvalid)
	}
	for _, part := range rows.Chunks(reviews, stagedChunk) {
		if err := st.writeReviews(ctx, part); err != nil {
			return fmt.Errorf("cypher: staged load %s: reviews: %w", st.load.ID, err)
		}
	}
	return nil
}

func (st *Load) writeReviews(ctx context.Context, part []graph.Review) error {
	chunk := rows.ToReviews(part)
	var c graph.Counts
	var touched map[string]bool
	err := st.l.db.InWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		c, touched = graph.Counts{}, map[string]bool{}
		for _, b := range rows.Chunks(chunk, stagedBatch) {
			products, err := productElementIDs(ctx, tx, b)
			if err != nil {
				return err
			}
			stored, err := storedReviews(ctx, tx, b)
			if err != nil {
				return err
			}
			var created []rows.Review
			var superseded []string
			for _, r := range b {
				id := r.ID
				old, ok := stored[id]
				switch {
				case !ok:
					c.Created++
				case len(old.products) == 1 && old.hash == r.Hash:
					c.Unchanged++
					continue
				default:
					c.Updated++
					superseded = append(superseded, id)
					for _, p := range old.products {
						touched[p] = true
					}
				}
				created = append(created, r)
			}
			if len(created) == 0 {
				continue
			}
			if len(superseded) > 0 {
				if _, err := txn.Run(ctx, tx, supersedeReviewsCypher, map[string]any{"ids": superseded, "load": st.load.ID}); err != nil {
					return fmt.Errorf("supersede changed reviews: %w", err)
				}
			}
			reviewers, err := mergeReviewers(ctx, tx, created, st.load.ID)
			if err != nil {
				return fmt.Errorf("reviewers: %w", err)
			}
			edges := make([]reviewEdge, len(created))
			for i, r := range created {
				edges[i] = reviewEdge{Review: r, reviewer: reviewers[r.Reviewer], product: products[r.ProductID]}
				touched[r.ProductID] = true
			}
			if _, err := txn.Run(ctx, tx, createReviewsCypher, chunkParams(st.load.ID, edges)); err != nil {
				return err
			}
		}
		return heartbeat(ctx, tx, st.load.ID, st.l.lease())
	})
	if err != nil {
		return err
	}
	st.reviews.Created += c.Created
	st.reviews.Updated += c.Updated
	st.reviews.Unchanged += c.Unchanged
	for id := range touched {
		st.touched[id] = true
	}
	st.advance(len(chunk))
	return nil
}

// productElementIDs returns the element id of every product the review rows refer to;
// graph.ErrInvalid when one is neither in the graph nor written earlier in the load.
func productElementIDs(ctx context.Context, tx neo4j.ManagedTransaction, reviews []rows.Review) (map[string]string, error) {
	seen := map[string]bool{}
	var ids []string
	for _, r := range reviews {
		if id := r.ProductID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	recs, err := txn.Run(ctx, tx, productElementIDsCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("products of the reviews: %w", err)
	}
	out, err := txn.ElementIDs(recs, "id")
	if err != nil {
		return nil, fmt.Errorf("products of the reviews: %w", err)
	}
	if len(out) < len(ids) {
		missing := 0
		for _, r := range reviews {
			if _, ok := out[r.ProductID]; !ok {
				missing++
			}
		}
		return nil, fmt.Errorf("%w: %d of %d reviews refer to products that are neither in the graph nor in this load",
			graph.ErrInvalid, missing, len(reviews))
	}
	return out, nil
}

// productElementIDsCypher returns the element id of each product of $ids that exists.
const productElementIDsCypher = `UNWIND $ids AS id MATCH (p:Product {id: id}) RETURN id, elementId(p) AS eid`

// mergeReviewers merges the reviewers of new review rows, once each, with the HAS edges of
// their skin types, tones and concerns in these reviews (reviewersOf), and returns their
// element ids by reviewer id.
func mergeReviewers(ctx context.Context, tx neo4j.ManagedTransaction, reviews []rows.Review, loadID string) (map[string]string, error) {
	recs, err := txn.Run(ctx, tx, mergeReviewersCypher, chunkParams(loadID, reviewersOf(reviews)))
	if err != nil {
		return nil, err
	}
	return txn.ElementIDs(recs, "id")
}

// storedReviewsCypher returns, for each of the given review ids that is stored, the edges
// stored under it (their content hash and product), leaving out the garbage of committed loads
// (edges they superseded). One edge per id is the rule; graphs written by builds that kept a
// moved review's old edge may hold more, which a changed review then replaces all at once.
const storedReviewsCypher = `
	UNWIND $ids AS id
	MATCH ()-[r:REVIEWED {id: id}]->(p:Product)
	WHERE r._superseded IS NULL
	RETURN id, collect(r.hash) AS hashes, collect(p.id) AS products`

// supersedeReviewsCypher marks the stored edges of changed reviews as superseded by the
// load: they stay what readers see until the load commits, and are deleted after (or
// unmarked by a rollback). Only the edges of committed data are marked: those of other loads
// under way are theirs.
const supersedeReviewsCypher = visibility.StagedIDs + `
	UNWIND $ids AS id
	MATCH ()-[r:REVIEWED {id: id}]->()
	WHERE r._superseded IS NULL AND ` + visibility.EdgeR + `
	SET r._superseded = $load`

// mergeReviewersCypher merges the reviewers of a batch of new reviews, one row per reviewer
// with the skin types, tones and concerns of its reviews in the batch (reviewersOf), and their
// HAS edges: a reviewer of many reviews is merged once, not once per review. It returns each
// reviewer's element id.
const mergeReviewersCypher = `
	UNWIND $rows AS row
	MERGE (u:Reviewer {id: row.reviewer})
	ON CREATE SET u._load = $load
	WITH u, row
	CALL (u, row) {
		UNWIND row.types AS name
		MATCH (t:SkinType {name: name})
		MERGE (u)-[h:HAS]->(t)
		ON CREATE SET h._load = $load
	}
	CALL (u, row) {
		UNWIND row.tones AS name
		MATCH (t:SkinTone {name: name})
		MERGE (u)-[h:HAS]->(t)
		ON CREATE SET h._load = $load
	}
	CALL (u, row) {
		UNWIND row.concerns AS name
		MATCH (c:Concern {name: name})
		MERGE (u)-[h:HAS]->(c)
		ON CREATE SET h._load = $load
	}
	RETURN row.reviewer AS id, elementId(u) AS eid`

// createReviewsCypher creates new reviews (none of their ids is stored) between
// reviewers and products found by element id, marked with the load. The properties are
// those of rows.Review.Props, spelled out in the pattern (none is ever null): a SET from a map
// would make the planner put an Eager barrier over the whole batch.
const createReviewsCypher = `
	UNWIND $rows AS row
	MATCH (u:Reviewer) WHERE elementId(u) = row.u
	MATCH (p:Product) WHERE elementId(p) = row.p
	CREATE (u)-[:REVIEWED {id: row.id, hash: row.hash, _load: $load,
		rating: row.props.rating, recommended: row.props.recommended, at: row.props.at,
		skin_type: row.props.skin_type, skin_tone: row.props.skin_tone,
		concerns: row.props.concerns, effects: row.props.effects}]->(p)`

// reviewEdge is a new review between a reviewer and a product found by element id
// (createReviewsCypher).
type reviewEdge struct {
	rows.Review
	reviewer, product string // element ids
}

// Param is the row as createReviewsCypher reads it.
func (r reviewEdge) Param() map[string]any {
	return map[string]any{"u": r.reviewer, "p": r.product, "id": r.ID, "hash": r.Hash, "props": r.Props()}
}

// reviewer is one reviewer of a batch of new reviews with the skin types, tones and concerns
// of its reviews in the batch, sorted (mergeReviewersCypher).
type reviewer struct {
	ID                     string
	Types, Tones, Concerns []string
}

// Param is the row as mergeReviewersCypher reads it.
func (r reviewer) Param() map[string]any {
	return map[string]any{"reviewer": r.ID, "types": r.Types, "tones": r.Tones, "concerns": r.Concerns}
}

// reviewersOf gathers per reviewer the skin types, tones and concerns of a batch of review
// rows, in the order the reviewers first appear.
func reviewersOf(reviews []rows.Review) []reviewer {
	type attrs struct{ types, tones, concerns map[string]bool }
	byReviewer := map[string]*attrs{}
	var order []string
	for _, r := range reviews {
		id := r.Reviewer
		a := byReviewer[id]
		if a == nil {
			a = &attrs{map[string]bool{}, map[string]bool{}, map[string]bool{}}
			byReviewer[id] = a
			order = append(order, id)
		}
		if r.SkinType != "" {
			a.types[r.SkinType] = true
		}
		if r.SkinTone != "" {
			a.tones[r.SkinTone] = true
		}
		for _, c := range r.Concerns {
			a.concerns[c] = true
		}
	}
	out := make([]reviewer, 0, len(order))
	for _, id := range order {
		a := byReviewer[id]
		out = append(out, reviewer{ID: id, Types: sortedKeys(a.types), Tones: sortedKeys(a.tones), Concerns: sortedKeys(a.concerns)})
	}
	return out
}
