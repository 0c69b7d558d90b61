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
	// Staging tunes staged loads (staging.go); the zero value takes the defaults.
	Staging StagingOptions
}

// Store reads and writes the skingraph model in Neo4j. It is safe for concurrent use.
type Store struct {
	driver   neo4j.DriverWithContext
	database string
	migrated atomic.Bool
	// vault seals and opens personal data (privacy.go); nil until SetVault.
	vault   *graph.Vault
	breaker *gobreaker.CircuitBreaker[struct{}]
	// staging: when loads are staged and for how long their lease holds (staging.go).
	staging StagingOptions
	// spillAfter: how many changed records a staged load holds in memory (staging_spill.go); 0
	// means spillAfter. spillStats, when set, is told at each staged commit the most changed
	// records held in memory at once and how many there were (tests).
	spillAfter int
	spillStats func(peakHeld, changed int)
	// explorerSlots holds one token per analyst query running (Explore); exploreHome is the
	// database the explorer reads, once known.
	explorerSlots chan struct{}
	exploreHome   atomic.Pointer[string]
	// bookmarks holds the bookmarks of the last transactions this Store ran. Every session and
	// query of the Store passes them on, so a read routed to a cluster's secondary (or an Aura
	// read replica) waits until that server has applied this Store's last write: read your own
	// writes. On a single server the bookmarks are always already applied and cost nothing.
	bookmarks neo4j.BookmarkManager
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
		return nil, fmt.Errorf("cypher: open %s: %w", cfg.URI, translate(err))
	}
	if cfg.ExplorerConcurrency <= 0 {
		cfg.ExplorerConcurrency = DefaultExplorerConcurrency
	}
	s := &Store{driver: driver, database: cfg.Database, breaker: newBreaker(cfg.Breaker, cfg.OnBreakerChange), staging: cfg.Staging,
		explorerSlots: make(chan struct{}, cfg.ExplorerConcurrency), bookmarks: neo4j.NewBookmarkManager(neo4j.BookmarkManagerConfig{})}
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

// session opens a session on s's database in the given access mode (AccessModeRead: routable
// to a secondary; AccessModeWrite: to the leader) that carries s's bookmarks. fetchSize 0 lets
// the driver choose.
func (s *Store) session(ctx context.Context, mode neo4j.AccessMode, fetchSize int) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: mode, DatabaseName: s.database, FetchSize: fetchSize,
		BookmarkManager: s.bookmarks})
}

// read runs one query in a read transaction and returns its records.
func (s *Store) read(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	return s.execute(ctx, neo4j.ExecuteQueryWithReadersRouting(), query, params)
}

// write runs one query in a write transaction of its own.
func (s *Store) write(ctx context.Context, query string, params map[string]any) ([]*neo4j.Record, error) {
	return s.execute(ctx, neo4j.ExecuteQueryWithWritersRouting(), query, params)
}

// execute runs one query in a transaction of its own, routed to readers or writers, behind
// the breaker and with the store's bookmarks.
func (s *Store) execute(ctx context.Context, routing neo4j.ExecuteQueryConfigurationOption, query string, params map[string]any) ([]*neo4j.Record, error) {
	var records []*neo4j.Record
	err := s.guard(func() error {
		res, err := neo4j.ExecuteQuery(ctx, s.driver, query, params, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(s.database), routing, neo4j.ExecuteQueryWithBookmarkManager(s.bookmarks))
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
		sess := s.session(ctx, neo4j.AccessModeWrite, neo4j.FetchDefault)
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
		sess := s.session(ctx, neo4j.AccessModeWrite, neo4j.FetchDefault)
		defer sess.Close(context.WithoutCancel(ctx))
		res, err := sess.Run(ctx, query, params)
		if err != nil {
			return translate(err)
		}
		_, err = res.Consume(ctx)
		return translate(err)
	})
}
