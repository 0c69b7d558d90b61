package loadgen

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/skingraph/skingraph/client"
)

// ScaleConfig is one scale run against a served catalogue: uncached latency at a fixed
// open-loop rate with explain none and full, cached throughput, the server's memory and
// projection build time, and the change-to-visible time.
type ScaleConfig struct {
	URL    string
	APIKey string
	// PprofURL, when set (the server's SKINGRAPH_PPROF_ADDR as http://host:port), is used
	// to collect garbage before the heap is read, so the heap is what the server keeps.
	PprofURL string
	Label    string // what was served, e.g. "gen 100k products / 1M reviews"
	// LoadSeconds and LoadRows are the load's figures, measured by the caller.
	LoadSeconds float64
	LoadRows    int64

	Rate           float64       // uncached open-loop rate; default 100 req/s
	Workers        int           // uncached connections; default 16
	Duration       time.Duration // each uncached and cached phase; default 30 s
	Warmup         time.Duration // before each phase; default 3 s
	CachedWorkers  int           // closed-loop connections of the cached phase; default 4
	Freshness      bool          // measure the change-to-visible time last (it writes an event)
	FreshTimeout   time.Duration
	Seed           uint64
	UncachedGzip   bool
	SkipUncachedNo bool // only explain=full (shorter runs)
}

// ScaleReport is the outcome of a scale run.
type ScaleReport struct {
	Label       string  `json:"label"`
	StartedAt   string  `json:"started_at"`
	LoadAverage string  `json:"load_average,omitempty"`
	LoadSeconds float64 `json:"load_seconds,omitempty"`
	LoadRows    int64   `json:"load_rows,omitempty"`
	LoadRowsPS  float64 `json:"load_rows_per_second,omitempty"`

	Nodes            int              `json:"projection_nodes"`
	Relationships    int              `json:"projection_relationships"`
	BuildSeconds     float64          `json:"projection_build_seconds"`
	EmbedSeconds     float64          `json:"projection_embed_seconds"`
	PrepareSeconds   float64          `json:"ranker_prepare_seconds"` // the ranker's per-projection terms, before the first projection is served
	HeapBytes        int64            `json:"go_heap_bytes"`
	HeapAfterGC      bool             `json:"go_heap_after_gc"`
	RSSBytes         int64            `json:"rss_bytes"`
	UncachedNone     *Report          `json:"uncached_explain_none,omitempty"`
	UncachedFull     Report           `json:"uncached_explain_full"`
	Cached           Report           `json:"cached"`
	RSSAfterBytes    int64            `json:"rss_after_bytes"`
	Freshness        *FreshnessReport `json:"freshness,omitempty"`
	FreshnessFailure string           `json:"freshness_error,omitempty"`
}

func (c *ScaleConfig) defaults() {
	if c.Rate <= 0 {
		c.Rate = 100
	}
	if c.Workers <= 0 {
		c.Workers = 16
	}
	if c.Duration <= 0 {
		c.Duration = 30 * time.Second
	}
	if c.Warmup <= 0 {
		c.Warmup = 3 * time.Second
	}
	if c.CachedWorkers <= 0 {
		c.CachedWorkers = 4
	}
	if c.Seed == 0 {
		c.Seed = 1
	}
}

