package cypher

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"github.com/skingraph/skingraph/cypher/internal/txn"
)

// GraphCopy is every node (labels and properties) and every relationship (type, properties and
// endpoints) of a graph, and the names of its indexes and constraints, as CopyGraph read them.
// It is a test hook: RestoreGraph puts a graph a test prepared once (e.g. a load of the demo
// data) back in a few statements, instead of wiping and loading it again. Unlike a snapshot
// (Snapshot, RestoreSnapshot) it recomputes nothing and keeps everything verbatim: the data
// version, the change feed, sealed values, stale marks, staging markers.
type GraphCopy struct {
	nodes  []copiedNode
	rels   []copiedRel
	schema []string // names of the indexes and constraints, sorted
}

type copiedNode struct {
	labels []string
	props  map[string]any
}

type copiedRel struct {
	typ      string
	from, to int // indexes into GraphCopy.nodes
	props    map[string]any
}

// Nodes and Relationships count what c holds.
func (c *GraphCopy) Nodes() int         { return len(c.nodes) }
func (c *GraphCopy) Relationships() int { return len(c.rels) }

const (
	copyNodesCypher = `MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props`
	copyRelsCypher  = `MATCH (a)-[r]->(b) RETURN elementId(a) AS from, elementId(b) AS to, type(r) AS type, properties(r) AS props`
	schemaCypher    = `SHOW INDEXES YIELD name RETURN name` // a constraint's index has its name
)

