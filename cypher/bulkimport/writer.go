package bulkimport

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/graph"
)

// Summary is what a bulk load wrote, for the importer and for Store.FinishBulk.
type Summary struct {
	// Marked is set when the rows carry the load's id as `_load`, as a staged load's do.
	Marked bool
	// Ingredients are the INCI keys of the label-only ingredients the products brought.
	Ingredients []string
	Dir         string   // the folder of the CSV files
	Args        []string // the importer's arguments after `database import full neo4j`
	Products    []string // the ids of the products, in load order
	Reviewed    []string // the ids of the products with reviews, sorted
	Reviews     int
	Nodes       int // nodes and relationships in the files
	Rels        int
}

// Finisher imports the files of a bulk load into the empty store and makes the graph what
// the Cypher load would have made (cypher.Store.FinishBulk); it runs in Commit.
type Finisher func(ctx context.Context, load graph.Load, sum Summary) (graph.LoadResult, error)

// Writer writes loads as importer files in a new folder under Dir and hands them to Finish.
// It is a loader.StagedWriter whose every load is staged (streamed), so that a folder of any
// size is read twice with memory bounded by its keys, as `skingraph load dir` reads it.
type Writer struct {
	Dir    string
	Finish Finisher
	// Threshold is the number of products plus reviews above which the Cypher load stages
	// (cypher.StagedThreshold): a staged load leaves its id as `_load` on the rows it created
	// (products, the ingredients they bring, reviewers, reviews, HAS edges), a one-transaction
	// load leaves none, and a bulk load does as the Cypher load of the same folder would.
	Threshold int
	// OffHeap bounds the importer's off-heap memory (--max-off-heap-memory: a size such as
	// 4G, or a share of the machine's memory such as 25%); default DefaultOffHeap.
	OffHeap string
}

// DefaultOffHeap is the importer's default off-heap memory bound: a quarter of the machine's
// memory rather than its own default of 90 % of what is free, on machines shared with
// servers and tests.
const DefaultOffHeap = "25%"

func (w *Writer) offHeap() string {
	if w.OffHeap == "" {
		return DefaultOffHeap
	}
	return w.OffHeap
}

// StagedThreshold is the Cypher load's: larger folders are streamed and marked.
func (w *Writer) StagedThreshold() int { return w.Threshold }

// WriteLoad writes a load held in memory, through the same files.
func (w *Writer) WriteLoad(ctx context.Context, load graph.Load) (graph.LoadResult, error) {
	st, err := w.begin(load, "")
	if err != nil {
		return graph.LoadResult{}, err
	}
	err = st.WriteProducts(ctx, load.Products)
	if err == nil {
		err = st.WriteReviews(ctx, load.Reviews)
	}
	if err != nil {
		return graph.LoadResult{}, errors.Join(err, st.Abort(ctx))
	}
	return st.Commit(ctx)
}

// BeginStaged starts a load whose products, then reviews, come in chunks.
func (w *Writer) BeginStaged(ctx context.Context, load graph.Load) (graph.StagedLoad, error) {
	return w.begin(load, load.ID)
}

// vocabulary is one closed vocabulary's label and names.
type vocabulary struct {
	label, file string
	names       []string
}

func vocabularies() []vocabulary {
	return []vocabulary{
		{"SkinType", "skin_types.csv", graph.SkinTypes.Names()},
		{"SkinTone", "skin_tones.csv", graph.SkinTones.Names()},
		{"Concern", "concerns.csv", graph.Concerns.Names()},
		{"Sensitivity", "sensitivities.csv", graph.Sensitivities.Names()},
	}
}

// Load is a bulk load under way (graph.StagedLoad).
type Load struct {
	w    *Writer
	load graph.Load
	dir  string
	mark string // the `_load` of its rows; "" for none

	products, contains, claims, suits, reviewed *csvFile
	files                                       []*csvFile // every file, for closing
	args                                        []string

	vocab    map[string]map[string]bool // label -> known names
	attrs    map[[2]string]int          // (label, name) -> bit of a reviewer's HAS set
	attrList [][2]string

	productIDs  []string
	productSet  map[string]struct{}
	ingredients map[string]string // inci -> name of its first CONTAINS (MERGE ... ON CREATE)
	incis       []string          // in first-seen order
	reviewers   map[string]*[2]uint64
	reviewerIDs []string
	withReviews map[string]struct{}
	reviews     int
	nodes, rels int
	finished    bool
}

