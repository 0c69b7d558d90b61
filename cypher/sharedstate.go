package cypher

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// SharedState keeps the state API replicas share (graph.IdempotencyStore and
// graph.RateLimiter) in Neo4j itself, for deployments without Redis
// (SKINGRAPH_SHARED_STATE=neo4j). Every record is a node labelled :SharedState with an
// expires_at (ms since the epoch, Neo4j's clock) that Prune deletes once past; keys are
// stored hashed (they hold API key ids and client addresses). The nodes are no part of the
// data: no data version, projection, export or backup sees them.
type SharedState struct {
	s *Store
}

var (
	_ graph.IdempotencyStore = (*SharedState)(nil)
	_ graph.RateLimiter      = (*SharedState)(nil)
)

// sharedStateSchema is applied by NewSharedState (idempotent, like schemaStatements).
var sharedStateSchema = []string{
	"CREATE CONSTRAINT idempotency_key_id IF NOT EXISTS FOR (n:IdempotencyKey) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT rate_limit_key IF NOT EXISTS FOR (n:RateLimit) REQUIRE n.key IS UNIQUE",
	"CREATE INDEX shared_state_expires IF NOT EXISTS FOR (n:SharedState) ON (n.expires_at)",
}

// NewSharedState applies the shared state's constraints and index and returns it.
func NewSharedState(ctx context.Context, s *Store) (*SharedState, error) {
	for _, stmt := range sharedStateSchema {
		if _, err := s.write(ctx, stmt, nil); err != nil {
			return nil, fmt.Errorf("cypher: shared state schema %q: %w", stmt, err)
		}
	}
	if _, err := s.write(ctx, "CALL db.awaitIndexes(60)", nil); err != nil {
		return nil, fmt.Errorf("cypher: shared state schema: wait for indexes: %w", err)
	}
	return &SharedState{s: s}, nil
}

// write runs one statement in a write transaction of its own, routed to the leader, outside
// the Store's bookmarks: the shared state needs no causal order with the data, and a
// bookmark per rate-limit take would make every later read of the Store (routed to a
// secondary) wait until that secondary had replicated it.
func (st *SharedState) write(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	return st.run(ctx, query, params, neo4j.ExecuteQueryWithWritersRouting())
}

// read is write for a read transaction (routable to a secondary; possibly a little stale,
// which a look at a throttle allows).
func (st *SharedState) read(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	return st.run(ctx, query, params, neo4j.ExecuteQueryWithReadersRouting())
}

func (st *SharedState) run(ctx context.Context, query string, params map[string]any, routing neo4j.ExecuteQueryConfigurationOption) ([]*neo4j.Record, error) {
	var records []*neo4j.Record
	err := st.s.guard(func() error {
		res, err := neo4j.ExecuteQuery(ctx, st.s.db.Driver, query, params, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(st.s.db.Database), routing, neo4j.ExecuteQueryWithoutBookmarkManager())
		if err != nil {
			return txn.Translate(err)
		}
		records = res.Records
		return nil
	})
	return records, err
}

func hashKey(key string) string {
	h := sha256.Sum256([]byte(key))
	return hex.EncodeToString(h[:])
}

// idempotencyRow is one :IdempotencyKey as Claim reads it.
type idempotencyRow struct {
	Claimed     bool
	Fingerprint []byte
	Done        bool
	Status      int64
	ContentType string
	Body        []byte
}

func toIdempotencyRow(rec *neo4j.Record) (idempotencyRow, error) {
	var r idempotencyRow
	var err error
	get := func(key string, dst func(any) bool) {
		v, ok := rec.Get(key)
		if err == nil && ok && v != nil && !dst(v) {
			err = fmt.Errorf("cypher: idempotency record: %s is %T", key, v)
		}
	}
	get("claimed", func(v any) bool { r.Claimed, _ = v.(bool); return true })
	get("fp", func(v any) bool { b, ok := v.([]byte); r.Fingerprint = b; return ok })
	get("done", func(v any) bool { b, ok := v.(bool); r.Done = b; return ok })
	get("status", func(v any) bool { n, ok := v.(int64); r.Status = n; return ok })
	get("content_type", func(v any) bool { s, ok := v.(string); r.ContentType = s; return ok })
	get("body", func(v any) bool { b, ok := v.([]byte); r.Body = b; return ok })
	return r, err
}

