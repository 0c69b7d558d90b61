package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sort"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api"
	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/feedback"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/ranker"
	"github.com/skingraph/skingraph/testcontainers"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// Env is what run needs from the process: the environment and where to write. Ready, when
// set, is called with the HTTP address once the API accepts connections (tests listen on
// port 0).
type Env struct {
	Getenv func(string) string
	Stdout io.Writer
	Stderr io.Writer
	Ready  func(httpAddr string)
	// Reload, when it receives, makes a serving process read its keys file again (main sends
	// on SIGHUP).
	Reload <-chan struct{}
}

const usage = `usage: skingraph <command> [flags]

commands:
  up        start a local Neo4j (unless SKINGRAPH_NEO4J_URI is set), migrate the schema,
            load the demo data when the graph is empty, and serve the API
  serve     migrate the schema and serve the API against SKINGRAPH_NEO4J_URI
  load demo load the bundled ingredient knowledge base and demo catalogue (idempotent)
  load dir DIR
            load a folder of the project's own formats (as 'gen' writes it; idempotent)
  load dir --bulk DIR
            the first load of a large folder into an empty local store, with neo4j-admin's
            offline importer: the same graph as 'load dir', for a fraction of the Neo4j CPU
  load cosmetics FILE
            load cosmetics.csv (skin-type suitability flags become SUITS edges; idempotent)
  load cosing FILE
            enrich the graph's ingredients with CosIng functions (creates no node; idempotent)
  load sephora --products product_info.csv --reviews reviews.csv [--reviews ...] [--all-categories]
            load the public Sephora data set with the knowledge base (idempotent)
  load efficacy FILE [--dry-run]
            load merchandisers' efficacy claims (CSV, JSON or JSON Lines; all or nothing)
  export DIR
            write a consistent snapshot of the whole graph into DIR (new or empty):
            the project's JSON Lines formats, extended, and manifest.json with SHA-256s
  import DIR
            restore a snapshot made by export into an empty graph (all or nothing)
  keys new --role app|merchandiser|analyst|admin --name NAME
            make an API key: prints the key once and the hashed line for SKINGRAPH_API_KEYS_FILE
  eval --products product_info.csv --train reviews.csv... --test reviews.csv... [--tune] [--json OUT]
  eval --products product_info.csv --reviews reviews.csv --split-date 2023-02-01 [--tune] [--json OUT]
            offline evaluation on held-out reviews against baselines (docs/EVALUATION.md)
  bench [--url URL] [--mode cached|uncached] [--workers N] [--duration D] [--rate R] [--json F]
            HTTP load generator: p50/p99/p99.9 latency and throughput of recommendations
  gen --products N --reviews M [--seed S] --out DIR
            write a synthetic catalogue and reviews shaped like the Sephora data
  neo4j     start a local Neo4j and print its URI and credentials until interrupted
  version   print the version

Configuration comes from SKINGRAPH_* environment variables; run 'skingraph <command> -h'
for the flags of a command.`

