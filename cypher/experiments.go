package cypher

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// Experiments are (:Experiment {id}) nodes; their variants are one JSON property (Neo4j
// properties hold no nested maps). Like rules, every write bumps the data version in the same
// transaction (the projection carries the experiments) and names the revision it changes.
// Periods of two experiments may not overlap: the write takes the data version's lock first
// (bumpVersion), so two concurrent writers check for overlaps one after the other.

// experimentRow is an Experiment node's properties as stored.
type experimentRow struct {
	ID, Name             string
	From, Until          *time.Time
	Variants             string // JSON of []variantRow
	Revision             int64
	CreatedBy, UpdatedBy string
	CreatedAt, UpdatedAt time.Time
}

// variantRow is one variant in the JSON of experimentRow.Variants.
type variantRow struct {
	Name    string             `json:"name"`
	Share   int                `json:"share"`
	Weights map[string]float64 `json:"weights,omitempty"`
	RuleIDs []string           `json:"rule_ids,omitempty"`
}

func toExperimentRow(m map[string]any) experimentRow {
	t := func(v any) *time.Time {
		if at, ok := v.(time.Time); ok {
			at = at.UTC()
			return &at
		}
		return nil
	}
	row := experimentRow{ID: str(m["id"]), Name: str(m["name"]), From: t(m["from"]), Until: t(m["until"]),
		Variants: str(m["variants"]), Revision: i64(m["revision"]), CreatedBy: str(m["created_by"]), UpdatedBy: str(m["updated_by"])}
	if at := t(m["created_at"]); at != nil {
		row.CreatedAt = *at
	}
	if at := t(m["updated_at"]); at != nil {
		row.UpdatedAt = *at
	}
	return row
}

func (row experimentRow) experiment() graph.Experiment {
	e := graph.Experiment{ID: row.ID, Name: row.Name, Revision: row.Revision, CreatedBy: row.CreatedBy, UpdatedBy: row.UpdatedBy,
		CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
	if row.From != nil {
		e.From = *row.From
	}
	if row.Until != nil {
		e.Until = *row.Until
	}
	var vs []variantRow
	_ = json.Unmarshal([]byte(row.Variants), &vs) // written by experimentProps only
	for _, v := range vs {
		e.Variants = append(e.Variants, graph.Variant{Name: v.Name, Share: v.Share, Weights: v.Weights, RuleIDs: v.RuleIDs})
	}
	return e
}

func toExperiment(v any) graph.Experiment {
	m, _ := v.(map[string]any)
	return toExperimentRow(m).experiment()
}

// experimentProps are the properties written for e (nil from/until remove them).
func experimentProps(e graph.Experiment) (map[string]any, error) {
	opt := func(t time.Time) any {
		if t.IsZero() {
			return nil
		}
		return t.UTC()
	}
	vs := make([]variantRow, 0, len(e.Variants))
	for _, v := range e.Variants {
		vs = append(vs, variantRow{Name: v.Name, Share: v.Share, Weights: v.Weights, RuleIDs: v.RuleIDs})
	}
	b, err := json.Marshal(vs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"name": e.Name, "from": opt(e.From), "until": opt(e.Until), "variants": string(b)}, nil
}

// newExperimentID returns a random experiment id ("exp_" and 16 hex digits).
func newExperimentID() (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return "exp_" + hex.EncodeToString(b[:]), nil
}

// checkExperiment refuses, inside a write transaction that holds the data version's lock,
// an experiment whose rules do not exist (a *graph.ValidationError naming each) or whose
// period overlaps another experiment's (graph.ErrConflict naming it).
func checkExperiment(ctx context.Context, tx neo4j.ManagedTransaction, e graph.Experiment) error {
	verr := &graph.ValidationError{}
	for i, v := range e.Variants {
		if len(v.RuleIDs) == 0 {
			continue
		}
		recs, err := txn.Run(ctx, tx, `UNWIND $ids AS id OPTIONAL MATCH (r:Rule {id: id}) RETURN r IS NOT NULL AS ok`, map[string]any{"ids": v.RuleIDs})
		if err != nil {
			return err
		}
		for j, rec := range recs {
			if rec.Values[0] != true {
				verr.Add(0, fmt.Sprintf("variants[%d].rule_ids[%d]", i, j), fmt.Sprintf("no rule with id %q", v.RuleIDs[j]))
			}
		}
	}
	if err := verr.Err(); err != nil {
		return err
	}
	recs, err := txn.Run(ctx, tx, `MATCH (e:Experiment) WHERE e.id <> $id RETURN e {.*}`, map[string]any{"id": e.ID})
	if err != nil {
		return err
	}
	for _, rec := range recs {
		o := toExperiment(rec.Values[0])
		if e.Overlaps(&o) {
			return graph.Refuse(graph.ErrConflict, "the period overlaps experiment %s (%q): only one experiment may be in force at a time", o.ID, o.Name)
		}
	}
	return nil
}

// CreateExperiment stores a new experiment (validated by the caller) written by key at now,
// with a new id and revision 1, and returns it with the new data version.
func (s *Store) CreateExperiment(ctx context.Context, e graph.Experiment, key string, now time.Time) (graph.Experiment, graph.DataVersion, error) {
	id, err := newExperimentID()
	if err != nil {
		return graph.Experiment{}, graph.DataVersion{}, fmt.Errorf("cypher: create experiment: %w", err)
	}
	e.ID = id
	props, err := experimentProps(e)
	if err != nil {
		return graph.Experiment{}, graph.DataVersion{}, fmt.Errorf("cypher: create experiment: %w", err)
	}
	var out graph.Experiment
	var v graph.DataVersion
	err = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		var err error
		if v, err = bumpVersion(ctx, tx, graph.RulesChange()); err != nil {
			return err
		}
		if err := checkExperiment(ctx, tx, e); err != nil {
			return err
		}
		recs, err := txn.Run(ctx, tx, `
			CREATE (e:Experiment {id: $id})
			SET e += $props, e.revision = 1, e.created_by = $key, e.updated_by = $key,
			    e.created_at = $now, e.updated_at = $now
			RETURN e {.*}`, map[string]any{"id": id, "props": props, "key": key, "now": now.UTC()})
		if err != nil {
			return err
		}
		out = toExperiment(recs[0].Values[0])
		return nil
	})
	if err != nil {
		return graph.Experiment{}, graph.DataVersion{}, fmt.Errorf("cypher: create experiment: %w", err)
	}
	return out, v, nil
}

