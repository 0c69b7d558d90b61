// Package testcontainers starts a real Neo4j 5.26 server for tests and local runs, in one line:
//
//	db, err := testcontainers.Start(ctx, testcontainers.Options{})
//	defer db.Stop(ctx)
//	// db.URI, db.Username, db.Password
//
// Where a Docker engine answers it runs the official neo4j:5.26 image through testcontainers-go
// (provider "docker"); otherwise it runs Neo4j Community from Maven Central as a local Java
// process (provider "local", see package launcher). SKINGRAPH_NEO4J_PROVIDER=auto|docker|local
// forces one; SKINGRAPH_NEO4J_TX_MEMORY sets Neo4j's per-transaction memory limit when
// Options.TxMemory is empty; SKINGRAPH_NEO4J_URI (with SKINGRAPH_NEO4J_USER and SKINGRAPH_NEO4J_PASSWORD) uses
// an existing server instead and Stop leaves it running.
package testcontainers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/skingraph/skingraph/testcontainers/launcher"
)

// Provider names how a Neo4j server is obtained.
type Provider string

// The providers.
const (
	ProviderAuto     Provider = "auto"     // docker when an engine answers, else local
	ProviderDocker   Provider = "docker"   // testcontainers-go with the official image
	ProviderLocal    Provider = "local"    // Neo4j from Maven Central as a child process
	ProviderExisting Provider = "existing" // SKINGRAPH_NEO4J_URI: a server someone else runs
)

// Image is the official Neo4j image the docker provider runs.
const Image = "neo4j:5.26"

// TestJVMFlags start a short-lived test server quicker: only the JVM's first JIT tier (C1).
// Tests run short queries on small graphs, where the optimising compiler (C2) costs more CPU
// than it saves: on this project's 2-core machines a server started in 33-37 s instead of
// 49 s, and a clean demo graph (wipe, load, projection) took 37, 30, 20 s instead of 76, 44,
// 26 s. neo4jtest and StartService use them.
var TestJVMFlags = []string{"-XX:TieredStopAtLevel=1"}

// TestSettings are a test server's extra Neo4j settings: no quiet period when Bolt shuts
// down. Netty otherwise waits out a quiet period on each of its two event-loop groups, and
// every stop took 11 s instead of 1-3 s. neo4jtest and StartService use them.
var TestSettings = map[string]string{
	"internal.dbms.bolt.netty_server_shutdown_quiet_period": "0",
	"internal.dbms.bolt.netty_server_shutdown_timeout":      "1s",
}

// Options configure Start. The zero value is a throw-away server chosen by the environment.
type Options struct {
	Provider  Provider  // "" reads SKINGRAPH_NEO4J_PROVIDER, default auto
	DataDir   string    // local provider: data folder kept across runs; "" = a temporary folder removed by Stop
	Password  string    // "" = a random password
	HeapMB    int       // JVM heap; default 1024
	PageCache string    // page cache; default "512m"
	TxMemory  string    // heap one transaction may use (db.memory.transaction.max); default launcher.DefaultTxMemory
	Port      int       // local provider: the Bolt port; 0 picks a free one (a fixed port lets a test restart Neo4j where clients expect it)
	Log       io.Writer // receives the server's own output; default discarded
	// JVMFlags are extra flags of the local provider's JVM (neo4jtest: a quicker start).
	JVMFlags []string
	// Settings are extra Neo4j settings of the local provider (TestSettings: a quicker stop).
	Settings map[string]string
	// ClassDataSharing starts the local provider's JVM from an archive of Neo4j's classes
	// (launcher.Options.ClassDataSharing): about 3.5 s less CPU per start. Test servers use it.
	ClassDataSharing bool
	// Getenv reads the environment; default os.Getenv (tests inject their own).
	Getenv func(string) string
}

// Neo4j is a running server and how to reach it.
type Neo4j struct {
	URI      string
	Username string
	Password string
	Provider Provider
	DataDir  string // local provider: where Neo4j keeps its data
	PID      int    // local provider: the Java process's id; 0 for the others

	stop func(context.Context) error
	kill func()
}

// Kill ends a local Neo4j abruptly (SIGKILL), for fault tests; its data folder stays, so a
// Start with the same DataDir and Port brings the same database back. Other providers
// answer an error.
func (n *Neo4j) Kill() error {
	if n == nil || n.kill == nil {
		return fmt.Errorf("testcontainers: kill: only a local neo4j can be killed (provider %s)", n.Provider)
	}
	n.kill()
	return nil
}