// run is the whole program; main only adds signals and the exit code.
func run(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, usage)
		return errors.New("no command given")
	}
	cmd, args := args[0], args[1:]
	fs := flag.NewFlagSet("skingraph "+cmd, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg, err := loadConfig(env.Getenv, fs)
	if err != nil {
		return err
	}
	switch cmd {
	case "version":
		fmt.Fprintln(env.Stdout, "skingraph", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprintln(env.Stdout, usage)
		return nil
	case "keys":
		return keysCommand(args, env.Stdout, env.Stderr)
	case "bench":
		return benchCommand(ctx, args, env.Stdout, env.Stderr)
	case "gen":
		return genCommand(ctx, args, newLogger(cfg, env.Stderr), env.Stdout, env.Stderr)
	case "up", "serve", "load", "neo4j", "eval", "export", "import":
	default:
		fmt.Fprintln(env.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	var evalOpts evalOptions
	if cmd == "eval" {
		evalOpts.bind(fs)
		fs.Usage = func() { fmt.Fprintln(fs.Output(), evalUsage); fs.PrintDefaults() }
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := cfg.validate(); err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log := newLogger(cfg, env.Stderr)
	switch cmd {
	case "up":
		return up(ctx, cfg, log, env)
	case "serve":
		if cfg.Neo4jURI == "" {
			return errors.New("serve needs SKINGRAPH_NEO4J_URI (or use 'skingraph up' to start a local Neo4j)")
		}
		return withRecoveredStore(ctx, cfg, log, env, false, func(store *cypher.Store) error {
			return serve(ctx, cfg, log, env, store)
		})
	case "load":
		if fs.NArg() > 0 && fs.Arg(0) == "dir" {
			dir, bulk, ok, err := loadDirBulkArgs(fs.Args()[1:], env.Stdout)
			if bulk {
				if !ok {
					return err
				}
				return loadDirBulk(ctx, cfg, log, env, dir)
			}
		}
		load, err := loadCommand(cfg, log, env, fs.Args())
		if err != nil || load == nil {
			return err
		}
		return withRecoveredStore(ctx, cfg, log, env, true, func(store *cypher.Store) error { return load(ctx, store) })
	case "export", "import":
		if fs.NArg() != 1 {
			return fmt.Errorf("usage: skingraph %s DIR (got %q)", cmd, fs.Args())
		}
		if cmd == "export" {
			return withStore(ctx, cfg, log, env, func(store *cypher.Store) error {
				return exportCommand(ctx, store, fs.Arg(0), log, env.Stdout)
			})
		}
		return withRecoveredStore(ctx, cfg, log, env, true, func(store *cypher.Store) error {
			return importCommand(ctx, store, fs.Arg(0), log, env.Stdout)
		})
	case "neo4j":
		return runNeo4j(ctx, cfg, log, env)
	case "eval":
		if cfg.Neo4jURI == "" {
			dir, cleanup, err := evalNeo4jDir()
			if err != nil {
				return err
			}
			defer cleanup()
			cfg.DataDir, cfg.KeyDir = dir, filepath.Join(dir, "keys")
		}
		return withStore(ctx, cfg, log, env, func(store *cypher.Store) error {
			return evalCommand(ctx, store, &evalOpts, fs.Args(), log, env.Stdout, env.Stderr)
		})
	}
	return nil
}

// onePathLoads are the loads that take one file or folder.
var onePathLoads = map[string]struct {
	usage, what string // what: "file" or "folder"
	run         func(ctx context.Context, store *cypher.Store, path string, log zerolog.Logger, stdout, stderr io.Writer) error
}{
	"dir": {loadDirUsage, "folder", func(ctx context.Context, s *cypher.Store, p string, l zerolog.Logger, o, e io.Writer) error {
		return loadDir(ctx, s, p, l, o, e)
	}},
	"cosmetics": {loadCosmeticsUsage, "file", func(ctx context.Context, s *cypher.Store, p string, l zerolog.Logger, o, e io.Writer) error {
		return loadCosmetics(ctx, s, p, l, o, e)
	}},
	"cosing": {loadCosIngUsage, "file", func(ctx context.Context, s *cypher.Store, p string, l zerolog.Logger, o, e io.Writer) error {
		return loadCosIng(ctx, s, p, l, o, e)
	}},
}

// loadCommand checks the arguments of `skingraph load` before any Neo4j is reached (or
// started), so that a mistyped command or -h costs nothing, and returns the load to run
// against the store; nil (with a nil error) after -h printed a usage.
func loadCommand(cfg *Config, log zerolog.Logger, env Env, args []string) (func(context.Context, *cypher.Store) error, error) {
	kind, rest := "", []string(nil)
	if len(args) > 0 {
		kind, rest = args[0], args[1:]
	}
	switch kind {
	case "demo":
		if len(rest) > 0 {
			return nil, fmt.Errorf("usage: skingraph load demo (got %q)", args)
		}
		return func(ctx context.Context, store *cypher.Store) error {
			res, err := loader.LoadDemo(ctx, store, datasets.FS, time.Now())
			if err != nil {
				return err
			}
			printLoad(env.Stdout, res)
			return nil
		}, nil
	case "efficacy":
		a, ok, err := loadEfficacyArgs(rest, env.Stdout)
		if !ok {
			return nil, err
		}
		return func(ctx context.Context, store *cypher.Store) error { return loadEfficacy(ctx, store, a, env.Stdout) }, nil
	case "dir", "cosmetics", "cosing":
		l := onePathLoads[kind]
		path, ok, err := onePathArg("skingraph load "+kind, l.usage, l.what, rest, env.Stdout)
		if !ok {
			return nil, err
		}
		return func(ctx context.Context, store *cypher.Store) error {
			return l.run(ctx, store, path, log, env.Stdout, env.Stderr)
		}, nil
	case "sephora":
		a, ok, err := loadSephoraArgs(rest, env.Stdout)
		if !ok {
			return nil, err
		}
		return func(ctx context.Context, store *cypher.Store) error {
			pseudo, err := pseudonymizer(cfg, log)
			if err != nil {
				return err
			}
			if pseudo == nil {
				return errors.New("load sephora against an existing Neo4j needs SKINGRAPH_PSEUDONYM_KEY (the key of reviewer pseudonyms)")
			}
			if err := store.UsePseudonymKey(ctx, "sephora", pseudo.Fingerprint(), demoKeyFingerprint()); err != nil {
				return err
			}
			return loadSephora(ctx, store, a, log, env.Stdout, env.Stderr, pseudo)
		}, nil
	}
	return nil, fmt.Errorf("usage: skingraph load demo | skingraph load dir DIR | skingraph load cosmetics FILE | skingraph load cosing FILE | skingraph load sephora --products FILE --reviews FILE... | skingraph load efficacy FILE [--dry-run] (got %q)", args)
}

func newLogger(cfg *Config, w io.Writer) zerolog.Logger {
	level, _ := zerolog.ParseLevel(cfg.LogLevel)
	if cfg.LogFormat == "console" {
		w = zerolog.ConsoleWriter{Out: w, TimeFormat: time.TimeOnly}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Str("service", "skingraph").Logger()
}

// up starts Neo4j if needed, loads the demo data into an empty graph and serves.
func up(ctx context.Context, cfg *Config, log zerolog.Logger, env Env) error {
	return withRecoveredStore(ctx, cfg, log, env, false, func(store *cypher.Store) error {
		stats, err := store.Stats(ctx)
		if err != nil {
			return err
		}
		if stats.Products == 0 {
			start := time.Now()
			res, err := loader.LoadDemo(ctx, store, datasets.FS, time.Now())
			if err != nil {
				return fmt.Errorf("load demo data: %w", err)
			}
			log.Info().Str("load_id", res.LoadID).Int64("data_version", res.Version.N).
				Dur("duration", time.Since(start)).Msg("graph was empty: demo data loaded")
		} else {
			log.Info().Int64("products", stats.Products).Int64("reviews", stats.Reviews).Msg("graph has data: demo load skipped")
		}
		return serve(ctx, cfg, log, env, store)
	})
}

// withStore obtains Neo4j (the configured one, or a local process), opens and migrates the
// store, runs fn, and closes everything in order.
func withStore(ctx context.Context, cfg *Config, log zerolog.Logger, env Env, fn func(*cypher.Store) error) (err error) {
	db, err := obtainNeo4j(ctx, cfg, log, env)
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		if serr := db.Stop(stopCtx); serr != nil {
			err = errors.Join(err, fmt.Errorf("stop neo4j: %w", serr))
		}
	}()
	store, err := cypher.Open(ctx, cypher.Config{
		URI: db.URI, Username: db.Username, Password: db.Password, Database: cfg.Neo4jDatabase,
		ExplorerConcurrency: cfg.ExplorerConcurrency,
		OnBreakerChange: func(from, to cypher.BreakerState) {
			ev := log.Warn()
			if to == "closed" {
				ev = log.Info()
			}
			ev.Str("from", string(from)).Str("to", string(to)).Msg("neo4j circuit breaker changed state")
		},
	})
	if err != nil {
		return err
	}
	defer store.Close(context.WithoutCancel(ctx))
	start := time.Now()
	if err := store.Migrate(ctx); err != nil {
		return err
	}
	log.Info().Dur("duration", time.Since(start)).Msg("schema migrated")
	if err := useVault(ctx, cfg, log, store); err != nil { // keys of personal data (pseudonym.go)
		return err
	}
	return fn(store)
}

// obtainNeo4j returns the configured server, or starts a local one with a persistent folder.
func obtainNeo4j(ctx context.Context, cfg *Config, log zerolog.Logger, env Env) (*testcontainers.Neo4j, error) {
	if cfg.Neo4jURI != "" {
		return &testcontainers.Neo4j{URI: cfg.Neo4jURI, Username: cfg.Neo4jUser, Password: cfg.Neo4jPassword,
			Provider: testcontainers.ProviderExisting}, nil
	}
	start := time.Now()
	pageCache, err := resolvePageCache(cfg.Neo4jPageCache, cfg.DataDir)
	if err != nil {
		return nil, err
	}
	log.Info().Str("data_dir", cfg.DataDir).Str("page_cache", pageCache).
		Msg("starting local neo4j (the first run downloads Neo4j from Maven Central)")
	db, err := testcontainers.Start(ctx, testcontainers.Options{
		Provider: testcontainers.ProviderLocal, DataDir: cfg.DataDir, Password: cfg.Neo4jPassword,
		HeapMB: cfg.Neo4jHeapMB, PageCache: pageCache, TxMemory: cfg.Neo4jTxMemory,
		JVMFlags: cfg.Neo4jJVMFlags, Settings: cfg.Neo4jSettings,
		// The JVM maps Neo4j's classes from an archive written by the first server that stopped
		// (launcher.Options.ClassDataSharing): about 3.5 s less CPU per start; off when
		// SKINGRAPH_NEO4J_JVM_FLAGS holds -Xshare:off.
		ClassDataSharing: true,
		Getenv:           func(string) string { return "" }, // the config already read the environment
	})
	if err != nil {
		return nil, err
	}
	log.Info().Str("uri", db.URI).Dur("duration", time.Since(start)).Msg("local neo4j ready")
	return db, nil
}

// serve runs the HTTP API until ctx ends, then drains it within the shutdown timeout.
func serve(ctx context.Context, cfg *Config, log zerolog.Logger, env Env, store *cypher.Store) error {
	keys, err := loadKeys(cfg.APIKeysFile)
	if err != nil {
		return err
	}
	addr, err := listenAddr(cfg.HTTPAddr, keys, log)
	if err != nil {
		return err
	}
	metrics := api.NewMetrics()
	engine, err := newEngine(ctx, timedSource{store, metrics}, log)
	if err != nil {
		return err
	}
	defer engine.Close()
	ctx, cancelEngine := context.WithCancel(ctx)
	defer cancelEngine()
	// Changes this process writes are applied at once (wrote.Notify); those of other
	// replicas are found by the poll, every RefreshInterval.
	wrote := feedback.NewSignal()
	go refreshProjection(ctx, engine, log, cfg.RefreshInterval, wrote)
	go watchStaged(ctx, store, log, cfg.StagedWatch)
	go pruneChanges(ctx, store, log, cfg.ChangeRetention)
	go verifyProjection(ctx, engine, log, cfg.VerifyEvery)
	if cfg.PprofAddr != "" {
		if err := servePprof(ctx, cfg.PprofAddr, log); err != nil {
			return fmt.Errorf("pprof on %s: %w", cfg.PprofAddr, err)
		}
	}

	fb, err := startFeedback(ctx, cfg, log, store, func(graph.DataVersion) { wrote.Notify() })
	if err != nil {
		return err
	}
	defer fb.stop(context.WithoutCancel(ctx)) // after a drain error too; normally a no-op by then
	products, err := newProductsAdapter(store)
	if err != nil {
		return err
	}
	streamsDone := make(chan struct{})
	var keySource func() *auth.Ring
	if keys != nil {
		live := newLiveKeys(cfg.APIKeysFile, keys)
		keySource = live.Current
		go live.watch(ctx, cfg.Limits.KeysWatch, env.Reload, log)
	} else if env.Reload != nil {
		go func() { // no keys file to read again: say so rather than stop
			for {
				select {
				case <-ctx.Done():
					return
				case <-env.Reload:
					log.Warn().Msg("reload asked, but no keys file is configured (SKINGRAPH_API_KEYS_FILE)")
				}
			}
		}()
	}
	shared, err := openSharedState(ctx, cfg, store, log, metrics)
	if err != nil {
		return err
	}
	defer shared.close()
	proxies, err := cfg.trustedProxies()
	if err != nil {
		return err
	}
	lim := cfg.Limits
	handler := api.New(api.Deps{Updates: engine, Stop: streamsDone, Catalogue: store, Health: store, Recommender: engine, Explorer: explorer{store},
		EfficacyLoader: efficacyAdapter{store}, ProductLoader: products, Log: log, Version: version, Keys: keys, Metrics: metrics,
		KeySource: keySource, LocalOnly: keys == nil,
		Idempotency: shared.idempotency, Limiter: shared.limiter, TrustedProxies: proxies, // replicas behind a load balancer
		Events: fb.events, Profiles: fb.profiles, Rules: store, Experiments: store, MaxPerBrand: cfg.MaxPerBrand,
		Shedding: api.Shedding{MaxInFlight: cfg.MaxInFlight, QueueWait: cfg.QueueWait, KeyShare: lim.KeyShare},
		Bodies:   api.Bodies{Timeout: lim.BodyTimeout, PerKey: lim.BodiesPerKey, Memory: int64(lim.BodyMemoryMB) << 20},
		Streams:  api.Streams{PerKey: lim.StreamsPerKey, Total: lim.MaxStreams}})
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	conns := api.NewConnLimit(lim.MaxConns)
	srv := &http.Server{
		ConnState:         conns.ConnState,
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	scheme := "http"
	if cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("tls certificate %s and key %s: %w", cfg.TLSCert, cfg.TLSKey, err)
		}
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		ln = tls.NewListener(ln, srv.TLSConfig)
		scheme = "https"
	}
	ln = conns.Listener(ln) // after TLS: the server reports the TLS connections to ConnState
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	addr = ln.Addr().String()
	log.Info().Str("addr", addr).Str("version", version).Msg("api serving on " + scheme + "://" + addr)
	if env.Ready != nil {
		env.Ready(addr)
	}
	select {
	case err := <-errc:
		return fmt.Errorf("http server: %w", err)
	case <-ctx.Done():
	}
	log.Info().Msg("shutting down: draining http")
	close(streamsDone)
	shutCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("drain http: %w", err)
	}
	if err := fb.stop(shutCtx); err != nil {
		return fmt.Errorf("flush events: %w", err)
	}
	return nil
}

// explorer adapts the store's analyst queries to the API's Explorer.
type explorer struct{ store *cypher.Store }

func (e explorer) Explore(ctx context.Context, query string, params map[string]any, limit int, timeout time.Duration) ([]string, [][]any, bool, error) {
	t, err := e.store.Explore(ctx, cypher.Query{Text: query, Params: params, Limit: limit, Timeout: timeout})
	return t.Columns, t.Rows, t.Truncated, err
}

// newEngine builds the ranking engine and its first projection from the store.
func newEngine(ctx context.Context, store ranker.Source, log zerolog.Logger) (*ranker.Engine, error) {
	r, err := ranker.New(ranker.DefaultParams())
	if err != nil {
		return nil, err
	}
	engine, err := ranker.NewEngine(store, r, embedProducts, 0)
	if err != nil {
		return nil, err
	}
	engine.SetEmbedDelta(embedProductsDelta)
	if _, err := engine.Refresh(ctx); err != nil {
		engine.Close()
		return nil, fmt.Errorf("build the first projection: %w", err)
	}
	st := engine.Stats()
	log.Info().Int64("data_version", st.Version.N).Int("nodes", st.Nodes).Int("edges", st.Edges).
		Dur("build", st.BuildTime).Dur("embed", st.EmbedTime).Msg("projection ready")
	return engine, nil
}

// runNeo4j starts a local Neo4j and keeps it until ctx ends.
func runNeo4j(ctx context.Context, cfg *Config, log zerolog.Logger, env Env) error {
	if cfg.Neo4jPassword == "" {
		cfg.Neo4jPassword = "skingraph-local"
	}
	cfg.Neo4jURI = ""
	db, err := obtainNeo4j(ctx, cfg, log, env)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "SKINGRAPH_NEO4J_URI=%s\nSKINGRAPH_NEO4J_USER=%s\nSKINGRAPH_NEO4J_PASSWORD=%s\n", db.URI, db.Username, db.Password)
	<-ctx.Done()
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	return db.Stop(stopCtx)
}

// printLoad writes the summary of a load, one line per record kind.
func printLoad(w io.Writer, res graph.LoadResult) {
	state := "committed"
	if !res.Changed {
		state = "nothing changed"
	}
	fmt.Fprintf(w, "load %s: %s; data version %d\n", res.LoadID, state, res.Version.N)
	kinds := make([]string, 0, len(res.Counts))
	for k := range res.Counts {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		c := res.Counts[k]
		fmt.Fprintf(w, "  %-12s created %d, updated %d, unchanged %d\n", k, c.Created, c.Updated, c.Unchanged)
	}
}
