package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/skingraph/skingraph/loader"
)

const loadDirUsage = `usage: skingraph load dir DIR

Loads a folder of the project's own formats (datasets/README.md), such as 'skingraph gen'
writes: products.jsonl or products.csv, and optionally reviews.jsonl or reviews.csv and
ingredients.jsonl or ingredients.csv (without one, the bundled knowledge base is loaded with
the products). All or nothing; loading the same folder again changes nothing.`

// loadDirCommand runs `skingraph load dir`.
func loadDirCommand(ctx context.Context, store loader.Writer, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("skingraph load dir", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, loadDirUsage)
			return nil
		}
		return fmt.Errorf("%w\n%s", err, loadDirUsage)
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("one folder expected, got %q\n%s", fs.Args(), loadDirUsage)
	}
	start := time.Now()
	load, st, err := loader.ReadDir(ctx, fs.Arg(0), start)
	if err != nil {
		return err
	}
	read := time.Since(start)
	p := newProgress(stderr, "load "+fs.Arg(0), st.Products+st.Reviews)
	res, err := writeWithProgress(ctx, store, load, p)
	if err != nil {
		return fmt.Errorf("load folder %s: %w", fs.Arg(0), err)
	}
	took := p.Done(st.Rows())
	printLoad(stdout, res)
	rows := st.Rows()
	fmt.Fprintf(stdout, "  took         %s: read %s, write %s (%d rows, %.0f rows/s)\n",
		(read + took).Round(time.Millisecond), read.Round(time.Millisecond), took.Round(time.Millisecond),
		rows, float64(rows)/max((read+took).Seconds(), 1e-9))
	return nil
}
