package loader

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
	"github.com/skingraph/skingraph/loader/reviewtext"
)

// The Sephora importer reads the public Sephora data set (Kaggle "Sephora Products and
// Skincare Reviews": product_info.csv and the reviews_*.csv files). Both are CSV files with a
// header row; columns are found by name, so extra and reordered columns are fine, a UTF-8
// byte-order mark and CRLF line ends are tolerated, and quoting must be correct (a broken quote
// is reported with its row and nothing after it is read). Rows are numbered by the line of the
// file on which they start, the header being line 1: the numbering of encoding/csv's own
// errors and of editors (a review text with line breaks spans several lines).

// SephoraOptions control what readSephoraProductList keeps.
type SephoraOptions struct {
	// SkincareOnly keeps only the products whose primary_category is "Skincare" (2,420 of the
	// 8,494 products of the public file). The command line sets it unless --all-categories is
	// given.
	SkincareOnly bool
	// Pseudonyms keys the reviewer pseudonyms (the deployment's SKINGRAPH_PSEUDONYM_KEY);
	// nil uses DemoPseudonymKey, which is public and meant for tests and demos only.
	Pseudonyms *graph.Pseudonymizer
	// Progress, when set, is told the rows to write (total) and the rows written so far
	// (done) as LoadSephora goes.
	Progress func(done, total int)
	// Chunk is how many reviews one staged chunk holds when LoadSephora streams (0:
	// StreamChunk).
	Chunk int
}

// SephoraStats says what a Sephora load read, kept and left out.
type SephoraStats struct {
	ProductRows        int // data rows of the products file
	Products           int // products in the load
	ProductsSkipped    int // rows left out by SkincareOnly
	Uncategorised      int // products in the load whose category could not be mapped (Category "")
	NoIngredients      int // products in the load without any ingredient read from their label
	Ingredients        int // distinct ingredient keys on the labels of the loaded products
	CuratedIngredients int // of which the knowledge base describes
	ReviewRows         int // data rows of the review files
	Reviews            int // reviews in the load
	Reviewers          int // distinct pseudonymous reviewers in the load
	DuplicateReviews   int // rows with the id of an earlier review (the first is kept)
	// Reviews of products that are not in the load, left out: of products the products file
	// has but SkincareOnly skipped, and of products it does not have at all.
	ReviewsOfSkippedProducts int
	ReviewsOfUnknownProducts int
	Effects                  map[string]int // loaded reviews reporting each effect
}

// Sephora reads the Sephora products file and review files, with the bundled ingredient
// knowledge base (whose aliases the INCI normaliser uses), into one load. Reviews of products
// that are not in the load are left out and counted in the stats; so are duplicate reviews.
// Product ratings and review counts are Sephora's (from the products file), not recomputed
// from the reviews, which are a sample.
func Sephora(ctx context.Context, productsFile string, reviewFiles []string, opts SephoraOptions, now time.Time) (graph.Load, SephoraStats, error) {
	cat, stats, err := sephoraCatalogue(ctx, productsFile, opts)
	if err != nil {
		return graph.Load{}, stats, err
	}
	var reviews []graph.Review
	err = scanSephoraReviewFiles(ctx, reviewFiles, opts, cat, &stats, func(r graph.Review) {
		reviews = append(reviews, r)
	})
	if err != nil {
		return graph.Load{}, stats, err
	}
	load := sephoraLoad(productsFile, reviewFiles, now)
	load.Ingredients, load.Products, load.Reviews = cat.kb, cat.products, reviews
	return load, stats, nil
}

// sephoraLoad is the header of a Sephora load: id, source, kind and time.
func sephoraLoad(productsFile string, reviewFiles []string, now time.Time) graph.Load {
	sources := []string{filepath.Base(productsFile)}
	for _, name := range reviewFiles {
		sources = append(sources, filepath.Base(name))
	}
	return graph.Load{
		ID:     "sephora-" + now.UTC().Format("20060102T150405Z"),
		Source: "sephora: " + strings.Join(sources, ", "),
		Kind:   "sephora",
		At:     now.UTC(),
	}
}

// sephoraCatalogueSet is the knowledge base and the products of a Sephora load, held in
// memory (the public catalogue has 8,494 products), and the ids of the products kept.
type sephoraCatalogueSet struct {
	sephoraProducts
	kb   []graph.Ingredient
	kept map[string]bool
}

