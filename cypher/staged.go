package cypher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
)

// Staged loads. One transaction holding a million reviews needs more memory than a modest
// Neo4j heap has (a 100,000-review load already ran out of the 1.4 GiB transaction memory of
// a 2 GiB heap), so a load of more than StagedThreshold products and reviews is written in
// stages that together stay all or nothing:
//
//  1. A StagedLoad {id, heartbeat} node marks the load as under way.
//  2. New products and new reviews are written in chunks of stagedProductChunk and stagedChunk rows, each chunk its
//     own transaction; every node and relationship a chunk creates (products, the label-only
//     ingredients they bring, reviewers, REVIEWED and HAS edges) carries `_load: <load id>`.
//     A review stored with other content (even moved to another product or reviewer) is
//     written the same way, as a new edge, and its stored edge is marked `_superseded: <load
//     id>`: readers keep counting the old edge and not the new one until the load commits
//     (edgeCounted). A product stored with other content gets the same treatment for its
//     CONTAINS, CLAIMS and SUITS edges; its properties (a few per product) are kept, in
//     memory or spilled, for the final transaction. Each chunk refreshes the heartbeat.
//  3. The outcome aggregates of the products whose reviews changed are recomputed in chunks.
//  4. One final transaction writes the knowledge-base ingredients and the properties of the
//     changed products, replaces the StagedLoad by the load's Source node and bumps the
//     DataVersion (when anything changed). Deleting the marker makes the new edges count
//     and the superseded ones stop counting, in the same commit.
//  5. The superseded edges are deleted, in batches of their own; when that fails, they stay
//     hidden, and RecoverStaged deletes them later.
//
// On any error, the load is rolled back: everything carrying its `_load` id is deleted (in
// batches of their own), the edges it superseded are unmarked, the outcomes of the products
// it touched are recomputed, and its StagedLoad is removed.
//
// A load whose process died between 1 and 4 leaves its StagedLoad. The marker holds a lease:
// `expires`, set from Neo4j's own clock (so the clocks of the processes do not matter) to
// now + the lease (SetStagedLease, default DefaultStagedLease) when the load starts, after
// every chunk and every lease/4 by a background heartbeat while the writing process lives.
// A load is stale once its lease has expired (markers of older builds, without `expires`:
// once their heartbeat is staleAfter old); RecoverStaged rolls back the stale ones, and
// runs at the start of every staged load and of the server and loading commands. A live
// load in another process renews its lease and is never taken for dead.
//
// Until a load commits, its rows are invisible: the rows it created carry `_load` and the
// read paths (Product, Search, Ingredient, the projection) skip a row whose `_load` names a
// StagedLoad that still exists (see committed, notStaged and edgeCounted); the final
// transaction deletes the marker, which makes them visible in the same commit as the
// DataVersion bump. What stays visible early: the outcome aggregates of products that existed
// before the load and whose reviews it changed (recomputed in step 3), and the raw graph in
// the Cypher explorer (and the "why" Cypher the ranker shows, which reads the edges
// without these filters).

const (
	// StagedThreshold is the default number of products plus reviews above which WriteLoad
	// writes in stages. One transaction must stay below Neo4j's per-transaction memory limit
	// (256m by default, docs/SECURITY.md): a single-transaction load of 8,000 synthetic
	// products and 8,000 reviews peaked at 446 MiB, and one of 50,000 rows (the old
	// threshold) ran out of the whole 637 MiB pool of a 1 GiB heap even without that limit.
	StagedThreshold = 2_500
	// stagedChunk is how many reviews one staged transaction writes.
	stagedChunk = 10_000
	// stagedProductChunk is how many products one staged transaction writes: a product with
	// its CONTAINS, CLAIMS and SUITS edges holds about 30 KiB of transaction memory (a 10,000
	// product chunk of synthetic products with 8-20 ingredients peaked at 302 MiB, 5,000 at
	// 155 MiB), and every transaction must stay below Neo4j's per-transaction limit
	// (db.memory.transaction.max, 256m by default; docs/SECURITY.md) with room for products
	// with longer INCI lists.
	stagedProductChunk = 2_500
	// stagedBatch is how many rows one UNWIND statement of a staged chunk carries: larger
	// than batchSize, as a staged transaction holds its chunk anyway.
	stagedBatch = 5000
	// staleAfter is how long a staging load of an older build (a marker without `expires`)
	// may go without a heartbeat before it is rolled back.
	staleAfter = 10 * time.Minute
	// DefaultStagedLease is how long a staged load stays alive without a heartbeat: its
	// process renews it every quarter of it, and RecoverStaged rolls back a load whose lease
	// has expired.
	DefaultStagedLease = time.Minute
)

