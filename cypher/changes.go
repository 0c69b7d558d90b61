package cypher

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// The change feed: every write transaction that bumps the data version records a
// (:Change {n, at, products, ingredients, rules, full}) node keyed by the new version
// (bumpVersion, version.go), in the same transaction. Replicas read the changes after the
// version they hold (ChangesSince), read the touched rows (ProjectDelta) and apply them to
// their projection; PruneChanges deletes what is older than the retention, and a replica
// that asks for pruned changes gets graph.ErrGone and rebuilds in full.

// changeRow is one (:Change) node as the feed stores it.
type changeRow struct {
	N           int64
	At          time.Time
	Products    []string
	Ingredients []string
	Rules       bool
	Full        bool
}

// toChangeRow reads the columns n, at, products, ingredients, rules and full of rec.
func toChangeRow(rec *neo4j.Record) (changeRow, error) {
	var r changeRow
	var err error
	if r.N, _, err = neo4j.GetRecordValue[int64](rec, "n"); err != nil {
		return r, err
	}
	if r.At, _, err = neo4j.GetRecordValue[time.Time](rec, "at"); err != nil {
		return r, err
	}
	if r.Products, err = txn.StringList(rec, "products"); err != nil {
		return r, err
	}
	if r.Ingredients, err = txn.StringList(rec, "ingredients"); err != nil {
		return r, err
	}
	if r.Rules, _, err = neo4j.GetRecordValue[bool](rec, "rules"); err != nil {
		return r, err
	}
	if r.Full, _, err = neo4j.GetRecordValue[bool](rec, "full"); err != nil {
		return r, err
	}
	return r, nil
}

func (r changeRow) change() graph.Change {
	return graph.Change{N: r.N, At: r.At.UTC(), Products: r.Products, Ingredients: r.Ingredients, Rules: r.Rules, Full: r.Full}
}

const changesSinceCypher = `
	MATCH (v:DataVersion {id: 'current'})
	OPTIONAL MATCH (c:Change) WHERE c.n > $n AND c.n <= v.n
	WITH v, c ORDER BY c.n
	RETURN v.n AS version, v.at AS version_at, c.n AS n, c.at AS at, c.products AS products, c.ingredients AS ingredients,
	       c.rules AS rules, c.full AS full`

// ChangesSince returns the changes after data version n up to the current one, in order.
// The list is complete (versions n+1 to current, one change each) or the call fails with an
// error wrapping graph.ErrGone: the retention pruned some of them, the feed started after n
// (a graph written before the feed existed), or the version went below n (a restore).
func (s *Store) ChangesSince(ctx context.Context, n int64) ([]graph.Change, error) {
	var out []graph.Change
	err := s.readTx(ctx, func(tx neo4j.ManagedTransaction) error {
		var err error
		_, out, err = changesSince(ctx, tx, n)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cypher: changes since %d: %w", n, err)
	}
	return out, nil
}

// changesSince is ChangesSince inside a transaction; it also returns the current version.
func changesSince(ctx context.Context, tx neo4j.ManagedTransaction, n int64) (graph.DataVersion, []graph.Change, error) {
	var v graph.DataVersion
	recs, err := txn.Run(ctx, tx, changesSinceCypher, map[string]any{"n": n})
	if err != nil {
		return v, nil, err
	}
	if len(recs) == 0 {
		return v, nil, fmt.Errorf("%w: no DataVersion node (schema not migrated)", graph.ErrNotFound)
	}
	current, _, err := neo4j.GetRecordValue[int64](recs[0], "version")
	if err != nil {
		return v, nil, err
	}
	at, _, err := neo4j.GetRecordValue[time.Time](recs[0], "version_at")
	if err != nil {
		return v, nil, err
	}
	v = graph.DataVersion{N: current, At: at.UTC()}
	if current < n {
		return v, nil, fmt.Errorf("%w: the data version went back from %d to %d", graph.ErrGone, n, current)
	}
	var out []graph.Change
	for _, rec := range recs {
		if _, isNil, _ := neo4j.GetRecordValue[int64](rec, "n"); isNil {
			continue // no change after n
		}
		row, err := toChangeRow(rec)
		if err != nil {
			return v, nil, fmt.Errorf("change: %w", err)
		}
		out = append(out, row.change())
	}
	if int64(len(out)) != current-n || (len(out) > 0 && (out[0].N != n+1 || out[len(out)-1].N != current)) {
		return v, nil, fmt.Errorf("%w: the feed holds %d of the %d changes after version %d (pruned or recorded before the feed)",
			graph.ErrGone, len(out), current-n, n)
	}
	return v, out, nil
}

// DefaultChangeRetention is how long the change feed keeps a change by default.
const DefaultChangeRetention = 24 * time.Hour

// pruneBatch is how many changes one pruning transaction deletes.
const pruneBatch = 1000

// PruneChanges deletes the changes recorded before `before`, pruneBatch per transaction,
// and returns how many it deleted.
func (s *Store) PruneChanges(ctx context.Context, before time.Time) (int, error) {
	total := 0
	for {
		recs, err := s.write(ctx, `
			MATCH (c:Change) WHERE c.at < $before
			WITH c ORDER BY c.n LIMIT $batch
			DELETE c
			RETURN count(*) AS n`, map[string]any{"before": before.UTC(), "batch": pruneBatch})
		if err != nil {
			return total, fmt.Errorf("cypher: prune changes: %w", err)
		}
		n := 0
		if len(recs) > 0 {
			v, _, _ := neo4j.GetRecordValue[int64](recs[0], "n")
			n = int(v)
		}
		total += n
		if n < pruneBatch || ctx.Err() != nil {
			return total, ctx.Err()
		}
	}
}

// loadChange is what a load changed: its products, the products whose reviews it wrote
// (reviewed), its ingredients and the other ends of their conflicts.
func loadChange(load graph.Load, reviewed []string) graph.Change {
	c := graph.Change{Products: append([]string(nil), reviewed...)}
	for _, p := range load.Products {
		c.Products = append(c.Products, p.ID)
	}
	for _, i := range load.Ingredients {
		c.Ingredients = append(c.Ingredients, i.INCI)
		for _, k := range i.Conflicts {
			c.Ingredients = append(c.Ingredients, k.INCI)
		}
	}
	return c.Normalized()
}

// efficacyChange is what an efficacy load changed in the projection: the TREATS edges of
// the ingredients of its rows without a skin type (the EFFICACY edges are not projected).
func efficacyChange(treats []efficacyRow) graph.Change {
	c := graph.Change{}
	for _, row := range treats {
		c.Ingredients = append(c.Ingredients, row.Subject)
	}
	return c.Normalized()
}
