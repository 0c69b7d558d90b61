package cypher

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/config"
	"github.com/sony/gobreaker/v2"

	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/staging"
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
	// Staging tunes staged loads (package staging); the zero value takes the defaults.
	Staging StagingOptions
}

// Store reads and writes the skingraph model in Neo4j. It is safe for concurrent use.
type Store struct {
	// db runs the store's statements: its driver, database, bookmarks and breaker (txn.DB).
	// Its Bookmarks are those of the last transactions this Store ran. Every session and
	// query of the Store passes them on, so a read routed to a cluster's secondary (or an Aura
	// read replica) waits until that server has applied this Store's last write: read your own
	// writes. On a single server the bookmarks are always already applied and cost nothing.
	db       *txn.DB
	migrated atomic.Bool
	// vault seals and opens personal data (privacy.go); nil until SetVault.
	vault   *graph.Vault
	breaker *gobreaker.CircuitBreaker[struct{}]
	// staged writes the staged loads (package staging).
	staged *staging.Loads
	// explorerSlots holds one token per analyst query running (Explore); exploreHome is the
	// database the explorer reads, once known.
	explorerSlots chan struct{}
	exploreHome   atomic.Pointer[string]
}

// URISchemes are the URI schemes Open accepts: bolt:// reaches one server directly;
// neo4j:// asks the server for a routing table and sends reads to a cluster's secondaries (or
// Aura's read replicas) and writes to the leader. "+s" adds TLS with a verified certificate,
// "+ssc" TLS with any certificate (self-signed).
var URISchemes = []string{"bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc"}

// CheckURI says what is wrong with uri as a Neo4j URI, or nil.
func CheckURI(uri string) error {
	u, err := url.Parse(uri)
	if err != nil {
		return fmt.Errorf("neo4j URI %q: %w", uri, err)
	}
	if !slices.Contains(URISchemes, u.Scheme) {
		return fmt.Errorf("neo4j URI %q: scheme %q: want one of %s", uri, u.Scheme, strings.Join(URISchemes, ", "))
	}
	if u.Host == "" {
		return fmt.Errorf("neo4j URI %q: no host, e.g. %s://host:7687", uri, u.Scheme)
	}
	return nil
}

// Open connects to Neo4j and waits (bounded by ConnectTimeout) until it answers. cfg.URI is
// bolt://, neo4j:// or one of their TLS variants (URISchemes).
func Open(ctx context.Context, cfg Config) (*Store, error) {
	if cfg.URI == "" {
		return nil, fmt.Errorf("cypher: open: no Neo4j URI configured")
	}
	if err := CheckURI(cfg.URI); err != nil {
		return nil, fmt.Errorf("cypher: open: %w", err)
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
		return nil, fmt.Errorf("cypher: open %s: %w", cfg.URI, txn.Translate(err))
	}
	if cfg.ExplorerConcurrency <= 0 {
		cfg.ExplorerConcurrency = DefaultExplorerConcurrency
	}
	s := &Store{breaker: newBreaker(cfg.Breaker, cfg.OnBreakerChange),
		explorerSlots: make(chan struct{}, cfg.ExplorerConcurrency)}
	s.db = &txn.DB{Driver: driver, Database: cfg.Database, Guard: s.guard,
		Bookmarks: neo4j.NewBookmarkManager(neo4j.BookmarkManagerConfig{})}
	s.staged = staging.New(s.db, stagingStore{s}, cfg.Staging)
	deadline := time.Now().Add(cfg.ConnectTimeout)
	for {
		err = driver.VerifyConnectivity(ctx)
		if err == nil {
			return s, nil
		}
		if ctx.Err() != nil || time.Now().After(deadline) || txn.IsAuthError(err) {
			driver.Close(context.WithoutCancel(ctx))
			return nil, fmt.Errorf("cypher: connect to %s: %w", cfg.URI, txn.Translate(err))
		}
		select {
		case <-ctx.Done():
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// Close releases the connections.
func (s *Store) Close(ctx context.Context) error {
	if err := s.db.Driver.Close(ctx); err != nil {
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

// The store's own statements run through s.db (package txn, shared with the staged loads):
// these name what each does.

func (s *Store) session(ctx context.Context, mode neo4j.AccessMode, fetchSize int) neo4j.SessionWithContext {
	return s.db.Session(ctx, mode, fetchSize)
}

// read runs one query in a read transaction and returns its records.
func (s *Store) read(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	return s.db.Read(ctx, query, params)
}

// write runs one query in a write transaction of its own.
func (s *Store) write(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	return s.db.Write(ctx, query, params)
}

// inWriteTx runs fn in one write transaction: everything fn does commits together or not at all.
func (s *Store) inWriteTx(ctx context.Context, fn func(tx neo4j.ManagedTransaction) error) error {
	return s.db.InWriteTx(ctx, fn)
}

// readTx runs fn in one read transaction.
func (s *Store) readTx(ctx context.Context, fn func(tx neo4j.ManagedTransaction) error) error {
	return s.db.InReadTx(ctx, fn)
}

// autocommit runs one query in an implicit transaction, as CALL ... IN TRANSACTIONS requires.
func (s *Store) autocommit(ctx context.Context, query string, params map[string]any) error {
	return s.db.Autocommit(ctx, query, params)
}