// Scale runs the phases in order: memory and build time first (before load adds garbage),
// uncached explain=none, uncached explain=full, cached, then the freshness measurement (its
// event makes the server build a new projection, so it comes last).
func Scale(ctx context.Context, cfg ScaleConfig) (ScaleReport, error) {
	cfg.defaults()
	base := strings.TrimRight(cfg.URL, "/")
	rep := ScaleReport{Label: cfg.Label, StartedAt: time.Now().UTC().Format(time.RFC3339), LoadSeconds: cfg.LoadSeconds, LoadRows: cfg.LoadRows}
	if cfg.LoadSeconds > 0 {
		rep.LoadRowsPS = float64(cfg.LoadRows) / cfg.LoadSeconds
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		rep.LoadAverage = strings.Join(strings.Fields(string(b))[:3], " ")
	}
	hc := &http.Client{Timeout: 2 * time.Minute}
	if err := probe(ctx, hc, base); err != nil {
		return rep, err
	}
	opts := []client.Option{client.WithHTTPClient(hc)}
	if cfg.APIKey != "" {
		opts = append(opts, client.WithAPIKey(cfg.APIKey))
	}
	st, err := client.New(base, opts...).Status(ctx)
	if err != nil {
		return rep, fmt.Errorf("loadgen: scale: status: %w", err)
	}
	rep.Nodes, rep.Relationships = st.Projection.Nodes, st.Projection.Relationships
	if cfg.PprofURL != "" {
		if err := collectGarbage(ctx, hc, strings.TrimRight(cfg.PprofURL, "/")); err != nil {
			return rep, err
		}
		rep.HeapAfterGC = true
	}
	m, err := metricValues(ctx, hc, base)
	if err != nil {
		return rep, err
	}
	rep.BuildSeconds = m[`skingraph_projection_build_seconds{phase="build"}`]
	rep.EmbedSeconds = m[`skingraph_projection_build_seconds{phase="embed"}`]
	rep.PrepareSeconds = m[`skingraph_projection_build_seconds{phase="prepare"}`]
	rep.HeapBytes, rep.RSSBytes = int64(m["go_memstats_heap_alloc_bytes"]), int64(m["process_resident_memory_bytes"])

	run := func(mode, explain string, rate float64, workers int, seed uint64) (Report, error) {
		return Run(ctx, Config{URL: base, APIKey: cfg.APIKey, Mode: mode, Explain: explain, Rate: rate, Workers: workers,
			Duration: cfg.Duration, Warmup: cfg.Warmup, Seed: seed, Gzip: mode == Uncached && cfg.UncachedGzip})
	}
	if !cfg.SkipUncachedNo {
		r, err := run(Uncached, "none", cfg.Rate, cfg.Workers, cfg.Seed)
		if err != nil {
			return rep, fmt.Errorf("loadgen: scale: uncached, explain none: %w", err)
		}
		rep.UncachedNone = &r
	}
	if rep.UncachedFull, err = run(Uncached, "full", cfg.Rate, cfg.Workers, cfg.Seed+1); err != nil {
		return rep, fmt.Errorf("loadgen: scale: uncached, explain full: %w", err)
	}
	if rep.Cached, err = run(Cached, "", 0, cfg.CachedWorkers, cfg.Seed); err != nil {
		return rep, fmt.Errorf("loadgen: scale: cached: %w", err)
	}
	if m, err = metricValues(ctx, hc, base); err != nil {
		return rep, err
	}
	rep.RSSAfterBytes = int64(m["process_resident_memory_bytes"])
	if cfg.Freshness {
		f, err := Freshness(ctx, FreshnessConfig{URL: base, APIKey: cfg.APIKey, Timeout: cfg.FreshTimeout})
		if err != nil {
			rep.FreshnessFailure = err.Error()
		} else {
			rep.Freshness = &f
		}
	}
	return rep, nil
}

// collectGarbage asks the server's pprof endpoint for a heap profile after a collection
// (net/http/pprof: /debug/pprof/heap?gc=1).
func collectGarbage(ctx context.Context, hc *http.Client, pprofBase string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, pprofBase+"/debug/pprof/heap?gc=1", nil)
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("loadgen: collect garbage through %s: %w", pprofBase, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("loadgen: %s/debug/pprof/heap answered %d", pprofBase, resp.StatusCode)
	}
	return nil
}

// metricValues reads the server's /metrics (Prometheus text) into series -> value, the
// series written as they appear ("name" or `name{label="v"}`).
func metricValues(ctx context.Context, hc *http.Client, base string) (map[string]float64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, fmt.Errorf("loadgen: %w", err)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("loadgen: read %s/metrics: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return nil, fmt.Errorf("loadgen: %s/metrics answered %d", base, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			continue
		}
		if f, err := strconv.ParseFloat(line[i+1:], 64); err == nil {
			out[line[:i]] = f
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("loadgen: read /metrics: %w", err)
	}
	if len(out) == 0 {
		return nil, errors.New("loadgen: /metrics has no series")
	}
	return out, nil
}

// ReadScaleReports reads reports written as JSON (one per file).
func ReadScaleReports(paths ...string) ([]ScaleReport, error) {
	out := make([]ScaleReport, 0, len(paths))
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("loadgen: %w", err)
		}
		var r ScaleReport
		if err := json.Unmarshal(b, &r); err != nil {
			return nil, fmt.Errorf("loadgen: %s: %w", p, err)
		}
		out = append(out, r)
	}
	return out, nil
}