// Claim implements graph.IdempotencyStore: MERGE on the key's constraint makes one request
// the owner (a concurrent one waits on the constraint's lock and finds the record); an
// expired record is taken over.
func (st *SharedState) Claim(ctx context.Context, key string, fp graph.Fingerprint, lease time.Duration) (graph.IdempotencyRecord, string, bool, error) {
	token := rand.Text()
	recs, err := st.write(ctx, `
		MERGE (k:IdempotencyKey {id: $id})
		ON CREATE SET k:SharedState, k.token = $token, k.fp = $fp, k.done = false, k.expires_at = timestamp() + $lease
		ON MATCH SET k += CASE WHEN k.expires_at <= timestamp()
			THEN {token: $token, fp: $fp, done: false, expires_at: timestamp() + $lease, status: null, content_type: null, body: null}
			ELSE {} END
		RETURN k.token = $token AS claimed, k.fp AS fp, k.done AS done, k.status AS status,
			k.content_type AS content_type, k.body AS body`,
		map[string]any{"id": hashKey(key), "token": token, "fp": fp[:], "lease": lease.Milliseconds()})
	if err != nil {
		return graph.IdempotencyRecord{}, "", false, fmt.Errorf("cypher: claim an idempotency key: %w", err)
	}
	if len(recs) != 1 {
		return graph.IdempotencyRecord{}, "", false, fmt.Errorf("cypher: claim an idempotency key: %d rows, want 1", len(recs))
	}
	row, err := toIdempotencyRow(recs[0])
	if err != nil {
		return graph.IdempotencyRecord{}, "", false, err
	}
	if row.Claimed {
		return graph.IdempotencyRecord{}, token, true, nil
	}
	rec := graph.IdempotencyRecord{Done: row.Done}
	copy(rec.Fingerprint[:], row.Fingerprint)
	if row.Done {
		rec.Answer = graph.IdempotentAnswer{Status: int(row.Status), ContentType: row.ContentType, Body: row.Body}
	}
	return rec, "", false, nil
}

// Finish implements graph.IdempotencyStore.
func (st *SharedState) Finish(ctx context.Context, key, token string, ans graph.IdempotentAnswer, ttl time.Duration) error {
	body := ans.Body
	if body == nil {
		body = []byte{}
	}
	_, err := st.write(ctx, `
		MATCH (k:IdempotencyKey {id: $id}) WHERE k.token = $token
		SET k.done = true, k.status = $status, k.content_type = $content_type, k.body = $body,
			k.expires_at = timestamp() + $ttl`,
		map[string]any{"id": hashKey(key), "token": token, "status": ans.Status, "content_type": ans.ContentType,
			"body": body, "ttl": ttl.Milliseconds()})
	if err != nil {
		return fmt.Errorf("cypher: keep an idempotent answer: %w", err)
	}
	return nil
}

// Release implements graph.IdempotencyStore.
func (st *SharedState) Release(ctx context.Context, key, token string) error {
	_, err := st.write(ctx, `MATCH (k:IdempotencyKey {id: $id}) WHERE k.token = $token DELETE k`,
		map[string]any{"id": hashKey(key), "token": token})
	if err != nil {
		return fmt.Errorf("cypher: release an idempotency key: %w", err)
	}
	return nil
}

// rateRow is the outcome of one GCRA step, as the statements below return it.
type rateRow struct {
	Remaining float64 // tokens free after the take (negative: refused)
	WaitMS    float64 // when refused, ms until the tokens asked for are free
}

func toRateRow(rec *neo4j.Record) (rateRow, error) {
	rem, _, err := neo4j.GetRecordValue[float64](rec, "remaining")
	if err != nil {
		return rateRow{}, fmt.Errorf("cypher: rate limit: remaining: %w", err)
	}
	wait, _, err := neo4j.GetRecordValue[float64](rec, "wait_ms")
	if err != nil {
		return rateRow{}, fmt.Errorf("cypher: rate limit: wait_ms: %w", err)
	}
	return rateRow{Remaining: rem, WaitMS: wait}, nil
}

