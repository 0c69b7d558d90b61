package cypher

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// RolledBackLoad is a dead staged load that RecoverStaged removed.
type RolledBackLoad struct {
	ID        string
	Kind      string
	Owner     string    // host/pid of the process that wrote it ("" for older builds)
	Heartbeat time.Time // its last sign of life
	Nodes     int64     // nodes deleted
	Rels      int64     // relationships deleted
}

// staleCypher finds the staged loads whose lease expired (or, for markers of older builds
// without a lease, whose heartbeat is staleAfter old). Both are judged by Neo4j's clock,
// which also set them.
const staleCypher = `
	MATCH (s:StagedLoad)
	WHERE (s.expires IS NOT NULL AND s.expires < datetime())
	   OR (s.expires IS NULL AND (s.heartbeat IS NULL OR s.heartbeat < datetime() - duration({seconds: $stale})))
	RETURN s.id AS id, coalesce(s.kind, '') AS kind, coalesce(s.owner, '') AS owner, s.heartbeat AS heartbeat
	ORDER BY id`

// RecoverStaged rolls back every staged load whose writer is dead (its lease expired; see
// the staged loads' comment in staging.go) and returns them, in id order. A load whose lease
// is fresh, even one written by another process, is left alone. Each rollback is
// idempotent, so two processes recovering at once do no harm; when one fails, the loads
// rolled back so far are returned with the error.
func (s *Store) RecoverStaged(ctx context.Context) ([]RolledBackLoad, error) {
	recs, err := s.read(ctx, staleCypher, map[string]any{"stale": int64(staleAfter / time.Second)})
	if err != nil {
		return nil, fmt.Errorf("cypher: find dead staged loads: %w", err)
	}
	var out []RolledBackLoad
	if _, err := s.deleteSuperseded(ctx, ""); err != nil {
		return nil, fmt.Errorf("cypher: delete the edges committed loads superseded: %w", err)
	}
	for _, r := range recs {
		m := r.AsMap()
		rb := RolledBackLoad{ID: str(m["id"]), Kind: str(m["kind"]), Owner: str(m["owner"])}
		if t, ok := m["heartbeat"].(time.Time); ok {
			rb.Heartbeat = t
		}
		if rb.Nodes, rb.Rels, err = s.rollbackLoad(ctx, rb.ID); err != nil {
			return out, fmt.Errorf("cypher: roll back dead staged load %s: %w", rb.ID, err)
		}
		out = append(out, rb)
	}
	return out, nil
}

// rollbackLoad deletes everything a staged load created, recomputes the outcomes of the
// products it reviewed and removes its StagedLoad marker; it returns the nodes and
// relationships it deleted. Each step runs in batches of its own.
func (s *Store) rollbackLoad(ctx context.Context, loadID string) (nodes, rels int64, err error) {
	p := map[string]any{"load": loadID}
	// First mark the load as rolling back: its writer's next heartbeat (every chunk and the
	// final transaction end with one) then fails, so no chunk lands after the deletion.
	if _, err := s.write(ctx, `MATCH (s:StagedLoad {id: $load}) SET s.rolling_back = true`, p); err != nil {
		return 0, 0, fmt.Errorf("mark as rolling back: %w", err)
	}
	recs, err := s.read(ctx, `
		CALL () {
			MATCH ()-[r:REVIEWED]->(p:Product)
			WHERE r._load = $load AND (p._load IS NULL OR p._load <> $load)
			RETURN p.id AS id
			UNION
			MATCH ()-[r:REVIEWED {_superseded: $load}]->(p:Product)
			RETURN p.id AS id
		}
		RETURN collect(id) AS ids`, p)
	if err != nil {
		return 0, 0, fmt.Errorf("find reviewed products: %w", err)
	}
	var touched []string
	if len(recs) > 0 {
		touched = collectStrings(recs, "ids")
	}
	steps := []string{
		`MATCH ()-[r:REVIEWED|HAS|CONTAINS|CLAIMS|SUITS]->() WHERE r._load = $load
		 CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`,
		`MATCH (p:Product)-[:HAS_OUTCOME]->(o:Outcome) WHERE p._load = $load
		 CALL (o) { DETACH DELETE o } IN TRANSACTIONS OF 5000 ROWS`,
		`MATCH (n:Product|Reviewer|Ingredient) WHERE n._load = $load
		 CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS`,
	}
	// After the new edges are gone: the old edges of the changed reviews and products count
	// again (a statement per type, each an index seek).
	for _, t := range supersededTypes {
		steps = append(steps, `MATCH ()-[r:`+t+` {_superseded: $load}]->()
		 CALL (r) { REMOVE r._superseded } IN TRANSACTIONS OF 10000 ROWS`)
	}
	for _, q := range steps {
		c, err := s.autocommitCounters(ctx, q, p)
		if err != nil {
			return nodes, rels, err
		}
		nodes += int64(c.NodesDeleted())
		rels += int64(c.RelationshipsDeleted())
	}
	if err := s.refreshOutcomes(ctx, touched, ""); err != nil {
		return nodes, rels, err
	}
	_, err = s.write(ctx, `MATCH (s:StagedLoad {id: $load}) DELETE s`, p)
	return nodes, rels, err
}

// autocommitCounters is autocommit that returns what the query changed.
func (s *Store) autocommitCounters(ctx context.Context, query string, params map[string]any) (neo4j.Counters, error) {
	var counters neo4j.Counters
	err := s.guard(func() error {
		sess := s.session(ctx, neo4j.AccessModeWrite, neo4j.FetchDefault)
		defer sess.Close(context.WithoutCancel(ctx))
		res, err := sess.Run(ctx, query, params)
		if err != nil {
			return translate(err)
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return translate(err)
		}
		counters = sum.Counters()
		return nil
	})
	return counters, err
}

// supersededTypes are the relationship types whose edges a staged load replaces by new ones:
// a changed review's REVIEWED edge and a changed product's CONTAINS, CLAIMS and SUITS edges.
var supersededTypes = []string{"REVIEWED", "CONTAINS", "CLAIMS", "SUITS"}

// deleteSuperseded deletes the old edges of the reviews and products that the committed
// staged load loadID changed ("": of every committed load; see visibility.go), in batches of
// their own, and returns how many it deleted. The edges of a load whose marker still exists
// (under way or being rolled back) are left alone.
func (s *Store) deleteSuperseded(ctx context.Context, loadID string) (int64, error) {
	var deleted int64
	// A statement per type and case, so that each is an index seek or scan (*_superseded).
	for _, t := range supersededTypes {
		match := `MATCH ()-[r:` + t + `]->() WHERE r._superseded IS NOT NULL`
		if loadID != "" {
			match = `MATCH ()-[r:` + t + `]->() WHERE r._superseded = $load`
		}
		c, err := s.autocommitCounters(ctx, match+`
			AND NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = r._superseded }
			CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`, map[string]any{"load": loadID})
		if err != nil {
			return deleted, fmt.Errorf("%s edges: %w", t, err)
		}
		deleted += int64(c.RelationshipsDeleted())
	}
	return deleted, nil
}
