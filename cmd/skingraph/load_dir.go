package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/loader"
)

const loadDirUsage = `usage: skingraph load dir DIR

Loads a folder of the project's own formats (datasets/README.md), such as 'skingraph gen'
writes: products.jsonl or products.csv, and optionally reviews.jsonl or reviews.csv and
ingredients.jsonl or ingredients.csv (without one, the bundled knowledge base is loaded with
the products). All or nothing; loading the same folder again changes nothing.`

// loadDir runs `skingraph load dir DIR`.
func loadDir(ctx context.Context, store loader.Writer, dir string, log zerolog.Logger, stdout, stderr io.Writer) error {
	start := time.Now()
	var p *progress
	// The phases, for the summary: pass 1 (validation) ends when the first progress comes,
	// the chunks end when every row is written; outcomes and the final commit follow.
	var validated, written time.Duration
	res, st, err := loader.LoadDirStream(ctx, store, dir, start, loader.DirOptions{
		Progress: func(done, total int) {
			if p == nil {
				validated = time.Since(start)
				p = newProgress(stderr, log, "load "+dir, total)
			}
			if done == total {
				written = time.Since(start)
			}
			p.Update(done)
		},
	})
	if err != nil {
		return fmt.Errorf("load folder %s: %w", dir, err)
	}
	if p == nil {
		p = newProgress(stderr, log, "load "+dir, st.Rows())
	}
	p.Done(st.Rows())
	took := time.Since(start)
	printLoad(stdout, res)
	rows := st.Rows()
	fmt.Fprintf(stdout, "  took         %s (%d rows, %.0f rows/s): validate %s, write rows %s, outcomes and commit %s\n",
		took.Round(time.Millisecond), rows, float64(rows)/max(took.Seconds(), 1e-9), validated.Round(time.Millisecond),
		(written - validated).Round(time.Millisecond), (took - written).Round(time.Millisecond))
	return nil
}

// cypher.Store streams large folders (loader.LoadDirStream).
var _ loader.StagedWriter = (*cypher.Store)(nil)
