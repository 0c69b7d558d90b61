package staging

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/txn"
)

// RolledBackLoad is a dead staged load that Recover removed.
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

// Recover rolls back every staged load whose writer is dead (its lease expired; see the
// package comment) and returns them, in id order. A load whose lease
// is fresh, even one written by another process, is left alone. Each rollback is
// idempotent, so two processes recovering at once do no harm; when one fails, the loads
// rolled back so far are returned with the error.
func (l *Loads) Recover(ctx context.Context) ([]RolledBackLoad, error) {
	recs, err := l.db.Read(ctx, staleCypher, map[string]any{"stale": int64(staleAfter / time.Second)})
	if err != nil {
		return nil, fmt.Errorf("cypher: find dead staged loads: %w", err)
	}
	var out []RolledBackLoad
	if _, err := l.deleteSuperseded(ctx, ""); err != nil {
		return nil, fmt.Errorf("cypher: delete the edges committed loads superseded: %w", err)
	}
	for _, r := range recs {
		rb, err := toRolledBackLoad(r)
		if err != nil {
			return out, fmt.Errorf("cypher: find dead staged loads: %w", err)
		}
		if rb.Nodes, rb.Rels, err = l.rollback(ctx, rb.ID); err != nil {
			return out, fmt.Errorf("cypher: roll back dead staged load %s: %w", rb.ID, err)
		}
		out = append(out, rb)
	}
	return out, nil
}

// toRolledBackLoad reads a row of staleCypher.
func toRolledBackLoad(rec *neo4j.Record) (RolledBackLoad, error) {
	v, err := txn.Strings(rec, "id", "kind", "owner")
	if err != nil {
		return RolledBackLoad{}, err
	}
	rb := RolledBackLoad{ID: v[0], Kind: v[1], Owner: v[2]}
	// A marker of an older build may have no heartbeat: it reads as the zero time.
	if rb.Heartbeat, _, err = neo4j.GetRecordValue[time.Time](rec, "heartbeat"); err != nil {
		return RolledBackLoad{}, err
	}
	return rb, nil
}

// rollback deletes everything a staged load created, recomputes the outcomes of the
// products it reviewed and removes its StagedLoad marker; it returns the nodes and
// relationships it deleted. Each step runs in batches of its own.
func (l *Loads) rollback(ctx context.Context, loadID string) (nodes, rels int64, err error) {
	p := map[string]any{"load": loadID}
	// First mark the load as rolling back: its writer's next heartbeat (every chunk and the
	// final transaction end with one) then fails, so no chunk lands after the deletion.
	if _, err := l.db.Write(ctx, markRollingBackCypher, p); err != nil {
		return 0, 0, fmt.Errorf("mark as rolling back: %w", err)
	}
	recs, err := l.db.Read(ctx, reviewedByLoadCypher, p)
	if err != nil {
		return 0, 0, fmt.Errorf("find reviewed products: %w", err)
	}
	touched, err := txn.StringLists(recs, "ids")
	if err != nil {
		return 0, 0, fmt.Errorf("find reviewed products: %w", err)
	}
	for _, q := range rollbackSteps {
		c, err := l.db.AutocommitCounters(ctx, q, p)
		if err != nil {
			return nodes, rels, err
		}
		nodes += int64(c.NodesDeleted())
		rels += int64(c.RelationshipsDeleted())
	}
	if err := l.store.RefreshOutcomes(ctx, touched, ""); err != nil {
		return nodes, rels, err
	}
	_, err = l.db.Write(ctx, deleteMarkerCypher, map[string]any{"id": loadID})
	return nodes, rels, err
}

// markRollingBackCypher marks the staged load $load as being rolled back.
const markRollingBackCypher = `MATCH (s:StagedLoad {id: $load}) SET s.rolling_back = true`

// reviewedByLoadCypher lists the products whose reviews the staged load $load wrote or
// superseded, other than those it created: their outcomes are recomputed after a rollback.
const reviewedByLoadCypher = `
	CALL () {
		MATCH ()-[r:REVIEWED]->(p:Product)
		WHERE r._load = $load AND (p._load IS NULL OR p._load <> $load)
		RETURN p.id AS id
		UNION
		MATCH ()-[r:REVIEWED {_superseded: $load}]->(p:Product)
		RETURN p.id AS id
	}
	RETURN collect(id) AS ids`

