package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/cypher/bulkimport"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/testcontainers/launcher"
)

const loadDirBulkUsage = `usage: skingraph load dir --bulk DIR

The first load of a large catalogue into an EMPTY local store: the folder is read and validated
exactly as 'skingraph load dir' reads it, written as CSV files, imported offline by Neo4j's own
bulk importer (neo4j-admin database import full, from the same Maven Central jars as the local
server), then the local server is started to add what the load computes (schema, knowledge
base, outcome aggregates, Source node, data version and change feed). The graph is the one
'skingraph load dir' makes; the load costs a fraction of the Neo4j CPU (docs/SCALING.md).

Only for the local Neo4j of SKINGRAPH_DATA_DIR, stopped: refused when SKINGRAPH_NEO4J_URI is
set, when a server runs on the folder, or when its store holds any data. Bad input is reported
by file, line and field before anything is written; a failure after the import empties the
store again.`

// loadDirBulkArgs reads the arguments after `load dir` when they hold --bulk; ok is false
// when they do not (a normal load) or after -h printed the usage.
func loadDirBulkArgs(args []string, stdout io.Writer) (dir string, bulk, ok bool, err error) {
	fs := flag.NewFlagSet("skingraph load dir", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&bulk, "bulk", false, "import into an empty local store with neo4j-admin")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, loadDirUsage+"\n\n"+loadDirBulkUsage)
			return "", true, false, nil
		}
		return "", false, false, fmt.Errorf("%w\n%s", err, loadDirBulkUsage)
	}
	if !bulk {
		return "", false, false, nil
	}
	if fs.NArg() != 1 {
		return "", true, false, fmt.Errorf("one folder expected, got %q\n%s", fs.Args(), loadDirBulkUsage)
	}
	return fs.Arg(0), true, true, nil
}

// loadDirBulk runs `skingraph load dir --bulk DIR`.
func loadDirBulk(ctx context.Context, cfg *Config, log zerolog.Logger, env Env, dir string) error {
	if cfg.Neo4jURI != "" {
		return fmt.Errorf("load dir --bulk: %w: it writes the store files of the local Neo4j (SKINGRAPH_DATA_DIR=%s) and SKINGRAPH_NEO4J_URI names another server; unset it, or use 'skingraph load dir' without --bulk",
			graph.ErrInvalid, cfg.DataDir)
	}
	if _, err := os.Stat(dir); err != nil {
		return fmt.Errorf("load dir --bulk: %w", err)
	}
	start := time.Now()
	if err := checkEmptyLocal(ctx, cfg, log, env); err != nil {
		return fmt.Errorf("load dir --bulk %s: %w", dir, err)
	}
	if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
		return fmt.Errorf("load dir --bulk: %w", err)
	}
	var p *progress
	var validated, written, imported time.Duration
	var sum bulkimport.Summary
	w := &bulkimport.Writer{Dir: cfg.DataDir, Threshold: cypher.StagedThreshold, Finish: func(ctx context.Context, load graph.Load, s bulkimport.Summary) (graph.LoadResult, error) {
		sum, written = s, time.Since(start)
		log.Info().Int("nodes", s.Nodes).Int("relationships", s.Rels).Msg("bulk import: files written; running neo4j-admin database import full")
		if err := launcher.Import(ctx, launcher.ImportOptions{DataDir: cfg.DataDir, HeapMB: cfg.Neo4jHeapMB, JVMFlags: cfg.Neo4jJVMFlags, Args: s.Args, Log: env.Stderr}); err != nil {
			if errors.Is(err, launcher.ErrStoreInUse) {
				return graph.LoadResult{}, err // a server has it open: not ours to empty
			}
			return graph.LoadResult{}, errors.Join(err, emptyLocalStore(cfg.DataDir))
		}
		imported = time.Since(start)
		var res graph.LoadResult
		err := withStore(ctx, cfg, log, env, func(store *cypher.Store) error {
			var err error
			res, err = store.FinishBulk(ctx, load, s)
			return err
		})
		if err != nil {
			return graph.LoadResult{}, errors.Join(err, emptyLocalStore(cfg.DataDir))
		}
		return res, nil
	}}
	res, st, err := loader.LoadDirStream(ctx, w, dir, start, loader.DirOptions{
		Progress: func(done, total int) {
			if p == nil {
				validated = time.Since(start)
				p = newProgress(env.Stderr, log, "load --bulk "+dir+" (writing import files)", total)
			}
			p.Update(done)
		},
	})
	if err != nil {
		return fmt.Errorf("load folder %s (--bulk): %w", dir, err)
	}
	if p != nil {
		p.Done(st.Rows())
	}
	took := time.Since(start)
	printLoad(env.Stdout, res)
	rows := st.Rows()
	fmt.Fprintf(env.Stdout, "  took         %s (%d rows, %.0f rows/s): validate %s, write rows %s, outcomes and commit %s\n",
		took.Round(time.Millisecond), rows, float64(rows)/max(took.Seconds(), 1e-9), validated.Round(time.Millisecond),
		(imported - validated).Round(time.Millisecond), (took - imported).Round(time.Millisecond))
	fmt.Fprintf(env.Stdout, "  path         bulk import (neo4j-admin database import full): write files %s, import %d nodes and %d relationships %s, then start, schema, outcomes and commit %s\n",
		(written - validated).Round(time.Millisecond), sum.Nodes, sum.Rels, (imported - written).Round(time.Millisecond), (took - imported).Round(time.Millisecond))
	return nil
}

// checkEmptyLocal refuses a local store that holds data. A data folder without a database
// is empty; one with a database is started once to look (a running server's lock makes
// that start fail, which is reported as such).
func checkEmptyLocal(ctx context.Context, cfg *Config, log zerolog.Logger, env Env) error {
	if _, err := os.Stat(localStorePath(cfg.DataDir)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	err := withStore(ctx, cfg, log, env, func(store *cypher.Store) error { return store.CheckEmptyForBulk(ctx) })
	if err != nil && !errors.Is(err, graph.ErrConflict) {
		return fmt.Errorf("checking that the store of %s is empty (is a Neo4j running on it? stop it first): %w", cfg.DataDir, err)
	}
	return err
}

// localStorePath is where the local launcher's default database keeps its store files.
func localStorePath(dataDir string) string {
	return filepath.Join(dataDir, "data", "databases", "neo4j")
}

// emptyLocalStore removes the default database's store and transaction logs after a failed
// bulk import into what was an empty store: the next start creates it empty again.
func emptyLocalStore(dataDir string) error {
	for _, p := range []string{localStorePath(dataDir), filepath.Join(dataDir, "data", "transactions", "neo4j")} {
		if err := os.RemoveAll(p); err != nil {
			return fmt.Errorf("empty the store again after the failed import: %w", err)
		}
	}
	return nil
}
