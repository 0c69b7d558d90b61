package staging

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

const (
	// DefaultThreshold is the default number of products plus reviews above which a load is
	// written in stages. One transaction must stay below Neo4j's per-transaction memory limit
	// (256m by default, docs/SECURITY.md): a single-transaction load of 8,000 synthetic
	// products and 8,000 reviews peaked at 446 MiB, and one of 50,000 rows (the old
	// threshold) ran out of the whole 637 MiB pool of a 1 GiB heap even without that limit.
	DefaultThreshold = 2_500
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
	// than the one-transaction load's batches of 1,000, as a staged transaction holds its
	// chunk anyway.
	stagedBatch = 5000
	// staleAfter is how long a staging load of an older build (a marker without `expires`)
	// may go without a heartbeat before it is rolled back.
	staleAfter = 10 * time.Minute
	// DefaultLease is how long a staged load stays alive without a heartbeat: its process
	// renews it every quarter of it, and Recover rolls back a load whose lease has expired.
	DefaultLease = time.Minute
	// batchSize is how many rows one UNWIND statement of the final transaction carries.
	batchSize = 1000
)

// Options tune the staged loads (cypher.Config.Staging); zero fields take the defaults.
type Options struct {
	// Threshold: loads of more products plus reviews than this are staged; default
	// DefaultThreshold. Tests set 1 to stage small loads.
	Threshold int
	// Lease: how long a staged load stays alive without a heartbeat; default DefaultLease.
	// Tests use short leases so that a killed writer is found dead quickly.
	Lease time.Duration
	// SpillAfter: how many changed products a staged load holds in memory before it moves
	// them to a temporary file; default spillAfter (10,000).
	SpillAfter int
	// OnCommit, when set, is told at each commit the most changed products the load held in
	// memory at once and how many there were (tests of the spill).
	OnCommit func(peakHeld, changed int)
}

// Store is what staged loads need of the store they write into, the writes they share with
// the one-transaction load; package cypher's Store provides it. Each method runs in the
// given transaction or opens its own, as its signature says.
type Store interface {
	// RefreshOutcomes recomputes the outcome aggregates of the products ids, a chunk per
	// transaction, counting the reviews of the staged load asLoad ("": none) and of no other
	// staged load under way.
	RefreshOutcomes(ctx context.Context, ids []string, asLoad string) error
	// WriteIngredients writes knowledge-base ingredients and their conflicts in tx, as the
	// final transaction of the staged load loadID, and counts them.
	WriteIngredients(ctx context.Context, tx neo4j.ManagedTransaction, ings []graph.Ingredient, loadID string) (graph.Counts, error)
	// RecordLoad writes the Source node of a committed load and bumps the data version in tx,
	// recording what the load changed: its ingredients (and the other ends of their
	// conflicts) and ch.
	RecordLoad(ctx context.Context, tx neo4j.ManagedTransaction, load graph.Load, counts map[string]graph.Counts, ch graph.Change) (graph.DataVersion, error)
	// DataVersion returns the current data version.
	DataVersion(ctx context.Context) (graph.DataVersion, error)
}

// Loads writes the staged loads of one store. It is safe for concurrent use; each staged
// load (Load) is not.
type Loads struct {
	db    *txn.DB
	store Store
	opts  Options
}

// New returns the staged loads of store, whose statements run on db.
func New(db *txn.DB, store Store, opts Options) *Loads {
	return &Loads{db: db, store: store, opts: opts}
}

// Options are the options l was made with.
func (l *Loads) Options() Options { return l.opts }

// Threshold is the number of products plus reviews above which loads are staged.
func (l *Loads) Threshold() int {
	if l.opts.Threshold <= 0 {
		return DefaultThreshold
	}
	return l.opts.Threshold
}

// Staged reports whether load is to be written in stages: it has more rows than Threshold,
// or (with the default options) its products' INCI lists would make one transaction hold
// too much.
func (l *Loads) Staged(load graph.Load) bool {
	if len(load.Products)+len(load.Reviews) > l.Threshold() {
		return true
	}
	return l.opts.Threshold <= 0 && loadCost(load.Products, len(load.Reviews)) > stagedCostThreshold
}

func (l *Loads) lease() time.Duration {
	if l.opts.Lease <= 0 {
		return DefaultLease
	}
	return l.opts.Lease
}

// Write writes load in stages and commits it, reporting the rows written so far (products
// and reviews) to progress, when it is not nil, after each chunk. On any error the load is
// rolled back.
func (l *Loads) Write(ctx context.Context, load graph.Load, progress func(done int)) (graph.LoadResult, error) {
	products, reviews := load.Products, load.Reviews
	load.Products, load.Reviews = nil, nil
	st, err := l.begin(ctx, load)
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
	for _, part := range rows.Chunks(reviews, stagedChunk) {
		if err := st.WriteReviews(ctx, part); err != nil {
			return graph.LoadResult{}, errors.Join(err, st.Abort(ctx))
		}
	}
	return st.Commit(ctx)
}

