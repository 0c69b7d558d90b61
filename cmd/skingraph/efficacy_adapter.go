package main

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/skingraph/skingraph/api"
	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
)

var (
	_ api.EfficacyLoader = efficacyAdapter{}
	_ loader.Subjects    = (*cypher.Store)(nil)
)

// efficacyAdapter serves the API's efficacy uploads from the store: read and validate with the
// loader (subjects looked up in the graph), then write in one transaction.
type efficacyAdapter struct{ store *cypher.Store }

func (a efficacyAdapter) LoadEfficacy(ctx context.Context, body io.Reader, format string, dryRun bool) (graph.LoadResult, error) {
	at := time.Now().UTC()
	data, err := io.ReadAll(body)
	if err != nil {
		return graph.LoadResult{}, err
	}
	if err := loader.CheckUpload(data, "", format, loader.DefaultUploadLimits); err != nil {
		return graph.LoadResult{}, err
	}
	claims, err := loader.ReadEfficacy(ctx, bytes.NewReader(data), "", format, a.store)
	if err != nil {
		return graph.LoadResult{}, err
	}
	return a.store.WriteEfficacy(ctx, efficacyLoadID(at), "POST /v1/efficacy", at, claims, dryRun)
}

// efficacyLoadID names an efficacy load by the time it ran.
func efficacyLoadID(at time.Time) string {
	return "efficacy-" + at.UTC().Format("20060102T150405.000000000Z")
}
