package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
)

// exportCommand runs `skingraph export DIR`: a consistent snapshot of the whole graph.
func exportCommand(ctx context.Context, store *cypher.Store, dir string, log zerolog.Logger, stdout io.Writer) error {
	start := time.Now()
	snap, err := store.ReadSnapshot(ctx)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	m, err := loader.WriteSnapshot(dir, snap, time.Now())
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	log.Info().Str("dir", dir).Int64("data_version", m.DataVersion.N).Dur("duration", time.Since(start)).Msg("snapshot exported")
	printManifest(stdout, "exported", dir, m)
	return nil
}

// importCommand runs `skingraph import DIR`: restores a snapshot into an empty graph, all or
// nothing, after checking every file against the manifest.
func importCommand(ctx context.Context, store *cypher.Store, dir string, log zerolog.Logger, stdout io.Writer) error {
	start := time.Now()
	snap, m, err := loader.ReadSnapshot(dir)
	var verr *graph.ValidationError
	if errors.As(err, &verr) {
		for _, fe := range verr.Fields {
			fmt.Fprintln(stdout, fe.Error())
		}
		return fmt.Errorf("import: %d problems in %s; nothing written: %w", len(verr.Fields), dir, graph.ErrInvalid)
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := store.RestoreSnapshot(ctx, snap); err != nil {
		return fmt.Errorf("import: nothing written: %w", err)
	}
	log.Info().Str("dir", dir).Int64("data_version", m.DataVersion.N).Dur("duration", time.Since(start)).Msg("snapshot imported")
	printManifest(stdout, "imported", dir, m)
	return nil
}

func printManifest(w io.Writer, what, dir string, m loader.Manifest) {
	fmt.Fprintf(w, "%s %s: data version %d\n", what, dir, m.DataVersion.N)
	for _, f := range m.Files {
		fmt.Fprintf(w, "  %-22s %8d records  sha256 %s\n", f.Name, f.Records, f.SHA256)
	}
}