var _ graph.StagedLoad = (*Load)(nil)

func (w *Writer) begin(load graph.Load, mark string) (*Load, error) {
	dir, err := os.MkdirTemp(w.Dir, "bulk-import-")
	if err != nil {
		return nil, fmt.Errorf("bulk import: %w", err)
	}
	st := &Load{w: w, load: load, dir: dir, mark: mark, vocab: map[string]map[string]bool{}, attrs: map[[2]string]int{},
		productSet: map[string]struct{}{}, ingredients: map[string]string{}, reviewers: map[string]*[2]uint64{},
		withReviews: map[string]struct{}{}}
	if err := st.open(); err != nil {
		return nil, errors.Join(err, st.Abort(context.Background()))
	}
	return st, nil
}

// open writes the vocabulary files and opens the streamed ones.
func (st *Load) open() error {
	for _, v := range vocabularies() {
		f, err := st.create(v.file, "name:ID("+v.label+")")
		if err != nil {
			return err
		}
		st.vocab[v.label] = map[string]bool{}
		for _, name := range v.names {
			st.vocab[v.label][name] = true
			f.first(name)
			if err := f.end(); err != nil {
				return err
			}
			if v.label != "Sensitivity" {
				st.attrs[[2]string{v.label, name}] = len(st.attrList)
				st.attrList = append(st.attrList, [2]string{v.label, name})
			}
		}
		st.args = append(st.args, "--nodes="+v.label+"="+f.path)
	}
	if len(st.attrList) > 128 {
		return fmt.Errorf("bulk import: %d skin attributes, more than the 128 a reviewer's set holds", len(st.attrList))
	}
	var err error
	if st.products, err = st.create("products.csv", "id:ID(Product)", "name", "brand", "category", "subcategory",
		"price:double", "in_stock:boolean", "size", "rating:double", "review_count:long", "highlights:string[]",
		"ingredients_text", "hash", "_load"); err != nil {
		return err
	}
	if st.contains, err = st.create("contains.csv", ":START_ID(Product)", ":END_ID(Ingredient)", "position:long",
		"concentration", "may_contain:boolean", "list", "label"); err != nil {
		return err
	}
	if st.claims, err = st.create("claims.csv", ":START_ID(Product)", ":END_ID(Concern)"); err != nil {
		return err
	}
	if st.suits, err = st.create("suits.csv", ":START_ID(Product)", ":END_ID(SkinType)"); err != nil {
		return err
	}
	if st.reviewed, err = st.create("reviewed.csv", ":START_ID(Reviewer)", ":END_ID(Product)", "id", "rating:long",
		"recommended:boolean", "at:datetime", "skin_type", "skin_tone", "concerns:string[]", "effects:string[]", "hash", "_load"); err != nil {
		return err
	}
	st.args = append(st.args, "--nodes=Product="+st.products.path,
		"--relationships=CONTAINS="+st.contains.path, "--relationships=CLAIMS="+st.claims.path,
		"--relationships=SUITS="+st.suits.path, "--relationships=REVIEWED="+st.reviewed.path)
	return nil
}

func (st *Load) create(name string, header ...string) (*csvFile, error) {
	f, err := createCSV(st.dir, name, header...)
	if err != nil {
		return nil, err
	}
	st.files = append(st.files, f)
	return f, nil
}

// WriteProducts writes a chunk of products: their nodes and CONTAINS, CLAIMS and SUITS edges.
func (st *Load) WriteProducts(ctx context.Context, products []graph.Product) error {
	for _, p := range products {
		if err := st.writeProduct(rows.ToProduct(p)); err != nil {
			return fmt.Errorf("bulk import: product %s: %w", p.ID, err)
		}
	}
	return ctx.Err()
}

