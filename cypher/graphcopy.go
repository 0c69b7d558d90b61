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
// data) back, instead of wiping and loading it again. Unlike a snapshot (Snapshot,
// RestoreSnapshot) it recomputes nothing and keeps everything verbatim: the data version, the
// change feed, sealed values, stale marks, staging markers. A GraphCopy is not safe for
// concurrent use: RestoreGraph records in it where its nodes and relationships now are.
type GraphCopy struct {
	nodes  []copiedNode
	rels   []copiedRel
	schema []string // names of the indexes and constraints, sorted
	full   int      // restores that wrote everything again
}

type copiedNode struct {
	id     string // its element id in the database, as last read or written
	labels []string
	props  map[string]any
	key    string // nodeKey
}

type copiedRel struct {
	id       string // its element id in the database, as last read or written
	typ      string
	from, to int // indexes into GraphCopy.nodes
	props    map[string]any
	key      string // relKey
}

// Nodes and Relationships count what c holds.
func (c *GraphCopy) Nodes() int         { return len(c.nodes) }
func (c *GraphCopy) Relationships() int { return len(c.rels) }

// FullRestores counts the restores of c that wrote the whole graph again: the graph had grown
// far past c, or writing back only the differences failed.
func (c *GraphCopy) FullRestores() int { return c.full }

// graphNode and graphRel are a node and a relationship as readGraph found them.
type graphNode struct {
	id     string
	labels []string
	props  map[string]any
}

type graphRel struct {
	id, from, to, typ string // from and to: the endpoints' element ids
	props             map[string]any
}

const (
	readNodesCypher = `MATCH (n) RETURN elementId(n) AS id, labels(n) AS labels, properties(n) AS props`
	readRelsCypher  = `
		MATCH (a)-[r]->(b)
		RETURN elementId(r) AS id, elementId(a) AS from, elementId(b) AS to, type(r) AS type, properties(r) AS props`
	schemaCypher = `SHOW INDEXES YIELD name RETURN name` // a constraint's index has its name
)

// readGraph reads every node and relationship in tx.
func readGraph(ctx context.Context, tx neo4j.ManagedTransaction) ([]graphNode, []graphRel, error) {
	recs, err := txn.Run(ctx, tx, readNodesCypher, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("nodes: %w", err)
	}
	nodes := make([]graphNode, 0, len(recs))
	for _, rec := range recs {
		id, err := txn.String(rec, "id")
		if err != nil {
			return nil, nil, fmt.Errorf("nodes: %w", err)
		}
		labels, err := txn.StringList(rec, "labels")
		if err != nil {
			return nil, nil, fmt.Errorf("node %s: %w", id, err)
		}
		props, _, err := neo4j.GetRecordValue[map[string]any](rec, "props")
		if err != nil {
			return nil, nil, fmt.Errorf("node %s: %w", id, err)
		}
		nodes = append(nodes, graphNode{id: id, labels: labels, props: props})
	}
	if recs, err = txn.Run(ctx, tx, readRelsCypher, nil); err != nil {
		return nil, nil, fmt.Errorf("relationships: %w", err)
	}
	rels := make([]graphRel, 0, len(recs))
	for _, rec := range recs {
		v, err := txn.Strings(rec, "id", "from", "to", "type")
		if err != nil {
			return nil, nil, fmt.Errorf("relationships: %w", err)
		}
		props, _, err := neo4j.GetRecordValue[map[string]any](rec, "props")
		if err != nil {
			return nil, nil, fmt.Errorf("relationship %s: %w", v[0], err)
		}
		rels = append(rels, graphRel{id: v[0], from: v[1], to: v[2], typ: v[3], props: props})
	}
	return nodes, rels, nil
}