// SetStagedLease changes the lease of the staged loads this store writes (0:
// DefaultStagedLease). Tests use short leases so that a killed writer is found dead quickly.
func (s *Store) SetStagedLease(d time.Duration) { s.stagedLease = d }

func (s *Store) lease() time.Duration {
	if s.stagedLease <= 0 {
		return DefaultStagedLease
	}
	return s.stagedLease
}

// WriteLoadProgress is WriteLoad that reports the rows written so far (products and
// reviews) to progress, when it is not nil, after each chunk.
func (s *Store) WriteLoadProgress(ctx context.Context, load graph.Load, progress func(done int)) (graph.LoadResult, error) {
	threshold := s.stagedThreshold
	if threshold <= 0 {
		threshold = StagedThreshold
	}
	if len(load.Products)+len(load.Reviews) <= threshold {
		res, err := s.WriteLoad(ctx, load)
		if err == nil && progress != nil {
			progress(len(load.Products) + len(load.Reviews))
		}
		return res, err
	}
	return s.writeStaged(ctx, load, progress)
}

// SetStagedThreshold changes the size above which loads are staged (0: StagedThreshold).
// Tests use it to stage small loads.
func (s *Store) SetStagedThreshold(n int) { s.stagedThreshold = n }

func (s *Store) writeStaged(ctx context.Context, load graph.Load, progress func(done int)) (graph.LoadResult, error) {
	products, reviews := load.Products, load.Reviews
	load.Products, load.Reviews = nil, nil
	st, err := s.beginStaged(ctx, load)
	if err != nil {
		return graph.LoadResult{}, err
	}
	st.progress = progress
	// Parameters are built a chunk at a time, to hold one copy of a large load only.
	for _, part := range chunks(products, stagedProductChunk) {
		if err := st.WriteProducts(ctx, part); err != nil {
			return graph.LoadResult{}, errors.Join(err, st.Abort(ctx))
		}
	}
	for _, part := range chunks(reviews, stagedChunk) {
		if err := st.WriteReviews(ctx, part); err != nil {
			return graph.LoadResult{}, errors.Join(err, st.Abort(ctx))
		}
	}
	return st.Commit(ctx)
}

// BeginStaged starts a staged load (step 1) whose products and reviews the caller then hands
// over in chunks, so that a load larger than memory can be streamed: load carries the id,
// source, kind, time and the ingredients (written by Commit); its Products and Reviews, when
// any, are written first. Every product chunk must come before the review chunks that refer
// to its products. The returned load is not safe for concurrent use.
func (s *Store) BeginStaged(ctx context.Context, load graph.Load) (graph.StagedLoad, error) {
	products, reviews := load.Products, load.Reviews
	load.Products, load.Reviews = nil, nil
	st, err := s.beginStaged(ctx, load)
	if err != nil {
		return nil, err
	}
	if err := st.WriteProducts(ctx, products); err != nil {
		return nil, errors.Join(err, st.Abort(ctx))
	}
	if err := st.WriteReviews(ctx, reviews); err != nil {
		return nil, errors.Join(err, st.Abort(ctx))
	}
	return st, nil
}

// StagedThreshold is the number of products plus reviews above which loads are staged.
func (s *Store) StagedThreshold() int {
	if s.stagedThreshold <= 0 {
		return StagedThreshold
	}
	return s.stagedThreshold
}

var _ graph.StagedLoad = (*stagedLoad)(nil)

// stagedLoad is a staged load under way: what its chunks found, for the final transaction.
type stagedLoad struct {
	s        *Store
	load     graph.Load // without products and reviews
	progress func(done int)
	done     int
	finished bool   // committed or aborted
	stopBeat func() // stops the background heartbeat

	products, reviews graph.Counts
	// Products stored with other content, for Commit: in memory up to a limit, then in a
	// temporary file, so that a reload where everything changed holds none of it. (Changed
	// reviews are written by the chunks, as new edges that supersede the old ones.)
	changedProducts *spill[graph.Product]
	touched         map[string]bool // products that got new reviews or lost changed ones
}