// takeStatement is GCRA (the algorithm of redis_rate, with Neo4j's clock): a bucket is its
// theoretical arrival time tat; taking n tokens moves it n emission intervals on, allowed
// while it stays within burst intervals of now. The first SET takes the node's write lock,
// so that concurrent takes of one key queue instead of reading the same tat.
const takeStatement = `
	MERGE (r:RateLimit {key: $key})
	ON CREATE SET r:SharedState, r.tat = 0.0, r.expires_at = 0
	SET r.lock = NOT coalesce(r.lock, false)
	WITH r, toFloat(timestamp()) AS now
	WITH r, now, CASE WHEN r.tat > now THEN r.tat ELSE now END AS tat
	WITH r, now, tat + $interval * $n AS new_tat
	WITH r, new_tat, (now - (new_tat - $interval * $burst)) / $interval AS remaining
	FOREACH (_ IN CASE WHEN remaining >= 0 THEN [1] ELSE [] END |
		SET r.tat = new_tat, r.expires_at = toInteger(ceil(new_tat)))
	RETURN remaining, CASE WHEN remaining < 0 THEN -remaining * $interval ELSE 0.0 END AS wait_ms`

// peekStatement reads a bucket without changing it (n = 0): a read, routable to a secondary.
const peekStatement = `
	OPTIONAL MATCH (r:RateLimit {key: $key})
	WITH toFloat(timestamp()) AS now, coalesce(r.tat, 0.0) AS tat
	WITH now, CASE WHEN tat > now THEN tat ELSE now END AS tat
	WITH (now - (tat - $interval * $burst)) / $interval AS remaining
	RETURN remaining, CASE WHEN remaining < 1 THEN (1 - remaining) * $interval ELSE 0.0 END AS wait_ms`

// Take implements graph.RateLimiter: one write transaction per take (a read to look).
func (st *SharedState) Take(ctx context.Context, key string, l graph.Limit, n int) (graph.RateDecision, error) {
	if l.Rate <= 0 || l.Burst < 1 {
		return graph.RateDecision{}, fmt.Errorf("cypher: rate limit: rate %g, burst %d: %w", l.Rate, l.Burst, graph.ErrInvalid)
	}
	params := map[string]any{"key": hashKey(key), "interval": 1000 / l.Rate, "burst": l.Burst, "n": n}
	var recs []*neo4j.Record
	var err error
	if n == 0 {
		recs, err = st.read(ctx, peekStatement, params)
	} else {
		recs, err = st.write(ctx, takeStatement, params)
	}
	if err != nil {
		return graph.RateDecision{}, fmt.Errorf("cypher: rate limit: %w", err)
	}
	if len(recs) != 1 {
		return graph.RateDecision{}, fmt.Errorf("cypher: rate limit: %d rows, want 1", len(recs))
	}
	row, err := toRateRow(recs[0])
	if err != nil {
		return graph.RateDecision{}, err
	}
	d := graph.RateDecision{Allowed: n == 0 || row.Remaining >= 0, Remaining: int(math.Max(0, math.Floor(row.Remaining)))}
	if row.WaitMS > 0 {
		d.RetryAfter = time.Duration(row.WaitMS * float64(time.Millisecond))
	}
	return d, nil
}

// Prune deletes the shared-state records past their expiry, at most batch at a time, and
// returns how many it deleted.
func (st *SharedState) Prune(ctx context.Context, batch int) (int, error) {
	recs, err := st.write(ctx, `
		MATCH (n:SharedState) WHERE n.expires_at < timestamp()
		WITH n LIMIT $batch
		DETACH DELETE n
		RETURN count(*) AS deleted`, map[string]any{"batch": batch})
	if err != nil {
		return 0, fmt.Errorf("cypher: prune shared state: %w", err)
	}
	n, _, err := neo4j.GetRecordValue[int64](recs[0], "deleted")
	if err != nil {
		return 0, fmt.Errorf("cypher: prune shared state: %w", err)
	}
	return int(n), nil
}
