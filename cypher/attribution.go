package cypher

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// Attribution counts the figures of experiments in the transaction that records the events
// (graph.AttributionCounts says what is counted). Each (recommendation id, product) pair named
// by an attributed event is one (:Attribution {key}) node holding the experiment, variant and
// day of its first event and a flag per action seen; the counts are (:ExperimentDay {id})
// nodes, one per (experiment, variant, day), incremented when a pair is new (an impression)
// or an action is new to its pair. Reading the figures reads only the ExperimentDay nodes of
// one experiment. Events attributed to an experiment or variant that does not exist (deleted
// since the answer) are recorded without being counted.

// attributionRow is one (recommendation, product) pair of a flush, with what its events did.
type attributionRow struct {
	key, experiment, variant, day string
	actions                       map[string]bool
}

func (r attributionRow) Param() map[string]any {
	m := map[string]any{"key": r.key, "experiment": r.experiment, "variant": r.variant, "day": r.day}
	for _, t := range []string{graph.EventView, graph.EventClick, graph.EventAddToCart, graph.EventPurchase} {
		m[t] = r.actions[t]
	}
	return m
}

// attributionKey identifies a (recommendation, product) pair within a tenant.
func attributionKey(tenant, rec, product string) string {
	sum := sha256.Sum256([]byte(tenant + "\x00" + rec + "\x00" + product))
	return hex.EncodeToString(sum[:16])
}

// attribute counts the created events that carry a recommendation id in tx.
func attribute(ctx context.Context, tx neo4j.ManagedTransaction, events []graph.Event) error {
	var names []string
	for _, e := range events {
		if e.Experiment != "" && !slices.Contains(names, e.Experiment) {
			names = append(names, e.Experiment)
		}
	}
	if len(names) == 0 {
		return nil
	}
	recs, err := txn.Run(ctx, tx, `MATCH (e:Experiment) WHERE e.id IN $ids RETURN e {.*}`, map[string]any{"ids": names})
	if err != nil {
		return fmt.Errorf("attribution: experiments: %w", err)
	}
	variants := map[string]bool{}
	for _, rec := range recs {
		x := toExperiment(rec.Values[0])
		for _, v := range x.Variants {
			variants[x.ID+"/"+v.Name] = true
		}
	}
	byKey := map[string]*attributionRow{}
	var order []string
	for _, e := range events {
		if !variants[e.Experiment+"/"+e.Variant] {
			continue
		}
		k := attributionKey(e.Tenant, e.RecommendationID, e.ProductID)
		day := e.At.UTC().Format(time.DateOnly)
		r, ok := byKey[k]
		if !ok {
			r = &attributionRow{key: k, experiment: e.Experiment, variant: e.Variant, day: day, actions: map[string]bool{}}
			byKey[k] = r
			order = append(order, k)
		} else if day < r.day {
			r.day = day
		}
		r.actions[e.Type] = true
	}
	pairs := make([]attributionRow, 0, len(order))
	for _, k := range order {
		pairs = append(pairs, *byKey[k])
	}
	for _, b := range batches(pairs) {
		if _, err := txn.Run(ctx, tx, attributeCypher, map[string]any{"rows": rows.Params(b)}); err != nil {
			return fmt.Errorf("attribution: %w", err)
		}
	}
	return nil
}

// attributeCypher counts pairs (each key once per statement) into their ExperimentDay. Each
// node is write-locked (SET _lock) before its flags or counts are read, so that two
// transactions counting the same pair or day (two replicas' event flushes) do not both read
// the old value: the second waits for the first and reads what it committed.
const attributeCypher = `
	UNWIND $rows AS row
	MERGE (a:Attribution {key: row.key})
	  ON CREATE SET a.experiment = row.experiment, a.variant = row.variant, a.day = row.day, a._new = true
	WITH a, row, a._new IS NOT NULL AS fresh
	SET a._lock = true
	REMOVE a._new, a._lock
	WITH a, row, fresh,
	     row.view AND a.view IS NULL AS nv, row.click AND a.click IS NULL AS nc,
	     row.add_to_cart AND a.add_to_cart IS NULL AS na, row.purchase AND a.purchase IS NULL AS np
	SET a.view = CASE WHEN nv THEN true ELSE a.view END,
	    a.click = CASE WHEN nc THEN true ELSE a.click END,
	    a.add_to_cart = CASE WHEN na THEN true ELSE a.add_to_cart END,
	    a.purchase = CASE WHEN np THEN true ELSE a.purchase END
	WITH a, fresh, nv, nc, na, np
	MERGE (d:ExperimentDay {id: a.experiment + '|' + a.variant + '|' + a.day})
	  ON CREATE SET d.experiment = a.experiment, d.variant = a.variant, d.day = a.day,
	                d.impressions = 0, d.views = 0, d.clicks = 0, d.add_to_carts = 0, d.purchases = 0
	SET d._lock = true
	REMOVE d._lock
	SET d.impressions = d.impressions + CASE WHEN fresh THEN 1 ELSE 0 END,
	    d.views = d.views + CASE WHEN nv THEN 1 ELSE 0 END,
	    d.clicks = d.clicks + CASE WHEN nc THEN 1 ELSE 0 END,
	    d.add_to_carts = d.add_to_carts + CASE WHEN na THEN 1 ELSE 0 END,
	    d.purchases = d.purchases + CASE WHEN np THEN 1 ELSE 0 END`

// experimentDayRow is an ExperimentDay node's counts as stored.
type experimentDayRow struct {
	Variant, Day                                      string
	Impressions, Views, Clicks, AddToCarts, Purchases int64
}

func toExperimentDayRow(m map[string]any) experimentDayRow {
	return experimentDayRow{Variant: str(m["variant"]), Day: str(m["day"]), Impressions: i64(m["impressions"]), Views: i64(m["views"]),
		Clicks: i64(m["clicks"]), AddToCarts: i64(m["add_to_carts"]), Purchases: i64(m["purchases"])}
}

func (row experimentDayRow) variantDay() graph.VariantDay {
	day, _ := time.Parse(time.DateOnly, row.Day)
	return graph.VariantDay{Variant: row.Variant, Day: day, AttributionCounts: graph.AttributionCounts{Impressions: row.Impressions,
		Views: row.Views, Clicks: row.Clicks, AddToCarts: row.AddToCarts, Purchases: row.Purchases}}
}

// ExperimentDays returns the counts of experiment id per variant and day, by day then variant.
func (s *Store) ExperimentDays(ctx context.Context, id string) ([]graph.VariantDay, error) {
	recs, err := s.read(ctx, `MATCH (d:ExperimentDay {experiment: $id}) RETURN d {.*} ORDER BY d.day, d.variant`, map[string]any{"id": id})
	if err != nil {
		return nil, fmt.Errorf("cypher: experiment days of %s: %w", id, err)
	}
	out := make([]graph.VariantDay, 0, len(recs))
	for _, rec := range recs {
		m, _ := rec.Values[0].(map[string]any)
		out = append(out, toExperimentDayRow(m).variantDay())
	}
	return out, nil
}