func (s *Store) beginStaged(ctx context.Context, load graph.Load) (*stagedLoad, error) {
	if load.At.IsZero() {
		load.At = time.Now().UTC()
	}
	if _, err := s.RecoverStaged(ctx); err != nil {
		return nil, err
	}
	owner, _ := os.Hostname()
	owner = fmt.Sprintf("%s/%d", owner, os.Getpid())
	recs, err := s.write(ctx, `
		OPTIONAL MATCH (old:StagedLoad {id: $id})
		WITH old WHERE old IS NULL
		CREATE (s:StagedLoad {id: $id})
		SET s.kind = $kind, s.owner = $owner, s.started = datetime(), s.heartbeat = datetime(),
		    s.expires = datetime() + duration({milliseconds: $lease})
		RETURN true AS created`,
		map[string]any{"id": load.ID, "kind": load.Kind, "owner": owner, "lease": s.lease().Milliseconds()})
	if err != nil {
		return nil, fmt.Errorf("cypher: staged load %s: start: %w", load.ID, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("cypher: staged load %s: %w: a staged load with this id is under way or being rolled back; "+
			"a dead one is rolled back once its lease has expired", load.ID, graph.ErrConflict)
	}
	st := &stagedLoad{s: s, load: load, touched: map[string]bool{},
		changedProducts: newSpill[graph.Product](s.spillAfter, "")}
	st.stopBeat = s.keepAlive(ctx, load.ID)
	return st, nil
}

// keepAlive renews the lease of a staged load every quarter of the lease until the returned
// function is called (it waits for the heartbeat to stop). A failed renewal is retried at
// the next tick: the load's own chunks fail on the same cause.
func (s *Store) keepAlive(ctx context.Context, loadID string) func() {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(s.lease() / 4)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
					return heartbeat(ctx, tx, loadID, s.lease())
				})
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			cancel()
			<-done
		})
	}
}

func (st *stagedLoad) params(rows []map[string]any) map[string]any {
	return map[string]any{"rows": rows, "load": st.load.ID}
}

// WriteProducts writes the new products of one chunk in one transaction (step 2); chunks
// larger than stagedProductChunk are split.
func (st *stagedLoad) WriteProducts(ctx context.Context, products []graph.Product) error {
	if st.finished {
		return fmt.Errorf("cypher: staged load %s: %w: already finished", st.load.ID, graph.ErrInvalid)
	}
	for _, part := range chunks(products, stagedProductChunk) {
		if err := st.writeProducts(ctx, part); err != nil {
			return fmt.Errorf("cypher: staged load %s: products: %w", st.load.ID, err)
		}
	}
	return nil
}

func (st *stagedLoad) writeProducts(ctx context.Context, part []graph.Product) error {
	chunk := productParams(part)
	// The driver may run the function again: it only fills c and deferred, which are
	// added up once the transaction has committed.
	var c graph.Counts
	var deferred []int // indexes into part: the changed products, whose properties Commit sets
	err := st.s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		c, deferred = graph.Counts{}, nil
		for bi, b := range chunks(chunk, stagedBatch) {
			stored, err := storedHashes(ctx, tx, stagedProductHashesCypher, b)
			if err != nil {
				return err
			}
			var created, changed []map[string]any
			var changedIDs []string
			for i, r := range b {
				switch h, ok := stored[r["id"].(string)]; {
				case !ok:
					created = append(created, r)
				case h == r["hash"]:
					c.Unchanged++
				default:
					changed = append(changed, r)
					changedIDs = append(changedIDs, r["id"].(string))
					deferred = append(deferred, bi*stagedBatch+i)
				}
			}
			if len(created)+len(changed) == 0 {
				continue
			}
			ings, err := mergeLabelIngredients(ctx, tx, append(append([]map[string]any(nil), created...), changed...), st.load.ID)
			if err != nil {
				return fmt.Errorf("ingredients: %w", err)
			}
			if len(created) > 0 {
				if _, err := run(ctx, tx, stagedCreateProductsCypher, st.params(withIngredientIDs(created, ings))); err != nil {
					return err
				}
			}
			if len(changed) > 0 {
				// Their new edges now, hidden until the commit; the old ones count until then.
				if _, err := run(ctx, tx, stagedSupersedeProductEdgesCypher, map[string]any{"ids": changedIDs, "load": st.load.ID}); err != nil {
					return fmt.Errorf("supersede the edges of changed products: %w", err)
				}
				if _, err := run(ctx, tx, stagedProductEdgesCypher, st.params(withIngredientIDs(changed, ings))); err != nil {
					return fmt.Errorf("edges of changed products: %w", err)
				}
			}
			c.Created += len(created)
			c.Updated += len(changed)
		}
		return heartbeat(ctx, tx, st.load.ID, st.s.lease())
	})
	if err != nil {
		return err
	}
	st.products.Created += c.Created
	st.products.Updated += c.Updated
	st.products.Unchanged += c.Unchanged
	for _, i := range deferred {
		if err := st.changedProducts.add(part[i]); err != nil {
			return err
		}
	}
	st.advance(len(chunk))
	return nil
}

// storedHashes runs query (stagedProductHashesCypher or stagedReviewHashesCypher) for the ids
// of rows and returns the content hash stored for each id that exists. It reads without
// taking locks: the rows it does not find are created next in the same transaction. A
// product created meanwhile by another transaction fails that creation on its uniqueness
// constraint; reviews have none, and, as with the relationship index seek used before, two
// loads writing the same new review at the same moment are not guarded against.
func storedHashes(ctx context.Context, tx neo4j.ManagedTransaction, query string, rows []map[string]any) (map[string]any, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r["id"].(string)
	}
	recs, err := run(ctx, tx, query, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("stored hashes: %w", err)
	}
	out := make(map[string]any, len(recs))
	for _, rec := range recs {
		m := rec.AsMap()
		out[m["id"].(string)] = m["hash"]
	}
	return out, nil
}

