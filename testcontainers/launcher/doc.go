// Package launcher runs Neo4j Community 5.26 as a local child process, with no Docker engine.
//
// The Java side is a small Maven project embedded in this package (java/pom.xml and
// Launcher.java): Neo4j embedded plus its Bolt connector, listening on a loopback address,
// keeping its data in a given folder, and shutting down cleanly on SIGTERM or when our end of
// its standard input closes (so no Java process outlives the Go process that started it). The
// first Start builds it with Maven, which downloads Neo4j from Maven Central into ~/.m2; later
// starts reuse the cached build and jars.
//
// Cypher gets no file access: LOAD CSV may not read file URLs
// (dbms.security.allow_csv_import_from_file_urls=false) and its import root is the empty
// folder <data>/import. One transaction may use at most Options.TxMemory of heap
// (db.memory.transaction.max), so that a runaway query fails alone (docs/SECURITY.md).
package launcher
