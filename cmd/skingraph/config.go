package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/feedback"
	"github.com/skingraph/skingraph/testcontainers/launcher"
)

// Config is the whole configuration: defaults, then SKINGRAPH_* environment variables, then
// command-line flags.
type Config struct {
	HTTPAddr        string            // SKINGRAPH_HTTP_ADDR
	Neo4jURI        string            // SKINGRAPH_NEO4J_URI: an existing server; empty = start a local one
	Neo4jUser       string            // SKINGRAPH_NEO4J_USER
	Neo4jPassword   string            // SKINGRAPH_NEO4J_PASSWORD
	Neo4jDatabase   string            // SKINGRAPH_NEO4J_DATABASE
	DataDir         string            // SKINGRAPH_DATA_DIR: the local Neo4j's data folder
	Neo4jHeapMB     int               // SKINGRAPH_NEO4J_HEAP_MB
	Neo4jPageCache  string            // SKINGRAPH_NEO4J_PAGECACHE
	Neo4jTxMemory   string            // SKINGRAPH_NEO4J_TX_MEMORY: heap one transaction of the local Neo4j may use (db.memory.transaction.max)
	Neo4jJVMFlags   []string          // SKINGRAPH_NEO4J_JVM_FLAGS: extra JVM flags of the local Neo4j, space-separated
	Neo4jSettings   map[string]string // SKINGRAPH_NEO4J_SETTINGS: extra settings of the local Neo4j, space-separated name=value pairs (the launcher refuses its own)
	LogLevel        string            // SKINGRAPH_LOG_LEVEL: debug, info, warn, error
	LogFormat       string            // SKINGRAPH_LOG_FORMAT: json or console
	ShutdownTimeout time.Duration     // SKINGRAPH_SHUTDOWN_TIMEOUT
	RefreshInterval time.Duration     // SKINGRAPH_REFRESH_INTERVAL: how often the data version is polled
	APIKeysFile     string            // SKINGRAPH_API_KEYS_FILE: accepted API keys (hashed); empty = no auth, loopback only
	MaxInFlight     int               // SKINGRAPH_MAX_INFLIGHT: requests worked on at once; beyond it 503 + Retry-After (default: defaultMaxInFlight)
	QueueWait       time.Duration     // SKINGRAPH_QUEUE_WAIT: how long a request may wait for a slot
	TLSCert         string            // SKINGRAPH_TLS_CERT: PEM certificate (chain) to serve HTTPS; with TLSKey
	TLSKey          string            // SKINGRAPH_TLS_KEY: its PEM private key
	PprofAddr       string            // SKINGRAPH_PPROF_ADDR: a loopback address for net/http/pprof ("" = off)
	StagedWatch     time.Duration     // SKINGRAPH_STAGED_WATCH: how often the server rolls back staged loads whose writer died
	// ExplorerConcurrency bounds the analyst queries (POST /v1/cypher) running at once; beyond
	// it 429 + Retry-After (SKINGRAPH_EXPLORER_CONCURRENCY).
	ExplorerConcurrency int
	// MaxPerBrand is the default cap of products of one brand in a recommendation page
	// (SKINGRAPH_MAX_PER_BRAND; 0 = no cap; a request's max_per_brand overrides it).
	MaxPerBrand int
	Limits      Limits // admission bounds (security_config.go)
	// Feedback events and profiles (pseudonym.go, feedback.go).
	PseudonymKey           string        // SKINGRAPH_PSEUDONYM_KEY: keys profile and reviewer pseudonyms (secret)
	OutcomeRefreshInterval time.Duration // SKINGRAPH_OUTCOME_REFRESH_INTERVAL: at most one outcome refresh (and version bump) per interval; events wake the refresher
	EventsFlushInterval    time.Duration // SKINGRAPH_EVENTS_FLUSH_INTERVAL: how long a flush of events waits for more requests
	EventsFlushEvents      int           // SKINGRAPH_EVENTS_FLUSH_EVENTS: flush at once when this many events wait
	// Personal data (pseudonym.go, docs/PRIVACY.md).
	KeyDir         string        // SKINGRAPH_KEY_DIR: where a local deployment keeps its generated keys; default <data dir>-keys
	DataKeys       string        // SKINGRAPH_DATA_KEYS: "id:hex64,id:hex64" keys sealing profiles and events, the last seals (secret)
	EvidencePeriod time.Duration // SKINGRAPH_EVIDENCE_PERIOD: the window of the per-key evidence cap
	EvidencePerKey int           // SKINGRAPH_EVIDENCE_PER_KEY: profiles per key, product and period whose reports count
	// State shared by replicas (sharedstate.go, docs/SCALING.md).
	SharedState string // SKINGRAPH_SHARED_STATE: memory, neo4j or redis; default redis when RedisURL is set, else memory
	RedisURL    string // SKINGRAPH_REDIS_URL: redis://[user:password@]host:port[/db] (secret when it holds a password)
	// TrustedProxies (SKINGRAPH_TRUSTED_PROXIES): load balancers whose X-Forwarded-For names
	// the client, comma-separated addresses or CIDR prefixes; empty = none (proxies.go).
	TrustedProxies string
	// The change feed (feed.go, docs/SCALING.md).
	ChangeRetention time.Duration // SKINGRAPH_CHANGE_RETENTION: how long the feed keeps a change
	VerifyEvery     time.Duration // SKINGRAPH_VERIFY_EVERY: how often the projection is checked against a full build (0 = off)
}

