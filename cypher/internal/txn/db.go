package txn

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// DB runs statements on one Neo4j database: every session and query carries Bookmarks (read
// your own writes on a cluster) and goes through Guard (the store's circuit breaker).
type DB struct {
	Driver neo4j.DriverWithContext
	// Database is the database to use; "" is the server's default database.
	Database string
	// Bookmarks are passed on by every session and query; nil passes none.
	Bookmarks neo4j.BookmarkManager
	// Guard runs one call to Neo4j (the circuit breaker); nil runs it as it is.
	Guard func(fn func() error) error
}

func (db *DB) guard(fn func() error) error {
	if db.Guard == nil {
		return fn()
	}
	return db.Guard(fn)
}

// Session opens a session on db's database in the given access mode (AccessModeRead:
// routable to a secondary; AccessModeWrite: to the leader) that carries db's bookmarks.
// fetchSize 0 lets the driver choose. The caller closes it.
func (db *DB) Session(ctx context.Context, mode neo4j.AccessMode, fetchSize int) neo4j.SessionWithContext {
	return db.Driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: mode, DatabaseName: db.Database, FetchSize: fetchSize,
		BookmarkManager: db.Bookmarks})
}

// Read runs one query in a read transaction and returns its records.
func (db *DB) Read(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	return db.execute(ctx, neo4j.ExecuteQueryWithReadersRouting(), query, params)
}

// Write runs one query in a write transaction of its own.
func (db *DB) Write(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	return db.execute(ctx, neo4j.ExecuteQueryWithWritersRouting(), query, params)
}

// execute runs one query in a transaction of its own, routed to readers or writers, behind
// the guard and with db's bookmarks.
func (db *DB) execute(ctx context.Context, routing neo4j.ExecuteQueryConfigurationOption, query string, params map[string]any) ([]*neo4j.Record, error) {
	var records []*neo4j.Record
	err := db.guard(func() error {
		res, err := neo4j.ExecuteQuery(ctx, db.Driver, query, params, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(db.Database), routing, neo4j.ExecuteQueryWithBookmarkManager(db.Bookmarks))
		if err != nil {
			return Translate(err)
		}
		records = res.Records
		return nil
	})
	return records, err
}

// InWriteTx runs fn in one write transaction: everything fn does commits together or not at
// all. The driver may run fn again after a transient failure.
func (db *DB) InWriteTx(ctx context.Context, fn func(tx neo4j.ManagedTransaction) error) error {
	return db.guard(func() error {
		sess := db.Session(ctx, neo4j.AccessModeWrite, neo4j.FetchDefault)
		defer sess.Close(context.WithoutCancel(ctx))
		_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			return nil, fn(tx)
		})
		return Translate(err)
	})
}

// InReadTx runs fn in one read transaction.
func (db *DB) InReadTx(ctx context.Context, fn func(tx neo4j.ManagedTransaction) error) error {
	return db.guard(func() error {
		sess := db.Session(ctx, neo4j.AccessModeRead, neo4j.FetchDefault)
		defer sess.Close(context.WithoutCancel(ctx))
		_, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			return nil, fn(tx)
		})
		return Translate(err)
	})
}

// Autocommit runs one query in an implicit transaction, as CALL ... IN TRANSACTIONS requires.
func (db *DB) Autocommit(ctx context.Context, query string, params map[string]any) error {
	_, err := db.AutocommitCounters(ctx, query, params)
	return err
}

// AutocommitCounters is Autocommit that returns what the query changed.
func (db *DB) AutocommitCounters(ctx context.Context, query string, params map[string]any) (neo4j.Counters, error) {
	var counters neo4j.Counters
	err := db.guard(func() error {
		sess := db.Session(ctx, neo4j.AccessModeWrite, neo4j.FetchDefault)
		defer sess.Close(context.WithoutCancel(ctx))
		res, err := sess.Run(ctx, query, params)
		if err != nil {
			return Translate(err)
		}
		sum, err := res.Consume(ctx)
		if err != nil {
			return Translate(err)
		}
		counters = sum.Counters()
		return nil
	})
	return counters, err
}

// Run executes one query inside a managed transaction and collects its records.
func Run(ctx context.Context, tx neo4j.ManagedTransaction, query string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := tx.Run(ctx, query, params)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}
