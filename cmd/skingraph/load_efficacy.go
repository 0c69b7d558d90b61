package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
)

const loadEfficacyUsage = `usage: skingraph load efficacy FILE [--dry-run]

Loads efficacy claims (CSV, a JSON array or JSON Lines; see datasets/EFFICACY.md) in one
transaction. Every bad row is listed and nothing is written if any row is bad. With --dry-run
the counts are computed in a transaction that is rolled back: nothing is written.`

// efficacyArgs are the checked arguments of `skingraph load efficacy`.
type efficacyArgs struct {
	file   string
	dryRun bool
}

// loadEfficacyArgs checks the arguments after "efficacy" (before any Neo4j is reached); ok is
// false after -h (the usage is printed, err is nil) or on bad arguments.
func loadEfficacyArgs(args []string, stdout io.Writer) (a efficacyArgs, ok bool, err error) {
	fs := flag.NewFlagSet("skingraph load efficacy", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	dryRun := fs.Bool("dry-run", false, "validate and count, write nothing")
	var files []string
	for { // flags may come before or after the file
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fmt.Fprintln(stdout, loadEfficacyUsage)
				return a, false, nil
			}
			return a, false, fmt.Errorf("%w\n%s", err, loadEfficacyUsage)
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(files) != 1 {
		return a, false, fmt.Errorf("want one efficacy file, got %d\n%s", len(files), loadEfficacyUsage)
	}
	return efficacyArgs{file: files[0], dryRun: *dryRun}, true, nil
}

// loadEfficacy runs `skingraph load efficacy`. It prints every bad row, or the load id, the
// counts and the data version.
func loadEfficacy(ctx context.Context, store *cypher.Store, a efficacyArgs, stdout io.Writer) error {
	file := a.file
	f, err := os.Open(file)
	if err != nil {
		return fmt.Errorf("load efficacy: %w", err)
	}
	defer f.Close()
	claims, err := loader.ReadEfficacy(ctx, f, file, efficacyFormatOf(file), store)
	var verr *graph.ValidationError
	if errors.As(err, &verr) {
		for _, fe := range verr.Fields {
			fmt.Fprintln(stdout, badRowLine(file, fe))
		}
		return fmt.Errorf("load efficacy: %d bad rows in %s; nothing written: %w", len(verr.Fields), file, graph.ErrInvalid)
	}
	if err != nil {
		return fmt.Errorf("load efficacy: %w", err)
	}

	at := time.Now().UTC()
	res, err := store.WriteEfficacy(ctx, efficacyLoadID(at), filepath.Base(file), at, claims, a.dryRun)
	if err != nil {
		return fmt.Errorf("load efficacy: %w", err)
	}
	c := res.Counts["efficacy"]
	switch {
	case a.dryRun:
		fmt.Fprintf(stdout, "load %s: dry run: nothing written; data version %d\n", res.LoadID, res.Version.N)
	case res.Changed:
		fmt.Fprintf(stdout, "load %s: committed; data version %d\n", res.LoadID, res.Version.N)
	default:
		fmt.Fprintf(stdout, "load %s: nothing changed; data version %d\n", res.LoadID, res.Version.N)
	}
	fmt.Fprintf(stdout, "  efficacy     created %d, updated %d, unchanged %d (%d rows)\n", c.Created, c.Updated, c.Unchanged, len(claims))
	return nil
}

// efficacyFormatOf picks the format from the file's extension; "" lets the loader sniff it.
func efficacyFormatOf(file string) string {
	switch strings.ToLower(filepath.Ext(file)) {
	case ".csv":
		return loader.FormatCSV
	case ".json", ".jsonl", ".ndjson":
		return loader.FormatJSON
	}
	return ""
}

// badRowLine writes one bad row as "file:row field: message".
func badRowLine(file string, fe graph.FieldError) string {
	where := file
	if fe.Row > 0 {
		where = fmt.Sprintf("%s:%d", file, fe.Row)
	}
	if fe.Field != "" {
		where += " " + fe.Field
	}
	return where + ": " + fe.Message
}
