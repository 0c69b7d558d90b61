package testcontainers

import (
	"context"
	"fmt"
	"time"

	tc "github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/skingraph/skingraph/testcontainers/launcher"
)

// dockerAvailable reports whether a Docker engine answers within a few seconds.
func dockerAvailable(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	p, err := tc.NewDockerProvider()
	if err != nil {
		return false
	}
	return p.Health(ctx) == nil
}

// startDocker runs the official image as a generic container (the testcontainers-go neo4j
// module is not on our module proxy) and waits for Bolt.
func startDocker(ctx context.Context, opts Options) (*Neo4j, error) {
	return startDockerRequest(ctx, opts, dockerNeo4jRequest(opts))
}

// dockerNeo4jRequest is the container request of the official image with the options.
func dockerNeo4jRequest(opts Options) tc.GenericContainerRequest {
	heap := opts.HeapMB
	if heap <= 0 {
		heap = 1024
	}
	pageCache := opts.PageCache
	if pageCache == "" {
		pageCache = "512m"
	}
	txMemory := opts.TxMemory
	if txMemory == "" {
		txMemory = launcher.DefaultTxMemory
	}
	req := tc.ContainerRequest{
		Image:        Image,
		ExposedPorts: []string{"7687/tcp"},
		Env: map[string]string{
			"NEO4J_AUTH":                         "neo4j/" + opts.Password,
			"NEO4J_server_memory_heap_max__size": fmt.Sprintf("%dm", heap),
			"NEO4J_server_memory_pagecache_size": pageCache,
			// As the launcher and docker-compose.yaml: no file URLs for LOAD CSV, an empty
			// import root, and a per-transaction memory limit (docs/SECURITY.md).
			"NEO4J_dbms_security_allow__csv__import__from__file__urls": "false",
			"NEO4J_server_directories_import":                          "/var/lib/neo4j/import",
			"NEO4J_db_memory_transaction_max":                          txMemory,
		},
		WaitingFor: wait.ForAll(
			wait.ForLog("Bolt enabled on"),
			wait.ForListeningPort("7687/tcp"),
		).WithDeadline(3 * time.Minute),
	}
	return tc.GenericContainerRequest{ContainerRequest: req, Started: true}
}

// startDockerRequest starts a Neo4j container of req (dockerNeo4jRequest, perhaps on a
// network) and returns how to reach it from this host.
func startDockerRequest(ctx context.Context, opts Options, greq tc.GenericContainerRequest) (*Neo4j, error) {
	ctr, err := tc.GenericContainer(ctx, greq)
	if err != nil {
		if ctr != nil {
			_ = tc.TerminateContainer(ctr)
		}
		return nil, fmt.Errorf("testcontainers: docker neo4j (%s): %w", Image, err)
	}
	host, err := ctr.Host(ctx)
	if err != nil {
		_ = tc.TerminateContainer(ctr)
		return nil, fmt.Errorf("testcontainers: docker neo4j host: %w", err)
	}
	port, err := ctr.MappedPort(ctx, "7687/tcp")
	if err != nil {
		_ = tc.TerminateContainer(ctr)
		return nil, fmt.Errorf("testcontainers: docker neo4j port: %w", err)
	}
	return &Neo4j{
		URI:      fmt.Sprintf("bolt://%s:%s", host, port.Port()),
		Username: "neo4j",
		Password: opts.Password,
		Provider: ProviderDocker,
		stop: func(ctx context.Context) error {
			return tc.TerminateContainer(ctr)
		},
	}, nil
}