// storedReview is what a staged load finds stored under a review id.
type storedReview struct {
	hash     any      // the content hash, when a single edge holds the id
	products []string // the products of the edges holding the id
}

// storedReviews returns what is stored under the ids of review rows (stagedReviewsCypher), by
// id. Like storedHashes, it reads without taking locks.
func storedReviews(ctx context.Context, tx neo4j.ManagedTransaction, rows []map[string]any) (map[string]storedReview, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r["id"].(string)
	}
	recs, err := run(ctx, tx, stagedReviewsCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("stored reviews: %w", err)
	}
	out := make(map[string]storedReview, len(recs))
	for _, rec := range recs {
		m := rec.AsMap()
		var sr storedReview
		if hashes, _ := m["hashes"].([]any); len(hashes) == 1 {
			sr.hash = hashes[0]
		}
		for _, p := range m["products"].([]any) {
			sr.products = append(sr.products, p.(string))
		}
		out[m["id"].(string)] = sr
	}
	return out, nil
}

// mergeLabelIngredients merges once each ingredient the new products of a batch name (a
// label-only node, marked with the load, when the graph has none; named as on the first
// label that names it, as merging row by row did) and returns the element id of each by INCI
// key, so that the products' CONTAINS edges are created without an index seek apiece.
func mergeLabelIngredients(ctx context.Context, tx neo4j.ManagedTransaction, rows []map[string]any, loadID string) (map[string]string, error) {
	seen := map[string]bool{}
	var ings []map[string]any
	for _, r := range rows {
		for _, in := range r["ingredients"].([]any) {
			in := in.(map[string]any)
			if inci := in["inci"].(string); !seen[inci] {
				seen[inci] = true
				ings = append(ings, map[string]any{"inci": inci, "name": in["name"]})
			}
		}
	}
	recs, err := run(ctx, tx, stagedMergeIngredientsCypher, map[string]any{"rows": ings, "load": loadID})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		m := rec.AsMap()
		out[m["inci"].(string)] = m["eid"].(string)
	}
	return out, nil
}

// withIngredientIDs returns product rows whose ingredients carry the element id of their
// Ingredient node (eids, from mergeLabelIngredients) and only the CONTAINS properties.
func withIngredientIDs(rows []map[string]any, eids map[string]string) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		ings := r["ingredients"].([]any)
		contains := make([]any, len(ings))
		for j, in := range ings {
			in := in.(map[string]any)
			contains[j] = map[string]any{"eid": eids[in["inci"].(string)], "props": map[string]any{
				"position": in["position"], "concentration": in["concentration"], "may_contain": in["may_contain"],
				"list": in["list"], "label": in["name"],
			}}
		}
		out[i] = map[string]any{"id": r["id"], "props": r["props"], "hash": r["hash"], "contains": contains,
			"claims": r["claims"], "suits": r["suits"]}
	}
	return out
}

// WriteReviews writes the new reviews of one chunk in one transaction (step 2); chunks
// larger than stagedChunk are split. A review of a product that is neither in the graph nor
// in an earlier chunk is graph.ErrInvalid.
func (st *stagedLoad) WriteReviews(ctx context.Context, reviews []graph.Review) error {
	if st.finished {
		return fmt.Errorf("cypher: staged load %s: %w: already finished", st.load.ID, graph.ErrInvalid)
	}
	for _, part := range chunks(reviews, stagedChunk) {
		if err := st.writeReviews(ctx, part); err != nil {
			return fmt.Errorf("cypher: staged load %s: reviews: %w", st.load.ID, err)
		}
	}
	return nil
}