// CPU is the user and system CPU time a local Neo4j has used so far (Linux: /proc/PID/stat),
// for tests and benchmarks that measure what the server spends. Other providers answer an
// error.
func (n *Neo4j) CPU() (time.Duration, error) {
	if n == nil || n.PID == 0 {
		return 0, errors.New("testcontainers: cpu: only a local neo4j's CPU time can be read")
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", n.PID))
	if err != nil {
		return 0, fmt.Errorf("testcontainers: cpu: %w", err)
	}
	// The fields after the command name (in parentheses, which may hold spaces): utime and
	// stime are the 12th and 13th, in clock ticks of 1/100 s (USER_HZ on Linux).
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("testcontainers: cpu: /proc/%d/stat has %d fields", n.PID, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		v, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("testcontainers: cpu: /proc/%d/stat: %w", n.PID, err)
		}
		ticks += v
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}

// Stop stops the server (and removes a temporary data folder). For ProviderExisting it does
// nothing. It is safe to call more than once.
func (n *Neo4j) Stop(ctx context.Context) error {
	if n == nil || n.stop == nil {
		return nil
	}
	stop := n.stop
	n.stop = nil
	return stop(ctx)
}

// Start obtains a Neo4j server as the options and environment say, and waits until Bolt answers.
func Start(ctx context.Context, opts Options) (*Neo4j, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if uri := getenv("SKINGRAPH_NEO4J_URI"); uri != "" {
		user := getenv("SKINGRAPH_NEO4J_USER")
		if user == "" {
			user = "neo4j"
		}
		return &Neo4j{URI: uri, Username: user, Password: getenv("SKINGRAPH_NEO4J_PASSWORD"), Provider: ProviderExisting}, nil
	}
	provider := opts.Provider
	if provider == "" {
		provider = Provider(strings.ToLower(strings.TrimSpace(getenv("SKINGRAPH_NEO4J_PROVIDER"))))
	}
	if provider == "" {
		provider = ProviderAuto
	}
	if opts.Password == "" {
		opts.Password = randomPassword()
	}
	if opts.TxMemory == "" {
		opts.TxMemory = getenv("SKINGRAPH_NEO4J_TX_MEMORY")
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	switch provider {
	case ProviderDocker:
		return startDocker(ctx, opts)
	case ProviderLocal:
		return startLocal(ctx, opts)
	case ProviderAuto:
		if dockerAvailable(ctx) {
			return startDocker(ctx, opts)
		}
		return startLocal(ctx, opts)
	default:
		return nil, fmt.Errorf("testcontainers: unknown provider %q (want auto, docker or local)", provider)
	}
}

func startLocal(ctx context.Context, opts Options) (*Neo4j, error) {
	dataDir, temporary := opts.DataDir, opts.DataDir == ""
	if temporary {
		d, err := os.MkdirTemp("", "skingraph-neo4j-")
		if err != nil {
			return nil, fmt.Errorf("testcontainers: temporary data folder: %w", err)
		}
		dataDir = d
	}
	srv, err := launcher.Start(ctx, launcher.Options{
		DataDir:   dataDir,
		Password:  opts.Password,
		HeapMB:    opts.HeapMB,
		PageCache: opts.PageCache,
		TxMemory:  opts.TxMemory,
		Port:      opts.Port,
		Log:       opts.Log,
		JVMFlags:  opts.JVMFlags,
		Settings:  opts.Settings,

		ClassDataSharing: opts.ClassDataSharing,
	})
	if err != nil {
		if temporary {
			os.RemoveAll(dataDir)
		}
		return nil, fmt.Errorf("testcontainers: local neo4j: %w", err)
	}
	return &Neo4j{
		URI: srv.URI, Username: "neo4j", Password: opts.Password, Provider: ProviderLocal, DataDir: dataDir,
		PID:  srv.PID(),
		kill: srv.Kill,
		stop: func(ctx context.Context) error {
			err := srv.Stop(ctx)
			if temporary {
				os.RemoveAll(dataDir)
			}
			return err
		},
	}, nil
}

// randomPassword returns 24 hex characters from the system's random source.
func randomPassword() string {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return fmt.Sprintf("skingraph-%d", time.Now().UnixNano())
	}
	return hex.EncodeToString(b)
}
