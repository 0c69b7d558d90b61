package cypher

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
	"github.com/sony/gobreaker/v2"

	"github.com/skingraph/skingraph/graph"
)

// Config says how to reach Neo4j.
type Config struct {
	URI      string // bolt://, neo4j://, neo4j+s:// ...
	Username string
	Password string
	Database string // "" = the server's default database
	// MaxPoolSize bounds the connections to Neo4j; default 50.
	MaxPoolSize int
	// ConnectTimeout bounds how long Open keeps retrying before it gives up; default 30 s.
	ConnectTimeout time.Duration
	// Breaker tunes the circuit breaker around every call (zero values take the defaults).
	Breaker BreakerConfig
	// OnBreakerChange, when set, is told each change of the circuit's state (for logs).
	OnBreakerChange func(from, to BreakerState)
	// ExplorerConcurrency bounds the analyst queries (Explore) running at once; default
	// DefaultExplorerConcurrency.
	ExplorerConcurrency int
}

// Store reads and writes the skingraph model in Neo4j. It is safe for concurrent use.
type Store struct {
	driver   neo4j.DriverWithContext
	database string
	migrated atomic.Bool
	// vault seals and opens personal data (privacy.go); nil until SetVault.
	vault   *graph.Vault
	breaker *gobreaker.CircuitBreaker[struct{}]
	// stagedThreshold: loads of more products and reviews are staged (staged.go); 0 means
	// StagedThreshold.
	stagedThreshold int
	// stagedLease: how long a staged load this store writes stays alive without a
	// heartbeat; 0 means DefaultStagedLease.
	stagedLease time.Duration
	// spillAfter: how many changed records a staged load holds in memory (spill.go); 0
	// means spillAfter. spillStats, when set, is told at each staged commit the most changed
	// records held in memory at once and how many there were (tests).
	spillAfter int
	spillStats func(peakHeld, changed int)
	// explorerSlots holds one token per analyst query running (Explore); exploreHome is the
	// database the explorer reads, once known.
	explorerSlots chan struct{}
	exploreHome   atomic.Pointer[string]
}

// Open connects to Neo4j and waits (bounded by ConnectTimeout) until it answers.
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URI == "" {
		return nil, fmt.Errorf("cypher: open: no Neo4j URI configured")
	}
	if cfg.MaxPoolSize <= 0 {
		cfg.MaxPoolSize = 50
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	auth := neo4j.NoAuth()
	if cfg.Username != "" {
		auth = neo4j.BasicAuth(cfg.Username, cfg.Password, "")
	}
	driver, err := neo4j.NewDriverWithContext(cfg.URI, auth, func(c *config.Config) {
		c.MaxConnectionPoolSize = cfg.MaxPoolSize
		c.ConnectionAcquisitionTimeout = 5 * time.Second
		c.SocketConnectTimeout = 5 * time.Second
		c.MaxTransactionRetryTime = 5 * time.Second // then the error counts toward the circuit breaker
	})
	if err != nil {
		return nil, fmt.Errorf("cypher: open %s: %w", cfg.URI, translate(err))
	}
	if cfg.ExplorerConcurrency <= 0 {
		cfg.ExplorerConcurrency = DefaultExplorerConcurrency
	}
	s := &Store{driver: driver, database: cfg.Database, breaker: newBreaker(cfg.Breaker, cfg.OnBreakerChange),
		explorerSlots: make(chan struct{}, cfg.ExplorerConcurrency)}
	deadline := time.Now().Add(cfg.ConnectTimeout)
	for {
		err = driver.VerifyConnectivity(ctx)
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) || isAuthError(err) {
			driver.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("cypher: connect to %s: %w", cfg.URI, translate(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Close releases the connections.
func (s *Store) Close(ctx context.Context) error {
	if err := s.driver.Close(ctx); err != nil {
		return fmt.Errorf("cypher: close: %w", err)
	}
	return nil
}

// Ping checks that Neo4j answers a query.
func (s *Store) Ping(ctx context.Context) error {
	if _, err := s.read(ctx, "RETURN 1", nil); err != nil {
		return fmt.Errorf("cypher: ping: %w", err)
	}
	return nil
}

// read runs one query in a read transaction and returns its records.
func (s *Store) read(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	var records []*neo4j.Record
	err := s.guard(func() error {
		res, err := neo4j.ExecuteQuery(ctx, s.driver, query, params, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithReadersRouting())
		if err != nil {
			return translate(err)
		}
		records = res.Records
		return nil
	})
	return records, err
}

// write runs one query in a write transaction of its own.
func (s *Store) write(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	var records []*neo4j.Record
	err := s.guard(func() error {
		res, err := neo4j.ExecuteQuery(ctx, s.driver, query, params, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.database), neo4j.ExecuteQueryWithWritersRouting())
		if err != nil {
			return translate(err)
		}
		records = res.Records
		return nil
	})
	return records, err
}

// inWriteTx runs fn in one write transaction: everything fn does commits together or not at all.
func (s *Store) inWriteTx(ctx context.Context, fn func(tx neo4j.ManagedTransaction) error) error {
	return s.guard(func() error {
		sess := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.database})
		defer sess.Close(context.WithoutCancel(ctx))
		_, err := sess.ExecuteWrite(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			return nil, fn(tx)
		})
		return translate(err)
	})
}

// run executes one query inside a managed transaction and collects its records.
func run(ctx context.Context, tx neo4j.ManagedTransaction, query string, params map[string]any) ([]*neo4j.Record, error) {
	res, err := tx.Run(ctx, query, params)
	if err != nil {
		return nil, err
	}
	return res.Collect(ctx)
}

// autocommit runs one query in an implicit transaction, as CALL ... IN TRANSACTIONS requires.
func (s *Store) autocommit(ctx context.Context, query string, params map[string]any) error {
	return s.guard(func() error {
		sess := s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeWrite, DatabaseName: s.database})
		defer sess.Close(context.WithoutCancel(ctx))
		res, err := sess.Run(ctx, query, params)
		if err != nil {
			return translate(err)
		}
		_, err = res.Consume(ctx)
		return translate(err)
	})
}
