package cypher

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sort"
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
//  2. New products and new reviews are written in chunks of stagedChunk rows, each chunk its
//     own transaction; every node and relationship a chunk creates (products, the label-only
//     ingredients they bring, reviewers, REVIEWED and HAS edges) carries `_load: <load id>`.
//     A review stored with other content (even moved to another product or reviewer) is
//     written the same way, as a new edge, and its stored edge is marked `_superseded: <load
//     id>`: readers keep counting the old edge and not the new one until the load commits
//     (visibility.go). A product stored with other content gets the same treatment for its
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
// now + the lease (StagingOptions.Lease, default DefaultStagedLease) when the load starts, after
// every chunk and every lease/4 by a background heartbeat while the writing process lives.
// A load is stale once its lease has expired (markers of older builds, without `expires`:
// once their heartbeat is staleAfter old); RecoverStaged rolls back the stale ones, and
// runs at the start of every staged load and of the server and loading commands. A live
// load in another process renews its lease and is never taken for dead.
//
// Until a load commits, its rows are invisible: the rows it created carry `_load` and the
// read paths (Product, Search, Ingredient, the projection) skip a row whose `_load` names a
// StagedLoad that still exists (the rule is in visibility.go); the final
// transaction deletes the marker, which makes them visible in the same commit as the
// DataVersion bump. What stays visible early: the outcome aggregates of products that existed
// before the load and whose reviews it changed (recomputed in step 3), and the raw graph in
// the Cypher explorer (and the "why" Cypher the ranker shows, which reads the edges
// without these filters).

