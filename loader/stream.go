package loader

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"time"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// Streaming loads. A folder too large for one transaction is read twice, so that the client
// holds the keys of the load but never its rows:
//
//  1. Pass 1 validates every row of every file exactly as ReadDir does (every bad row named;
//     nothing is written when one is bad), keeping only what validation needs: each record's
//     key and content hash (duplicates), and per product the sum and count of its review
//     ratings (products without a rating take them).
//  2. Pass 2 reads the files again and hands chunks of StreamChunk records to a staged load
//     (graph.StagedLoad), products first, then reviews; the staged load commits at the end,
//     or is aborted on any error, so the load stays all or nothing.
//
// Loads at or below the writer's staged threshold are read into memory and written in one
// transaction, as before.

// StreamChunk is how many reviews a streamed load hands over at a time; products, with
// their ingredient lists (30 or so each), go in chunks of StreamProductChunk.
const (
	StreamChunk        = 10_000
	StreamProductChunk = 2_000
)

// StagedWriter is a Writer that can also take a load in chunks. cypher.Store implements it.
type StagedWriter interface {
	Writer
	// StagedThreshold is the number of products plus reviews above which loads are staged.
	StagedThreshold() int
	// BeginStaged starts a staged load of load's ingredients (written at commit) and of the
	// products and reviews then handed to the returned graph.StagedLoad.
	BeginStaged(ctx context.Context, load graph.Load) (graph.StagedLoad, error)
}

// progressWriter is a Writer that reports the rows written so far (cypher.Store); it stages
// large loads itself.
type progressWriter interface {
	WriteLoadProgress(ctx context.Context, load graph.Load, progress func(done int)) (graph.LoadResult, error)
}

// DirOptions tune LoadDirStream.
type DirOptions struct {
	// Progress, when set, is told the rows to write once pass 1 is done (total) and the rows
	// written so far after each chunk (done).
	Progress func(done, total int)
	// Chunk is how many records one staged chunk holds (0: StreamChunk reviews and
	// StreamProductChunk products).
	Chunk int
}

// LoadDirStream loads a folder of the project's own formats (see ReadDir) all or nothing.
// When w is a StagedWriter and the folder holds more products and reviews than its staged
// threshold, the folder is streamed in two passes (see above) with memory bounded by the
// number of keys, not rows; otherwise it is read into memory and written with WriteLoad.
// The stats count what pass 1 read.
func LoadDirStream(ctx context.Context, w Writer, dir string, now time.Time, opts DirOptions) (graph.LoadResult, DirStats, error) {
	files, err := findDirFiles(dir)
	if err != nil {
		return graph.LoadResult{}, DirStats{}, err
	}
	sw, staged := w.(StagedWriter)
	var scan dirScan
	if staged {
		if scan, err = scanDir(ctx, files); err != nil {
			return graph.LoadResult{}, scan.stats, err
		}
	}
	if !staged || scan.stats.Products+scan.stats.Reviews <= sw.StagedThreshold() {
		load, st, err := ReadDir(ctx, dir, now)
		if err != nil {
			return graph.LoadResult{}, st, err
		}
		total := st.Products + st.Reviews
		report := func(done int) {
			if opts.Progress != nil {
				opts.Progress(done, total)
			}
		}
		report(0)
		var res graph.LoadResult
		if pw, ok := w.(progressWriter); ok {
			res, err = pw.WriteLoadProgress(ctx, load, report)
		} else {
			res, err = w.WriteLoad(ctx, load)
		}
		if err != nil {
			return graph.LoadResult{}, st, fmt.Errorf("loader: folder %s: %w", dir, err)
		}
		report(total)
		return res, st, nil
	}
	res, err := streamDir(ctx, sw, dir, files, scan, now, opts)
	if err != nil {
		return graph.LoadResult{}, scan.stats, fmt.Errorf("loader: folder %s: %w", dir, err)
	}
	return res, scan.stats, nil
}

// dirScan is what pass 1 keeps: the ingredients (a small file), the stats, and the review
// ratings of the products that have none of their own.
type dirScan struct {
	files   dirFileSet
	stats   DirStats
	ings    []graph.Ingredient
	ratings map[string]ratingSum // by product id, only for products without a rating
	// The lines of records that repeat an earlier one exactly, skipped by pass 2.
	productRepeats, reviewRepeats map[int]bool
}

type ratingSum struct{ sum, n int }

// scanDir is pass 1: it validates every file as ReadDir does, keeping keys only.
func scanDir(ctx context.Context, files dirFileSet) (dirScan, error) {
	sc := dirScan{files: files, ratings: map[string]ratingSum{}, productRepeats: map[int]bool{}, reviewRepeats: map[int]bool{}}
	sc.stats.Files = files.list()
	ings, norm, err := readDirIngredients(files.ingredients)
	if err != nil {
		return sc, err
	}
	sc.ings, sc.stats.Ingredients = ings, len(ings)
	if err := ctx.Err(); err != nil {
		return sc, err
	}
	pv := newProductValidator(baseName(files.products), norm)
	pv.repeats = sc.productRepeats
	pv.emit = func(p graph.Product) {
		sc.stats.Products++
		if p.Rating == 0 && p.ReviewCount == 0 {
			sc.ratings[p.ID] = ratingSum{}
		}
	}
	if err := decodeProductsFile(files.products, pv); err != nil {
		return sc, err
	}
	if files.reviews == "" {
		return sc, nil
	}
	if err := ctx.Err(); err != nil {
		return sc, err
	}
	rv := newReviewValidator(baseName(files.reviews))
	rv.repeats = sc.reviewRepeats
	rv.emit = func(r graph.Review) {
		sc.stats.Reviews++
		if s, ok := sc.ratings[r.ProductID]; ok {
			sc.ratings[r.ProductID] = ratingSum{sum: s.sum + r.Rating, n: s.n + 1}
		}
	}
	if err := decodeReviewsFile(files.reviews, rv); err != nil {
		return sc, err
	}
	return sc, nil
}

