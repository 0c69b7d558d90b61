package staging

import (
	"context"
	"errors"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// The commit of a staged load (steps 3 and 4 of the package comment): the outcomes of the reviewed
// products, then the final transaction that makes the load visible.

// Commit runs steps 3 and 4: the outcomes of the reviewed products, then the final
// transaction that makes the load visible. On failure the load is rolled back.
func (st *Load) Commit(ctx context.Context) (graph.LoadResult, error) {
	if st.finished {
		return graph.LoadResult{}, fmt.Errorf("cypher: staged load %s: %w: already finished", st.load.ID, graph.ErrInvalid)
	}
	res, err := st.commit(ctx)
	if st.l.opts.OnCommit != nil {
		st.l.opts.OnCommit(st.changedProducts.peak, st.changedProducts.len())
	}
	if err != nil {
		err = fmt.Errorf("cypher: staged load %s: %w", st.load.ID, err)
		return graph.LoadResult{}, errors.Join(err, st.Abort(ctx))
	}
	st.finished = true
	st.stopBeat()
	st.closeSpills()
	// The load is committed: the old edges of its changed reviews are garbage that readers
	// skip. A failed cleanup is left to Recover, which sweeps such edges.
	if n, err := st.l.deleteSuperseded(ctx, st.load.ID); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("load", st.load.ID).Int64("deleted", n).
			Msg("staged load committed; deleting the old edges of its changed reviews failed (hidden from reads; swept by the next recovery)")
	}
	return res, nil
}

func (st *Load) closeSpills() {
	st.changedProducts.close()
}

func (st *Load) commit(ctx context.Context) (graph.LoadResult, error) {
	l, load := st.l, st.load
	res := graph.LoadResult{LoadID: load.ID, Counts: map[string]graph.Counts{}}
	if err := l.store.RefreshOutcomes(ctx, sortedKeys(st.touched), load.ID); err != nil {
		return res, err
	}
	products, reviews := st.products, st.reviews
	err := l.db.InWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		if err := heartbeat(ctx, tx, load.ID, l.lease()); err != nil {
			return err
		}
		counts := map[string]graph.Counts{"products": products, "reviews": reviews}
		ing, err := l.store.WriteIngredients(ctx, tx, load.Ingredients, load.ID)
		if err != nil {
			return err
		}
		counts["ingredients"] = ing
		err = st.changedProducts.each(batchSize, func(b []graph.Product) error {
			_, err := txn.Run(ctx, tx, setProductsCypher, map[string]any{"rows": rows.Params(rows.ToProducts(b))})
			return err
		})
		if err != nil {
			return fmt.Errorf("products: %w", err)
		}
		res.Counts = counts
		res.Changed = false
		for _, c := range counts {
			if c.Created+c.Updated > 0 {
				res.Changed = true
			}
		}
		if _, err := txn.Run(ctx, tx, deleteMarkerCypher, map[string]any{"id": load.ID}); err != nil {
			return fmt.Errorf("staged load marker: %w", err)
		}
		if !res.Changed {
			return nil
		}
		ch, err := st.change(ctx, tx)
		if err != nil {
			return fmt.Errorf("change feed: %w", err)
		}
		res.Version, err = l.store.RecordLoad(ctx, tx, load, counts, ch)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("commit: %w", err)
	}
	if !res.Changed {
		if res.Version, err = l.store.DataVersion(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

// deleteMarkerCypher deletes the marker of a staged load: its rows count from then on.
const deleteMarkerCypher = `MATCH (s:StagedLoad {id: $id}) DELETE s`

// setProductsCypher sets the properties of changed products (Commit): their edges were
// written by the chunks.
const setProductsCypher = `
	UNWIND $rows AS row
	MATCH (p:Product {id: row.id})
	SET p += row.props, p.hash = row.hash`

// changeCypher lists, capped, the products and ingredients a staged load created (its
// rows keep their `_load` id after the commit).
const changeCypher = `
	CALL () { MATCH (p:Product) WHERE p._load = $load RETURN collect(p.id)[..$cap] AS products }
	CALL () { MATCH (i:Ingredient) WHERE i._load = $load RETURN collect(i.inci)[..$cap] AS incis }
	RETURN products, incis`

// change is what a staged load changed beyond its ingredients (which Store.RecordLoad adds),
// for its commit's Change: the products it created or changed, those whose reviews it wrote
// or superseded, and the ingredients it created. Past graph.MaxChangeIDs it is Full.
func (st *Load) change(ctx context.Context, tx neo4j.ManagedTransaction) (graph.Change, error) {
	c := graph.Change{Products: sortedKeys(st.touched)}
	recs, err := txn.Run(ctx, tx, changeCypher, map[string]any{"load": st.load.ID, "cap": graph.MaxChangeIDs + 1})
	if err != nil {
		return c, err
	}
	if len(recs) == 1 {
		created, err := txn.StringList(recs[0], "products")
		if err != nil {
			return c, err
		}
		incis, err := txn.StringList(recs[0], "incis")
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
