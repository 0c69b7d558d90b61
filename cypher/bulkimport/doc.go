// Package bulkimport writes a load as the CSV files that Neo4j's offline importer
// (`neo4j-admin database import full`) reads, for the first load of a large catalogue into an
// EMPTY store: at 1M products / 5M reviews about 0.12 ms of Neo4j CPU a row, importer and
// finish together, against 1.1 ms through Cypher (docs/SCALING.md, "Bulk import";
// docs/PERFORMANCE.md).
//
// The rows are the load's own (package loader parses and validates them exactly as for
// `skingraph load dir`), converted by the same converters as the Cypher load
// (cypher/internal/rows: the same properties and content hashes), and the files describe
// the graph that load would write into an empty store, node for node and edge for edge:
//
//   - the vocabulary nodes (SkinType, SkinTone, Concern, Sensitivity) that Store.Migrate seeds;
//   - Product nodes with their properties and hash; the Ingredient nodes their INCI lists
//     name (the first label seen as name, as MERGE ... ON CREATE does); CONTAINS, CLAIMS and
//     SUITS edges (claims and suits only to known vocabulary, once each);
//   - Reviewer nodes, REVIEWED edges with their properties and hash, and HAS edges to the
//     reviewers' known skin type, tone and concerns, once each.
//
// What the importer cannot express, and what the Cypher load computes rather than copies, is
// left to cypher.Store.FinishBulk once the server runs on the imported store: the schema, empty
// lists (the importer stores no property for an empty array), the knowledge-base
// ingredients with their TREATS, AGGRAVATES and CONFLICTS_WITH edges, the outcome aggregates,
// the Source node and the data version with its change-feed entry.
package bulkimport
