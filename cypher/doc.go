// Package cypher is the Neo4j adapter: the schema migration, the reads and writes of the graph
// model, and the translation of driver errors into the graph package's sentinel errors. It is
// the only package that imports the Neo4j driver.
//
// Every query lives beside the method that runs it and takes $parameters; none is built by
// string concatenation of user input.
package cypher
