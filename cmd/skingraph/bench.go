package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/skingraph/skingraph/loadgen"
)

const benchUsage = `usage: skingraph bench [--url URL] [--mode cached|uncached] [--workers N] [--duration D]
                       [--warmup D] [--rate R] [--explain none|summary|full] [--gzip] [--json FILE|-]
       skingraph bench --overload 2x [--url URL] [--budget 250ms] [--step 3s] [--max-workers 64]
                       [--duration D] [--connections 512] [--json FILE|-]

Drives a running API with recommendation requests and reports p50/p90/p99/p99.9 latency,
throughput and errors. cached repeats four GET /v1/recommendations requests (answered from
the result cache after the warm-up); uncached posts random profiles drawn from the
vocabularies (almost every request misses the cache). --rate 0 runs closed loop (each worker
sends when its last answer arrives); --rate R sends R requests per second in all (open loop,
latency counted from when each request was due). The load generator runs on the same machine
as the server unless --url points elsewhere, so both share its cores.

--overload Fx first measures the capacity: closed loop, uncached, 1, 2, 4 ... --max-workers
workers for --step each, keeping the highest throughput whose p99 stays within --budget.
Then it sends F times that rate open loop for --duration over up to --connections
connections and reports the share of 200 and 503, 503s without Retry-After, the p50/p99/p99.9
of the admitted (200) requests, their server-side queue wait (Server-Timing queue) and the
server's goroutines and RSS before and after (its /metrics, which needs no key when the
server runs without API keys).`

// benchCommand runs `skingraph bench`.
func benchCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("skingraph bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, benchUsage) }
	cfg := loadgen.Config{}
	fs.StringVar(&cfg.URL, "url", "http://127.0.0.1:8080", "base URL of the API")
	fs.StringVar(&cfg.Mode, "mode", loadgen.Cached, "cached or uncached")
	fs.IntVar(&cfg.Workers, "workers", 8, "concurrent connections")
	fs.DurationVar(&cfg.Duration, "duration", 10*time.Second, "measured time")
	fs.DurationVar(&cfg.Warmup, "warmup", 2*time.Second, "unmeasured warm-up before")
	fs.Float64Var(&cfg.Rate, "rate", 0, "requests per second in all (0 = closed loop)")
	fs.StringVar(&cfg.Explain, "explain", "full", "explain level of uncached requests")
	fs.BoolVar(&cfg.Gzip, "gzip", false, "ask for gzip (Accept-Encoding: gzip)")
	seed := fs.Uint64("seed", 1, "seed of the random profiles")
	jsonOut := fs.String("json", "", "also write the report as JSON to this file (- for stdout)")
	overload := fs.String("overload", "", "overload mode: Fx, e.g. 2x, times the measured capacity")
	ocfg := loadgen.OverloadConfig{}
	fs.DurationVar(&ocfg.Budget, "budget", 250*time.Millisecond, "overload: p99 budget of the capacity search")
	fs.DurationVar(&ocfg.Step, "step", 3*time.Second, "overload: duration of each capacity step")
	fs.IntVar(&ocfg.MaxWorkers, "max-workers", 64, "overload: most closed-loop workers of the capacity search")
	fs.IntVar(&ocfg.Workers, "connections", 512, "overload: connections of the open-loop phase")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	cfg.Seed = *seed
	var rep interface{ String() string }
	var err error
	if *overload != "" {
		f, perr := strconv.ParseFloat(strings.TrimSuffix(*overload, "x"), 64)
		if perr != nil || f <= 0 {
			return fmt.Errorf("bench: --overload: want a factor such as 2x, got %q", *overload)
		}
		ocfg.URL, ocfg.Factor, ocfg.Duration, ocfg.Explain, ocfg.Seed = cfg.URL, f, cfg.Duration, cfg.Explain, cfg.Seed
		rep, err = loadgen.Overload(ctx, ocfg)
	} else {
		rep, err = loadgen.Run(ctx, cfg)
	}
	if err != nil {
		return err
	}
	if *jsonOut == "-" {
		return json.NewEncoder(stdout).Encode(rep)
	}
	fmt.Fprintln(stdout, rep.String())
	if *jsonOut != "" {
		b, _ := json.MarshalIndent(rep, "", "  ")
		if err := os.WriteFile(*jsonOut, append(b, '\n'), 0o644); err != nil {
			return fmt.Errorf("bench: write the report: %w", err)
		}
	}
	return nil
}
