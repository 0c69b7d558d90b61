package cypher

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// WriteFunctions enriches the ingredients already in the graph with reference functions and
// CAS numbers, in one transaction; it never creates a node. Curated ingredients (from the
// knowledge base) keep their reviewed functions and only get the CAS number; the others take
// the reference functions. Entries whose ingredient is not in the graph are counted and left
// out. A load that changes something records a Source node and bumps the data version.
func (s *Store) WriteFunctions(ctx context.Context, load graph.FunctionsLoad) (graph.FunctionsResult, error) {
	res := graph.FunctionsResult{LoadID: load.ID}
	if load.At.IsZero() {
		load.At = time.Now().UTC()
	}
	rows := make([]map[string]any, len(load.Entries))
	for i, e := range load.Entries {
		fns := e.Functions
		if fns == nil {
			fns = []string{}
		}
		rows[i] = map[string]any{"inci": e.INCI, "functions": fns, "cas": e.CAS}
	}
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		res.Matched, res.Updated = 0, 0
		for _, b := range batches(rows) {
			recs, err := txn.Run(ctx, tx, enrichFunctionsCypher, map[string]any{"rows": b})
			if err != nil {
				return fmt.Errorf("functions: %w", err)
			}
			for _, r := range recs {
				m := r.AsMap()
				res.Matched += int(m["matched"].(int64))
				res.Updated += int(m["updated"].(int64))
			}
		}
		res.Changed = res.Updated > 0
		if !res.Changed {
			return nil
		}
		if _, err := txn.Run(ctx, tx, createSourceCypher, map[string]any{
			"id": load.ID, "kind": "functions", "citation": load.Source, "at": load.At,
			"counts": fmt.Sprintf(`{"ingredients":{"Created":0,"Updated":%d,"Unchanged":%d}}`, res.Updated, res.Matched-res.Updated),
		}); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		var err error
		if res.Version, err = bumpVersion(ctx, tx, graph.Change{}); err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		return nil
	})
	if err != nil {
		return graph.FunctionsResult{}, fmt.Errorf("cypher: write functions %s: %w", load.ID, err)
	}
	res.Unmatched = len(rows) - res.Matched
	if !res.Changed {
		if res.Version, err = s.DataVersion(ctx); err != nil {
			return graph.FunctionsResult{}, err
		}
	}
	return res, nil
}

const enrichFunctionsCypher = `
	UNWIND $rows AS row
	MATCH (i:Ingredient {inci: row.inci})
	WITH i, row,
	     CASE WHEN i.curated = true THEN i.functions ELSE row.functions END AS functions,
	     CASE WHEN row.cas = '' THEN i.cas ELSE row.cas END AS cas
	WITH i, functions, cas, (coalesce(i.functions, []) <> functions OR coalesce(i.cas, '') <> coalesce(cas, '')) AS changed
	CALL (i, functions, cas, changed) {
		WITH i, functions, cas WHERE changed
		SET i.functions = functions, i.cas = cas
	}
	RETURN count(*) AS matched, sum(CASE WHEN changed THEN 1 ELSE 0 END) AS updated`