// sephoraCatalogue reads the knowledge base and the products file, counting in the stats.
func sephoraCatalogue(ctx context.Context, productsFile string, opts SephoraOptions) (sephoraCatalogueSet, SephoraStats, error) {
	stats := SephoraStats{Effects: map[string]int{}}
	var cat sephoraCatalogueSet
	kb, err := readFile(datasets.FS, IngredientsFile, func(f fs.File) ([]graph.Ingredient, error) {
		return ReadIngredients(f, IngredientsFile)
	})
	if err != nil {
		return cat, stats, err
	}
	norm := inci.New(Aliases(kb))
	if err := ctx.Err(); err != nil {
		return cat, stats, err
	}
	var prods sephoraProducts
	err = openFile(productsFile, func(f *os.File) (err error) {
		prods, err = readSephoraProducts(f, filepath.Base(productsFile), norm, opts)
		return err
	})
	if err != nil {
		return cat, stats, err
	}
	stats.ProductRows, stats.Products, stats.ProductsSkipped = prods.rows, len(prods.products), len(prods.skipped)
	kept := make(map[string]bool, len(prods.products))
	curated := make(map[string]bool, len(kb))
	for _, ing := range kb {
		curated[ing.INCI] = true
	}
	onLabels := map[string]bool{}
	for _, p := range prods.products {
		kept[p.ID] = true
		if p.Category == "" {
			stats.Uncategorised++
		}
		if len(p.Ingredients) == 0 {
			stats.NoIngredients++
		}
		for _, in := range p.Ingredients {
			if !onLabels[in.INCI] {
				onLabels[in.INCI] = true
				stats.Ingredients++
				if curated[in.INCI] {
					stats.CuratedIngredients++
				}
			}
		}
	}
	return sephoraCatalogueSet{sephoraProducts: prods, kb: kb, kept: kept}, stats, nil
}

// scanSephoraReviewFiles reads every review file, counting in stats, and hands each review
// of a kept product to emit, once: duplicates (in a file or across files) and reviews of
// products left out are counted, not emitted. It keeps the review ids and reviewers only.
func scanSephoraReviewFiles(ctx context.Context, reviewFiles []string, opts SephoraOptions, cat sephoraCatalogueSet, stats *SephoraStats, emit func(graph.Review)) error {
	seen := map[string]bool{}
	reviewers := map[string]bool{}
	for _, name := range reviewFiles {
		if err := ctx.Err(); err != nil {
			return err
		}
		var rs sephoraReviews
		err := openFile(name, func(f *os.File) error {
			return scanSephoraReviews(ctxReader{ctx: ctx, r: f}, filepath.Base(name), opts.Pseudonyms, &rs, func(r graph.Review) {
				switch {
				case seen[r.ID]:
					stats.DuplicateReviews++ // the same review in two files
					return
				case cat.skipped[r.ProductID]:
					stats.ReviewsOfSkippedProducts++
					return
				case !cat.kept[r.ProductID]:
					stats.ReviewsOfUnknownProducts++
					return
				}
				seen[r.ID] = true
				reviewers[r.Reviewer] = true
				for _, e := range r.Effects {
					stats.Effects[e]++
				}
				stats.Reviews++
				emit(r)
			})
		})
		if err != nil {
			return err
		}
		stats.ReviewRows += rs.rows
		stats.DuplicateReviews += rs.duplicates
	}
	stats.Reviewers = len(reviewers)
	return ctx.Err()
}