// defaultMaxInFlight is 4 requests per core: the overload runs of docs/RELIABILITY.md showed
// that with 64 in flight on 2 cores admitted requests fought for the CPU (p99 in the server
// 724 ms at twice the capacity), while with 4 they kept p99 at 64 ms; cached requests take
// microseconds, so a few slots per core still carry tens of thousands a second.
func defaultMaxInFlight() int { return 4 * runtime.GOMAXPROCS(0) }

func defaultConfig() Config {
	return Config{
		HTTPAddr:        "127.0.0.1:8080",
		Neo4jUser:       "neo4j",
		DataDir:         "var/neo4j",
		Neo4jHeapMB:     1024,
		Neo4jPageCache:  autoPageCache,
		Neo4jTxMemory:   launcher.DefaultTxMemory,
		LogLevel:        "info",
		LogFormat:       "json",
		ShutdownTimeout: 20 * time.Second,
		RefreshInterval: 500 * time.Millisecond,
		MaxInFlight:     defaultMaxInFlight(),
		QueueWait:       50 * time.Millisecond,
		StagedWatch:     time.Minute,
		Limits:          defaultLimits(),

		ExplorerConcurrency: cypher.DefaultExplorerConcurrency,

		OutcomeRefreshInterval: feedback.DefaultMinGap,
		EventsFlushInterval:    2 * time.Millisecond,
		EventsFlushEvents:      1000,

		ChangeRetention: cypher.DefaultChangeRetention,
		VerifyEvery:     DefaultVerifyEvery,
	}
}

