// Package rows holds the typed rows between the domain values of package graph and the load
// statements that write them (package cypher's one-transaction load, package cypher/staging's
// staged loads): one struct per row, a named converter from the domain value (ToProduct,
// ToReview, Ingredients), the content hash that change detection compares, and one Param
// method per row that turns it into the driver's parameter value right at the call (the
// driver takes map[string]any; nothing else here does).
//
// The hashes are part of the stored graph: a row's hash is computed from exactly the map its
// Param method sends (without the hash), so changing what a row sends changes every stored
// hash and makes the next load rewrite everything. TestHashesAreStable pins them.
package rows