// LoadSephora reads the Sephora files (see Sephora) and writes them with w, all or nothing.
// When w is a StagedWriter and the load is larger than its staged threshold, the review files
// are streamed: pass 1 validates them all keeping the review ids and reviewers only, pass 2
// reads them again and hands chunks of StreamChunk reviews to a staged load after the
// products (the catalogue is held in memory). The stats are returned even when the write
// fails.
func LoadSephora(ctx context.Context, w Writer, productsFile string, reviewFiles []string, opts SephoraOptions, now time.Time) (graph.LoadResult, SephoraStats, error) {
	sw, staged := w.(StagedWriter)
	if !staged {
		load, stats, err := Sephora(ctx, productsFile, reviewFiles, opts, now)
		if err != nil {
			return graph.LoadResult{}, stats, err
		}
		return writeSephora(ctx, w, load, stats, opts)
	}
	cat, stats, err := sephoraCatalogue(ctx, productsFile, opts)
	if err != nil {
		return graph.LoadResult{}, stats, err
	}
	pass1 := stats
	pass1.Effects = map[string]int{}
	if err := scanSephoraReviewFiles(ctx, reviewFiles, opts, cat, &pass1, func(graph.Review) {}); err != nil {
		return graph.LoadResult{}, pass1, err
	}
	load := sephoraLoad(productsFile, reviewFiles, now)
	load.Ingredients, load.Products = cat.kb, cat.products
	total := pass1.Products + pass1.Reviews
	if total <= sw.StagedThreshold() {
		err = scanSephoraReviewFiles(ctx, reviewFiles, opts, cat, &stats, func(r graph.Review) {
			load.Reviews = append(load.Reviews, r)
		})
		if err != nil {
			return graph.LoadResult{}, stats, err
		}
		return writeSephora(ctx, w, load, stats, opts)
	}
	chunk, productChunk := opts.Chunk, opts.Chunk
	if chunk <= 0 {
		chunk, productChunk = StreamChunk, StreamProductChunk
	}
	if opts.Progress != nil {
		opts.Progress(0, total)
	}
	load.Products = nil
	st, err := sw.BeginStaged(ctx, load)
	if err != nil {
		return graph.LoadResult{}, pass1, fmt.Errorf("loader: sephora: %w", err)
	}
	res, err := writeChunks(ctx, st, total, opts.Progress, func(ctx context.Context, send func(streamChunk)) error {
		for len(cat.products) > 0 {
			n := min(productChunk, len(cat.products))
			send(streamChunk{products: cat.products[:n]})
			cat.products = cat.products[n:]
		}
		var reviews []graph.Review
		err := scanSephoraReviewFiles(ctx, reviewFiles, opts, cat, &stats, func(r graph.Review) {
			reviews = append(reviews, r)
			if len(reviews) == chunk {
				send(streamChunk{reviews: reviews})
				reviews = nil
			}
		})
		if err != nil {
			return err
		}
		if len(reviews) > 0 {
			send(streamChunk{reviews: reviews})
		}
		if stats.Reviews != pass1.Reviews {
			return fmt.Errorf("%w: the review files changed during the load: %d reviews on the first read, %d on the second",
				graph.ErrInvalid, pass1.Reviews, stats.Reviews)
		}
		return ctx.Err()
	})
	if err != nil {
		return graph.LoadResult{}, pass1, fmt.Errorf("loader: sephora: %w", err)
	}
	return res, stats, nil
}

// writeSephora writes a Sephora load in memory with w, reporting progress when w can.
func writeSephora(ctx context.Context, w Writer, load graph.Load, stats SephoraStats, opts SephoraOptions) (graph.LoadResult, SephoraStats, error) {
	total := len(load.Products) + len(load.Reviews)
	report := func(done int) {
		if opts.Progress != nil {
			opts.Progress(done, total)
		}
	}
	report(0)
	var res graph.LoadResult
	var err error
	if pw, ok := w.(progressWriter); ok {
		res, err = pw.WriteLoadProgress(ctx, load, report)
	} else {
		res, err = w.WriteLoad(ctx, load)
	}
	if err != nil {
		return graph.LoadResult{}, stats, fmt.Errorf("loader: sephora: %w", err)
	}
	report(total)
	return res, stats, nil
}