// loadConfig applies the environment to the defaults, then binds flags to fs for the
// command line to override.
func loadConfig(getenv func(string) string, fs *flag.FlagSet) (*Config, error) {
	c := defaultConfig()
	var errs []error
	str := func(dst *string, name string) {
		if v := getenv("SKINGRAPH_" + name); v != "" {
			*dst = v
		}
	}
	str(&c.HTTPAddr, "HTTP_ADDR")
	str(&c.PprofAddr, "PPROF_ADDR")
	str(&c.Neo4jURI, "NEO4J_URI")
	str(&c.Neo4jUser, "NEO4J_USER")
	str(&c.Neo4jPassword, "NEO4J_PASSWORD")
	str(&c.Neo4jDatabase, "NEO4J_DATABASE")
	str(&c.DataDir, "DATA_DIR")
	str(&c.Neo4jPageCache, "NEO4J_PAGECACHE")
	str(&c.Neo4jTxMemory, "NEO4J_TX_MEMORY")
	if v := getenv("SKINGRAPH_NEO4J_JVM_FLAGS"); v != "" {
		c.Neo4jJVMFlags = strings.Fields(v)
	}
	if v := getenv("SKINGRAPH_NEO4J_SETTINGS"); v != "" {
		c.Neo4jSettings = map[string]string{}
		for i, pair := range strings.Fields(v) {
			name, value, ok := strings.Cut(pair, "=")
			if !ok || name == "" {
				errs = append(errs, fmt.Errorf("SKINGRAPH_NEO4J_SETTINGS: pair %d %q is not name=value", i+1, pair))
				continue
			}
			c.Neo4jSettings[name] = value
		}
	}
	str(&c.LogLevel, "LOG_LEVEL")
	str(&c.LogFormat, "LOG_FORMAT")
	str(&c.APIKeysFile, "API_KEYS_FILE")
	str(&c.TLSCert, "TLS_CERT")
	str(&c.TLSKey, "TLS_KEY")
	c.loadSharedState(getenv)
	str(&c.TrustedProxies, "TRUSTED_PROXIES")
	if v := getenv("SKINGRAPH_MAX_INFLIGHT"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_MAX_INFLIGHT: %q is not a whole number", v))
		}
		c.MaxInFlight = n
	}
	if v := getenv("SKINGRAPH_MAX_PER_BRAND"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_MAX_PER_BRAND: %q is not a whole number", v))
		}
		c.MaxPerBrand = n
	}
	if v := getenv("SKINGRAPH_EXPLORER_CONCURRENCY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_EXPLORER_CONCURRENCY: %q is not a whole number", v))
		}
		c.ExplorerConcurrency = n
	}
	if v := getenv("SKINGRAPH_QUEUE_WAIT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_QUEUE_WAIT: %q is not a duration such as 50ms", v))
		}
		c.QueueWait = d
	}
	if v := getenv("SKINGRAPH_NEO4J_HEAP_MB"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_NEO4J_HEAP_MB: %q is not a whole number", v))
		}
		c.Neo4jHeapMB = n
	}
	if v := getenv("SKINGRAPH_SHUTDOWN_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_SHUTDOWN_TIMEOUT: %q is not a duration such as 20s", v))
		}
		c.ShutdownTimeout = d
	}
	if v := getenv("SKINGRAPH_REFRESH_INTERVAL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_REFRESH_INTERVAL: %q is not a duration such as 1s", v))
		}
		c.RefreshInterval = d
	}
	if v := getenv("SKINGRAPH_STAGED_WATCH"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_STAGED_WATCH: %q is not a duration such as 1m", v))
		}
		c.StagedWatch = d
	}
	str(&c.PseudonymKey, "PSEUDONYM_KEY")
	errs = append(errs, securityEnv(getenv, &c.Limits)...)
	errs = append(errs, feedbackEnv(getenv, &c)...)
	errs = append(errs, feedEnv(getenv, &c)...)
	fs.StringVar(&c.HTTPAddr, "http-addr", c.HTTPAddr, "HTTP listen address (SKINGRAPH_HTTP_ADDR)")
	fs.StringVar(&c.Neo4jURI, "neo4j-uri", c.Neo4jURI, "URI of an existing Neo4j: bolt://host:7687, or neo4j://, neo4j+s:// to route reads to a cluster's secondaries; empty starts a local one (SKINGRAPH_NEO4J_URI)")
	fs.StringVar(&c.DataDir, "data-dir", c.DataDir, "data folder of the local Neo4j (SKINGRAPH_DATA_DIR)")
	fs.StringVar(&c.LogLevel, "log-level", c.LogLevel, "debug, info, warn or error (SKINGRAPH_LOG_LEVEL)")
	fs.StringVar(&c.APIKeysFile, "api-keys", c.APIKeysFile, "file of accepted API keys (SKINGRAPH_API_KEYS_FILE); none = loopback only")
	return &c, errors.Join(errs...)
}

