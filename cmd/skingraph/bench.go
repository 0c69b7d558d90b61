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
       skingraph bench --mode freshness [--url URL] [--fresh-timeout 10m] [--json FILE|-]
       skingraph bench --mode scale [--url URL] [--label L] [--rate 100] [--duration 30s]
                       [--pprof-url http://127.0.0.1:6060] [--load-seconds S --load-rows N]
                       [--fresh] [--json FILE|-]
       skingraph bench --report A.json [B.json ...]
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
server runs without API keys).

--mode freshness measures the change-to-visible time: it stores a profile (oily skin, acne)
with consent, posts one rating of its top recommendation and polls that recommendation until
the product's score changed in a newer data version (it writes to the graph).

--mode scale is one column of 'make bench-scale' (scripts/bench-scale.sh): the projection's
size, build time and the server's Go heap (after a collection, through --pprof-url) and RSS
from /metrics; uncached open loop at --rate with explain none and full; cached closed loop
(4 workers); with --fresh the freshness measurement last. --report prints reports written
with --json side by side as a Markdown table.

Requests go through the typed client (package client); answers are read, not decoded.`

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
	scfg := loadgen.ScaleConfig{}
	fs.StringVar(&scfg.Label, "label", "", "scale: what is served (the report's column)")
	fs.StringVar(&scfg.PprofURL, "pprof-url", "", "scale: the server's pprof address, to read the heap after a collection")
	fs.Float64Var(&scfg.LoadSeconds, "load-seconds", 0, "scale: the load's time, for the report")
	fs.Int64Var(&scfg.LoadRows, "load-rows", 0, "scale: the load's rows, for the report")
	fs.BoolVar(&scfg.Freshness, "fresh", false, "scale: also measure the change-to-visible time (writes an event)")
	freshTimeout := fs.Duration("fresh-timeout", 10*time.Minute, "freshness: how long to wait for the change")
	report := fs.Bool("report", false, "print the scale reports (JSON files given as arguments) side by side")
	ocfg := loadgen.OverloadConfig{}
	fs.DurationVar(&ocfg.Budget, "budget", 250*time.Millisecond, "overload: p99 budget of the capacity search")
	fs.DurationVar(&ocfg.Step, "step", 3*time.Second, "overload: duration of each capacity step")
	fs.IntVar(&ocfg.MaxWorkers, "max-workers", 64, "overload: most closed-loop workers of the capacity search")
	fs.IntVar(&ocfg.Workers, "connections", 512, "overload: connections of the open-loop phase")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *report {
		reps, err := loadgen.ReadScaleReports(fs.Args()...)
		if err != nil {
			return fmt.Errorf("bench: %w", err)
		}
		loadgen.ScaleTable(stdout, reps)
		return nil
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	cfg.Seed = *seed
	var rep interface{ String() string }
	var err error
	switch {
	case cfg.Mode == "scale":
		scfg.URL, scfg.Seed, scfg.FreshTimeout = cfg.URL, cfg.Seed, *freshTimeout
		if explicit(fs, "rate") {
			scfg.Rate = cfg.Rate
		}
		if explicit(fs, "duration") {
			scfg.Duration = cfg.Duration
		}
		if explicit(fs, "warmup") {
			scfg.Warmup = cfg.Warmup
		}
		var r loadgen.ScaleReport
		r, err = loadgen.Scale(ctx, scfg)
		rep = scaleText{r}
	case cfg.Mode == "freshness":
		var r loadgen.FreshnessReport
		r, err = loadgen.Freshness(ctx, loadgen.FreshnessConfig{URL: cfg.URL, Timeout: *freshTimeout})
		rep = r
	case *overload != "":
		f, perr := strconv.ParseFloat(strings.TrimSuffix(*overload, "x"), 64)
		if perr != nil || f <= 0 {
			return fmt.Errorf("bench: --overload: want a factor such as 2x, got %q", *overload)
		}
		ocfg.URL, ocfg.Factor, ocfg.Duration, ocfg.Explain, ocfg.Seed = cfg.URL, f, cfg.Duration, cfg.Explain, cfg.Seed
		rep, err = loadgen.Overload(ctx, ocfg)
	default:
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

// explicit reports whether the flag was given on the command line.
func explicit(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// scaleText prints a scale report as a one-column table (JSON keeps the report's fields).
type scaleText struct{ loadgen.ScaleReport }

func (s scaleText) String() string {
	var b strings.Builder
	loadgen.ScaleTable(&b, []loadgen.ScaleReport{s.ScaleReport})
	if s.FreshnessFailure != "" {
		b.WriteString("freshness: " + s.FreshnessFailure + "\n")
	}
	return strings.TrimRight(b.String(), "\n")
}

func (s scaleText) MarshalJSON() ([]byte, error) { return json.Marshal(s.ScaleReport) }
