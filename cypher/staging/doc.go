// Package staging writes staged loads: loads too large for one transaction, written in
// chunks that together stay all or nothing. Files: staging.go (the protocol, options, begin,
// lease, abort), products.go and reviews.go (the chunks), commit.go (outcomes and the final
// transaction), recover.go (rolling back dead loads), spill.go (changed records beyond
// memory), chunks.go (how a load is cut). What readers may see of a load under way is the one
// rule of package cypher/internal/visibility; the package cypher's Store decides which loads
// are staged (WriteLoadProgress) and hands them to Loads.
//
// One transaction holding a million reviews needs more memory than a modest
// Neo4j heap has (a 100,000-review load already ran out of the 1.4 GiB transaction memory of
// a 2 GiB heap), so a load of more than DefaultThreshold products and reviews is written in
// stages that together stay all or nothing:
//
//  1. A StagedLoad {id, heartbeat} node marks the load as under way.
//  2. New products and new reviews are written in chunks of stagedProductChunk and stagedChunk rows, each chunk its
//     own transaction; every node and relationship a chunk creates (products, the label-only
//     ingredients they bring, reviewers, REVIEWED and HAS edges) carries `_load: <load id>`.
//     A review stored with other content (even moved to another product or reviewer) is
//     written the same way, as a new edge, and its stored edge is marked `_superseded: <load
//     id>`: readers keep counting the old edge and not the new one until the load commits
//     (package visibility). A product stored with other content gets the same treatment for its
//     CONTAINS, CLAIMS and SUITS edges; its properties (a few per product) are kept, in
//     memory or spilled, for the final transaction. Each chunk refreshes the heartbeat.
//  3. The outcome aggregates of the products whose reviews changed are recomputed in chunks.
//  4. One final transaction writes the knowledge-base ingredients and the properties of the
//     changed products, replaces the StagedLoad by the load's Source node and bumps the
//     DataVersion (when anything changed). Deleting the marker makes the new edges count
//     and the superseded ones stop counting, in the same commit.
//  5. The superseded edges are deleted, in batches of their own; when that fails, they stay
//     hidden, and Recover deletes them later.
//
// On any error, the load is rolled back: everything carrying its `_load` id is deleted (in
// batches of their own), the edges it superseded are unmarked, the outcomes of the products
// it touched are recomputed, and its StagedLoad is removed.
//
// A load whose process died between 1 and 4 leaves its StagedLoad. The marker holds a lease:
// `expires`, set from Neo4j's own clock (so the clocks of the processes do not matter) to
// now + the lease (Options.Lease, default DefaultLease) when the load starts, after
// every chunk and every lease/4 by a background heartbeat while the writing process lives.
// A load is stale once its lease has expired (markers of older builds, without `expires`:
// once their heartbeat is staleAfter old); Recover (cypher.Store.RecoverStaged) rolls back
// the stale ones, and runs at the start of every staged load and of the server and loading
// commands. A live
// load in another process renews its lease and is never taken for dead.
//
// Until a load commits, its rows are invisible: the rows it created carry `_load` and the
// read paths (Product, Search, Ingredient, the projection) skip a row whose `_load` names a
// StagedLoad that still exists (the rule is package visibility); the final
// transaction deletes the marker, which makes them visible in the same commit as the
// DataVersion bump. What stays visible early: the outcome aggregates of products that existed
// before the load and whose reviews it changed (recomputed in step 3), and the raw graph in
// the Cypher explorer (and the "why" Cypher the ranker shows, which reads the edges
// without these filters).
package staging