// validate checks the configuration after flags were parsed.
func (c *Config) validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		errs = append(errs, fmt.Errorf("http address %q: %w", c.HTTPAddr, err))
	}
	if c.Neo4jURI != "" {
		if err := cypher.CheckURI(c.Neo4jURI); err != nil {
			errs = append(errs, err)
		}
	}
	if c.Neo4jHeapMB < 256 {
		errs = append(errs, fmt.Errorf("neo4j heap %d MB: want at least 256", c.Neo4jHeapMB))
	}
	if c.Neo4jPageCache != autoPageCache && !byteSizeRE.MatchString(c.Neo4jPageCache) {
		errs = append(errs, fmt.Errorf("SKINGRAPH_NEO4J_PAGECACHE %q: want auto or a size such as 512m or 4g", c.Neo4jPageCache))
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		errs = append(errs, fmt.Errorf("log level %q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.LogFormat {
	case "json", "console":
	default:
		errs = append(errs, fmt.Errorf("log format %q: want json or console", c.LogFormat))
	}
	if c.PprofAddr != "" {
		if host, _, err := net.SplitHostPort(c.PprofAddr); err != nil || !isLoopback(host) {
			errs = append(errs, fmt.Errorf("pprof address %q: want a loopback host:port, e.g. 127.0.0.1:6060", c.PprofAddr))
		}
	}
	if c.RefreshInterval <= 0 {
		errs = append(errs, errors.New("refresh interval must be positive"))
	}
	if c.StagedWatch <= 0 {
		errs = append(errs, errors.New("staged-load watch interval must be positive"))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("TLS needs both SKINGRAPH_TLS_CERT and SKINGRAPH_TLS_KEY"))
	}
	if c.MaxPerBrand < 0 || c.MaxPerBrand > 100 {
		errs = append(errs, fmt.Errorf("max per brand %d: want 0 (no cap) to 100", c.MaxPerBrand))
	}
	if c.MaxInFlight < 0 {
		errs = append(errs, errors.New("max in-flight requests must be 0 (no bound) or more"))
	}
	if c.ExplorerConcurrency < 1 {
		errs = append(errs, fmt.Errorf("explorer concurrency %d: want at least 1", c.ExplorerConcurrency))
	}
	if !memorySize.MatchString(c.Neo4jTxMemory) {
		errs = append(errs, fmt.Errorf("neo4j transaction memory %q: want a size such as 256m or 1g (0 = no limit)", c.Neo4jTxMemory))
	}
	if c.QueueWait < 0 {
		errs = append(errs, errors.New("queue wait must not be negative"))
	}
	errs = append(errs, c.validateFeed()...)
	if c.ShutdownTimeout <= 0 {
		errs = append(errs, errors.New("shutdown timeout must be positive"))
	}
	errs = append(errs, c.validateFeedback()...)
	errs = append(errs, c.validateSharedState()...)
	if _, err := c.trustedProxies(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.Limits.validate()...)
	return errors.Join(errs...)
}

// String prints the configuration with secrets masked.
func (c Config) String() string {
	pw := ""
	if c.Neo4jPassword != "" {
		pw = "****"
	}
	uri := c.Neo4jURI
	if uri == "" {
		uri = "(local, " + c.DataDir + ")"
	}
	return strings.Join([]string{
		"http_addr=" + c.HTTPAddr, "neo4j_uri=" + uri, "neo4j_user=" + c.Neo4jUser,
		"neo4j_password=" + pw, "log_level=" + c.LogLevel, "api_keys_file=" + c.APIKeysFile, "pseudonym_key=" + mask(c.PseudonymKey), "data_keys=" + mask(c.DataKeys),
		"shared_state=" + c.sharedStateKind(), "redis_url=" + redactURL(c.RedisURL),
	}, " ")
}

// memorySize is a Neo4j memory setting: a whole number of bytes, or of k, m or g.
var memorySize = regexp.MustCompile(`^[0-9]+[kKmMgG]?$`)

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