// readSephoraProductList reads a Sephora product_info.csv. Columns used: product_id (required,
// unique), product_name (required), brand_name, price_usd, size, rating (0-5), reviews (the
// review count), ingredients, highlights, primary_category, secondary_category,
// tertiary_category; the others are ignored. Empty numbers are 0 (unknown).
//
//   - ingredients, a Python list of strings, is parsed with norm.ParseSephora (kits keep their
//     headings as list names); IngredientsText keeps the raw value. A label from which no
//     ingredient can be read (empty, "100% mulberry silk", names without separators) leaves
//     the product without ingredients; it is not an error, as the data set is scraped.
//   - highlights, a Python list of strings, becomes Highlights. "Good for: X" highlights
//     whose X is a graph.Concerns name or alias become Claims ("Good for: Acne/Blemishes" ->
//     acne, "Good for: Dark spots" -> hyperpigmentation, "Good for: Anti-Aging" and "Good
//     for: Loss of firmness" -> aging, "Good for: Dullness/Uneven Texture" -> dullness); the
//     others ("Frizz", "Damage", "Volume", "Color Care", "Oily Scalp", ...) are ignored.
//     "Best for Dry, Combo, Normal Skin" highlights become Suits (dry, combination, normal).
//     Highlights of hair products (primary or secondary category "Hair") describe hair and
//     scalp and give neither.
//   - The categories map to graph.Categories as sephoraCategories says; Subcategory is the
//     most specific Sephora category (tertiary, else secondary).
//
// With opts.SkincareOnly, rows of other primary categories are skipped; only their
// product_id is checked. Without it they are kept, with Category "" when their category path
// has no mapping. Every bad row is reported (file, row, field, reason) in a
// *graph.ValidationError, and then no product is returned.
func readSephoraProductList(r io.Reader, file string, norm *inci.Normalizer, opts SephoraOptions) ([]graph.Product, error) {
	res, err := readSephoraProducts(r, file, norm, opts)
	return res.products, err
}

// sephoraProducts is what readSephoraProducts read.
type sephoraProducts struct {
	products []graph.Product
	skipped  map[string]bool // ids of the rows SkincareOnly left out
	rows     int
}

var sephoraProductColumns = []string{"product_id", "product_name", "primary_category"}

func readSephoraProducts(r io.Reader, file string, norm *inci.Normalizer, opts SephoraOptions) (sephoraProducts, error) {
	res := sephoraProducts{skipped: map[string]bool{}}
	verr := &graph.ValidationError{File: file}
	rowOf := map[string]int{}
	err := readCSV(r, verr, "Sephora products", sephoraProductColumns, func(line int, row csvRow) {
		res.rows++
		id := strings.TrimSpace(row.get("product_id"))
		switch {
		case id == "":
			verr.Add(line, "product_id", "required")
		case rowOf[id] > 0:
			verr.Add(line, "product_id", fmt.Sprintf("duplicate of row %d", rowOf[id]))
		default:
			rowOf[id] = line
		}
		primary := strings.TrimSpace(row.get("primary_category"))
		if opts.SkincareOnly && primary != "Skincare" {
			if id != "" {
				res.skipped[id] = true
			}
			return
		}
		secondary, tertiary := strings.TrimSpace(row.get("secondary_category")), strings.TrimSpace(row.get("tertiary_category"))
		p := graph.Product{
			ID:              id,
			Name:            strings.TrimSpace(row.get("product_name")),
			Brand:           strings.TrimSpace(row.get("brand_name")),
			Size:            strings.TrimSpace(row.get("size")),
			IngredientsText: row.get("ingredients"),
		}
		if p.Name == "" {
			verr.Add(line, "product_name", "required")
		}
		p.Category = sephoraCategory(primary, secondary, tertiary, p.Name)
		p.Subcategory = tertiary
		if p.Subcategory == "" {
			p.Subcategory = secondary
		}
		p.Price = csvFloat(verr, line, "price_usd", row.get("price_usd"), 0, math.Inf(1))
		p.Rating = csvFloat(verr, line, "rating", row.get("rating"), 0, 5)
		switch s := strings.TrimSpace(row.get("out_of_stock")); s {
		case "", "0":
		case "1":
			p.OutOfStock = true
		default:
			verr.Add(line, "out_of_stock", fmt.Sprintf("must be 0 or 1, got %q", s))
		}
		p.ReviewCount = csvCount(verr, line, "reviews", row.get("reviews"))
		if h := strings.TrimSpace(row.get("highlights")); h != "" {
			list, err := inci.ParsePythonList(h)
			if err != nil {
				verr.Add(line, "highlights", "must be a Python list of strings such as ['Vegan', 'Good for: Dryness']")
			}
			hair := primary == "Hair" || secondary == "Hair"
			for _, s := range list {
				s = strings.TrimSpace(s)
				if s == "" {
					continue
				}
				p.Highlights = append(p.Highlights, s)
				if !hair {
					p.Claims = addUnique(p.Claims, claimOf(s))
					for _, t := range suitsOf(s) {
						p.Suits = addUnique(p.Suits, t)
					}
				}
			}
		}
		p.Ingredients = listIngredients(norm.ParseSephora(p.IngredientsText))
		res.products = append(res.products, p)
	})
	if err != nil {
		return sephoraProducts{}, fmt.Errorf("loader: %s: %w", file, err)
	}
	if err := verr.Err(); err != nil {
		return sephoraProducts{}, err
	}
	return res, nil
}

