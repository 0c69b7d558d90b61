package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/loader/gen"
)

const genUsage = `usage: skingraph gen --products N --reviews M [--seed S] --out DIR

Writes a synthetic catalogue (DIR/products.jsonl) and its reviews (DIR/reviews.jsonl) in the
project's own formats, shaped like the public Sephora data (datasets/GENERATOR.md). The same
flags write the same bytes. Load the folder with 'skingraph load dir DIR'.`

// genCommand runs `skingraph gen`.
func genCommand(ctx context.Context, args []string, log zerolog.Logger, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("skingraph gen", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	products := fs.Int("products", 1000, "number of products")
	reviews := fs.Int("reviews", 10000, "number of reviews")
	seed := fs.Uint64("seed", 1, "random seed")
	out := fs.String("out", "", "output `folder` (created when missing)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, genUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return nil
		}
		return fmt.Errorf("%w\n%s", err, genUsage)
	}
	switch {
	case fs.NArg() > 0:
		return fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), genUsage)
	case *out == "":
		return fmt.Errorf("--out is required\n%s", genUsage)
	}
	kb, err := bundledIngredients()
	if err != nil {
		return err
	}
	p := newProgress(stderr, log, "gen", *products+*reviews)
	st, err := gen.WriteDir(ctx, gen.Config{
		Products: *products, Reviews: *reviews, Seed: *seed, Ingredients: kb, Progress: p.Update,
	}, *out)
	if err != nil {
		return err
	}
	p.Done(st.Products + st.Reviews)
	fmt.Fprintf(stdout, "generated %d products (%d bytes) and %d reviews by %d reviewers (%d bytes) in %s\n",
		st.Products, st.ProductBytes, st.Reviews, st.Reviewers, st.ReviewBytes, *out)
	fmt.Fprintf(stdout, "  relationships %d: contains %d, claims %d, suits %d, reviewed %d, has %d\n",
		st.Relationships, st.Contains, st.Claims, st.Suits, st.Reviews, st.Has)
	return nil
}

// bundledIngredients reads the embedded ingredient knowledge base.
func bundledIngredients() ([]graph.Ingredient, error) {
	f, err := datasets.FS.Open(loader.IngredientsFile)
	if err != nil {
		return nil, fmt.Errorf("open knowledge base: %w", err)
	}
	defer f.Close()
	return loader.ReadIngredients(f.(fs.File), loader.IngredientsFile)
}
