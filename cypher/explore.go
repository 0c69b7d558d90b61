package cypher

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"
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

// Explore runs q in a read transaction: Neo4j itself refuses writes (translated to
// graph.ErrForbidden), stops the query at its timeout (graph.ErrUnavailable), and at most
// Limit rows are kept.
func (s *Store) Explore(ctx context.Context, q Query) (t Table, err error) {
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
	sess := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead, DatabaseName: s.database})
	defer sess.Close(context.WithoutCancel(ctx))
	tx, err := sess.BeginTransaction(ctx, neo4j.WithTxTimeout(q.Timeout))
	if err != nil {
		return Table{}, fmt.Errorf("cypher: explore: %w", translate(err))
	}
	defer tx.Close(context.WithoutCancel(ctx))
	res, err := tx.Run(ctx, q.Text, q.Params)
	if err != nil {
		return Table{}, fmt.Errorf("cypher: explore: %w", translate(err))
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
		return Table{}, fmt.Errorf("cypher: explore: %w", translate(err))
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