func (st *stagedLoad) writeReviews(ctx context.Context, part []graph.Review) error {
	chunk := reviewParams(part)
	var c graph.Counts
	var touched map[string]bool
	err := st.s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		c, touched = graph.Counts{}, map[string]bool{}
		for _, b := range chunks(chunk, stagedBatch) {
			products, err := productElementIDs(ctx, tx, b)
			if err != nil {
				return err
			}
			stored, err := storedReviews(ctx, tx, b)
			if err != nil {
				return err
			}
			var created []map[string]any
			var superseded []string
			for _, r := range b {
				id := r["id"].(string)
				old, ok := stored[id]
				switch {
				case !ok:
					c.Created++
				case len(old.products) == 1 && old.hash == r["hash"]:
					c.Unchanged++
					continue
				default:
					c.Updated++
					superseded = append(superseded, id)
					for _, p := range old.products {
						touched[p] = true
					}
				}
				created = append(created, r)
			}
			if len(created) == 0 {
				continue
			}
			if len(superseded) > 0 {
				if _, err := run(ctx, tx, stagedSupersedeReviewsCypher, map[string]any{"ids": superseded, "load": st.load.ID}); err != nil {
					return fmt.Errorf("supersede changed reviews: %w", err)
				}
			}
			reviewers, err := mergeReviewers(ctx, tx, created, st.load.ID)
			if err != nil {
				return fmt.Errorf("reviewers: %w", err)
			}
			rows := make([]map[string]any, len(created))
			for i, r := range created {
				rows[i] = map[string]any{"u": reviewers[r["reviewer"].(string)], "p": products[r["product_id"].(string)],
					"id": r["id"], "hash": r["hash"], "props": r["props"]}
				touched[r["product_id"].(string)] = true
			}
			if _, err := run(ctx, tx, stagedCreateReviewsCypher, st.params(rows)); err != nil {
				return err
			}
		}
		return heartbeat(ctx, tx, st.load.ID, st.s.lease())
	})
	if err != nil {
		return err
	}
	st.reviews.Created += c.Created
	st.reviews.Updated += c.Updated
	st.reviews.Unchanged += c.Unchanged
	for id := range touched {
		st.touched[id] = true
	}
	st.advance(len(chunk))
	return nil
}

// productElementIDs returns the element id of every product the review rows refer to;
// graph.ErrInvalid when one is neither in the graph nor written earlier in the load.
func productElementIDs(ctx context.Context, tx neo4j.ManagedTransaction, rows []map[string]any) (map[string]string, error) {
	seen := map[string]bool{}
	var ids []string
	for _, r := range rows {
		if id := r["product_id"].(string); !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	recs, err := run(ctx, tx, `UNWIND $ids AS id MATCH (p:Product {id: id}) RETURN id, elementId(p) AS eid`, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("products of the reviews: %w", err)
	}
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		m := rec.AsMap()
		out[m["id"].(string)] = m["eid"].(string)
	}
	if len(out) < len(ids) {
		missing := 0
		for _, r := range rows {
			if _, ok := out[r["product_id"].(string)]; !ok {
				missing++
			}
		}
		return nil, fmt.Errorf("%w: %d of %d reviews refer to products that are neither in the graph nor in this load",
			graph.ErrInvalid, missing, len(rows))
	}
	return out, nil
}

// mergeReviewers merges the reviewers of new review rows, once each, with the HAS edges of
// their skin types, tones and concerns in these reviews (hasParams), and returns their
// element ids by reviewer id.
func mergeReviewers(ctx context.Context, tx neo4j.ManagedTransaction, rows []map[string]any, loadID string) (map[string]string, error) {
	recs, err := run(ctx, tx, stagedReviewersCypher, map[string]any{"rows": hasParams(rows), "load": loadID})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		m := rec.AsMap()
		out[m["id"].(string)] = m["eid"].(string)
	}
	return out, nil
}

func (st *stagedLoad) advance(n int) {
	st.done += n
	if st.progress != nil {
		st.progress(st.done)
	}
}

// Abort rolls the load back: everything its chunks wrote is deleted. It runs even when ctx
// is cancelled; aborting a finished load does nothing.
func (st *stagedLoad) Abort(ctx context.Context) error {
	if st.finished {
		return nil
	}
	st.finished = true
	st.stopBeat()
	st.closeSpills()
	rbCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	defer cancel()
	if _, _, err := st.s.rollbackLoad(rbCtx, st.load.ID); err != nil {
		return fmt.Errorf("cypher: staged load %s: rollback: %w (RecoverStaged retries it once its lease expires)", st.load.ID, err)
	}
	return nil
}

// Commit runs steps 3 and 4: the outcomes of the reviewed products, then the final
// transaction that makes the load visible. On failure the load is rolled back.
func (st *stagedLoad) Commit(ctx context.Context) (graph.LoadResult, error) {
	if st.finished {
		return graph.LoadResult{}, fmt.Errorf("cypher: staged load %s: %w: already finished", st.load.ID, graph.ErrInvalid)
	}
	res, err := st.commit(ctx)
	if st.s.spillStats != nil {
		st.s.spillStats(st.changedProducts.peak, st.changedProducts.len())
	}
	if err != nil {
		err = fmt.Errorf("cypher: staged load %s: %w", st.load.ID, err)
		return graph.LoadResult{}, errors.Join(err, st.Abort(ctx))
	}
	st.finished = true
	st.stopBeat()
	st.closeSpills()
	// The load is committed: the old edges of its changed reviews are garbage that readers
	// skip. A failed cleanup is left to RecoverStaged, which sweeps such edges.
	if n, err := st.s.deleteSuperseded(ctx, st.load.ID); err != nil {
		zerolog.Ctx(ctx).Warn().Err(err).Str("load", st.load.ID).Int64("deleted", n).
			Msg("staged load committed; deleting the old edges of its changed reviews failed (hidden from reads; swept by the next recovery)")
	}
	return res, nil
}

