package cypher

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// Query is an analyst's read-only Cypher query with its bounds.
type Query struct {
	Text    string
	Params  map[string]any
	Limit   int           // rows returned at most; more makes Truncated true
	Timeout time.Duration // Neo4j stops the transaction after this
}

// Table is a query's result: columns and rows of JSON-friendly values (nodes, relationships
// and paths become maps).
type Table struct {
	Columns   []string
	Rows      [][]any
	Truncated bool
}

// DefaultExplorerConcurrency is how many analyst queries run at once by default: each may
// use up to Neo4j's per-transaction memory limit, and together they must leave most of the
// transaction pool to loads, events and projection refreshes.
const DefaultExplorerConcurrency = 2

// Explore runs q in a read transaction, after vetting it:
//   - its plan (EXPLAIN, same text and parameters) may hold only read operators and allowed
//     procedures (explore_plan.go) on the store's database: LOAD CSV, administration,
//     dbms.* and other procedures, SHOW SETTINGS and the like, USE of another database and
//     CALL { } IN TRANSACTIONS are refused with graph.ErrForbidden naming why;
//   - Neo4j itself refuses writes (the read access mode; graph.ErrForbidden);
//   - at most ExplorerConcurrency queries run at once; beyond it graph.ErrBusy;
//   - Neo4j stops the query at its timeout (graph.ErrUnavailable and graph.ErrTimeout) or at
//     its per-transaction memory limit (graph.ErrLimit, naming the limit);
//   - at most Limit rows are kept.
func (s *Store) Explore(ctx context.Context, q Query) (t Table, err error) {
	select {
	case s.explorerSlots <- struct{}{}:
		defer func() { <-s.explorerSlots }()
	default:
		return Table{}, fmt.Errorf("cypher: explore: %w", graph.Refuse(graph.ErrBusy, "%d analyst queries are already running (the explorer's concurrency limit); retry when one ends", cap(s.explorerSlots)))
	}
	err = s.guard(func() error {
		t, err = s.explore(ctx, q)
		return err
	})
	return t, err
}

func (s *Store) explore(ctx context.Context, q Query) (Table, error) {
	if q.Limit <= 0 {
		q.Limit = 1000
	}
	if q.Timeout <= 0 {
		q.Timeout = 10 * time.Second
	}
	sess := s.session(ctx, neo4j.AccessModeRead, neo4j.FetchDefault)
	defer sess.Close(context.WithoutCancel(ctx))
	tx, err := sess.BeginTransaction(ctx, neo4j.WithTxTimeout(q.Timeout))
	if err != nil {
		return Table{}, fmt.Errorf("cypher: explore: %w", txn.Translate(err))
	}
	defer tx.Close(context.WithoutCancel(ctx))
	if err := s.vet(ctx, tx, q); err != nil {
		return Table{}, fmt.Errorf("cypher: explore: %w", err)
	}
	res, err := tx.Run(ctx, q.Text, q.Params)
	if err != nil {
		return Table{}, fmt.Errorf("cypher: explore: %w", translateExplore(err))
	}
	var t Table
	for res.Next(ctx) {
		rec := res.Record()
		if t.Columns == nil {
			t.Columns = rec.Keys
		}
		if len(t.Rows) == q.Limit {
			t.Truncated = true
			break
		}
		row := make([]any, len(rec.Values))
		for i, v := range rec.Values {
			row[i] = plain(v)
		}
		t.Rows = append(t.Rows, row)
	}
	if err := res.Err(); err != nil {
		return Table{}, fmt.Errorf("cypher: explore: %w", translateExplore(err))
	}
	if t.Columns == nil {
		keys, err := res.Keys()
		if err == nil {
			t.Columns = keys
		}
	}
	// A read transaction has nothing to commit; Close (deferred) rolls it back.
	return t, nil
}

