package cypher

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// functionsRow is one entry of a functions load as enrichFunctionsCypher reads it.
type functionsRow struct {
	INCI      string
	Functions []string // never nil
	CAS       string
}

// Param is the row as enrichFunctionsCypher reads it.
func (r functionsRow) Param() map[string]any {
	return map[string]any{"inci": r.INCI, "functions": r.Functions, "cas": r.CAS}
}

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
	entries := make([]functionsRow, len(load.Entries))
	for i, e := range load.Entries {
		entries[i] = functionsRow{INCI: e.INCI, Functions: rows.NonNil(e.Functions), CAS: e.CAS}
	}
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		res.Matched, res.Updated = 0, 0
		for _, b := range batches(entries) {
			recs, err := txn.Run(ctx, tx, enrichFunctionsCypher, map[string]any{"rows": rows.Params(b)})
			if err != nil {
				return fmt.Errorf("functions: %w", err)
			}
			for _, r := range recs {
				matched, _, err := neo4j.GetRecordValue[int64](r, "matched")
				if err != nil {
					return fmt.Errorf("functions: %w", err)
				}
				updated, _, err := neo4j.GetRecordValue[int64](r, "updated")
				if err != nil {
					return fmt.Errorf("functions: %w", err)
				}
				res.Matched += int(matched)
				res.Updated += int(updated)
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
	res.Unmatched = len(entries) - res.Matched
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
