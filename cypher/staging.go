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

	"github.com/skingraph/skingraph/graph"
)

// Staged loads, one unit of files: staging.go (the protocol, options, begin, lease, abort),
// staging_products.go and staging_reviews.go (the chunks), staging_commit.go (outcomes and the
// final transaction), staging_recover.go (rolling back dead loads), staging_spill.go (changed
// records beyond memory). What readers may see of a load under way: visibility.go.
//
// One transaction holding a million reviews needs more memory than a modest
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
	// stagedProductCost bounds one staged products transaction by its loadCost too: Sephora's
	// products, with 30 to 60 ingredients each, hold about 105 KiB of transaction memory
	// apiece (a chunk of its 2,420 skincare products ran into the 256 MiB limit), about
	// 2.6 KiB per CONTAINS edge; 20,000 cost units are about 55 MiB.
	stagedProductCost = 20_000
	// stagedCostThreshold: a load whose loadCost is above it is staged even when it has fewer
	// rows than the row threshold (default options only), so that no single transaction of
	// ours nears Neo4j's per-transaction limit whatever the products' INCI lists.
	stagedCostThreshold = 25_000
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
	small := len(load.Products)+len(load.Reviews) <= s.StagedThreshold()
	if s.staging.Threshold <= 0 && loadCost(load.Products, len(load.Reviews)) > stagedCostThreshold {
		small = false // few rows, but long INCI lists: one transaction would hold too much
	}
	if small {
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
	for _, part := range productChunks(products) {
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

// loadCost is the size of products and reviews as a transaction's memory sees it: a product
// counts once plus once per ingredient on its label (its CONTAINS edges are most of what it
// holds), a review once.
func loadCost(products []graph.Product, reviews int) int {
	cost := reviews
	for _, p := range products {
		cost += 1 + len(p.Ingredients)
	}
	return cost
}

// productChunks splits products into chunks of at most stagedProductChunk products and at
// most stagedProductCost cost units (a product costlier alone is a chunk of its own).
func productChunks(products []graph.Product) [][]graph.Product {
	var out [][]graph.Product
	start, cost := 0, 0
	for i, p := range products {
		c := 1 + len(p.Ingredients)
		if i > start && (i-start == stagedProductChunk || cost+c > stagedProductCost) {
			out = append(out, products[start:i])
			start, cost = i, 0
		}
		cost += c
	}
	if start < len(products) {
		out = append(out, products[start:])
	}
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