// vet plans q in tx without running it (EXPLAIN with the same parameters) and checks the
// plan against the explorer's allow-lists.
func (s *Store) vet(ctx context.Context, tx neo4j.ExplicitTransaction, q Query) error {
	home, err := s.homeDatabase(ctx, tx)
	if err != nil {
		return err
	}
	res, err := tx.Run(ctx, "EXPLAIN "+q.Text, q.Params)
	if err != nil {
		return translateExplore(err)
	}
	sum, err := res.Consume(ctx)
	if err != nil {
		return translateExplore(err)
	}
	return vetPlan(sum.Plan(), home)
}

// homeDatabase is the database the explorer reads: the configured one, or the server's
// default as the first transaction reports it.
func (s *Store) homeDatabase(ctx context.Context, tx neo4j.ExplicitTransaction) (string, error) {
	if s.db.Database != "" {
		return s.db.Database, nil
	}
	if name := s.exploreHome.Load(); name != nil {
		return *name, nil
	}
	res, err := tx.Run(ctx, "EXPLAIN RETURN 1", nil)
	if err != nil {
		return "", txn.Translate(err)
	}
	sum, err := res.Consume(ctx)
	if err != nil {
		return "", txn.Translate(err)
	}
	name := sum.Database().Name()
	if name == "" {
		return "", fmt.Errorf("%w: Neo4j did not name the database of the explorer's session", graph.ErrUnavailable)
	}
	s.exploreHome.Store(&name)
	return name, nil
}

// translateExplore is translate for analyst queries: a query stopped at Neo4j's memory limit
// is the query's fault (graph.ErrLimit, a 4xx that names the limit), not Neo4j being
// unavailable, and it must not count toward the circuit breaker.
func translateExplore(err error) error {
	var nerr *neo4j.Neo4jError
	if !errors.As(err, &nerr) {
		return txn.Translate(err)
	}
	switch {
	case strings.Contains(nerr.Code, "MemoryPoolOutOfMemoryError"), strings.Contains(nerr.Code, "TransactionMemoryLimit"):
		return graph.Refuse(graph.ErrLimit, "the query needs more memory than Neo4j lets one transaction use: %s; "+
			"aggregate or filter earlier, or return fewer and smaller values", nerr.Msg)
	case strings.Contains(nerr.Code, "UnsupportedAdministrationCommand"), strings.Contains(nerr.Code, "NotSystemDatabaseError"):
		// Administration commands this edition does not have (CREATE DATABASE, SHOW ROLES):
		// refused like those it has.
		return graph.Refuse(graph.ErrForbidden, "administration commands are not allowed in the explorer (%s)", nerr.Msg)
	}
	// Neo4j's own words on the analyst's query (a syntax error, a write refused by the read
	// transaction) are for the analyst: they name nothing of the server.
	translated := txn.Translate(err)
	for _, kind := range []error{graph.ErrInvalid, graph.ErrForbidden} {
		if errors.Is(translated, kind) {
			return &graph.Reason{Kind: kind, Text: nerr.Msg}
		}
	}
	return translated
}

// plain converts driver values to maps, slices and scalars.
func plain(v any) any {
	switch x := v.(type) {
	case dbtype.Node:
		return map[string]any{"labels": x.Labels, "properties": plainMap(x.Props), "element_id": x.ElementId}
	case dbtype.Relationship:
		return map[string]any{"type": x.Type, "properties": plainMap(x.Props), "element_id": x.ElementId,
			"start": x.StartElementId, "end": x.EndElementId}
	case dbtype.Path:
		nodes := make([]any, len(x.Nodes))
		for i, n := range x.Nodes {
			nodes[i] = plain(n)
		}
		rels := make([]any, len(x.Relationships))
		for i, r := range x.Relationships {
			rels[i] = plain(r)
		}
		return map[string]any{"nodes": nodes, "relationships": rels}
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = plain(e)
		}
		return out
	case map[string]any:
		return plainMap(x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case dbtype.Date:
		return x.String()
	case dbtype.LocalDateTime:
		return x.String()
	case dbtype.Duration:
		return x.String()
	}
	return v
}

func plainMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[k] = plain(v)
	}
	return out
}