// listIngredients turns parsed ingredient lists into a product's ingredients; entries of every
// list (kits, variants) are kept with their list heading, positions restarting per list.
func listIngredients(lists []inci.List) []graph.ProductIngredient {
	var out []graph.ProductIngredient
	for _, l := range lists {
		for _, e := range l.Ingredients {
			if e.Key == "" {
				continue
			}
			out = append(out, graph.ProductIngredient{
				INCI: e.Key, Name: e.Name, Position: e.Position, Concentration: e.Concentration,
				MayContain: e.MayContain, List: l.Heading,
			})
		}
	}
	return out
}

// sephoraCategories maps Sephora category paths to graph.Categories. A path is looked up as
// "primary > secondary > tertiary", then as "primary > secondary"; a path that is not listed
// has no category (""). Left without one on purpose: devices (High Tech Tools), supplements
// and rollers (Wellness), self tanners, blotting papers, value and gift sets, which hold several
// kinds of products, and the categories of makeup, hair, fragrance and body products. Minis
// (a "Mini Size" category) are categorised by their name, see categoryFromName.
var sephoraCategories = map[string]string{
	"Skincare > Cleansers":                              "cleanser",
	"Skincare > Cleansers > Face Wash & Cleansers":      "cleanser",
	"Skincare > Cleansers > Face Wipes":                 "cleanser",
	"Skincare > Cleansers > Makeup Removers":            "cleanser",
	"Skincare > Cleansers > Exfoliators":                "exfoliant",
	"Skincare > Cleansers > Toners":                     "toner",
	"Skincare > Cleansers > Blotting Papers":            "",
	"Skincare > Eye Care":                               "eye-care",
	"Skincare > Lip Balms & Treatments":                 "lip-care",
	"Skincare > Masks":                                  "mask",
	"Skincare > Moisturizers":                           "moisturizer",
	"Skincare > Moisturizers > Face Oils":               "face-oil",
	"Skincare > Moisturizers > Mists & Essences":        "mist",
	"Skincare > Sunscreen":                              "sunscreen",
	"Skincare > Treatments > Face Serums":               "serum",
	"Skincare > Treatments > Blemish & Acne Treatments": "treatment",
	"Skincare > Treatments > Facial Peels":              "exfoliant",
	"Skincare > Treatments":                             "treatment",
	"Men > Skincare > Eye Cream":                        "eye-care",
	"Men > Skincare > Face Wash":                        "cleanser",
	"Men > Skincare > Moisturizer & Treatments":         "moisturizer",
	"Men > Skincare > Sunscreen":                        "sunscreen",
	"Bath & Body > Sunscreen":                           "sunscreen",
}

// sephoraCategory returns the graph category of a Sephora category path, "" when it has none.
func sephoraCategory(primary, secondary, tertiary, name string) string {
	if primary == "Skincare" && secondary == "Mini Size" || primary == "Mini Size" && secondary == "Skincare" {
		return categoryFromName(name)
	}
	if c, ok := sephoraCategories[primary+" > "+secondary+" > "+tertiary]; ok {
		return c
	}
	return sephoraCategories[primary+" > "+secondary]
}

// nameCategories are the words of a product name that give its category, tried in order: the
// first one found in the name wins ("Cleansing Clay Mask" is a mask, "Cleansing Oil" a
// cleanser). Words match at word starts, case ignored.
var nameCategories = []struct{ words, category string }{
	{"set kit duo trio", ""},
	{"mask masque", "mask"},
	{"eye", "eye-care"},
	{"lip", "lip-care"},
	{"spf sunscreen", "sunscreen"},
	{"cleanser cleansing wash remover micellar", "cleanser"},
	{"exfoliat peel microfoliant scrub", "exfoliant"},
	{"toner tonic", "toner"},
	{"mist essence", "mist"},
	{"serum concentrate ampoule drops", "serum"},
	{"oil", "face-oil"},
	{"moistur cream creme crème lotion hydrator gel balm", "moisturizer"},
	{"treatment", "treatment"},
}