func (st *stagedLoad) closeSpills() {
	st.changedProducts.close()
}

func (st *stagedLoad) commit(ctx context.Context) (graph.LoadResult, error) {
	s, load := st.s, st.load
	res := graph.LoadResult{LoadID: load.ID, Counts: map[string]graph.Counts{}}
	ingredientRows, conflictRows := ingredientParams(load.Ingredients)
	if err := s.refreshOutcomes(ctx, sortedKeys(st.touched), load.ID); err != nil {
		return res, err
	}
	products, reviews := st.products, st.reviews
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		if err := heartbeat(ctx, tx, load.ID, s.lease()); err != nil {
			return err
		}
		counts := map[string]graph.Counts{"products": products, "reviews": reviews}
		var ing graph.Counts
		for _, b := range batches(ingredientRows) {
			recs, err := run(ctx, tx, stagedIngredientsCypher, st.params(b))
			if err != nil {
				return fmt.Errorf("ingredients: %w", err)
			}
			addCounts(&ing, recs)
		}
		counts["ingredients"] = ing
		for _, b := range batches(conflictRows) {
			if _, err := run(ctx, tx, mergeConflictsCypher, map[string]any{"rows": b}); err != nil {
				return fmt.Errorf("ingredient conflicts: %w", err)
			}
		}
		err := st.changedProducts.each(batchSize, func(b []graph.Product) error {
			_, err := run(ctx, tx, stagedSetProductsCypher, map[string]any{"rows": productParams(b)})
			return err
		})
		if err != nil {
			return fmt.Errorf("products: %w", err)
		}
		counts["products"] = products
		counts["reviews"] = reviews
		res.Counts = counts
		res.Changed = false
		for _, c := range counts {
			if c.Created+c.Updated > 0 {
				res.Changed = true
			}
		}
		if _, err := run(ctx, tx, `MATCH (s:StagedLoad {id: $id}) DELETE s`, map[string]any{"id": load.ID}); err != nil {
			return fmt.Errorf("staged load marker: %w", err)
		}
		if !res.Changed {
			return nil
		}
		if _, err := run(ctx, tx, createSourceCypher, map[string]any{
			"id": load.ID, "kind": load.Kind, "citation": load.Source, "at": load.At, "counts": countsJSON(counts),
		}); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if res.Version, err = bumpVersion(ctx, tx); err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("commit: %w", err)
	}
	if !res.Changed {
		if res.Version, err = s.DataVersion(ctx); err != nil {
			return res, err
		}
	}
	return res, nil
}

// refreshOutcomes recomputes the outcome aggregates of the given products, a chunk per
// transaction, counting the reviews of the staged load loadID ("": none) and of no other
// staged load under way.
func (s *Store) refreshOutcomes(ctx context.Context, ids []string, loadID string) error {
	for _, chunk := range chunks(ids, 2000) {
		err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
			for _, b := range chunks(chunk, stagedBatch) {
				params, err := s.outcomeParams(ctx, tx, b)
				if err != nil {
					return err
				}
				params["load"] = loadID
				if _, err := run(ctx, tx, stagedOutcomesCypher, params); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("outcomes: %w", err)
		}
	}
	return nil
}

// errTakenOver is returned when a staged load's marker is gone or being rolled back: its
// lease expired (the writer was paused longer than the lease) and another process rolled it
// back. The writer's transaction then fails, so that nothing of it lands outside the load.
var errTakenOver = errors.New("the load was rolled back by a recovery while it ran (its lease had expired)")

// heartbeat renews the lease of a staged load (see the comment of staged loads) and fails with
// errTakenOver when the load is no longer alive. Its write takes the marker's lock, which the
// rollback's first step takes too: a chunk commits either before a rollback starts (and is
// deleted by it) or not at all.
func heartbeat(ctx context.Context, tx neo4j.ManagedTransaction, loadID string, lease time.Duration) error {
	recs, err := run(ctx, tx, `
		OPTIONAL MATCH (s:StagedLoad {id: $id})
		WITH s, s IS NOT NULL AND NOT coalesce(s.rolling_back, false) AS alive
		FOREACH (_ IN CASE WHEN alive THEN [1] ELSE [] END |
			SET s.heartbeat = datetime(), s.expires = datetime() + duration({milliseconds: $lease}))
		RETURN alive`,
		map[string]any{"id": loadID, "lease": lease.Milliseconds()})
	if err != nil {
		return err
	}
	if len(recs) != 1 || recs[0].Values[0] != true {
		return fmt.Errorf("staged load %s: %w", loadID, errTakenOver)
	}
	return nil
}

