package cypher

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/graph"
)

// The reviews of a staged load (step 2 of staging.go): each chunk creates the new and changed
// reviews as new edges, hidden until the commit, and marks the edges they replace.

// storedReview is what a staged load finds stored under a review id.
type storedReview struct {
	hash     string   // the content hash, when a single edge holds the id
	products []string // the products of the edges holding the id
}

// storedReviews returns what is stored under the ids of review rows (stagedReviewsCypher), by
// id. Like storedHashes, it reads without taking locks.
func storedReviews(ctx context.Context, tx neo4j.ManagedTransaction, rows []reviewRow) (map[string]storedReview, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	recs, err := run(ctx, tx, stagedReviewsCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("stored reviews: %w", err)
	}
	out := make(map[string]storedReview, len(recs))
	for _, rec := range recs {
		id, err := recordString(rec, "id")
		if err != nil {
			return nil, fmt.Errorf("stored reviews: %w", err)
		}
		hashes, _, err := neo4j.GetRecordValue[[]any](rec, "hashes")
		if err != nil {
			return nil, fmt.Errorf("stored reviews: %w", err)
		}
		products, _, err := neo4j.GetRecordValue[[]any](rec, "products")
		if err != nil {
			return nil, fmt.Errorf("stored reviews: %w", err)
		}
		var sr storedReview
		if len(hashes) == 1 {
			sr.hash, _ = hashes[0].(string)
		}
		for _, p := range products {
			id, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("stored reviews: product id %v (%T), want a string", p, p)
			}
			sr.products = append(sr.products, id)
		}
		out[id] = sr
	}
	return out, nil
}

// WriteReviews writes the new reviews of one chunk in one transaction (step 2); chunks
// larger than stagedChunk are split. A review of a product that is neither in the graph nor
// in an earlier chunk is graph.ErrInvalid.
func (st *stagedLoad) WriteReviews(ctx context.Context, reviews []graph.Review) error {
	if st.finished {
		return fmt.Errorf("cypher: staged load %s: %w: already finished", st.load.ID, graph.ErrInvalid)
	}
	for _, part := range chunks(reviews, stagedChunk) {
		if err := st.writeReviews(ctx, part); err != nil {
			return fmt.Errorf("cypher: staged load %s: reviews: %w", st.load.ID, err)
		}
	}
	return nil
}

