// Package graph is the skingraph domain: products, ingredients, skin attributes, the closed
// vocabularies that name them, reviews and outcomes, and the sentinel errors every layer shares.
//
// It knows no infrastructure: no Neo4j driver, no HTTP, no JSON tags. Adapters (cypher, api,
// loader) convert to and from these types at their boundary.
package graph