// streamDir is pass 2: a goroutine reads the files again into chunks while this one writes
// them through a staged load (at most two chunks wait in memory), which it aborts on any
// error.
func streamDir(ctx context.Context, w StagedWriter, dir string, files dirFileSet, scan dirScan, now time.Time, opts DirOptions) (graph.LoadResult, error) {
	chunk, productChunk := opts.Chunk, opts.Chunk
	if chunk <= 0 {
		chunk, productChunk = StreamChunk, StreamProductChunk
	}
	total := scan.stats.Products + scan.stats.Reviews
	if opts.Progress != nil {
		opts.Progress(0, total)
	}
	_, norm, err := readDirIngredients(files.ingredients)
	if err != nil {
		return graph.LoadResult{}, err
	}
	st, err := w.BeginStaged(ctx, graph.Load{
		ID:          dirLoadID(now),
		Source:      dirSource(dir),
		Kind:        "dir",
		At:          now.UTC(),
		Ingredients: scan.ings,
	})
	if err != nil {
		return graph.LoadResult{}, err
	}
	return writeChunks(ctx, st, total, opts.Progress, func(ctx context.Context, send func(streamChunk)) error {
		return readChunks(ctx, files, scan, norm, productChunk, chunk, send)
	})
}

// writeChunks runs produce in a goroutine and writes the chunks it sends through st as they
// come (at most two chunks wait in memory), then commits st; on any error it stops produce
// (its ctx is cancelled) and aborts st.
func writeChunks(ctx context.Context, st graph.StagedLoad, total int, progress func(done, total int),
	produce func(ctx context.Context, send func(streamChunk)) error) (graph.LoadResult, error) {
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	chunks := make(chan streamChunk, 1)
	var readErr error
	go func() {
		defer close(chunks)
		readErr = produce(readCtx, func(c streamChunk) {
			select {
			case chunks <- c:
			case <-readCtx.Done():
			}
		})
	}()
	var writeErr error
	done := 0
	for c := range chunks {
		if writeErr != nil {
			continue // the producer stops at once; drain what it sent
		}
		if len(c.products) > 0 {
			writeErr = st.WriteProducts(ctx, c.products)
		} else {
			writeErr = st.WriteReviews(ctx, c.reviews)
		}
		if writeErr != nil {
			stop()
			continue
		}
		done += len(c.products) + len(c.reviews)
		if progress != nil {
			progress(done, total)
		}
	}
	// The producer has returned: readErr is set (the channel's close orders it before here).
	err := writeErr
	if err == nil {
		err = readErr
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return graph.LoadResult{}, errors.Join(err, st.Abort(ctx))
	}
	return st.Commit(ctx)
}

// streamChunk is products or reviews to write.
type streamChunk struct {
	products []graph.Product
	reviews  []graph.Review
}

// readChunks reads the folder's products, then its reviews, and sends them in chunks of np
// products and n reviews; it stops when ctx is done.
func readChunks(ctx context.Context, files dirFileSet, scan dirScan, norm *inci.Normalizer, np, n int, send func(streamChunk)) error {
	var products []graph.Product
	pv := newProductValidator(baseName(files.products), norm)
	pv.skip = scan.productRepeats
	read := 0
	pv.emit = func(p graph.Product) {
		read++
		if r, ok := scan.ratings[p.ID]; ok && r.n > 0 {
			p.ReviewCount = r.n
			p.Rating = math.Round(float64(r.sum)/float64(r.n)*100) / 100
		}
		products = append(products, p)
		if len(products) == np {
			send(streamChunk{products: products})
			products = nil
		}
	}
	if err := decodeFile(ctx, files.products, func(r io.Reader) error { return decodeProducts(r, pv) }); err != nil {
		return err
	}
	if len(products) > 0 {
		send(streamChunk{products: products})
	}
	if err := changedSince(pv.verr, scan.stats.Products, read); err != nil {
		return err
	}
	if files.reviews == "" {
		return ctx.Err()
	}
	var reviews []graph.Review
	rv := newReviewValidator(baseName(files.reviews))
	rv.skip = scan.reviewRepeats
	nr := 0
	rv.emit = func(r graph.Review) {
		nr++
		reviews = append(reviews, r)
		if len(reviews) == n {
			send(streamChunk{reviews: reviews})
			reviews = nil
		}
	}
	if err := decodeFile(ctx, files.reviews, func(r io.Reader) error { return decodeReviews(r, rv) }); err != nil {
		return err
	}
	if len(reviews) > 0 {
		send(streamChunk{reviews: reviews})
	}
	if err := changedSince(rv.verr, scan.stats.Reviews, nr); err != nil {
		return err
	}
	return ctx.Err()
}

// changedSince reports a file that no longer reads as it did in pass 1.
func changedSince(verr *graph.ValidationError, want, got int) error {
	if err := verr.Err(); err != nil {
		return fmt.Errorf("%s changed during the load: %w", verr.File, err)
	}
	if want != got {
		return fmt.Errorf("%s: %w: changed during the load: %d records on the first read, %d on the second",
			verr.File, graph.ErrInvalid, want, got)
	}
	return nil
}

// decodeFile opens name and runs decode on it; once ctx is done, the reader ends with its
// error, so that a failed write stops the reading at once.
func decodeFile(ctx context.Context, name string, decode func(io.Reader) error) error {
	return openFile(name, func(f *os.File) error {
		err := decode(ctxReader{ctx: ctx, r: f})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return err
	})
}

// ctxReader reads r until ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
