package main

import (
	"context"
	"time"

	"github.com/skingraph/skingraph/api"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
)

// timedSource times the engine's calls to Neo4j (the data-version poll and the projection
// stream) in the server's Neo4j latency histogram.
type timedSource struct {
	next ranker.Source
	m    *api.Metrics
}

var _ ranker.Source = timedSource{}

func (t timedSource) DataVersion(ctx context.Context) (graph.DataVersion, error) {
	start := time.Now()
	v, err := t.next.DataVersion(ctx)
	t.m.ObserveNeo4j(ctx, "data_version", time.Since(start), err)
	return v, err
}

func (t timedSource) Project(ctx context.Context) (*graph.Projection, error) {
	start := time.Now()
	p, err := t.next.Project(ctx)
	t.m.ObserveNeo4j(ctx, "project", time.Since(start), err)
	return p, err
}
