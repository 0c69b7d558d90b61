package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/skingraph/skingraph/loadgen"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestBenchScaleAgainstTheProgram runs one column of make bench-scale (skingraph bench
// --mode scale --fresh) against the whole program on the demo data, briefly: every figure of
// the report is filled in, no request failed, and the rating event showed in the
// recommendation (the top product's score moved in a newer data version). Then --report
// prints the column as a table.
func TestBenchScaleAgainstTheProgram(t *testing.T) {
	neo4jtest.Demo(t)
	env := existingNeo4j(t)
	env["SKINGRAPH_PSEUDONYM_KEY"] = "a-bench-scale-test-key-of-at-least-32-chars"
	env["SKINGRAPH_OUTCOME_REFRESH_INTERVAL"] = "200ms"
	env["SKINGRAPH_REFRESH_INTERVAL"] = "200ms"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	pprofAddr := ln.Addr().String()
	ln.Close()
	env["SKINGRAPH_PPROF_ADDR"] = pprofAddr
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")

	out := filepath.Join(t.TempDir(), "scale.json")
	var stdout, stderr strings.Builder
	err = run(context.Background(), []string{"bench", "--mode", "scale", "--url", "http://" + s.addr,
		"--pprof-url", "http://" + pprofAddr, "--label", "demo", "--rate", "40", "--duration", "1s", "--warmup", "200ms",
		"--load-seconds", "2", "--load-rows", "100", "--fresh", "--fresh-timeout", "1m", "--json", out},
		Env{Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatalf("bench --mode scale: %v\n%s", err, stderr.String())
	}
	reps, err := loadgen.ReadScaleReports(out)
	if err != nil {
		t.Fatal(err)
	}
	r := reps[0]
	if r.Label != "demo" || r.LoadRowsPS != 50 || r.Nodes == 0 || r.Relationships == 0 || r.BuildSeconds <= 0 ||
		r.HeapBytes <= 0 || !r.HeapAfterGC || r.RSSBytes <= 0 || r.RSSAfterBytes <= 0 {
		t.Errorf("server figures missing: %+v", r)
	}
	for name, rep := range map[string]*loadgen.Report{"uncached none": r.UncachedNone, "uncached full": &r.UncachedFull, "cached": &r.Cached} {
		if rep == nil || rep.Requests == 0 || rep.Errors != 0 || rep.P50 <= 0 || rep.P99 < rep.P50 || rep.ServerP99 <= 0 || rep.ServerP50 > rep.P50 {
			t.Errorf("%s: %+v", name, rep)
		}
	}
	if r.UncachedFull.Rate != 40 || r.Cached.Rate != 0 {
		t.Errorf("rates: uncached %v, cached %v; want 40 and closed loop", r.UncachedFull.Rate, r.Cached.Rate)
	}
	f := r.Freshness
	if f == nil {
		t.Fatalf("no freshness measurement: %s", r.FreshnessFailure)
	}
	if f.Product == "" || f.WriteMs <= 0 || f.VisibleMs < f.WriteMs || f.VersionAfter <= f.VersionBefore || f.ScoreAfter == f.ScoreBefore {
		t.Errorf("freshness: %+v", f)
	}

	stdout.Reset()
	if err := run(context.Background(), []string{"bench", "--report", out, out}, Env{Getenv: func(string) string { return "" }, Stdout: &stdout, Stderr: &stderr}); err != nil {
		t.Fatal(err)
	}
	table := stdout.String()
	for _, want := range []string{"| | demo | demo | last / first |", "| uncached, explain full p99 |", "| uncached, explain full p99 in the server (Server-Timing) |", "| change to visible (one rating) |", " 1.00x |"} {
		if !strings.Contains(table, want) {
			t.Errorf("report lacks %q:\n%s", want, table)
		}
	}
	var raw map[string]any
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &raw); err != nil || raw["uncached_explain_full"] == nil || raw["freshness"] == nil {
		t.Errorf("JSON report %s: %v", b, err)
	}
}
