// Command skingraph runs the skingraph recommendation engine: a local Neo4j when none is
// configured, the schema migration, data loads and the HTTP API.
//
//	skingraph up        start local Neo4j (unless SKINGRAPH_NEO4J_URI is set), migrate, load the demo data when the graph is empty, serve
//	skingraph serve     migrate and serve against SKINGRAPH_NEO4J_URI
//	skingraph load demo load the bundled ingredient knowledge base and demo catalogue
//	skingraph neo4j     start a local Neo4j and print how to reach it, until Ctrl-C
//	skingraph version   print the version
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// SIGHUP reloads the API keys; it never stops the process (which would leave a local
	// Neo4j behind).
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	reload := make(chan struct{}, 1)
	go func() {
		for range hup {
			select {
			case reload <- struct{}{}:
			default:
			}
		}
	}()
	if err := run(ctx, os.Args[1:], Env{Getenv: os.Getenv, Stdout: os.Stdout, Stderr: os.Stderr, Reload: reload}); err != nil {
		fmt.Fprintln(os.Stderr, "skingraph:", err)
		os.Exit(1)
	}
}
