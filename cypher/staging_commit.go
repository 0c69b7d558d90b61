package cypher

import (
	"context"
	"errors"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
)

// The commit of a staged load (steps 3 and 4 of staging.go): the outcomes of the reviewed
// products, then the final transaction that makes the load visible.

// Commit runs steps 3 and 4: the outcomes of the reviewed products, then the final
// transaction that makes the load visible. On failure the load is rolled back.
func (st *stagedLoad) Commit(ctx context.Context) (graph.LoadResult, error) {
	if st.finished {
		return graph.LoadResult{}, fmt.Errorf("cypher: staged load %s: %w: already finished", st.load.ID, graph.ErrInvalid)
	}
	res, err := st.commit(ctx)
	if st.s.spillStats != nil {
		st.s.spillStats(st.changedProducts.peak, st.changedProducts.len())
	}
	if err != nil {
		err = fmt.Errorf("cypher: staged load %s: %w", st.load.ID, err)
		return graph.LoadResult{}, errors.Join(err, st.Abort(ctx))
	}
	st.finished = true
	st.stopBeat()
	st.closeSpills()
	// The load is committed: the old edges of its changed reviews are garbage that readers
	// skip. A failed cleanup is left to RecoverStaged, which sweeps such edges.
	if n, err := st.s.deleteSuperseded(ctx, st.load.ID); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("load", st.load.ID).Int64("deleted", n).
			Msg("staged load committed; deleting the old edges of its changed reviews failed (hidden from reads; swept by the next recovery)")
	}
	return res, nil
}

func (st *stagedLoad) closeSpills() {
	st.changedProducts.close()
}

func (st *stagedLoad) commit(ctx context.Context) (graph.LoadResult, error) {
	s, load := st.s, st.load
	res := graph.LoadResult{LoadID: load.ID, Counts: map[string]graph.Counts{}}
	ingredientRows, conflictRows := ingredientParams(load.Ingredients)
	if err := s.refreshOutcomes(ctx, sortedKeys(st.touched), load.ID); err != nil {
		return res, err
	}
	products, reviews := st.products, st.reviews
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		if err := heartbeat(ctx, tx, load.ID, s.lease()); err != nil {
			return err
		}
		counts := map[string]graph.Counts{"products": products, "reviews": reviews}
		var ing graph.Counts
		for _, b := range batches(ingredientRows) {
			recs, err := run(ctx, tx, upsertIngredientsCypher, st.params(b))
			if err != nil {
				return fmt.Errorf("ingredients: %w", err)
			}
			addCounts(&ing, recs)
		}
		counts["ingredients"] = ing
		for _, b := range batches(conflictRows) {
			if _, err := run(ctx, tx, mergeConflictsCypher, map[string]any{"rows": b}); err != nil {
				return fmt.Errorf("ingredient conflicts: %w", err)
			}
		}
		err := st.changedProducts.each(batchSize, func(b []graph.Product) error {
			_, err := run(ctx, tx, stagedSetProductsCypher, map[string]any{"rows": productParams(b)})
			return err
		})
		if err != nil {
			return fmt.Errorf("products: %w", err)
		}
		counts["products"] = products
		counts["reviews"] = reviews
		res.Counts = counts
		res.Changed = false
		for _, c := range counts {
			if c.Created+c.Updated > 0 {
				res.Changed = true
			}
		}
		if _, err := run(ctx, tx, `MATCH (s:StagedLoad {id: $id}) DELETE s`, map[string]any{"id": load.ID}); err != nil {
			return fmt.Errorf("staged load marker: %w", err)
		}
		if !res.Changed {
			return nil
		}
		if _, err := run(ctx, tx, createSourceCypher, map[string]any{
			"id": load.ID, "kind": load.Kind, "citation": load.Source, "at": load.At, "counts": countsJSON(counts),
		}); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		ch, err := st.change(ctx, tx)
		if err != nil {
			return fmt.Errorf("change feed: %w", err)
		}
		if res.Version, err = bumpVersion(ctx, tx, ch); err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("commit: %w", err)
	}
	if !res.Changed {
		if res.Version, err = s.DataVersion(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

// refreshOutcomes recomputes the outcome aggregates of the given products, a chunk per
// transaction, counting the reviews of the staged load loadID ("": none) and of no other
// staged load under way.
func (s *Store) refreshOutcomes(ctx context.Context, ids []string, loadID string) error {
	for _, chunk := range chunks(ids, 2000) {
		err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
			for _, b := range chunks(chunk, stagedBatch) {
				params, err := s.outcomeParams(ctx, tx, b)
				if err != nil {
					return err
				}
				params["load"] = loadID
				if _, err := run(ctx, tx, stagedOutcomesCypher, params); err != nil {
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
// (stagedIDsAsLoad): it counts the load's own reviews, whose marker exists until its final
// transaction ends, and not the edges the load replaces (those of other staged loads under
// way are left out, as everywhere).
var stagedOutcomesCypher = stagedIDsAsLoad + outcomesFromStagedIDs

// stagedSetProductsCypher sets the properties of changed products (Commit): their edges were
// written by the chunks.
const stagedSetProductsCypher = `
	UNWIND $rows AS row
	MATCH (p:Product {id: row.id})
	SET p += row.props, p.hash = row.hash`

// stagedChangeCypher lists, capped, the products and ingredients a staged load created (its
// rows keep their `_load` id after the commit).
const stagedChangeCypher = `
	CALL () { MATCH (p:Product) WHERE p._load = $load RETURN collect(p.id)[..$cap] AS products }
	CALL () { MATCH (i:Ingredient) WHERE i._load = $load RETURN collect(i.inci)[..$cap] AS incis }
	RETURN products, incis`

// change is what a staged load changed, for its commit's Change: the products it created or
// changed, those whose reviews it wrote or superseded, its ingredients (with the other ends
// of their conflicts) and those it created. Past graph.MaxChangeIDs it is Full.
func (st *stagedLoad) change(ctx context.Context, tx neo4j.ManagedTransaction) (graph.Change, error) {
	c := loadChange(st.load, sortedKeys(st.touched))
	recs, err := run(ctx, tx, stagedChangeCypher, map[string]any{"load": st.load.ID, "cap": graph.MaxChangeIDs + 1})
	if err != nil {
		return c, err
	}
	if len(recs) == 1 {
		created, err := recordStringList(recs[0], "products")
		if err != nil {
			return c, err
		}
		incis, err := recordStringList(recs[0], "incis")
		if err != nil {
			return c, err
		}
		c.Products, c.Ingredients = append(c.Products, created...), append(c.Ingredients, incis...)
	}
	err = st.changedProducts.each(batchSize, func(b []graph.Product) error {
		if len(c.Products) > graph.MaxChangeIDs {
			return nil // Full anyway
		}
		for _, p := range b {
			c.Products = append(c.Products, p.ID)
		}
		return nil
	})
	return c.Normalized(), err
}