func (st *stagedLoad) writeReviews(ctx context.Context, part []graph.Review) error {
	chunk := toReviewRows(part)
	var c graph.Counts
	var touched map[string]bool
	err := st.s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		c, touched = graph.Counts{}, map[string]bool{}
		for _, b := range chunks(chunk, stagedBatch) {
			products, err := productElementIDs(ctx, tx, b)
			if err != nil {
				return err
			}
			stored, err := storedReviews(ctx, tx, b)
			if err != nil {
				return err
			}
			var created []reviewRow
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
				if _, err := run(ctx, tx, stagedSupersedeReviewsCypher, map[string]any{"ids": superseded, "load": st.load.ID}); err != nil {
					return fmt.Errorf("supersede changed reviews: %w", err)
				}
			}
			reviewers, err := mergeReviewers(ctx, tx, created, st.load.ID)
			if err != nil {
				return fmt.Errorf("reviewers: %w", err)
			}
			rows := make([]map[string]any, len(created))
			for i, r := range created {
				rows[i] = map[string]any{"u": reviewers[r.Reviewer], "p": products[r.ProductID],
					"id": r.ID, "hash": r.Hash, "props": r.props()}
				touched[r.ProductID] = true
			}
			if _, err := run(ctx, tx, stagedCreateReviewsCypher, st.params(rows)); err != nil {
				return err
			}
		}
		return heartbeat(ctx, tx, st.load.ID, st.s.lease())
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
func productElementIDs(ctx context.Context, tx neo4j.ManagedTransaction, rows []reviewRow) (map[string]string, error) {
	seen := map[string]bool{}
	var ids []string
	for _, r := range rows {
		if id := r.ProductID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	recs, err := run(ctx, tx, `UNWIND $ids AS id MATCH (p:Product {id: id}) RETURN id, elementId(p) AS eid`, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("products of the reviews: %w", err)
	}
	out, err := elementIDs(recs, "id")
	if err != nil {
		return nil, fmt.Errorf("products of the reviews: %w", err)
	}
	if len(out) < len(ids) {
		missing := 0
		for _, r := range rows {
			if _, ok := out[r.ProductID]; !ok {
				missing++
			}
		}
		return nil, fmt.Errorf("%w: %d of %d reviews refer to products that are neither in the graph nor in this load",
			graph.ErrInvalid, missing, len(rows))
	}
	return out, nil
}

// mergeReviewers merges the reviewers of new review rows, once each, with the HAS edges of
// their skin types, tones and concerns in these reviews (hasParams), and returns their
// element ids by reviewer id.
func mergeReviewers(ctx context.Context, tx neo4j.ManagedTransaction, rows []reviewRow, loadID string) (map[string]string, error) {
	recs, err := run(ctx, tx, stagedReviewersCypher, map[string]any{"rows": hasParams(rows), "load": loadID})
	if err != nil {
		return nil, err
	}
	return elementIDs(recs, "id")
}

// stagedReviewsCypher returns, for each of the given review ids that is stored, the edges
// stored under it (their content hash and product), leaving out the garbage of committed loads
// (edges they superseded). One edge per id is the rule; graphs written by builds that kept a
// moved review's old edge may hold more, which a changed review then replaces all at once.
const stagedReviewsCypher = `
	UNWIND $ids AS id
	MATCH ()-[r:REVIEWED {id: id}]->(p:Product)
	WHERE r._superseded IS NULL
	RETURN id, collect(r.hash) AS hashes, collect(p.id) AS products`

// stagedSupersedeReviewsCypher marks the stored edges of changed reviews as superseded by the
// load: they stay what readers see until the load commits, and are deleted after (or
// unmarked by a rollback). Only the edges of committed data are marked: those of other loads
// under way are theirs.
var stagedSupersedeReviewsCypher = stagedIDs + `
	UNWIND $ids AS id
	MATCH ()-[r:REVIEWED {id: id}]->()
	WHERE r._superseded IS NULL AND ` + visibleR + `
	SET r._superseded = $load`

// stagedReviewersCypher merges the reviewers of a batch of new reviews, one row per reviewer
// with the skin types, tones and concerns of its reviews in the batch (hasParams), and their
// HAS edges: a reviewer of many reviews is merged once, not once per review. It returns each
// reviewer's element id.
const stagedReviewersCypher = `
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

// stagedCreateReviewsCypher creates new reviews (none of their ids is stored) between
// reviewers and products found by element id, marked with the load. The properties are
// those of reviewParams, spelled out in the pattern (none is ever null): a SET from a map
// would make the planner put an Eager barrier over the whole batch.
const stagedCreateReviewsCypher = `
	UNWIND $rows AS row
	MATCH (u:Reviewer) WHERE elementId(u) = row.u
	MATCH (p:Product) WHERE elementId(p) = row.p
	CREATE (u)-[:REVIEWED {id: row.id, hash: row.hash, _load: $load,
		rating: row.props.rating, recommended: row.props.recommended, at: row.props.at,
		skin_type: row.props.skin_type, skin_tone: row.props.skin_tone,
		concerns: row.props.concerns, effects: row.props.effects}]->(p)`

// hasParams gathers per reviewer the skin types, tones and concerns of a batch of review rows
// (reviewParams), in the order the reviewers first appear.
func hasParams(rows []reviewRow) []map[string]any {
	type attrs struct{ types, tones, concerns map[string]bool }
	byReviewer := map[string]*attrs{}
	var order []string
	for _, r := range rows {
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
	out := make([]map[string]any, 0, len(order))
	for _, id := range order {
		a := byReviewer[id]
		out = append(out, map[string]any{
			"reviewer": id, "types": sortedKeys(a.types), "tones": sortedKeys(a.tones), "concerns": sortedKeys(a.concerns),
		})
	}
	return out
}
