package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/skingraph/skingraph/loadgen"
)

const benchUsage = `usage: skingraph bench [--url URL] [--mode cached|uncached] [--workers N] [--duration D]
                       [--warmup D] [--rate R] [--explain none|summary|full] [--gzip] [--json FILE|-]

Drives a running API with recommendation requests and reports p50/p90/p99/p99.9 latency,
throughput and errors. cached repeats four GET /v1/recommendations requests (answered from
the result cache after the warm-up); uncached posts random profiles drawn from the
vocabularies (almost every request misses the cache). --rate 0 runs closed loop (each worker
sends when its last answer arrives); --rate R sends R requests per second in all (open loop,
latency counted from when each request was due). The load generator runs on the same machine
as the server unless --url points elsewhere, so both share its cores.`

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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	cfg.Seed = *seed
	rep, err := loadgen.Run(ctx, cfg)
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