// collectStrings gathers the string lists a column of recs holds.
func collectStrings(recs []*neo4j.Record, col string) []string {
	var out []string
	for _, r := range recs {
		if list, ok := r.AsMap()[col].([]any); ok {
			for _, v := range list {
				if s, ok := v.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func chunks[T any](rows []T, n int) [][]T {
	var out [][]T
	for len(rows) > 0 {
		k := min(n, len(rows))
		out = append(out, rows[:k])
		rows = rows[k:]
	}
	return out
}

// stagedOutcomesCypher is refreshOutcomesCypher that counts the reviews of the staged load
// $load, whose marker exists until its final transaction ends (those of other staged loads
// under way are left out, as everywhere).
var stagedOutcomesCypher = replaceOnce(refreshOutcomesCypher, edgeCounted("r"), edgeCountedBy("r", "staged_ids", "$load"))

// stagedIngredientsCypher is upsertIngredientsCypher counting as created the label-only
// ingredient nodes this load's products created.
var stagedIngredientsCypher = replaceOnce(upsertIngredientsCypher,
	"WHEN old IS NULL THEN 'created'", "WHEN old IS NULL OR (old._load = $load AND old.hash IS NULL) THEN 'created'")

// replaceOnce is the statement base with old replaced by new, for statements derived from
// others; it panics (at package init) when base does not hold old exactly once, so that an
// edit of base cannot silently leave a derived statement unchanged.
func replaceOnce(base, old, new string) string {
	if n := strings.Count(base, old); n != 1 {
		panic(fmt.Sprintf("cypher: derived statement: %q occurs %d times in its base, want once", old, n))
	}
	return strings.Replace(base, old, new, 1)
}

// stagedProductHashesCypher returns the stored content hash of the products with the given
// ids that exist (index seeks, no locks).
const stagedProductHashesCypher = `
	UNWIND $ids AS id
	MATCH (p:Product {id: id})
	RETURN id, p.hash AS hash`

// stagedReviewsCypher returns, for each of the given review ids that is stored, the edges
// stored under it (their content hash and product), leaving out the garbage of committed loads
// (edges they superseded). One edge per id is the rule; graphs written by builds that kept a
// moved review's old edge may hold more, which a changed review then replaces all at once.
const stagedReviewsCypher = `
	UNWIND $ids AS id
	MATCH ()-[r:REVIEWED {id: id}]->(p:Product)
	WHERE r._superseded IS NULL
	RETURN id, collect(r.hash) AS hashes, collect(p.id) AS products`

// stagedSupersedeReviewsCypher marks the stored edges of changed reviews as superseded by the
// load: they stay what readers see until the load commits, and are deleted after (or
// unmarked by a rollback). Only the edges of committed data are marked: those of other loads
// under way are theirs.
var stagedSupersedeReviewsCypher = stagedLoadsCall + `
	UNWIND $ids AS id
	MATCH ()-[r:REVIEWED {id: id}]->()
	WHERE r._superseded IS NULL AND (r._load IS NULL OR NOT r._load IN staged_ids)
	SET r._superseded = $load`

// stagedSupersedeProductEdgesCypher marks the CONTAINS, CLAIMS and SUITS edges of changed
// products as superseded by the load (as stagedSupersedeReviewsCypher does for reviews).
var stagedSupersedeProductEdgesCypher = stagedLoadsCall + `
	UNWIND $ids AS id
	MATCH (p:Product {id: id})-[r:CONTAINS|CLAIMS|SUITS]->()
	WHERE r._superseded IS NULL AND (r._load IS NULL OR NOT r._load IN staged_ids)
	SET r._superseded = $load`

// stagedProductEdgesCypher creates the new CONTAINS, CLAIMS and SUITS edges of changed
// products (rows as withIngredientIDs makes them), each marked with the load: the product
// node is committed, so its new edges carry the mark themselves.
const stagedProductEdgesCypher = `
	UNWIND $rows AS row
	MATCH (p:Product {id: row.id})
	CALL (p, row) {
		UNWIND row.contains AS ing
		MATCH (i:Ingredient) WHERE elementId(i) = ing.eid
		CREATE (p)-[c:CONTAINS {_load: $load}]->(i)
		SET c += ing.props
	}
	CALL (p, row) {
		UNWIND row.claims AS name
		MATCH (c:Concern {name: name})
		CREATE (p)-[:CLAIMS {_load: $load}]->(c)
	}
	CALL (p, row) {
		UNWIND row.suits AS name
		MATCH (t:SkinType {name: name})
		CREATE (p)-[:SUITS {_load: $load}]->(t)
	}`

// stagedSetProductsCypher sets the properties of changed products (Commit): their edges were
// written by the chunks.
const stagedSetProductsCypher = `
	UNWIND $rows AS row
	MATCH (p:Product {id: row.id})
	SET p += row.props, p.hash = row.hash`

// stagedMergeIngredientsCypher merges the ingredients a batch of new products names, one row
// per INCI key; those it creates are label-only, marked with the load.
const stagedMergeIngredientsCypher = `
	UNWIND $rows AS row
	MERGE (i:Ingredient {inci: row.inci})
	ON CREATE SET i.name = row.name, i._load = $load
	RETURN row.inci AS inci, elementId(i) AS eid`

// stagedCreateProductsCypher creates new products (none of their ids is stored), marked with
// the load, with their CONTAINS edges to the ingredients found by element id
// (withIngredientIDs) and their CLAIMS and SUITS edges. It only creates, so the planner needs
// no Eager barrier between its rows.
const stagedCreateProductsCypher = `
	UNWIND $rows AS row
	CREATE (p:Product {id: row.id})
	SET p += row.props, p.hash = row.hash, p._load = $load
	WITH p, row
	CALL (p, row) {
		UNWIND row.contains AS ing
		MATCH (i:Ingredient) WHERE elementId(i) = ing.eid
		CREATE (p)-[c:CONTAINS]->(i)
		SET c += ing.props
	}
	CALL (p, row) {
		UNWIND row.claims AS name
		MATCH (c:Concern {name: name})
		CREATE (p)-[:CLAIMS]->(c)
	}
	CALL (p, row) {
		UNWIND row.suits AS name
		MATCH (t:SkinType {name: name})
		CREATE (p)-[:SUITS]->(t)
	}`

// stagedReviewersCypher merges the reviewers of a batch of new reviews, one row per reviewer
// with the skin types, tones and concerns of its reviews in the batch (hasParams), and their
// HAS edges: a reviewer of many reviews is merged once, not once per review. It returns each
// reviewer's element id.
const stagedReviewersCypher = `
	UNWIND $rows AS row
	MERGE (u:Reviewer {id: row.reviewer})
	ON CREATE SET u._load = $load
	WITH u, row
	CALL (u, row) {
		UNWIND row.types AS name
		MATCH (t:SkinType {name: name})
		MERGE (u)-[h:HAS]->(t)
		ON CREATE SET h._load = $load
	}
	CALL (u, row) {
		UNWIND row.tones AS name
		MATCH (t:SkinTone {name: name})
		MERGE (u)-[h:HAS]->(t)
		ON CREATE SET h._load = $load
	}
	CALL (u, row) {
		UNWIND row.concerns AS name
		MATCH (c:Concern {name: name})
		MERGE (u)-[h:HAS]->(c)
		ON CREATE SET h._load = $load
	}
	RETURN row.reviewer AS id, elementId(u) AS eid`

// stagedCreateReviewsCypher creates new reviews (none of their ids is stored) between
// reviewers and products found by element id, marked with the load. The properties are
// those of reviewParams, spelled out in the pattern (none is ever null): a SET from a map
// would make the planner put an Eager barrier over the whole batch.
const stagedCreateReviewsCypher = `
	UNWIND $rows AS row
	MATCH (u:Reviewer) WHERE elementId(u) = row.u
	MATCH (p:Product) WHERE elementId(p) = row.p
	CREATE (u)-[:REVIEWED {id: row.id, hash: row.hash, _load: $load,
		rating: row.props.rating, recommended: row.props.recommended, at: row.props.at,
		skin_type: row.props.skin_type, skin_tone: row.props.skin_tone,
		concerns: row.props.concerns, effects: row.props.effects}]->(p)`

// hasParams gathers per reviewer the skin types, tones and concerns of a batch of review rows
// (reviewParams), in the order the reviewers first appear.
func hasParams(rows []map[string]any) []map[string]any {
	type attrs struct{ types, tones, concerns map[string]bool }
	byReviewer := map[string]*attrs{}
	var order []string
	for _, r := range rows {
		id := r["reviewer"].(string)
		a := byReviewer[id]
		if a == nil {
			a = &attrs{map[string]bool{}, map[string]bool{}, map[string]bool{}}
			byReviewer[id] = a
			order = append(order, id)
		}
		props := r["props"].(map[string]any)
		if v, _ := props["skin_type"].(string); v != "" {
			a.types[v] = true
		}
		if v, _ := props["skin_tone"].(string); v != "" {
			a.tones[v] = true
		}
		for _, c := range props["concerns"].([]string) {
			a.concerns[c] = true
		}
	}
	out := make([]map[string]any, 0, len(order))
	for _, id := range order {
		a := byReviewer[id]
		out = append(out, map[string]any{
			"reviewer": id, "types": sortedKeys(a.types), "tones": sortedKeys(a.tones), "concerns": sortedKeys(a.concerns),
		})
	}
	return out
}
