package launcher

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// ImportOptions configure Import: neo4j-admin's offline bulk importer run from the same Maven
// Central jars as the server (the launcher's classpath holds org.neo4j:neo4j-import-tool
// and the org.neo4j.cli.AdminTool entry point of neo4j-command-line).
type ImportOptions struct {
	DataDir  string    // the server's data folder (Options.DataDir); the server must be stopped
	HeapMB   int       // JVM heap of the importer in MiB; default 1024 (it works mostly off heap)
	CacheDir string    // where the compiled launcher is kept; default as Options.CacheDir
	Args     []string  // after `database import full neo4j`, e.g. --nodes=Label=file.csv
	JVMFlags []string  // extra JVM flags, as the server's (Options.JVMFlags), e.g. -XX:TieredStopAtLevel=1
	Log      io.Writer // receives the importer's output (its progress); default discarded
}

// ErrStoreInUse means the data folder's database is open in a running server.
var ErrStoreInUse = errors.New("the database is in use by a running Neo4j")

// Import runs `neo4j-admin database import full neo4j --overwrite-destination=true ARGS`
// against the data folder of a stopped local server: it writes the store files of the
// default database `neo4j` directly, without transactions. Whoever calls it decides that
// overwriting is safe (an empty store); a running server's lock on the store makes the
// importer fail, reported as ErrStoreInUse.
func Import(ctx context.Context, opts ImportOptions) error {
	if opts.DataDir == "" {
		return errors.New("launcher: import: DataDir is required")
	}
	if opts.HeapMB <= 0 {
		opts.HeapMB = 1024
	}
	base := Options{DataDir: opts.DataDir, Password: "unused-by-import", CacheDir: opts.CacheDir, Log: opts.Log}
	if err := base.defaults(); err != nil {
		return err
	}
	b, err := prepare(ctx, base.CacheDir)
	if err != nil {
		return err
	}
	home, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return fmt.Errorf("launcher: import: %w", err)
	}
	if err := os.MkdirAll(home, 0o755); err != nil {
		return fmt.Errorf("launcher: import: create data folder: %w", err)
	}
	// neo4j-admin reads NEO4J_CONF/neo4j.conf; the server's own settings (ports, memory) do
	// not concern the importer, so it gets an empty one of its own.
	conf, err := os.MkdirTemp("", "skingraph-import-conf-")
	if err != nil {
		return fmt.Errorf("launcher: import: %w", err)
	}
	defer os.RemoveAll(conf)
	if err := os.WriteFile(filepath.Join(conf, "neo4j.conf"), nil, 0o644); err != nil {
		return fmt.Errorf("launcher: import: %w", err)
	}
	args := append([]string{"-Xmx" + strconv.Itoa(opts.HeapMB) + "m", "-XX:+UseParallelGC", "-Dfile.encoding=UTF-8"}, opts.JVMFlags...)
	args = append(args, "-cp", b.classpath, "org.neo4j.cli.AdminTool", "database", "import", "full", "neo4j", "--overwrite-destination=true")
	args = append(args, opts.Args...)
	cmd := exec.CommandContext(ctx, "java", args...)
	cmd.Env = append(os.Environ(), "NEO4J_HOME="+home, "NEO4J_CONF="+conf)
	out := &tailWriter{max: 8 << 10, w: base.Log}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Run(); err != nil {
		text := out.String()
		if containsAny(text, "database is in use", "FileLockException", "Lock file has been locked", "is in use") {
			return fmt.Errorf("launcher: import into %s: %w (stop it first); the importer says:\n%s", home, ErrStoreInUse, tail(text, 2000))
		}
		return fmt.Errorf("launcher: import into %s: %w; the importer's output ends with:\n%s", home, err, tail(text, 3000))
	}
	return nil
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}
