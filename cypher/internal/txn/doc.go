// Package txn is the transaction plumbing that the store (package cypher) and the staged
// loads (package cypher/staging) share: sessions and transactions on one database with the
// store's bookmarks, behind its circuit breaker; one statement run inside a managed
// transaction; the translation of driver errors into the graph package's sentinel errors;
// and readers of driver records into typed values.
//
// It holds no statements of the graph model: those live beside the methods that run them.
package txn