// Experiments returns every experiment, by id.
func (s *Store) Experiments(ctx context.Context) ([]graph.Experiment, error) {
	recs, err := s.read(ctx, `MATCH (e:Experiment) RETURN e {.*} ORDER BY e.id`, nil)
	if err != nil {
		return nil, fmt.Errorf("cypher: experiments: %w", err)
	}
	out := make([]graph.Experiment, 0, len(recs))
	for _, rec := range recs {
		out = append(out, toExperiment(rec.Values[0]))
	}
	return out, nil
}

// Experiment returns one experiment; graph.ErrNotFound when there is none with that id.
func (s *Store) Experiment(ctx context.Context, id string) (graph.Experiment, error) {
	recs, err := s.read(ctx, `MATCH (e:Experiment {id: $id}) RETURN e {.*}`, map[string]any{"id": id})
	if err != nil {
		return graph.Experiment{}, fmt.Errorf("cypher: experiment %s: %w", id, err)
	}
	if len(recs) == 0 {
		return graph.Experiment{}, fmt.Errorf("cypher: experiment %s: %w", id, graph.ErrNotFound)
	}
	return toExperiment(recs[0].Values[0]), nil
}

// lockExperiment takes the write lock of experiment id in tx and checks its revision, as
// lockRule does for rules.
func lockExperiment(ctx context.Context, tx neo4j.ManagedTransaction, id string, rev int64) error {
	recs, err := txn.Run(ctx, tx, `MATCH (e:Experiment {id: $id}) SET e._lock = true REMOVE e._lock RETURN e.revision`, map[string]any{"id": id})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("experiment %s: %w", id, graph.ErrNotFound)
	}
	if cur := i64(recs[0].Values[0]); cur != rev {
		return fmt.Errorf("experiment %s is at revision %d, not %d: %w", id, cur, rev, graph.ErrStale)
	}
	return nil
}

// UpdateExperiment replaces experiment e.ID (validated by the caller) if it is still at
// revision rev, written by key at now. Its figures stay: they are kept per variant name.
func (s *Store) UpdateExperiment(ctx context.Context, e graph.Experiment, rev int64, key string, now time.Time) (graph.Experiment, graph.DataVersion, error) {
	props, err := experimentProps(e)
	if err != nil {
		return graph.Experiment{}, graph.DataVersion{}, fmt.Errorf("cypher: update experiment: %w", err)
	}
	var out graph.Experiment
	var v graph.DataVersion
	err = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		var err error
		if v, err = bumpVersion(ctx, tx, graph.RulesChange()); err != nil {
			return err
		}
		if err := lockExperiment(ctx, tx, e.ID, rev); err != nil {
			return err
		}
		if err := checkExperiment(ctx, tx, e); err != nil {
			return err
		}
		recs, err := txn.Run(ctx, tx, `
			MATCH (e:Experiment {id: $id})
			SET e += $props, e.revision = e.revision + 1, e.updated_by = $key, e.updated_at = $now
			RETURN e {.*}`, map[string]any{"id": e.ID, "props": props, "key": key, "now": now.UTC()})
		if err != nil {
			return err
		}
		out = toExperiment(recs[0].Values[0])
		return nil
	})
	if err != nil {
		return graph.Experiment{}, graph.DataVersion{}, fmt.Errorf("cypher: update experiment: %w", err)
	}
	return out, v, nil
}

// DeleteExperiment deletes experiment id, with its figures, if it is still at revision rev,
// and returns the new data version.
func (s *Store) DeleteExperiment(ctx context.Context, id string, rev int64) (graph.DataVersion, error) {
	var v graph.DataVersion
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		var err error
		if v, err = bumpVersion(ctx, tx, graph.RulesChange()); err != nil {
			return err
		}
		if err := lockExperiment(ctx, tx, id, rev); err != nil {
			return err
		}
		_, err = txn.Run(ctx, tx, `
			MATCH (e:Experiment {id: $id}) DELETE e
			WITH 1 AS one
			OPTIONAL MATCH (d:ExperimentDay {experiment: $id}) DETACH DELETE d
			WITH count(*) AS days
			OPTIONAL MATCH (a:Attribution {experiment: $id}) DETACH DELETE a`, map[string]any{"id": id})
		return err
	})
	if err != nil {
		return graph.DataVersion{}, fmt.Errorf("cypher: delete experiment: %w", err)
	}
	return v, nil
}