const (
	// StagedThreshold is the default number of products plus reviews above which WriteLoad
	// writes in stages.
	StagedThreshold = 50_000
	// stagedChunk is how many rows one staged transaction writes.
	stagedChunk = 10_000
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

// StagingOptions tune the staged loads a Store writes (Config.Staging); zero fields take the
// defaults.
type StagingOptions struct {
	// Threshold: loads of more products plus reviews than this are staged; default
	// StagedThreshold. Tests set 1 to stage small loads.
	Threshold int
	// Lease: how long a staged load stays alive without a heartbeat; default
	// DefaultStagedLease. Tests use short leases so that a killed writer is found dead quickly.
	Lease time.Duration
}

func (s *Store) lease() time.Duration {
	if s.staging.Lease <= 0 {
		return DefaultStagedLease
	}
	return s.staging.Lease
}

// WriteLoadProgress is WriteLoad that reports the rows written so far (products and
// reviews) to progress, when it is not nil, after each chunk.
func (s *Store) WriteLoadProgress(ctx context.Context, load graph.Load, progress func(done int)) (graph.LoadResult, error) {
	if len(load.Products)+len(load.Reviews) <= s.StagedThreshold() {
		res, err := s.WriteLoad(ctx, load)
		if err == nil && progress != nil {
			progress(len(load.Products) + len(load.Reviews))
		}
		return res, err
	}
	return s.writeStaged(ctx, load, progress)
}

func (s *Store) writeStaged(ctx context.Context, load graph.Load, progress func(done int)) (graph.LoadResult, error) {
	products, reviews := load.Products, load.Reviews
	load.Products, load.Reviews = nil, nil
	st, err := s.beginStaged(ctx, load)
	if err != nil {
		return graph.LoadResult{}, err
	}
	st.progress = progress
	// Parameters are built a chunk at a time, to hold one copy of a large load only.
	for _, part := range chunks(products, stagedChunk) {
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
	if s.staging.Threshold <= 0 {
		return StagedThreshold
	}
	return s.staging.Threshold
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
// larger than stagedChunk are split.
func (st *stagedLoad) WriteProducts(ctx context.Context, products []graph.Product) error {
	if st.finished {
		return fmt.Errorf("cypher: staged load %s: %w: already finished", st.load.ID, graph.ErrInvalid)
	}
	for _, part := range chunks(products, stagedChunk) {
		if err := st.writeProducts(ctx, part); err != nil {
			return fmt.Errorf("cypher: staged load %s: products: %w", st.load.ID, err)
		}
	}
	return nil
}

func (st *stagedLoad) writeProducts(ctx context.Context, part []graph.Product) error {
	chunk := toProductRows(part)
	// The driver may run the function again: it only fills c and deferred, which are
	// added up once the transaction has committed.
	var c graph.Counts
	var deferred []int // indexes into part: the changed products, whose properties Commit sets
	err := st.s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		c, deferred = graph.Counts{}, nil
		for bi, b := range chunks(chunk, stagedBatch) {
			ids := make([]string, len(b))
			for i, r := range b {
				ids[i] = r.ID
			}
			stored, err := storedHashes(ctx, tx, stagedProductHashesCypher, ids)
			if err != nil {
				return err
			}
			var created, changed []productRow
			var changedIDs []string
			for i, r := range b {
				switch h, ok := stored[r.ID]; {
				case !ok:
					created = append(created, r)
				case h == r.Hash:
					c.Unchanged++
				default:
					changed = append(changed, r)
					changedIDs = append(changedIDs, r.ID)
					deferred = append(deferred, bi*stagedBatch+i)
				}
			}
			if len(created)+len(changed) == 0 {
				continue
			}
			ings, err := mergeLabelIngredients(ctx, tx, append(append([]productRow(nil), created...), changed...), st.load.ID)
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
func storedHashes(ctx context.Context, tx neo4j.ManagedTransaction, query string, ids []string) (map[string]string, error) {
	recs, err := run(ctx, tx, query, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("stored hashes: %w", err)
	}
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		id, err := recordString(rec, "id")
		if err != nil {
			return nil, fmt.Errorf("stored hashes: %w", err)
		}
		hash, err := recordString(rec, "hash")
		if err != nil {
			return nil, fmt.Errorf("stored hashes: %w", err)
		}
		out[id] = hash
	}
	return out, nil
}

// recordString reads the string column key of rec; null reads as "".
func recordString(rec *neo4j.Record, key string) (string, error) {
	v, _, err := neo4j.GetRecordValue[string](rec, key)
	return v, err
}

// recordStrings reads the string columns of rec named by keys, in order.
func recordStrings(rec *neo4j.Record, keys ...string) ([]string, error) {
	out := make([]string, len(keys))
	for i, k := range keys {
		v, err := recordString(rec, k)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// storedReview is what a staged load finds stored under a review id.
type storedReview struct {
	hash     string   // the content hash, when a single edge holds the id
	products []string // the products of the edges holding the id
}

// storedReviews returns what is stored under the ids of review rows (stagedReviewsCypher), by
// id. Like storedHashes, it reads without taking locks.
func storedReviews(ctx context.Context, tx neo4j.ManagedTransaction, rows []reviewRow) (map[string]storedReview, error) {
	ids := make([]string, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	recs, err := run(ctx, tx, stagedReviewsCypher, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("stored reviews: %w", err)
	}
	out := make(map[string]storedReview, len(recs))
	for _, rec := range recs {
		id, err := recordString(rec, "id")
		if err != nil {
			return nil, fmt.Errorf("stored reviews: %w", err)
		}
		hashes, _, err := neo4j.GetRecordValue[[]any](rec, "hashes")
		if err != nil {
			return nil, fmt.Errorf("stored reviews: %w", err)
		}
		products, _, err := neo4j.GetRecordValue[[]any](rec, "products")
		if err != nil {
			return nil, fmt.Errorf("stored reviews: %w", err)
		}
		var sr storedReview
		if len(hashes) == 1 {
			sr.hash, _ = hashes[0].(string)
		}
		for _, p := range products {
			id, ok := p.(string)
			if !ok {
				return nil, fmt.Errorf("stored reviews: product id %v (%T), want a string", p, p)
			}
			sr.products = append(sr.products, id)
		}
		out[id] = sr
	}
	return out, nil
}

// mergeLabelIngredients merges once each ingredient the new products of a batch name (a
// label-only node, marked with the load, when the graph has none; named as on the first
// label that names it, as merging row by row did) and returns the element id of each by INCI
// key, so that the products' CONTAINS edges are created without an index seek apiece.
func mergeLabelIngredients(ctx context.Context, tx neo4j.ManagedTransaction, rows []productRow, loadID string) (map[string]string, error) {
	seen := map[string]bool{}
	var ings []map[string]any
	for _, r := range rows {
		for _, in := range r.Contains {
			if !seen[in.INCI] {
				seen[in.INCI] = true
				ings = append(ings, map[string]any{"inci": in.INCI, "name": in.Name})
			}
		}
	}
	recs, err := run(ctx, tx, stagedMergeIngredientsCypher, map[string]any{"rows": ings, "load": loadID})
	if err != nil {
		return nil, err
	}
	return elementIDs(recs, "inci")
}

// elementIDs reads the (key, eid) records of a statement that returns element ids by key.
func elementIDs(recs []*neo4j.Record, key string) (map[string]string, error) {
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		v, err := recordStrings(rec, key, "eid")
		if err != nil {
			return nil, fmt.Errorf("element ids: %w", err)
		}
		out[v[0]] = v[1]
	}
	return out, nil
}

// withIngredientIDs returns product rows whose ingredients carry the element id of their
// Ingredient node (eids, from mergeLabelIngredients) and only the CONTAINS properties.
func withIngredientIDs(rows []productRow, eids map[string]string) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		contains := make([]any, len(r.Contains))
		for j, in := range r.Contains {
			contains[j] = map[string]any{"eid": eids[in.INCI], "props": map[string]any{
				"position": in.Position, "concentration": in.Concentration, "may_contain": in.MayContain,
				"list": in.List, "label": in.Name,
			}}
		}
		out[i] = map[string]any{"id": r.ID, "props": r.Props, "hash": r.Hash, "contains": contains,
			"claims": r.Claims, "suits": r.Suits}
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
	chunk := toReviewRows(part)
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
			var created []reviewRow
			var superseded []string
			for _, r := range b {
				id := r.ID
				old, ok := stored[id]
				switch {
				case !ok:
					c.Created++
				case len(old.products) == 1 && old.hash == r.Hash:
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
				rows[i] = map[string]any{"u": reviewers[r.Reviewer], "p": products[r.ProductID],
					"id": r.ID, "hash": r.Hash, "props": r.props()}
				touched[r.ProductID] = true
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
func productElementIDs(ctx context.Context, tx neo4j.ManagedTransaction, rows []reviewRow) (map[string]string, error) {
	seen := map[string]bool{}
	var ids []string
	for _, r := range rows {
		if id := r.ProductID; !seen[id] {
			seen[id] = true
			ids = append(ids, id)
		}
	}
	recs, err := run(ctx, tx, `UNWIND $ids AS id MATCH (p:Product {id: id}) RETURN id, elementId(p) AS eid`, map[string]any{"ids": ids})
	if err != nil {
		return nil, fmt.Errorf("products of the reviews: %w", err)
	}
	out, err := elementIDs(recs, "id")
	if err != nil {
		return nil, fmt.Errorf("products of the reviews: %w", err)
	}
	if len(out) < len(ids) {
		missing := 0
		for _, r := range rows {
			if _, ok := out[r.ProductID]; !ok {
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
func mergeReviewers(ctx context.Context, tx neo4j.ManagedTransaction, rows []reviewRow, loadID string) (map[string]string, error) {
	recs, err := run(ctx, tx, stagedReviewersCypher, map[string]any{"rows": hasParams(rows), "load": loadID})
	if err != nil {
		return nil, err
	}
	return elementIDs(recs, "id")
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
				if _, err := run(ctx, tx, stagedOutcomesCypher, map[string]any{"ids": b, "load": loadID}); err != nil {
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

// stagedOutcomesCypher is refreshOutcomesCypher as the staged load $load sees the graph
// (stagedIDsAsLoad): it counts the load's own reviews, whose marker exists until its final
// transaction ends, and not the edges the load replaces (those of other staged loads under
// way are left out, as everywhere).
var stagedOutcomesCypher = stagedIDsAsLoad + outcomesFromStagedIDs

// stagedIngredientsCypher writes the knowledge-base ingredients in the final transaction, as
// upsertIngredientsCypher does in one-transaction loads, but counts as created the label-only
// ingredient nodes this load's products created.
const stagedIngredientsCypher = `
	UNWIND $rows AS row
	OPTIONAL MATCH (old:Ingredient {inci: row.inci})
	WITH row, CASE WHEN old IS NULL OR (old._load = $load AND old.hash IS NULL) THEN 'created' WHEN old.hash = row.hash THEN 'unchanged' ELSE 'updated' END AS status
	CALL (row, status) {
		WITH row WHERE status <> 'unchanged'
		MERGE (i:Ingredient {inci: row.inci})
		SET i += row.props, i.hash = row.hash
		WITH i, row
		CALL (i) {
			OPTIONAL MATCH (i)-[r:TREATS|AGGRAVATES|CONFLICTS_WITH]-()
			DELETE r
		}
		CALL (i, row) {
			UNWIND row.treats AS t
			MATCH (c:Concern {name: t.concern})
			MERGE (i)-[x:TREATS]->(c)
			SET x.efficacy = t.efficacy, x.evidence = t.evidence, x.source = t.source
		}
		CALL (i, row) {
			UNWIND row.aggravates AS a
			OPTIONAL MATCH (st:SkinType {name: a.target}) WHERE a.kind = 'skin_type'
			OPTIONAL MATCH (c:Concern {name: a.target}) WHERE a.kind = 'concern'
			OPTIONAL MATCH (se:Sensitivity {name: a.target}) WHERE a.kind = 'sensitivity'
			WITH i, a, coalesce(st, c, se) AS target
			WHERE target IS NOT NULL
			MERGE (i)-[x:AGGRAVATES]->(target)
			SET x.severity = a.severity, x.reason = a.reason, x.source = a.source
		}
	}
	RETURN status, count(*) AS n`

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
var stagedSupersedeReviewsCypher = stagedIDs + `
	UNWIND $ids AS id
	MATCH ()-[r:REVIEWED {id: id}]->()
	WHERE r._superseded IS NULL AND ` + visibleR + `
	SET r._superseded = $load`

// stagedSupersedeProductEdgesCypher marks the CONTAINS, CLAIMS and SUITS edges of changed
// products as superseded by the load (as stagedSupersedeReviewsCypher does for reviews).
var stagedSupersedeProductEdgesCypher = stagedIDs + `
	UNWIND $ids AS id
	MATCH (p:Product {id: id})-[r:CONTAINS|CLAIMS|SUITS]->()
	WHERE r._superseded IS NULL AND ` + visibleR + `
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
func hasParams(rows []reviewRow) []map[string]any {
	type attrs struct{ types, tones, concerns map[string]bool }
	byReviewer := map[string]*attrs{}
	var order []string
	for _, r := range rows {
		id := r.Reviewer
		a := byReviewer[id]
		if a == nil {
			a = &attrs{map[string]bool{}, map[string]bool{}, map[string]bool{}}
			byReviewer[id] = a
			order = append(order, id)
		}
		if r.SkinType != "" {
			a.types[r.SkinType] = true
		}
		if r.SkinTone != "" {
			a.tones[r.SkinTone] = true
		}
		for _, c := range r.Concerns {
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
