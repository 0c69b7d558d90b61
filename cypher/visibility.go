package cypher

// What a reader may see: the one visibility rule of staged loads (staging.go), in one place.
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
// of the stagedIDs fragments at its start, and filters with the visible* fragments below.
// Cypher has no parameters for variable names, so the fragments name their variable: p is a
// Product, i an Ingredient, node any node, c a CONTAINS edge and r any other edge. committedProduct checks the
// marker per row instead, for statements that look at a few products and bind no staged_ids
// (committedIngredient likewise for i).
const (
	// stagedIDs binds staged_ids: the ids of the staged loads under way or being rolled back.
	stagedIDs = `CALL () { MATCH (s:StagedLoad) RETURN collect(s.id) AS staged_ids }`
	// stagedIDsParam binds staged_ids from the parameter $staged, for the statements of one
	// read transaction that must agree on them (the projection reads them first).
	stagedIDsParam = `WITH coalesce($staged, []) AS staged_ids`
	// stagedIDsAsLoad binds staged_ids as the staged load $load sees the graph: like a
	// committed load, its own rows are visible and the edges it replaces are hidden.
	stagedIDsAsLoad = `CALL () { MATCH (s:StagedLoad) WHERE s.id <> $load RETURN collect(s.id) AS staged_ids }`

	// visibleProduct: the Product p is visible.
	visibleProduct = `(p._load IS NULL OR NOT p._load IN staged_ids)`
	// visibleIngredient: the Ingredient i is visible.
	visibleIngredient = `(i._load IS NULL OR NOT i._load IN staged_ids)`
	// visibleNode: the node node (a full-text search hit) is visible.
	visibleNode = `(node._load IS NULL OR NOT node._load IN staged_ids)`
	// visibleC: the CONTAINS edge c is visible.
	visibleC = `((c._load IS NULL OR NOT c._load IN staged_ids) AND (c._superseded IS NULL OR c._superseded IN staged_ids))`
	// visibleR: the edge r is visible.
	visibleR = `((r._load IS NULL OR NOT r._load IN staged_ids) AND (r._superseded IS NULL OR r._superseded IN staged_ids))`

	// settledC and settledR: the CONTAINS edge c and the edge r are visible, for readers that
	// run only while no load is staged (the snapshot refuses to start during one): then the
	// only hidden edges are those a committed load superseded and the cleanup has yet to delete.
	settledC = `(c._superseded IS NULL)`
	settledR = `(r._superseded IS NULL)`

	// stagedLoadIDs reads the ids of the staged loads under way, for a read transaction that
	// passes them to its statements as $staged (stagedIDsParam).
	stagedLoadIDs = `MATCH (s:StagedLoad) RETURN collect(s.id) AS ids`

	// committedProduct: the Product p is visible, checked against the markers row by row
	// (needs no staged_ids).
	committedProduct = `(p._load IS NULL OR NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = p._load })`
	// committedIngredient: the Ingredient i is visible, checked row by row.
	committedIngredient = `(i._load IS NULL OR NOT EXISTS { MATCH (staged:StagedLoad) WHERE staged.id = i._load })`
)
