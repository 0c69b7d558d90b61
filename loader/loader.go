package loader

import (
	"context"

	"github.com/skingraph/skingraph/graph"
)

// Writer commits a load in one transaction. cypher.Store implements it.
type Writer interface {
	// WriteLoad commits every record of the load or none; it returns graph.ErrInvalid for data
	// the graph refuses and graph.ErrUnavailable when Neo4j cannot be reached.
	WriteLoad(ctx context.Context, load graph.Load) (graph.LoadResult, error)
}

// maxErrors bounds how many bad rows one validation reports.
const maxErrors = 200
