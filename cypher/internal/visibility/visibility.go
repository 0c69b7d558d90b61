// Package visibility is what a reader may see of the graph while staged loads are under way:
// the one visibility rule of staged loads (package cypher/staging), as Cypher fragments that
// every read path of package cypher splices into its statements. Only this package and the
// staging protocol (which writes and sweeps the markers) name the markers themselves; the pin
// test TestStagingMarkersAreReadOnlyInVisibility (package cypher) keeps it so.
//
// A staged load writes its rows in chunks before it commits. The nodes and edges it creates
// carry `_load: <load id>`; the edges it replaces (those of the reviews and products it
// changed) carry `_superseded: <load id>`. Its (:StagedLoad {id}) marker exists from its start
// until its final transaction commits it, or until a rollback has deleted its rows. So:
//
//   - a node or edge is visible when its _load is null or names no existing marker
//     (the load committed);
//   - an edge is also hidden when its _superseded names no existing marker (the load that
//     replaced it committed; the edge is garbage until the cleanup deletes it).
//
// A statement binds the ids of the existing markers once, as the list staged_ids, with one
// of the StagedIDs fragments at its start, and filters with the fragments below. Cypher has
// no parameters for variable names, so the fragments name their variable: p is a Product, i
// an Ingredient, node any node, c a CONTAINS edge and r any other edge. CommittedProduct
// checks the marker per row instead, for statements that look at a few products and bind no
// staged_ids (CommittedIngredient likewise for i).
package visibility

const (
	// StagedIDs binds staged_ids: the ids of the staged loads under way or being rolled back.
	StagedIDs = `CALL () { MATCH (s:StagedLoad) RETURN collect(s.id) AS staged_ids }`
	// StagedIDsParam binds staged_ids from the parameter $staged, for the statements of one
	// read transaction that must agree on them (the projection reads them first).
	StagedIDsParam = `WITH coalesce($staged, []) AS staged_ids`
	// StagedIDsAsLoad binds staged_ids as the staged load $load sees the graph: like a
	// committed load, its own rows are visible and the edges it replaces are hidden.
	StagedIDsAsLoad = `CALL () { MATCH (s:StagedLoad) WHERE s.id <> $load RETURN collect(s.id) AS staged_ids }`

	// Product: the Product p is visible.
	Product = `(p._load IS NULL OR NOT p._load IN staged_ids)`
	// Ingredient: the Ingredient i is visible.
	Ingredient = `(i._load IS NULL OR NOT i._load IN staged_ids)`
	// Node: the node node (a full-text search hit) is visible.
	Node = `(node._load IS NULL OR NOT node._load IN staged_ids)`
	// EdgeC: the CONTAINS edge c is visible.
	EdgeC = `((c._load IS NULL OR NOT c._load IN staged_ids) AND (c._superseded IS NULL OR c._superseded IN staged_ids))`
	// EdgeR: the edge r is visible.
	EdgeR = `((r._load IS NULL OR NOT r._load IN staged_ids) AND (r._superseded IS NULL OR r._superseded IN staged_ids))`

	// SettledC and SettledR: the CONTAINS edge c and the edge r are visible, for readers that
	// run only while no load is staged (the snapshot refuses to start during one): then the
	// only hidden edges are those a committed load superseded and the cleanup has yet to delete.
	SettledC = `(c._superseded IS NULL)`
	SettledR = `(r._superseded IS NULL)`

	// StagedLoadIDs reads the ids of the staged loads under way, for a read transaction that
	// passes them to its statements as $staged (StagedIDsParam).
	StagedLoadIDs = `MATCH (s:StagedLoad) RETURN collect(s.id) AS ids`

	// CommittedProduct: the Product p is visible, checked against the markers row by row
	// (needs no staged_ids).
	CommittedProduct = `(p._load IS NULL OR NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = p._load })`
	// CommittedIngredient: the Ingredient i is visible, checked row by row.
	CommittedIngredient = `(i._load IS NULL OR NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = i._load })`
)