// CopyGraph reads the whole graph in one read transaction. Meant for tests (see GraphCopy).
func (s *Store) CopyGraph(ctx context.Context) (*GraphCopy, error) {
	var c GraphCopy
	err := s.readTx(ctx, func(tx neo4j.ManagedTransaction) error {
		c = GraphCopy{}
		nodes, err := txn.Run(ctx, tx, copyNodesCypher, nil)
		if err != nil {
			return fmt.Errorf("nodes: %w", err)
		}
		index := make(map[string]int, len(nodes))
		c.nodes = make([]copiedNode, 0, len(nodes))
		for _, rec := range nodes {
			id, err := txn.String(rec, "id")
			if err != nil {
				return fmt.Errorf("nodes: %w", err)
			}
			labels, err := txn.StringList(rec, "labels")
			if err != nil {
				return fmt.Errorf("node %s: %w", id, err)
			}
			props, _, err := neo4j.GetRecordValue[map[string]any](rec, "props")
			if err != nil {
				return fmt.Errorf("node %s: %w", id, err)
			}
			index[id] = len(c.nodes)
			c.nodes = append(c.nodes, copiedNode{labels: labels, props: props})
		}
		rels, err := txn.Run(ctx, tx, copyRelsCypher, nil)
		if err != nil {
			return fmt.Errorf("relationships: %w", err)
		}
		c.rels = make([]copiedRel, 0, len(rels))
		for _, rec := range rels {
			v, err := txn.Strings(rec, "from", "to", "type")
			if err != nil {
				return fmt.Errorf("relationships: %w", err)
			}
			from, okFrom := index[v[0]]
			to, okTo := index[v[1]]
			if !okFrom || !okTo {
				return fmt.Errorf("relationship %s from %s to %s: endpoint not among the nodes read", v[2], v[0], v[1])
			}
			props, _, err := neo4j.GetRecordValue[map[string]any](rec, "props")
			if err != nil {
				return fmt.Errorf("relationship %s: %w", v[2], err)
			}
			c.rels = append(c.rels, copiedRel{typ: v[2], from: from, to: to, props: props})
		}
		names, err := txn.Run(ctx, tx, schemaCypher, nil)
		if err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		for _, rec := range names {
			name, err := txn.String(rec, "name")
			if err != nil {
				return fmt.Errorf("schema: %w", err)
			}
			c.schema = append(c.schema, name)
		}
		slices.Sort(c.schema)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cypher: copy graph: %w", err)
	}
	return &c, nil
}

const (
	clearGraphCypher = `MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`
	// Dynamic labels and types ($(...), Neo4j 5.26): one statement for every label set and
	// relationship type, in the order they were read.
	restoreNodesCypher = `
		UNWIND $rows AS row
		CREATE (n:$(row.labels))
		SET n = row.props
		RETURN row.i AS i, elementId(n) AS id`
	restoreRelsCypher = `
		UNWIND $rows AS row
		MATCH (a) WHERE elementId(a) = row.from
		MATCH (b) WHERE elementId(b) = row.to
		CREATE (a)-[r:$(row.type)]->(b)
		SET r = row.props`
)

// restoreBatch is the number of rows per statement of RestoreGraph.
const restoreBatch = 5000

// RestoreGraph replaces the whole graph with c: it deletes every node, puts the schema back
// when an index or constraint c had is missing (Migrate's statements), and writes c's nodes
// and relationships in one transaction. Meant for tests (see GraphCopy).
func (s *Store) RestoreGraph(ctx context.Context, c *GraphCopy) error {
	if err := s.autocommit(ctx, clearGraphCypher, nil); err != nil {
		return fmt.Errorf("cypher: restore graph: clear: %w", err)
	}
	if err := s.ensureSchema(ctx, c.schema); err != nil {
		return fmt.Errorf("cypher: restore graph: %w", err)
	}
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		ids := make([]string, len(c.nodes))
		for start := 0; start < len(c.nodes); start += restoreBatch {
			end := min(start+restoreBatch, len(c.nodes))
			batch := make([]map[string]any, 0, end-start)
			for i := start; i < end; i++ {
				n := c.nodes[i]
				batch = append(batch, map[string]any{"i": i, "labels": n.labels, "props": n.props})
			}
			recs, err := txn.Run(ctx, tx, restoreNodesCypher, map[string]any{"rows": batch})
			if err != nil {
				return fmt.Errorf("nodes: %w", err)
			}
			for _, rec := range recs {
				i, _, err := neo4j.GetRecordValue[int64](rec, "i")
				if err != nil {
					return fmt.Errorf("nodes: %w", err)
				}
				if ids[i], err = txn.String(rec, "id"); err != nil {
					return fmt.Errorf("nodes: %w", err)
				}
			}
		}
		for start := 0; start < len(c.rels); start += restoreBatch {
			end := min(start+restoreBatch, len(c.rels))
			batch := make([]map[string]any, 0, end-start)
			for _, r := range c.rels[start:end] {
				batch = append(batch, map[string]any{"from": ids[r.from], "to": ids[r.to], "type": r.typ, "props": r.props})
			}
			if _, err := txn.Run(ctx, tx, restoreRelsCypher, map[string]any{"rows": batch}); err != nil {
				return fmt.Errorf("relationships: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cypher: restore graph: %w", err)
	}
	return nil
}

// ensureSchema applies Migrate's schema statements when one of the indexes and constraints
// named in want is missing; else it changes nothing.
func (s *Store) ensureSchema(ctx context.Context, want []string) error {
	recs, err := s.read(ctx, schemaCypher, nil)
	if err != nil {
		return fmt.Errorf("schema: %w", err)
	}
	have := make(map[string]bool, len(recs))
	for _, rec := range recs {
		name, err := txn.String(rec, "name")
		if err != nil {
			return fmt.Errorf("schema: %w", err)
		}
		have[name] = true
	}
	complete := true
	for _, name := range want {
		complete = complete && have[name]
	}
	if complete {
		return nil
	}
	for _, stmt := range schemaStatements {
		if _, err := s.write(ctx, stmt, nil); err != nil {
			return fmt.Errorf("schema %q: %w", stmt, err)
		}
	}
	if _, err := s.write(ctx, "CALL db.awaitIndexes(120)", nil); err != nil {
		return fmt.Errorf("schema: wait for indexes: %w", err)
	}
	return nil
}

// Canonical renders c as sorted lines, one per node and one per relationship (its endpoints
// rendered in full), then one with the schema's names: two graphs are equal, whatever their
// internal ids and the order they were written in, when their Canonical lines are. Every
// property value is rendered with its type.
func (c *GraphCopy) Canonical() []string {
	nodes := make([]string, len(c.nodes))
	for i, n := range c.nodes {
		labels := slices.Clone(n.labels)
		slices.Sort(labels)
		nodes[i] = "(:" + strings.Join(labels, ":") + " " + canonicalMap(n.props) + ")"
	}
	out := make([]string, 0, len(c.nodes)+len(c.rels)+1)
	out = append(out, nodes...)
	for _, r := range c.rels {
		out = append(out, nodes[r.from]+"-[:"+r.typ+" "+canonicalMap(r.props)+"]->"+nodes[r.to])
	}
	sort.Strings(out)
	return append(out, "schema: "+strings.Join(c.schema, ", "))
}

func canonicalMap(m map[string]any) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(k + ": " + canonicalValue(m[k]))
	}
	b.WriteByte('}')
	return b.String()
}

func canonicalValue(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return "string " + strconv.Quote(v)
	case int64:
		return "int " + strconv.FormatInt(v, 10)
	case float64:
		return "float " + strconv.FormatUint(math.Float64bits(v), 16) + " (" + strconv.FormatFloat(v, 'g', -1, 64) + ")"
	case bool:
		return "bool " + strconv.FormatBool(v)
	case []byte:
		return fmt.Sprintf("bytes %x", v)
	case time.Time:
		zone, offset := v.Zone()
		return fmt.Sprintf("datetime %s zone %q %d loc %q", v.Format(time.RFC3339Nano), zone, offset, v.Location())
	case dbtype.Date, dbtype.LocalDateTime, dbtype.LocalTime, dbtype.Time, dbtype.Duration, dbtype.Point2D, dbtype.Point3D:
		return fmt.Sprintf("%T %v", v, v)
	case []any:
		items := make([]string, len(v))
		for i, item := range v {
			items[i] = canonicalValue(item)
		}
		return "[" + strings.Join(items, ", ") + "]"
	default:
		return fmt.Sprintf("%T %#v", v, v)
	}
}
