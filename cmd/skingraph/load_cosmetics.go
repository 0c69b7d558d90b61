package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/loader"
)

// The store implements what the loaders write through.
var (
	_ loader.Writer          = (*cypher.Store)(nil)
	_ loader.FunctionsWriter = (*cypher.Store)(nil)
	_ progressWriter         = (*cypher.Store)(nil)
)

// onePathArg checks the arguments of a command that takes exactly one path (what: "file" or
// "folder") before any Neo4j is reached, and returns it; ok is false after -h (the usage is
// printed, err is nil) or on bad arguments.
func onePathArg(name, usage, what string, args []string, stdout io.Writer) (path string, ok bool, err error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, usage)
			return "", false, nil
		}
		return "", false, fmt.Errorf("%w\n%s", err, usage)
	}
	if fs.NArg() != 1 {
		return "", false, fmt.Errorf("one %s expected, got %q\n%s", what, fs.Args(), usage)
	}
	return fs.Arg(0), true, nil
}

const loadCosmeticsUsage = `usage: skingraph load cosmetics FILE

Loads cosmetics.csv (Label, Brand, Name, Price, Rank, Ingredients and the 0/1 skin-type flags
Combination, Dry, Normal, Oily, Sensitive) with the bundled knowledge base, in one transaction.
The flags become SUITS edges; Sensitive becomes the highlight "suits sensitive skin".`

// loadCosmetics runs `skingraph load cosmetics FILE`.
func loadCosmetics(ctx context.Context, store loader.Writer, file string, log zerolog.Logger, stdout, stderr io.Writer) error {
	p := newProgress(stderr, log, "load cosmetics", 0)
	res, st, err := loader.LoadCosmetics(ctx, progressStore{w: store, p: p}, file, time.Now())
	if err != nil {
		return err
	}
	p.Done(st.Rows)
	printLoad(stdout, res)
	fmt.Fprintf(stdout, "  cosmetics    %d products of %d rows (%d duplicates skipped, %d without ingredients, %d with skin-type flags, %d flagged for sensitive skin)\n",
		st.Products, st.Rows, st.Duplicates, st.NoIngredients, st.WithSuits, st.Sensitive)
	return nil
}

const loadCosIngUsage = `usage: skingraph load cosing FILE

Enriches the ingredients already in the graph with the functions and CAS numbers of the EU
CosIng inventory (cosing.csv: inci_name, cas_number, einecs_number, function), in one
transaction. It creates no node: entries for ingredients the graph does not have are counted
and left out. Curated knowledge-base ingredients keep their reviewed functions.`

// loadCosIng runs `skingraph load cosing FILE`.
func loadCosIng(ctx context.Context, store loader.FunctionsWriter, file string, log zerolog.Logger, stdout, stderr io.Writer) error {
	p := newProgress(stderr, log, "load cosing", 0)
	res, err := loader.LoadCosIng(ctx, store, file, time.Now())
	if err != nil {
		return err
	}
	p.Done(res.Matched + res.Unmatched)
	state := "committed"
	if !res.Changed {
		state = "nothing changed"
	}
	fmt.Fprintf(stdout, "load %s: %s; data version %d\n", res.LoadID, state, res.Version.N)
	fmt.Fprintf(stdout, "  ingredients  %d entries matched an ingredient of the graph, %d of them updated; %d entries left out (not in the graph)\n",
		res.Matched, res.Updated, res.Unmatched)
	return nil
}
