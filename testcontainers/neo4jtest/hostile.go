package neo4jtest

import (
	"net/url"
	"path/filepath"
	"strings"
)

// Refusal is how the explorer must refuse a hostile query.
type Refusal int

// The refusals: by the explorer's plan check or Neo4j's read access mode (403), or by Neo4j
// while planning, because the query is not valid Cypher 5 at all (422). Both happen before
// anything runs.
const (
	Forbidden Refusal = iota
	Invalid
)

// HostileQuery is one query an analyst must not get through the Cypher explorer.
type HostileQuery struct {
	Name   string
	Query  string
	Params map[string]any
	Want   Refusal
	// Reason, when set, must appear in the refusal (the explorer names why).
	Reason string
}

// Canary is the secret a hostile-query test writes into its canary file and serves from its
// loopback HTTP server; no answer of the explorer may contain it.
const Canary = "SKINGRAPH-CANARY-7f3a9c"

// HostileQueries returns the hostile-query suite (docs/SECURITY.md, "Cypher explorer"):
// file URLs to canaryFile (an absolute path to a file holding Canary; canaryName is its base
// name, also copied into Neo4j's import folder when the test can), loopback URLs under
// httpURL (a server that counts its hits and answers Canary), procedures, administration,
// other databases and writes in subqueries.
func HostileQueries(canaryFile, httpURL string) []HostileQuery {
	name := filepath.Base(canaryFile)
	fileURL := "file://" + canaryFile
	dots := "file:///../../../../../../.." + canaryFile
	encoded := "file://" + strings.ReplaceAll(url.PathEscape(canaryFile), "%2F", "/")
	encoded = strings.ReplaceAll(encoded, ".", "%2e")
	const loadCSV = "LOAD CSV is not allowed"
	const procedure = "is not on the explorer's allow-list"
	return []HostileQuery{
		// Files.
		{Name: "passwd", Query: "LOAD CSV FROM 'file:///etc/passwd' AS r RETURN r LIMIT 1", Reason: loadCSV},
		{Name: "absolute file URL", Query: "LOAD CSV FROM '" + fileURL + "' AS r RETURN r", Reason: loadCSV},
		{Name: "with headers", Query: "LOAD CSV WITH HEADERS FROM '" + fileURL + "' AS r RETURN r", Reason: loadCSV},
		{Name: "relative to the import folder", Query: "LOAD CSV FROM 'file:///" + name + "' AS r RETURN r", Reason: loadCSV},
		{Name: "relative without slashes", Query: "LOAD CSV FROM 'file:" + name + "' AS r RETURN r", Reason: loadCSV},
		{Name: "dot-dot", Query: "LOAD CSV FROM '" + dots + "' AS r RETURN r", Reason: loadCSV},
		{Name: "URL-encoded", Query: "LOAD CSV FROM '" + encoded + "' AS r RETURN r", Reason: loadCSV},
		{Name: "URL-encoded dot-dot", Query: "LOAD CSV FROM 'file:///%2e%2e/%2e%2e/%2e%2e/%2e%2e" + canaryFile + "' AS r RETURN r", Reason: loadCSV},
		{Name: "parameter", Query: "LOAD CSV FROM $url AS r RETURN r", Params: map[string]any{"url": fileURL}, Reason: loadCSV},
		{Name: "parameter list", Query: "UNWIND $urls AS u LOAD CSV FROM u AS r RETURN r", Params: map[string]any{"urls": []any{fileURL, dots}}, Reason: loadCSV},
		{Name: "computed URL", Query: "WITH 'fi' + 'le://' AS s LOAD CSV FROM s + $path AS r RETURN r", Params: map[string]any{"path": canaryFile}, Reason: loadCSV},
		{Name: "lower case and comments", Query: "load /* analyst */ csv from '" + fileURL + "' as r // x\nreturn r", Reason: loadCSV},
		{Name: "field terminator", Query: "LOAD CSV FROM '" + fileURL + "' AS r FIELDTERMINATOR ';' RETURN r", Reason: loadCSV},
		{Name: "in a subquery", Query: "CALL { LOAD CSV FROM '" + fileURL + "' AS r RETURN r } RETURN r", Reason: loadCSV},
		{Name: "in a union", Query: "RETURN [] AS r UNION LOAD CSV FROM '" + fileURL + "' AS r RETURN r", Reason: loadCSV},
		{Name: "in an existential subquery", Query: "MATCH (p:Product) WHERE EXISTS { LOAD CSV FROM '" + fileURL + "' AS r RETURN r } RETURN p", Reason: loadCSV},
		{Name: "with a write", Query: "LOAD CSV FROM '" + fileURL + "' AS r CREATE (:Leak {line: r})", Reason: loadCSV},
		{Name: "periodic commit", Query: "USING PERIODIC COMMIT 10 LOAD CSV FROM '" + fileURL + "' AS r CREATE (:Leak {line: r})", Want: Invalid},
		{Name: "jar URL", Query: "LOAD CSV FROM 'jar:" + fileURL + "!/x.csv' AS r RETURN r", Reason: loadCSV},
		// Network.
		{Name: "http loopback", Query: "LOAD CSV FROM '" + httpURL + "/secret.csv' AS r RETURN r", Reason: loadCSV},
		{Name: "http loopback by parameter", Query: "LOAD CSV FROM $url AS r RETURN r", Params: map[string]any{"url": httpURL + "/p.csv"}, Reason: loadCSV},
		{Name: "http localhost name", Query: "LOAD CSV FROM '" + strings.Replace(httpURL, "127.0.0.1", "localhost", 1) + "/n.csv' AS r RETURN r", Reason: loadCSV},
		{Name: "ftp loopback", Query: "LOAD CSV FROM 'ftp://127.0.0.1/x.csv' AS r RETURN r", Reason: loadCSV},
		// Procedures.
		{Name: "dbms.listConfig", Query: "CALL dbms.listConfig()", Reason: "procedure dbms.listConfig " + procedure},
		{Name: "dbms.listConfig filtered", Query: "CALL dbms.listConfig() YIELD name, value WHERE name CONTAINS 'directories' RETURN name, value", Reason: "procedure dbms.listConfig " + procedure},
		{Name: "dbms.listConfig quoted", Query: "CALL `dbms`.`listConfig`()", Reason: procedure},
		{Name: "dbms.components", Query: "CALL dbms.components()", Reason: "procedure dbms.components " + procedure},
		{Name: "dbms.showCurrentUser", Query: "CALL dbms.showCurrentUser()", Reason: procedure},
		{Name: "procedure in a subquery", Query: "MATCH (p:Product) CALL { CALL dbms.listConfig() YIELD name RETURN name } RETURN name", Reason: procedure},
		{Name: "db.info", Query: "CALL db.info()", Reason: "procedure db.info " + procedure},
		{Name: "db.stats.retrieve", Query: "CALL db.stats.retrieve('GRAPH COUNTS')", Reason: procedure},
		{Name: "tx.setMetaData", Query: "CALL tx.setMetaData({who: 'x'})", Reason: procedure},
		{Name: "db.createLabel", Query: "CALL db.createLabel('Evil')", Reason: procedure},
		// Administration and system information.
		{Name: "SHOW USERS", Query: "SHOW USERS", Reason: "administration commands are not allowed"},
		{Name: "SHOW CURRENT USER", Query: "SHOW CURRENT USER", Reason: "administration commands are not allowed"},
		{Name: "SHOW DATABASES", Query: "SHOW DATABASES", Reason: "administration commands are not allowed"},
		{Name: "SHOW SERVERS", Query: "SHOW SERVERS", Reason: "administration commands are not allowed"},
		{Name: "SHOW ROLES", Query: "SHOW ROLES", Reason: "administration commands are not allowed"},
		{Name: "SHOW PRIVILEGES", Query: "SHOW PRIVILEGES", Reason: "administration commands are not allowed"},
		{Name: "DROP DATABASE", Query: "DROP DATABASE neo4j", Reason: "administration commands are not allowed"},
		{Name: "STOP DATABASE", Query: "STOP DATABASE neo4j", Reason: "administration commands are not allowed"},
		{Name: "SHOW SETTINGS", Query: "SHOW SETTINGS", Reason: "SHOW SETTINGS is not allowed"},
		{Name: "SHOW PROCEDURES", Query: "SHOW PROCEDURES", Reason: "SHOW PROCEDURES is not allowed"},
		{Name: "SHOW FUNCTIONS", Query: "SHOW FUNCTIONS", Reason: "SHOW FUNCTIONS is not allowed"},
		{Name: "SHOW TRANSACTIONS", Query: "SHOW TRANSACTIONS", Reason: "SHOW TRANSACTIONS is not allowed"},
		{Name: "TERMINATE TRANSACTIONS", Query: "TERMINATE TRANSACTIONS 'neo4j-transaction-1'", Reason: "TERMINATE TRANSACTIONS is not allowed"},
		{Name: "CREATE USER", Query: "CREATE USER evil SET PASSWORD 'evil-password' CHANGE NOT REQUIRED", Reason: "administration commands are not allowed"},
		{Name: "ALTER USER", Query: "ALTER USER neo4j SET PASSWORD 'evil-password'", Reason: "administration commands are not allowed"},
		{Name: "USE system", Query: "USE system CALL dbms.showCurrentUser()", Reason: "the explorer reads database"},
		{Name: "USE system match", Query: "USE system MATCH (n) RETURN n", Want: Invalid},
		{Name: "USE system SHOW USERS", Query: "USE system SHOW USERS", Want: Invalid},
		// Writes, also in subqueries and batches.
		{Name: "in transactions", Query: "MATCH (n) CALL { WITH n SET n.x = 1 } IN TRANSACTIONS RETURN 1", Reason: "IN TRANSACTIONS is not allowed"},
		{Name: "in transactions read", Query: "UNWIND range(1, 3) AS i CALL { WITH i RETURN i * 2 AS j } IN TRANSACTIONS RETURN j", Reason: "IN TRANSACTIONS is not allowed"},
		{Name: "write in a subquery", Query: "MATCH (p:Product) CALL { WITH p CREATE (:Leak {id: p.id}) } RETURN count(*)", Reason: "Writing in read access mode"},
		{Name: "write in FOREACH", Query: "FOREACH (x IN [1] | CREATE (:Leak))", Reason: "Writing in read access mode"},
		{Name: "MERGE", Query: "MERGE (l:Leak {id: 1}) RETURN l", Reason: "Writing in read access mode"},
		{Name: "MERGE on a key", Query: "MERGE (p:Product {id: 'p1'}) SET p.price = 0 RETURN p", Reason: "Writing in read access mode"},
		{Name: "pre-parser options", Query: "CYPHER runtime=slotted LOAD CSV FROM '" + fileURL + "' AS r RETURN r", Reason: loadCSV},
		{Name: "EXPLAIN prefix", Query: "EXPLAIN LOAD CSV FROM '" + fileURL + "' AS r RETURN r", Reason: loadCSV},
		{Name: "PROFILE prefix", Query: "PROFILE LOAD CSV FROM '" + fileURL + "' AS r RETURN r", Want: Invalid},
	}
}