func (st *Load) writeProduct(r rows.Product) error {
	if _, dup := st.productSet[r.ID]; dup {
		return fmt.Errorf("%w: product %s twice in one load", graph.ErrInvalid, r.ID)
	}
	st.productSet[r.ID] = struct{}{}
	st.productIDs = append(st.productIDs, r.ID)
	p, f := r.Props, st.products
	f.first(r.ID)
	f.str(p.Name)
	f.str(p.Brand)
	f.str(p.Category)
	f.str(p.Subcategory)
	f.float(p.Price)
	f.bool(p.InStock)
	f.str(p.Size)
	f.float(p.Rating)
	f.int(p.ReviewCount)
	if err := f.list("highlights", p.Highlights); err != nil {
		return fmt.Errorf("%w: %w", graph.ErrInvalid, err)
	}
	f.str(p.IngredientsText)
	f.str(r.Hash)
	f.mark(st.mark)
	if err := f.end(); err != nil {
		return err
	}
	st.nodes++
	for _, c := range r.Contains {
		if _, ok := st.ingredients[c.INCI]; !ok {
			st.ingredients[c.INCI] = c.Name
			st.incis = append(st.incis, c.INCI)
		}
		f := st.contains
		f.first(r.ID)
		f.str(c.INCI)
		f.int(c.Position)
		f.str(c.Concentration)
		f.bool(c.MayContain)
		f.str(c.List)
		f.str(c.Name)
		if err := f.end(); err != nil {
			return err
		}
		st.rels++
	}
	// MATCH (c:Concern {name: name}) MERGE (p)-[:CLAIMS]->(c): known names, once each.
	for _, e := range []struct {
		f     *csvFile
		label string
		names []string
	}{{st.claims, "Concern", r.Claims}, {st.suits, "SkinType", r.Suits}} {
		for i, name := range e.names {
			if !st.vocab[e.label][name] || (i > 0 && e.names[i-1] == name) { // sorted
				continue
			}
			e.f.first(r.ID)
			e.f.str(name)
			if err := e.f.end(); err != nil {
				return err
			}
			st.rels++
		}
	}
	return nil
}

// WriteReviews writes a chunk of reviews: REVIEWED edges; reviewers and their HAS edges are
// written at Commit, once each.
func (st *Load) WriteReviews(ctx context.Context, reviews []graph.Review) error {
	for _, rv := range reviews {
		if err := st.writeReview(rows.ToReview(rv)); err != nil {
			return fmt.Errorf("bulk import: review %s: %w", rv.ID, err)
		}
	}
	return ctx.Err()
}

func (st *Load) writeReview(r rows.Review) error {
	if _, ok := st.productSet[r.ProductID]; !ok {
		return fmt.Errorf("%w: field product_id: product %q is not in this load (a bulk import fills an empty store)", graph.ErrInvalid, r.ProductID)
	}
	st.withReviews[r.ProductID] = struct{}{}
	set, ok := st.reviewers[r.Reviewer]
	if !ok {
		set = new([2]uint64)
		st.reviewers[r.Reviewer] = set
		st.reviewerIDs = append(st.reviewerIDs, r.Reviewer)
	}
	mark := func(label, name string) {
		if bit, ok := st.attrs[[2]string{label, name}]; ok {
			set[bit/64] |= 1 << (bit % 64)
		}
	}
	mark("SkinType", r.SkinType)
	mark("SkinTone", r.SkinTone)
	for _, c := range r.Concerns {
		mark("Concern", c)
	}
	f := st.reviewed
	f.first(r.Reviewer)
	f.str(r.ProductID)
	f.str(r.ID)
	f.int(r.Rating)
	f.bool(r.Recommended)
	f.time(r.At)
	f.str(r.SkinType)
	f.str(r.SkinTone)
	if err := f.list("concerns", r.Concerns); err != nil {
		return fmt.Errorf("%w: %w", graph.ErrInvalid, err)
	}
	if err := f.list("effects", r.Effects); err != nil {
		return fmt.Errorf("%w: %w", graph.ErrInvalid, err)
	}
	f.str(r.Hash)
	f.mark(st.mark)
	st.reviews++
	st.rels++
	return f.end()
}