// categoryFromName guesses the category of a mini from its name ("Mini Multi-Active Toner" is a
// toner); "" when no word of nameCategories is in it.
func categoryFromName(name string) string {
	words := strings.FieldsFunc(strings.ToLower(name), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	})
	for _, nc := range nameCategories {
		for _, want := range strings.Fields(nc.words) {
			for _, w := range words {
				if strings.HasPrefix(w, want) {
					return nc.category
				}
			}
		}
	}
	return ""
}

// claimOf returns the concern of a "Good for: X" highlight, "" when it is not one or X is not
// a known concern.
func claimOf(highlight string) string {
	rest, ok := strings.CutPrefix(highlight, "Good for:")
	if !ok {
		return ""
	}
	c, _ := graph.Concerns.Canonical(strings.TrimSpace(rest))
	return c
}

// suitsOf returns the skin types of a "Best for Dry, Combo, Normal Skin" highlight.
func suitsOf(highlight string) []string {
	rest, ok := strings.CutPrefix(highlight, "Best for ")
	if !ok {
		return nil
	}
	rest, ok = strings.CutSuffix(strings.TrimSpace(rest), " Skin")
	if !ok {
		return nil
	}
	var out []string
	for _, part := range strings.FieldsFunc(rest, func(r rune) bool { return r == ',' || r == '/' || r == '&' }) {
		part = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(part), "and "))
		if t, ok := graph.SkinTypes.Canonical(part); ok {
			out = append(out, t)
		}
	}
	return out
}

func addUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// readSephoraReviewList reads a Sephora reviews_*.csv. Columns used: author_id, product_id,
// rating (1-5), submission_time (required) and is_recommended, skin_type, skin_tone,
// review_title, review_text; the others are ignored.
//
//   - The reviewer is pseudonymous: "sephora-" and the hex of an HMAC-SHA-256 of author_id
//     (its first 128 bits) under DemoPseudonymKey (Sephora with SephoraOptions.Pseudonyms
//     uses the deployment's key instead). The author id itself is kept nowhere.
//   - The review id is "sephora-r-" and a SHA-256 (first 128 bits) of the pseudonymous
//     reviewer, the product, the submission time and a hash of the title and text, so that
//     loading the same file again changes nothing and two reviews one author wrote on one
//     product on one day stay apart. A row with the id of an earlier row is a duplicate: the
//     first is kept.
//   - is_recommended is 1, 0, 1.0, 0.0, true or false; empty (not stated) reads as false.
//   - submission_time is a date (2023-02-27), a date and time (2023-02-27 13:04:05, UTC) or
//     RFC 3339.
//   - skin_type and skin_tone go through graph.SkinTypes and graph.SkinTones (Sephora writes
//     "lightMedium", "fairLight", "mediumTan"); empty, "notSureST" and any other value outside
//     the vocabularies read as "" (not stated).
//   - Effects are reviewtext.Effects of the title and the text, Concerns reviewtext.Concerns of them
//     (the reviewer's concerns, stored as HAS edges: outcomes per concern come from them).
//     The text itself is not kept.
//
// Every bad row is reported (file, row, field, reason) in a *graph.ValidationError, and then
// no review is returned.
func readSephoraReviewList(r io.Reader, file string) ([]graph.Review, error) {
	res, err := readSephoraReviews(r, file, nil)
	return res.reviews, err
}

// sephoraReviews is what readSephoraReviews read.
type sephoraReviews struct {
	reviews    []graph.Review
	rows       int
	duplicates int
}

// DemoPseudonymKey keys the reviewer pseudonyms when no key is configured: tests, benchmarks
// and demos only. As it is public, its pseudonyms protect against casual linking only:
// whoever has an author id and this code can compute its pseudonym. Deployments load with
// SephoraOptions.Pseudonyms built from SKINGRAPH_PSEUDONYM_KEY. Pseudonyms (and the review
// ids derived from them) depend on the key, so a graph must be loaded with one key only:
// re-loading the same files under another key adds the reviews again under new ids.
const DemoPseudonymKey = "skingraph sephora reviewer pseudonym v1"