// ScaleTable writes reports side by side as a Markdown table, one column per report; with
// two or more, a last column gives the ratio of the last to the first.
func ScaleTable(w io.Writer, reports []ScaleReport) {
	if len(reports) == 0 {
		return
	}
	head := "| |"
	sep := "|---|"
	for _, r := range reports {
		head += " " + r.Label + " |"
		sep += "---|"
	}
	ratio := len(reports) >= 2
	if ratio {
		head += " last / first |"
		sep += "---|"
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w, sep)
	row := func(name string, unit string, get func(ScaleReport) (float64, bool)) {
		line := "| " + name + " |"
		var first, last float64
		var haveFirst, haveLast bool
		for i, r := range reports {
			v, ok := get(r)
			if !ok {
				line += " |"
				haveLast = false
				continue
			}
			line += " " + num(v) + unit + " |"
			if i == 0 {
				first, haveFirst = v, true
			}
			last, haveLast = v, true
		}
		if ratio {
			if haveFirst && haveLast && first != 0 {
				line += fmt.Sprintf(" %.2fx |", last/first)
			} else {
				line += " |"
			}
		}
		fmt.Fprintln(w, line)
	}
	pos := func(v float64) (float64, bool) { return v, v > 0 }
	row("load time", " s", func(r ScaleReport) (float64, bool) { return pos(r.LoadSeconds) })
	row("load throughput", " rows/s", func(r ScaleReport) (float64, bool) { return pos(r.LoadRowsPS) })
	row("projection nodes", "", func(r ScaleReport) (float64, bool) { return pos(float64(r.Nodes)) })
	row("projection relationships", "", func(r ScaleReport) (float64, bool) { return pos(float64(r.Relationships)) })
	row("projection build", " s", func(r ScaleReport) (float64, bool) { return pos(r.BuildSeconds) })
	row("embeddings", " s", func(r ScaleReport) (float64, bool) { return pos(r.EmbedSeconds) })
	row("ranker terms prepared", " s", func(r ScaleReport) (float64, bool) { return pos(r.PrepareSeconds) })
	row("Go heap after build (after GC)", " MiB", func(r ScaleReport) (float64, bool) { return pos(float64(r.HeapBytes) / (1 << 20)) })
	row("server RSS after build", " MiB", func(r ScaleReport) (float64, bool) { return pos(float64(r.RSSBytes) / (1 << 20)) })
	row("server RSS after the runs", " MiB", func(r ScaleReport) (float64, bool) { return pos(float64(r.RSSAfterBytes) / (1 << 20)) })
	lat := func(name string, get func(ScaleReport) *Report) {
		row(name+" p50", " ms", func(r ScaleReport) (float64, bool) {
			if x := get(r); x != nil && x.Requests > 0 {
				return x.P50, true
			}
			return 0, false
		})
		row(name+" p99", " ms", func(r ScaleReport) (float64, bool) {
			if x := get(r); x != nil && x.Requests > 0 {
				return x.P99, true
			}
			return 0, false
		})
		row(name+" p99 in the server (Server-Timing)", " ms", func(r ScaleReport) (float64, bool) {
			if x := get(r); x != nil && x.ServerP99 > 0 {
				return x.ServerP99, true
			}
			return 0, false
		})
		row(name+" requests", "", func(r ScaleReport) (float64, bool) {
			if x := get(r); x != nil && x.Requests > 0 {
				return float64(x.Requests), true
			}
			return 0, false
		})
		row(name+" errors", "", func(r ScaleReport) (float64, bool) {
			if x := get(r); x != nil && x.Requests > 0 {
				return float64(x.Errors), true
			}
			return 0, false
		})
	}
	lat("uncached, explain none", func(r ScaleReport) *Report { return r.UncachedNone })
	lat("uncached, explain full", func(r ScaleReport) *Report { return &r.UncachedFull })
	row("uncached rate", " req/s", func(r ScaleReport) (float64, bool) { return pos(r.UncachedFull.Rate) })
	row("cached throughput", " req/s", func(r ScaleReport) (float64, bool) { return pos(r.Cached.Throughput) })
	row("cached p99", " ms", func(r ScaleReport) (float64, bool) { return pos(r.Cached.P99) })
	row("change to visible (one rating)", " s", func(r ScaleReport) (float64, bool) {
		if r.Freshness == nil {
			return 0, false
		}
		return r.Freshness.VisibleMs / 1000, true
	})
	row("event committed", " ms", func(r ScaleReport) (float64, bool) {
		if r.Freshness == nil {
			return 0, false
		}
		return r.Freshness.WriteMs, true
	})
	line := "| load average at start |"
	for _, r := range reports {
		line += " " + r.LoadAverage + " |"
	}
	if ratio {
		line += " |"
	}
	fmt.Fprintln(w, line)
}

// num formats v with about three significant digits (whole numbers as such).
func num(v float64) string {
	switch {
	case v == float64(int64(v)):
		return strconv.FormatInt(int64(v), 10)
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 1, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 2, 64)
	default:
		return strconv.FormatFloat(v, 'f', 3, 64)
	}
}