// Commit writes the ingredient, reviewer and HAS files, closes every file and hands them to
// the Writer's Finish; the files are removed afterwards, whatever its outcome.
func (st *Load) Commit(ctx context.Context) (graph.LoadResult, error) {
	if st.finished {
		return graph.LoadResult{}, fmt.Errorf("bulk import: %w: load %s already finished", graph.ErrInvalid, st.load.ID)
	}
	st.finished = true
	defer os.RemoveAll(st.dir)
	sum, err := st.close()
	if err != nil {
		return graph.LoadResult{}, err
	}
	return st.w.Finish(ctx, st.load, sum)
}

func (st *Load) close() (Summary, error) {
	ings, err := st.create("ingredients.csv", "inci:ID(Ingredient)", "name", "_load")
	if err != nil {
		return Summary{}, err
	}
	for _, inci := range st.incis {
		ings.first(inci)
		ings.str(st.ingredients[inci])
		ings.mark(st.mark)
		if err := ings.end(); err != nil {
			return Summary{}, err
		}
	}
	reviewers, err := st.create("reviewers.csv", "id:ID(Reviewer)", "_load")
	if err != nil {
		return Summary{}, err
	}
	has := map[string]*csvFile{}
	for _, label := range []string{"SkinType", "SkinTone", "Concern"} {
		if has[label], err = st.create("has_"+label+".csv", ":START_ID(Reviewer)", ":END_ID("+label+")", "_load"); err != nil {
			return Summary{}, err
		}
	}
	for _, id := range st.reviewerIDs {
		reviewers.first(id)
		reviewers.mark(st.mark)
		if err := reviewers.end(); err != nil {
			return Summary{}, err
		}
		set := st.reviewers[id]
		for bit, attr := range st.attrList {
			if set[bit/64]&(1<<(bit%64)) == 0 {
				continue
			}
			f := has[attr[0]]
			f.first(id)
			f.str(attr[1])
			f.mark(st.mark)
			if err := f.end(); err != nil {
				return Summary{}, err
			}
			st.rels++
		}
	}
	st.nodes += len(st.incis) + len(st.reviewerIDs)
	st.args = append(st.args, "--nodes=Ingredient="+ings.path, "--nodes=Reviewer="+reviewers.path)
	for _, label := range []string{"SkinType", "SkinTone", "Concern"} {
		st.args = append(st.args, "--relationships=HAS="+has[label].path)
	}
	multiline := false
	for _, f := range st.files {
		if err := f.close(); err != nil {
			return Summary{}, err
		}
		multiline = multiline || f.multiline
	}
	for _, v := range vocabularies() {
		st.nodes += len(v.names)
	}
	args := append([]string{
		"--array-delimiter=U+001F",
		"--multiline-fields=" + fmt.Sprint(multiline),
		"--bad-tolerance=0", "--skip-bad-relationships=false", "--skip-duplicate-nodes=false",
		// The importer takes 90 % of the free memory by default; the machine is shared.
		"--max-off-heap-memory=" + st.w.offHeap(),
		// Its report of bad entries (none: any fails the import) goes with the files, not
		// into the working directory.
		"--report-file=" + filepath.Join(st.dir, "import.report"),
	}, st.args...)
	reviewed := make([]string, 0, len(st.withReviews))
	for id := range st.withReviews {
		reviewed = append(reviewed, id)
	}
	sort.Strings(reviewed)
	return Summary{Marked: st.mark != "", Ingredients: slices.Clip(st.incis), Dir: st.dir, Args: args, Products: slices.Clip(st.productIDs), Reviewed: reviewed,
		Reviews: st.reviews, Nodes: st.nodes, Rels: st.rels}, nil
}

// Abort removes the files; it does nothing once the load is finished.
func (st *Load) Abort(ctx context.Context) error {
	if st.finished {
		return nil
	}
	st.finished = true
	for _, f := range st.files {
		_ = f.close()
	}
	if err := os.RemoveAll(st.dir); err != nil {
		return fmt.Errorf("bulk import: remove %s: %w", st.dir, err)
	}
	return nil
}
