package cypher_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/datasets"
	"github.com/skingraph/skingraph/loader"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// BenchmarkPrepareDemoGraph compares the two ways neo4jtest prepares the demo graph again
// after a test changed it (here: a product's price and a new review): wipe, migrate and load
// it (load), or restore a copy of it (restore). Besides the wall time per
// preparation it reports the shared local Neo4j's CPU per preparation (server-cpu-s/op), read
// from /proc, which is where most of a preparation's CPU goes:
//
//	go test -run '^$' -bench PrepareDemoGraph -benchtime 5x ./cypher
func BenchmarkPrepareDemoGraph(b *testing.B) {
	store := neo4jtest.Store(b)
	ctx := context.Background()
	load := func() {
		if err := store.Wipe(ctx); err != nil {
			b.Fatal(err)
		}
		if _, err := loader.LoadDemo(ctx, store, datasets.FS, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	load()
	c, err := store.CopyGraph(ctx)
	if err != nil {
		b.Fatal(err)
	}
	change := func() {
		if err := cypher.WriteCypher(ctx, store, `
			MATCH (p:Product {id: 'demo-0001'}) SET p.price = p.price + 1
			MERGE (u:Reviewer {id: 'bench-reviewer'})
			CREATE (u)-[:REVIEWED {id: randomUUID(), rating: 5, at: datetime()}]->(p)`, nil); err != nil {
			b.Fatal(err)
		}
	}
	pid, err := serverPID(neo4jtest.Server(b).URI)
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name    string
		prepare func()
	}{
		{"load", func() { change(); load() }},
		{"restore", func() {
			change()
			if err := store.RestoreGraph(ctx, c); err != nil {
				b.Fatal(err)
			}
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			before, err := processCPU(pid)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				bc.prepare()
			}
			after, err := processCPU(pid)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric((after-before).Seconds()/float64(b.N), "server-cpu-s/op")
		})
	}
}

// serverPID finds the local Neo4j (the Java launcher) listening on the port of uri.
func serverPID(uri string) (int, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return 0, err
	}
	want := []byte("\x00--port\x00" + u.Port() + "\x00")
	dirs, err := filepath.Glob("/proc/[0-9]*")
	if err != nil {
		return 0, err
	}
	for _, dir := range dirs {
		cmdline, err := os.ReadFile(filepath.Join(dir, "cmdline"))
		if err == nil && bytes.Contains(cmdline, want) && bytes.Contains(cmdline, []byte("org.skingraph.launcher.Launcher")) {
			return strconv.Atoi(filepath.Base(dir))
		}
	}
	return 0, fmt.Errorf("no local neo4j launcher on port %s (server-cpu-s/op needs the local provider)", u.Port())
}

// processCPU is the user and system CPU time pid has used (/proc/PID/stat, clock ticks of
// 1/100 s).
func processCPU(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name (in parentheses, which may hold spaces): utime and stime
	// are the 12th and 13th of them.
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	if len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] {
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/%d/stat: %w", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}