// rollbackSteps delete, in this order and in batches of their own, the edges a staged load
// $load created, the outcomes of its products and its nodes; then, the new edges gone, they
// unmark the old edges of the reviews and products it changed, which count again (a
// statement per type, each an index seek).
var rollbackSteps = []string{
	`MATCH ()-[r:REVIEWED|HAS|CONTAINS|CLAIMS|SUITS]->() WHERE r._load = $load
	 CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`,
	`MATCH (p:Product)-[:HAS_OUTCOME]->(o:Outcome) WHERE p._load = $load
	 CALL (o) { DETACH DELETE o } IN TRANSACTIONS OF 5000 ROWS`,
	`MATCH (n:Product|Reviewer|Ingredient) WHERE n._load = $load
	 CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS`,
	`MATCH ()-[r:REVIEWED {_superseded: $load}]->()
	 CALL (r) { REMOVE r._superseded } IN TRANSACTIONS OF 10000 ROWS`,
	`MATCH ()-[r:CONTAINS {_superseded: $load}]->()
	 CALL (r) { REMOVE r._superseded } IN TRANSACTIONS OF 10000 ROWS`,
	`MATCH ()-[r:CLAIMS {_superseded: $load}]->()
	 CALL (r) { REMOVE r._superseded } IN TRANSACTIONS OF 10000 ROWS`,
	`MATCH ()-[r:SUITS {_superseded: $load}]->()
	 CALL (r) { REMOVE r._superseded } IN TRANSACTIONS OF 10000 ROWS`,
}

// deleteSuperseded deletes the old edges of the reviews and products that the committed
// staged load loadID changed ("": of every committed load; see package visibility), in
// batches of their own, and returns how many it deleted. The edges of a load whose marker
// still exists (under way or being rolled back) are left alone. A statement per type and
// case, so that each is an index seek or scan (*_superseded).
func (l *Loads) deleteSuperseded(ctx context.Context, loadID string) (int64, error) {
	statements := deleteSupersededOfLoad
	if loadID == "" {
		statements = deleteSupersededOfAll
	}
	var deleted int64
	for _, st := range statements {
		c, err := l.db.AutocommitCounters(ctx, st.query, map[string]any{"load": loadID})
		if err != nil {
			return deleted, fmt.Errorf("%s edges: %w", st.edges, err)
		}
		deleted += int64(c.RelationshipsDeleted())
	}
	return deleted, nil
}

// supersededStatement deletes the superseded edges of one relationship type.
type supersededStatement struct{ edges, query string }

// deleteSupersededOfLoad delete the edges that the committed staged load $load superseded
// (a staged load replaces a changed review's REVIEWED edge and a changed product's CONTAINS,
// CLAIMS and SUITS edges).
var deleteSupersededOfLoad = []supersededStatement{
	{"REVIEWED", `MATCH ()-[r:REVIEWED]->() WHERE r._superseded = $load
		AND NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = r._superseded }
		CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`},
	{"CONTAINS", `MATCH ()-[r:CONTAINS]->() WHERE r._superseded = $load
		AND NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = r._superseded }
		CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`},
	{"CLAIMS", `MATCH ()-[r:CLAIMS]->() WHERE r._superseded = $load
		AND NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = r._superseded }
		CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`},
	{"SUITS", `MATCH ()-[r:SUITS]->() WHERE r._superseded = $load
		AND NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = r._superseded }
		CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`},
}

// deleteSupersededOfAll delete the edges that any committed staged load superseded.
var deleteSupersededOfAll = []supersededStatement{
	{"REVIEWED", `MATCH ()-[r:REVIEWED]->() WHERE r._superseded IS NOT NULL
		AND NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = r._superseded }
		CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`},
	{"CONTAINS", `MATCH ()-[r:CONTAINS]->() WHERE r._superseded IS NOT NULL
		AND NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = r._superseded }
		CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`},
	{"CLAIMS", `MATCH ()-[r:CLAIMS]->() WHERE r._superseded IS NOT NULL
		AND NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = r._superseded }
		CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`},
	{"SUITS", `MATCH ()-[r:SUITS]->() WHERE r._superseded IS NOT NULL
		AND NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = r._superseded }
		CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`},
}