// CopyGraph reads the whole graph in one read transaction. Meant for tests (see GraphCopy).
func (s *Store) CopyGraph(ctx context.Context) (*GraphCopy, error) {
	var c GraphCopy
	err := s.readTx(ctx, func(tx neo4j.ManagedTransaction) error {
		nodes, rels, err := readGraph(ctx, tx)
		if err != nil {
			return err
		}
		c = GraphCopy{nodes: make([]copiedNode, len(nodes)), rels: make([]copiedRel, len(rels))}
		index := make(map[string]int, len(nodes))
		for i, n := range nodes {
			index[n.id] = i
			c.nodes[i] = copiedNode{id: n.id, labels: n.labels, props: n.props, key: nodeKey(n.labels, n.props)}
		}
		for j, r := range rels {
			from, okFrom := index[r.from]
			to, okTo := index[r.to]
			if !okFrom || !okTo {
				return fmt.Errorf("relationship %s from %s to %s: endpoint not among the nodes read", r.typ, r.from, r.to)
			}
			c.rels[j] = copiedRel{id: r.id, typ: r.typ, from: from, to: to, props: r.props, key: relKey(r.typ, r.props)}
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

// nodeKey and relKey render what RestoreGraph compares: labels (sorted) or type, and every
// property with its type.
func nodeKey(labels []string, props map[string]any) string {
	labels = slices.Clone(labels)
	slices.Sort(labels)
	return ":" + strings.Join(labels, ":") + " " + canonicalMap(props)
}

func relKey(typ string, props map[string]any) string { return ":" + typ + " " + canonicalMap(props) }

const (
	clearGraphCypher  = `MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`
	deleteRelsCypher  = `UNWIND $ids AS id MATCH ()-[r]->() WHERE elementId(r) = id DELETE r`
	deleteNodesCypher = `UNWIND $ids AS id MATCH (n) WHERE elementId(n) = id DETACH DELETE n`
	// Dynamic labels and types ($(...)) are Neo4j 5.26's.
	fixNodesCypher = `
		UNWIND $rows AS row
		MATCH (n) WHERE elementId(n) = row.id
		SET n = row.props
		REMOVE n:$(row.drop)
		SET n:$(row.add)`
	fixRelsCypher = `
		UNWIND $rows AS row
		MATCH ()-[r]->() WHERE elementId(r) = row.id
		SET r = row.props`
	createNodesCypher = `
		UNWIND $rows AS row
		CREATE (n:$(row.labels))
		SET n = row.props
		RETURN row.i AS i, elementId(n) AS id`
	createRelsCypher = `
		UNWIND $rows AS row
		MATCH (a) WHERE elementId(a) = row.from
		MATCH (b) WHERE elementId(b) = row.to
		CREATE (a)-[r:$(row.type)]->(b)
		SET r = row.props
		RETURN row.i AS i, elementId(r) AS id`
)

// restoreBatch is the number of rows per statement of RestoreGraph.
const restoreBatch = 5000

// RestoreGraph makes the graph equal to c again. It puts the schema back when an index or
// constraint c had is missing (Migrate's statements), reads the graph, and in one transaction
// deletes the nodes and relationships c does not hold, sets back the labels and properties
// that changed and creates what is missing: a test that changed a few records costs a read
// and a few writes, not a reload. When the graph has grown to more than twice c's size, or
// should writing back the differences fail (say, a uniqueness constraint in the way of the
// order it writes in), it deletes every node in batches and writes all of c. Meant for tests
// (see GraphCopy).
func (s *Store) RestoreGraph(ctx context.Context, c *GraphCopy) error {
	if err := s.ensureSchema(ctx, c.schema); err != nil {
		return fmt.Errorf("cypher: restore graph: %w", err)
	}
	grown, err := s.grownPast(ctx, c)
	if err != nil {
		return fmt.Errorf("cypher: restore graph: %w", err)
	}
	if !grown {
		if err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error { return restoreChanges(ctx, tx, c) }); err == nil {
			return nil
		}
	}
	c.full++
	if err := s.autocommit(ctx, clearGraphCypher, nil); err != nil {
		return fmt.Errorf("cypher: restore graph: clear: %w", err)
	}
	err = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		return createCopied(ctx, tx, c, allIndexes(len(c.nodes)), allIndexes(len(c.rels)))
	})
	if err != nil {
		return fmt.Errorf("cypher: restore graph: %w", err)
	}
	return nil
}

// grownPast reports whether the graph holds more than twice as many nodes or relationships
// as c (and a thousand more): a test loaded a larger graph, which is quicker deleted in
// batches as a whole than read and deleted record by record. The counts come from Neo4j's
// count store.
func (s *Store) grownPast(ctx context.Context, c *GraphCopy) (bool, error) {
	recs, err := s.read(ctx, `
		CALL () { MATCH (n) RETURN count(n) AS nodes }
		CALL () { MATCH ()-[r]->() RETURN count(r) AS rels }
		RETURN nodes, rels`, nil)
	if err != nil {
		return false, fmt.Errorf("count the graph: %w", err)
	}
	if len(recs) != 1 {
		return false, fmt.Errorf("count the graph: %d records, want 1", len(recs))
	}
	nodes, _, err := neo4j.GetRecordValue[int64](recs[0], "nodes")
	if err != nil {
		return false, fmt.Errorf("count the graph: %w", err)
	}
	rels, _, err := neo4j.GetRecordValue[int64](recs[0], "rels")
	if err != nil {
		return false, fmt.Errorf("count the graph: %w", err)
	}
	return nodes > int64(2*len(c.nodes)+1000) || rels > int64(2*len(c.rels)+1000), nil
}

func allIndexes(n int) []int {
	out := make([]int, n)
	for i := range out {
		out[i] = i
	}
	return out
}

// restoreChanges reads the graph in tx and writes back what differs from c.
func restoreChanges(ctx context.Context, tx neo4j.ManagedTransaction, c *GraphCopy) error {
	nodes, rels, err := readGraph(ctx, tx)
	if err != nil {
		return err
	}
	current := make(map[string]graphNode, len(nodes))
	for _, n := range nodes {
		current[n.id] = n
	}
	kept := make(map[string]bool, len(nodes))
	var fixNodes []map[string]any
	var newNodes []int
	for i, n := range c.nodes {
		cur, ok := current[n.id]
		if !ok {
			newNodes = append(newNodes, i)
			continue
		}
		kept[n.id] = true
		if nodeKey(cur.labels, cur.props) != n.key {
			fixNodes = append(fixNodes, map[string]any{"id": n.id, "props": n.props,
				"drop": missingFrom(cur.labels, n.labels), "add": missingFrom(n.labels, cur.labels)})
		}
	}
	var deleteNodes []string
	for _, n := range nodes {
		if !kept[n.id] {
			deleteNodes = append(deleteNodes, n.id)
		}
	}
	currentRels := make(map[string]graphRel, len(rels))
	for _, r := range rels {
		currentRels[r.id] = r
	}
	keptRels := make(map[string]bool, len(rels))
	var fixRels []map[string]any
	var newRels []int
	for j, r := range c.rels {
		cur, ok := currentRels[r.id]
		from, to := c.nodes[r.from].id, c.nodes[r.to].id
		if !ok || cur.typ != r.typ || cur.from != from || cur.to != to || !kept[from] || !kept[to] {
			newRels = append(newRels, j)
			continue
		}
		keptRels[r.id] = true
		if relKey(cur.typ, cur.props) != r.key {
			fixRels = append(fixRels, map[string]any{"id": r.id, "props": r.props})
		}
	}
	var deleteRels []string
	for _, r := range rels {
		if !keptRels[r.id] {
			deleteRels = append(deleteRels, r.id)
		}
	}
	for _, step := range []struct {
		name, query string
		ids         []string
		rows        []map[string]any
	}{
		{name: "delete relationships", query: deleteRelsCypher, ids: deleteRels},
		{name: "delete nodes", query: deleteNodesCypher, ids: deleteNodes},
		{name: "set nodes back", query: fixNodesCypher, rows: fixNodes},
		{name: "set relationships back", query: fixRelsCypher, rows: fixRels},
	} {
		for ids := range slices.Chunk(step.ids, restoreBatch) {
			if _, err := txn.Run(ctx, tx, step.query, map[string]any{"ids": ids}); err != nil {
				return fmt.Errorf("%s: %w", step.name, err)
			}
		}
		for rows := range slices.Chunk(step.rows, restoreBatch) {
			if _, err := txn.Run(ctx, tx, step.query, map[string]any{"rows": rows}); err != nil {
				return fmt.Errorf("%s: %w", step.name, err)
			}
		}
	}
	return createCopied(ctx, tx, c, newNodes, newRels)
}

// missingFrom returns the items of a that b lacks.
func missingFrom(a, b []string) []string {
	out := []string{}
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// createCopied creates the nodes and relationships of c at the given indexes and records
// their new element ids in c. The endpoints of the relationships are either among the nodes
// created or already in the graph at the element ids c records.
func createCopied(ctx context.Context, tx neo4j.ManagedTransaction, c *GraphCopy, nodes, rels []int) error {
	for batch := range slices.Chunk(nodes, restoreBatch) {
		rows := make([]map[string]any, len(batch))
		for k, i := range batch {
			rows[k] = map[string]any{"i": i, "labels": c.nodes[i].labels, "props": c.nodes[i].props}
		}
		recs, err := txn.Run(ctx, tx, createNodesCypher, map[string]any{"rows": rows})
		if err != nil {
			return fmt.Errorf("create nodes: %w", err)
		}
		for _, rec := range recs {
			i, _, err := neo4j.GetRecordValue[int64](rec, "i")
			if err != nil {
				return fmt.Errorf("create nodes: %w", err)
			}
			if c.nodes[i].id, err = txn.String(rec, "id"); err != nil {
				return fmt.Errorf("create nodes: %w", err)
			}
		}
	}
	for batch := range slices.Chunk(rels, restoreBatch) {
		rows := make([]map[string]any, len(batch))
		for k, j := range batch {
			r := c.rels[j]
			rows[k] = map[string]any{"i": j, "from": c.nodes[r.from].id, "to": c.nodes[r.to].id, "type": r.typ, "props": r.props}
		}
		recs, err := txn.Run(ctx, tx, createRelsCypher, map[string]any{"rows": rows})
		if err != nil {
			return fmt.Errorf("create relationships: %w", err)
		}
		if len(recs) != len(rows) {
			return fmt.Errorf("create relationships: %d created, want %d (an endpoint is missing)", len(recs), len(rows))
		}
		for _, rec := range recs {
			j, _, err := neo4j.GetRecordValue[int64](rec, "i")
			if err != nil {
				return fmt.Errorf("create relationships: %w", err)
			}
			if c.rels[j].id, err = txn.String(rec, "id"); err != nil {
				return fmt.Errorf("create relationships: %w", err)
			}
		}
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
	out := make([]string, 0, len(c.nodes)+len(c.rels)+1)
	for _, n := range c.nodes {
		out = append(out, "("+n.key+")")
	}
	for _, r := range c.rels {
		out = append(out, "("+c.nodes[r.from].key+")-["+r.key+"]->("+c.nodes[r.to].key+")")
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