// Begin starts a staged load (step 1) whose products and reviews the caller then hands
// over in chunks, so that a load larger than memory can be streamed: load carries the id,
// source, kind, time and the ingredients (written by Commit); its Products and Reviews, when
// any, are written first. Every product chunk must come before the review chunks that refer
// to its products. The returned load is not safe for concurrent use.
func (l *Loads) Begin(ctx context.Context, load graph.Load) (*Load, error) {
	products, reviews := load.Products, load.Reviews
	load.Products, load.Reviews = nil, nil
	st, err := l.begin(ctx, load)
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

var _ graph.StagedLoad = (*Load)(nil)

// Load is a staged load under way: what its chunks found, for the final transaction.
type Load struct {
	l        *Loads
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

// beginCypher creates the marker of a staged load, unless one with its id exists.
const beginCypher = `
	OPTIONAL MATCH (old:StagedLoad {id: $id})
	WITH old WHERE old IS NULL
	CREATE (s:StagedLoad {id: $id})
	SET s.kind = $kind, s.owner = $owner, s.started = datetime(), s.heartbeat = datetime(),
	    s.expires = datetime() + duration({milliseconds: $lease})
	RETURN true AS created`

func (l *Loads) begin(ctx context.Context, load graph.Load) (*Load, error) {
	if load.At.IsZero() {
		load.At = time.Now().UTC()
	}
	if _, err := l.Recover(ctx); err != nil {
		return nil, err
	}
	owner, _ := os.Hostname()
	owner = fmt.Sprintf("%s/%d", owner, os.Getpid())
	recs, err := l.db.Write(ctx, beginCypher,
		map[string]any{"id": load.ID, "kind": load.Kind, "owner": owner, "lease": l.lease().Milliseconds()})
	if err != nil {
		return nil, fmt.Errorf("cypher: staged load %s: start: %w", load.ID, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("cypher: staged load %s: %w: a staged load with this id is under way or being rolled back; "+
			"a dead one is rolled back once its lease has expired", load.ID, graph.ErrConflict)
	}
	st := &Load{l: l, load: load, touched: map[string]bool{},
		changedProducts: newSpill[graph.Product](l.opts.SpillAfter, "")}
	st.stopBeat = l.keepAlive(ctx, load.ID)
	return st, nil
}

// keepAlive renews the lease of a staged load every quarter of the lease until the returned
// function is called (it waits for the heartbeat to stop). A failed renewal is retried at
// the next tick: the load's own chunks fail on the same cause.
func (l *Loads) keepAlive(ctx context.Context, loadID string) func() {
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(l.lease() / 4)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_ = l.db.InWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
					return heartbeat(ctx, tx, loadID, l.lease())
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

func (st *Load) advance(n int) {
	st.done += n
	if st.progress != nil {
		st.progress(st.done)
	}
}

// Abort rolls the load back: everything its chunks wrote is deleted. It runs even when ctx
// is cancelled; aborting a finished load does nothing.
func (st *Load) Abort(ctx context.Context) error {
	if st.finished {
		return nil
	}
	st.finished = true
	st.stopBeat()
	st.closeSpills()
	rbCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Minute)
	defer cancel()
	if _, _, err := st.l.rollback(rbCtx, st.load.ID); err != nil {
		return fmt.Errorf("cypher: staged load %s: rollback: %w (a recovery retries it once its lease expires)", st.load.ID, err)
	}
	return nil
}

// errTakenOver is returned when a staged load's marker is gone or being rolled back: its
// lease expired (the writer was paused longer than the lease) and another process rolled it
// back. The writer's transaction then fails, so that nothing of it lands outside the load.
var errTakenOver = errors.New("the load was rolled back by a recovery while it ran (its lease had expired)")

// heartbeat renews the lease of a staged load (see the package comment) and fails with
// errTakenOver when the load is no longer alive. Its write takes the marker's lock, which the
// rollback's first step takes too: a chunk commits either before a rollback starts (and is
// deleted by it) or not at all.
func heartbeat(ctx context.Context, tx neo4j.ManagedTransaction, loadID string, lease time.Duration) error {
	recs, err := txn.Run(ctx, tx, heartbeatCypher, map[string]any{"id": loadID, "lease": lease.Milliseconds()})
	if err != nil {
		return err
	}
	if len(recs) != 1 {
		return fmt.Errorf("staged load %s: %w", loadID, errTakenOver)
	}
	if alive, _, err := neo4j.GetRecordValue[bool](recs[0], "alive"); err != nil || !alive {
		return fmt.Errorf("staged load %s: %w", loadID, errTakenOver)
	}
	return nil
}

// heartbeatCypher renews the lease of the staged load $id and says whether it is alive.
const heartbeatCypher = `
	OPTIONAL MATCH (s:StagedLoad {id: $id})
	WITH s, s IS NOT NULL AND NOT coalesce(s.rolling_back, false) AS alive
	FOREACH (_ IN CASE WHEN alive THEN [1] ELSE [] END |
		SET s.heartbeat = datetime(), s.expires = datetime() + duration({milliseconds: $lease}))
	RETURN alive`