var demoPseudonyms = func() *graph.Pseudonymizer {
	p, err := graph.NewPseudonymizer([]byte(DemoPseudonymKey))
	if err != nil {
		panic(err)
	}
	return p
}()

var sephoraReviewColumns = []string{"author_id", "product_id", "rating", "submission_time"}

func readSephoraReviews(r io.Reader, file string, pseudo *graph.Pseudonymizer) (sephoraReviews, error) {
	var res sephoraReviews
	err := scanSephoraReviews(r, file, pseudo, &res, func(rv graph.Review) { res.reviews = append(res.reviews, rv) })
	if err != nil {
		return sephoraReviews{}, err
	}
	return res, nil
}

// scanSephoraReviews validates a Sephora reviews file, counting its rows and duplicates in
// res and handing each good review, once, to emit (nothing else is kept but the ids).
func scanSephoraReviews(r io.Reader, file string, pseudo *graph.Pseudonymizer, res *sephoraReviews, emit func(graph.Review)) error {
	if pseudo == nil {
		pseudo = demoPseudonyms
	}
	verr := &graph.ValidationError{File: file}
	rowOf := map[string]int{}
	err := readCSV(r, verr, "Sephora reviews", sephoraReviewColumns, func(line int, row csvRow) {
		res.rows++
		rv := graph.Review{ProductID: strings.TrimSpace(row.get("product_id"))}
		author := strings.TrimSpace(row.get("author_id"))
		if author == "" {
			verr.Add(line, "author_id", "required")
		} else {
			rv.Reviewer = pseudo.Pseudonym("sephora", author)
		}
		if rv.ProductID == "" {
			verr.Add(line, "product_id", "required")
		}
		rating := strings.TrimSpace(row.get("rating"))
		if n, ok := parseCount(rating); ok && n >= 1 && n <= 5 {
			rv.Rating = n
		} else {
			verr.Add(line, "rating", fmt.Sprintf("must be a whole number from 1 to 5, got %q", rating))
		}
		switch rec := strings.ToLower(strings.TrimSpace(row.get("is_recommended"))); rec {
		case "1", "1.0", "true":
			rv.Recommended = true
		case "", "0", "0.0", "false":
		default:
			verr.Add(line, "is_recommended", fmt.Sprintf("must be 1, 0 or empty, got %q", rec))
		}
		at := strings.TrimSpace(row.get("submission_time"))
		if t, ok := parseSephoraTime(at); ok {
			rv.At = t
		} else if at == "" {
			verr.Add(line, "submission_time", "required")
		} else {
			verr.Add(line, "submission_time", fmt.Sprintf("must be a date such as 2023-02-27, got %q", at))
		}
		rv.SkinType, _ = graph.SkinTypes.Canonical(row.get("skin_type"))
		rv.SkinTone, _ = graph.SkinTones.Canonical(row.get("skin_tone"))
		title, text := row.get("review_title"), row.get("review_text")
		rv.Effects = reviewtext.Effects(title + ".\n" + text)
		rv.Concerns = reviewtext.Concerns(title + ".\n" + text) // the file states none; the text does
		if rv.Reviewer == "" || rv.ProductID == "" || rv.At.IsZero() {
			return // no id without its parts; the row is reported already
		}
		rv.ID = sephoraReviewID(rv.Reviewer, rv.ProductID, rv.At, title, text)
		if rowOf[rv.ID] > 0 {
			res.duplicates++
			return
		}
		rowOf[rv.ID] = line
		emit(rv)
	})
	if err != nil {
		return fmt.Errorf("loader: %s: %w", file, err)
	}
	return verr.Err()
}

// sephoraReviewer returns the pseudonym of a Sephora author id under DemoPseudonymKey.
func sephoraReviewer(author string) string {
	return demoPseudonyms.Pseudonym("sephora", author)
}

// sephoraReviewID returns the stable id of a review.
func sephoraReviewID(reviewer, product string, at time.Time, title, text string) string {
	body := sha256.Sum256([]byte(title + "\x00" + text))
	sum := sha256.Sum256([]byte(reviewer + "\x00" + product + "\x00" + at.Format(time.RFC3339) + "\x00" + hex.EncodeToString(body[:])))
	return "sephora-r-" + hex.EncodeToString(sum[:16])
}

// parseSephoraTime reads a submission time in UTC.
func parseSephoraTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.DateOnly, time.DateTime, time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
