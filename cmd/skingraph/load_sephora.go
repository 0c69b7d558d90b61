package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
)

const loadSephoraUsage = `usage: skingraph load sephora --products FILE --reviews FILE [--reviews FILE ...] [--all-categories]

Loads the public Sephora data set (product_info.csv and reviews_*.csv) with the bundled
ingredient knowledge base, all or nothing (more than 50,000 products and reviews are streamed
in staged chunks). Only skincare products are kept unless
--all-categories is given; reviews of products that are not loaded are left out and counted.`

// stringsFlag is a flag that may be repeated; each use adds a value.
type stringsFlag []string

func (s *stringsFlag) String() string { return strings.Join(*s, ",") }

func (s *stringsFlag) Set(v string) error {
	if v == "" {
		return errors.New("empty file name")
	}
	*s = append(*s, v)
	return nil
}

// sephoraArgs are the checked arguments of `skingraph load sephora`.
type sephoraArgs struct {
	products      string
	reviews       []string
	allCategories bool
}

// loadSephoraArgs checks the arguments after "sephora" (before any Neo4j is reached); ok is
// false after -h (the usage is printed, err is nil) or on bad arguments.
func loadSephoraArgs(args []string, stdout io.Writer) (a sephoraArgs, ok bool, err error) {
	fs := flag.NewFlagSet("skingraph load sephora", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned; -h prints the usage below
	products := fs.String("products", "", "the Sephora `product_info.csv` file")
	var reviews stringsFlag
	fs.Var(&reviews, "reviews", "a Sephora reviews `file` (repeat for several)")
	all := fs.Bool("all-categories", false, "keep products of every category, not only skincare")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stdout, loadSephoraUsage)
			fs.SetOutput(stdout)
			fs.PrintDefaults()
			return a, false, nil
		}
		return a, false, fmt.Errorf("%w\n%s", err, loadSephoraUsage)
	}
	switch {
	case fs.NArg() > 0:
		return a, false, fmt.Errorf("unexpected arguments %q\n%s", fs.Args(), loadSephoraUsage)
	case *products == "":
		return a, false, fmt.Errorf("--products is required\n%s", loadSephoraUsage)
	case len(reviews) == 0:
		return a, false, fmt.Errorf("at least one --reviews is required\n%s", loadSephoraUsage)
	}
	return sephoraArgs{products: *products, reviews: reviews, allCategories: *all}, true, nil
}

// loadSephora runs `skingraph load sephora`: it loads the files through store and prints a
// summary to stdout.
func loadSephora(ctx context.Context, store loader.Writer, a sephoraArgs, log zerolog.Logger, stdout, stderr io.Writer, pseudo *graph.Pseudonymizer) error {
	start := time.Now()
	p := newProgress(stderr, log, "load sephora", 0)
	opts := loader.SephoraOptions{SkincareOnly: !a.allCategories, Pseudonyms: pseudo, Progress: func(done, total int) {
		p.SetTotal(total)
		p.Update(done)
	}}
	res, stats, err := loader.LoadSephora(ctx, store, a.products, a.reviews, opts, start)
	if err != nil {
		return err
	}
	p.Done(stats.Products + stats.Reviews)
	took := time.Since(start)
	printLoad(stdout, res)
	printSephoraStats(stdout, stats, !a.allCategories, len(a.reviews))
	rows := stats.ProductRows + stats.ReviewRows
	fmt.Fprintf(stdout, "  took         %s (%d rows, %.0f rows/s, read and write)\n",
		took.Round(time.Millisecond), rows, float64(rows)/max(took.Seconds(), 1e-9))
	return nil
}

// printSephoraStats writes what a Sephora load read, kept and left out.
func printSephoraStats(w io.Writer, s loader.SephoraStats, skincareOnly bool, files int) {
	skipped := ""
	if skincareOnly {
		skipped = fmt.Sprintf("%d not skincare, ", s.ProductsSkipped)
	}
	fmt.Fprintf(w, "  products     %d kept of %d rows (%s%d without a category, %d without ingredients)\n",
		s.Products, s.ProductRows, skipped, s.Uncategorised, s.NoIngredients)
	fmt.Fprintf(w, "  ingredients  %d distinct on labels, %d of them in the knowledge base\n",
		s.Ingredients, s.CuratedIngredients)
	fileWord := "files"
	if files == 1 {
		fileWord = "file"
	}
	fmt.Fprintf(w, "  reviews      %d kept of %d rows in %d %s by %d reviewers (left out: %d duplicates, %d of skipped products, %d of unknown products)\n",
		s.Reviews, s.ReviewRows, files, fileWord, s.Reviewers, s.DuplicateReviews, s.ReviewsOfSkippedProducts, s.ReviewsOfUnknownProducts)
	names := make([]string, 0, len(s.Effects))
	for e := range s.Effects {
		names = append(names, e)
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, e := range names {
		parts = append(parts, fmt.Sprintf("%s %d", e, s.Effects[e]))
	}
	if len(parts) == 0 {
		parts = append(parts, "none")
	}
	fmt.Fprintf(w, "  effects      %s\n", strings.Join(parts, ", "))
}
