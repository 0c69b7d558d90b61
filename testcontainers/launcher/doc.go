// Package launcher runs Neo4j Community 5.26 as a local child process, with no Docker engine.
//
// The Java side is a small Maven project embedded in this package (java/pom.xml and
// Launcher.java): Neo4j embedded plus its Bolt connector, listening on a loopback address,
// keeping its data in a given folder, and shutting down cleanly on SIGTERM or when our end of
// its standard input closes (so no Java process outlives the Go process that started it). The
// first Start builds it with Maven, which downloads Neo4j from Maven Central into ~/.m2; later
// starts reuse the cached build and jars.
package launcher
