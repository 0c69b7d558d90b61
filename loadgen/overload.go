package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	skclient "github.com/skingraph/skingraph/client"
)

// OverloadConfig is an overload run: find the capacity, then drive Factor times it.
type OverloadConfig struct {
	URL string
	// Budget is the p99 latency a closed-loop step must keep for its throughput to count as
	// capacity; default 250 ms.
	Budget time.Duration
	// Step is how long each closed-loop capacity step runs (1, 2, 4 ... MaxWorkers
	// workers); default 3 s. MaxWorkers defaults to 64.
	Step       time.Duration
	MaxWorkers int
	// Factor times the capacity is the open-loop rate; default 2.
	Factor float64
	// Duration of the open-loop overload; default 10 s. Workers is its connections (enough
	// that the generator is never the bottleneck); default 512.
	Duration time.Duration
	Workers  int
	Explain  string // of the uncached requests; default full
	Seed     uint64
	// Capacity, when positive, is taken as the capacity (req/s) instead of measuring it.
	Capacity float64
	// Settle is how long to wait after the overload before reading the server's
	// resources again; default 2 s.
	Settle time.Duration
}

// CapacityStep is one closed-loop step of the capacity search.
type CapacityStep struct {
	Workers    int     `json:"workers"`
	Throughput float64 `json:"throughput_rps"`
	P99        float64 `json:"p99_ms"`
	Errors     int64   `json:"errors"`
}

// Resources are the server's own figures, read from its /metrics.
type Resources struct {
	Goroutines int64 `json:"goroutines"`
	RSSBytes   int64 `json:"rss_bytes"`
}

// OverloadReport is the outcome of an overload run; latencies in milliseconds, counted from
// when each request was due (open loop).
type OverloadReport struct {
	BudgetMs        float64        `json:"budget_ms"`
	Steps           []CapacityStep `json:"capacity_steps"`
	Capacity        float64        `json:"capacity_rps"`
	CapacityWorkers int            `json:"capacity_workers"`
	Rate            float64        `json:"rate_rps"`
	Seconds         float64        `json:"seconds"`

	Answered   int64            `json:"answered"`
	Due        int64            `json:"due"`    // requests the schedule made due
	Lost       int64            `json:"lost"`   // due but dropped: the schedule's queue was full
	Unsent     int64            `json:"unsent"` // due but not sent before the end: the generator fell behind
	OK         int64            `json:"ok"`
	Shed       int64            `json:"shed"`
	Other      int64            `json:"other"`
	OtherKinds map[string]int64 `json:"other_kinds,omitempty"`
	// ShedWithoutRetryAfter counts 503 answers that lacked Retry-After (must be 0).
	ShedWithoutRetryAfter int64 `json:"shed_without_retry_after"`
	// OKWithoutQueueTiming counts 200 answers without a Server-Timing queue entry.
	OKWithoutQueueTiming int64 `json:"ok_without_queue_timing"`

	OKP50, OKP99, OKP999, OKMax float64 // admitted requests, from when each was due
	// Server-side latency of the admitted requests (Server-Timing total): without the time
	// they waited in the load generator, which shares the machine's cores.
	ServerP50, ServerP99, ServerP999 float64
	ShedP50, ShedP99                 float64 // shed requests
	QueueP99, QueueMax               float64 // server-side queue wait of admitted requests

	Before, After Resources
}

// String is the report for people.
func (r OverloadReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "capacity search (closed loop, uncached, p99 budget %.0f ms):\n", r.BudgetMs)
	for _, s := range r.Steps {
		fmt.Fprintf(&b, "  %3d workers: %6.1f req/s, p99 %8.1f ms, errors %d\n", s.Workers, s.Throughput, s.P99, s.Errors)
	}
	fmt.Fprintf(&b, "capacity %.1f req/s (%d workers)\n", r.Capacity, r.CapacityWorkers)
	total := max(r.OK+r.Shed+r.Other, 1)
	fmt.Fprintf(&b, "overload: open loop at %.1f req/s for %.1f s: due %d, answered %d, lost %d, unsent %d\n",
		r.Rate, r.Seconds, r.Due, r.Answered, r.Lost, r.Unsent)
	fmt.Fprintf(&b, "  200: %d (%.1f%%)  503: %d (%.1f%%)  other: %d %v\n", r.OK, 100*float64(r.OK)/float64(total),
		r.Shed, 100*float64(r.Shed)/float64(total), r.Other, r.OtherKinds)
	fmt.Fprintf(&b, "  503 without Retry-After: %d; 200 without a queue timing: %d\n", r.ShedWithoutRetryAfter, r.OKWithoutQueueTiming)
	fmt.Fprintf(&b, "  admitted (200) ms from due: p50 %.1f  p99 %.1f  p99.9 %.1f  max %.1f\n", r.OKP50, r.OKP99, r.OKP999, r.OKMax)
	fmt.Fprintf(&b, "  admitted (200) ms in the server: p50 %.1f  p99 %.1f  p99.9 %.1f\n", r.ServerP50, r.ServerP99, r.ServerP999)
	fmt.Fprintf(&b, "  shed (503) ms: p50 %.1f  p99 %.1f\n", r.ShedP50, r.ShedP99)
	fmt.Fprintf(&b, "  server queue wait of admitted ms: p99 %.1f  max %.1f\n", r.QueueP99, r.QueueMax)
	fmt.Fprintf(&b, "server goroutines %d -> %d, RSS %.0f -> %.0f MiB", r.Before.Goroutines, r.After.Goroutines,
		float64(r.Before.RSSBytes)/(1<<20), float64(r.After.RSSBytes)/(1<<20))
	return b.String()
}

func (c *OverloadConfig) defaults() error {
	if c.Budget <= 0 {
		c.Budget = 250 * time.Millisecond
	}
	if c.Step <= 0 {
		c.Step = 3 * time.Second
	}
	if c.MaxWorkers <= 0 {
		c.MaxWorkers = 64
	}
	if c.Factor <= 0 {
		c.Factor = 2
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Workers <= 0 {
		c.Workers = 512
	}
	if c.Settle <= 0 {
		c.Settle = 2 * time.Second
	}
	probe := Config{URL: c.URL, Mode: Uncached, Workers: c.Workers, Duration: c.Duration, Explain: c.Explain}
	if err := probe.validate(); err != nil {
		return err
	}
	c.Explain = probe.Explain
	return nil
}

// Overload measures the server's capacity (the highest closed-loop throughput of uncached
// requests whose p99 stays within the budget, doubling the workers from 1 until the p99
// breaks the budget, an error appears or the throughput stops growing by 5 %), then sends
// Factor times that rate open loop for Duration and reports how the answers split between
// 200 and 503, whether every 503 carried Retry-After, the latencies of the admitted
// requests and their server-side queue wait (Server-Timing), and the server's goroutines
// and RSS before and after (from /metrics).
func Overload(ctx context.Context, cfg OverloadConfig) (OverloadReport, error) {
	if err := cfg.defaults(); err != nil {
		return OverloadReport{}, fmt.Errorf("loadgen: overload: %w", err)
	}
	base := strings.TrimRight(cfg.URL, "/")
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		MaxIdleConns: cfg.Workers, MaxIdleConnsPerHost: cfg.Workers, MaxConnsPerHost: cfg.Workers,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true,
	}}
	defer client.CloseIdleConnections()
	if err := probe(ctx, client, base); err != nil {
		return OverloadReport{}, err
	}
	rep := OverloadReport{BudgetMs: float64(cfg.Budget) / 1e6}
	var err error
	if rep.Before, err = resources(ctx, client, base); err != nil {
		return rep, err
	}

	closed := Config{URL: cfg.URL, Mode: Uncached, Explain: cfg.Explain, Seed: cfg.Seed, Duration: cfg.Step}
	closed.Workers = 2
	typed := skclient.New(base, skclient.WithHTTPClient(client))
	if cfg.Capacity <= 0 {
		if _, err := phase(ctx, closed, typed, time.Second, false); err != nil { // warm-up
			return rep, err
		}
	}
	for w := 1; w <= cfg.MaxWorkers && cfg.Capacity <= 0; w *= 2 {
		closed.Workers = w
		r, err := phase(ctx, closed, typed, cfg.Step, true)
		if err != nil {
			return rep, err
		}
		rep.Steps = append(rep.Steps, CapacityStep{Workers: w, Throughput: r.Throughput, P99: r.P99, Errors: r.Errors})
		if r.Errors > 0 || r.P99 > rep.BudgetMs {
			break
		}
		grew := r.Throughput > rep.Capacity*1.05
		if r.Throughput > rep.Capacity {
			rep.Capacity, rep.CapacityWorkers = r.Throughput, w
		}
		if !grew {
			break
		}
	}
	if cfg.Capacity > 0 {
		rep.Capacity = cfg.Capacity
	}
	if rep.Capacity == 0 {
		return rep, fmt.Errorf("loadgen: overload: no closed-loop step kept p99 within %s (steps %+v)", cfg.Budget, rep.Steps)
	}

	rep.Rate = cfg.Factor * rep.Capacity
	if err := openLoop(ctx, cfg, client, base, &rep); err != nil {
		return rep, err
	}
	client.CloseIdleConnections()
	select {
	case <-ctx.Done():
		return rep, ctx.Err()
	case <-time.After(cfg.Settle):
	}
	rep.After, err = resources(ctx, client, base)
	return rep, err
}

// openLoop sends requests at rep.Rate for cfg.Duration and fills the overload part of rep.
func openLoop(ctx context.Context, cfg OverloadConfig, client *http.Client, base string, rep *OverloadReport) error {
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	due := make(chan time.Time, 1<<16)
	var lost, made atomic.Int64
	scheduled := make(chan struct{})
	go func() {
		defer close(scheduled)
		made.Store(scheduleCounting(ctx, rep.Rate, due, &lost))
	}()
	newHist := func() *hdrhistogram.Histogram { return hdrhistogram.New(1, int64(60*time.Second/time.Microsecond), 3) }
	var mu sync.Mutex
	okH, shedH, queueH, serverH := newHist(), newHist(), newHist(), newHist()
	other := map[string]int64{}
	var sent, ok, shed, noRetry, noQueue int64
	var queueMax time.Duration // exact: the histogram rounds up
	var wg sync.WaitGroup
	start := time.Now()
	gcfg := Config{Mode: Uncached, Explain: cfg.Explain, Seed: cfg.Seed}
	for w := range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen := newGenerator(gcfg, uint64(1000+w))
			for {
				var at time.Time
				select {
				case <-ctx.Done():
					return
				case at = <-due:
				}
				a := send(ctx, client, base, gen.next())
				if ctx.Err() != nil && a.kind != "" {
					return // cut at the end of the run, not an answer of the server
				}
				took := time.Since(at).Microseconds()
				mu.Lock()
				sent++
				switch {
				case a.kind == "" && a.status == http.StatusOK:
					ok++
					_ = okH.RecordValue(took)
					if a.total >= 0 {
						_ = serverH.RecordValue(a.total.Microseconds())
					}
					if a.queue < 0 {
						noQueue++
					} else {
						_ = queueH.RecordValue(a.queue.Microseconds())
						queueMax = max(queueMax, a.queue)
					}
				case a.kind == "" && a.status == http.StatusServiceUnavailable:
					shed++
					_ = shedH.RecordValue(took)
					if !a.retryAfter {
						noRetry++
					}
				default:
					k := a.kind
					if k == "" {
						k = strconv.Itoa(a.status)
					}
					other[k]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	<-scheduled
	ms := func(h *hdrhistogram.Histogram, q float64) float64 { return float64(h.ValueAtQuantile(q)) / 1000 }
	rep.Seconds = time.Since(start).Seconds()
	rep.Answered, rep.Lost, rep.OK, rep.Shed = sent, lost.Load(), ok, shed
	rep.Due = made.Load()
	rep.Unsent = rep.Due - rep.Lost - sent
	rep.ShedWithoutRetryAfter, rep.OKWithoutQueueTiming = noRetry, noQueue
	for k, v := range other {
		rep.Other += v
		if rep.OtherKinds == nil {
			rep.OtherKinds = map[string]int64{}
		}
		rep.OtherKinds[k] = v
	}
	rep.OKP50, rep.OKP99, rep.OKP999, rep.OKMax = ms(okH, 50), ms(okH, 99), ms(okH, 99.9), float64(okH.Max())/1000
	rep.ShedP50, rep.ShedP99 = ms(shedH, 50), ms(shedH, 99)
	rep.ServerP50, rep.ServerP99, rep.ServerP999 = ms(serverH, 50), ms(serverH, 99), ms(serverH, 99.9)
	rep.QueueP99, rep.QueueMax = ms(queueH, 99), float64(queueMax)/float64(time.Millisecond)
	if sent == 0 {
		return errors.New("loadgen: overload: no request was answered")
	}
	return nil
}

// scheduleCounting sends the due time of each request at rate per second until ctx ends,
// counting in lost the requests dropped because the queue was full; it returns how many
// requests it made due.
func scheduleCounting(ctx context.Context, rate float64, due chan<- time.Time, lost *atomic.Int64) int64 {
	interval := time.Duration(float64(time.Second) / rate)
	next := time.Now()
	t := time.NewTicker(time.Millisecond)
	defer t.Stop()
	var n int64
	for {
		select {
		case <-ctx.Done():
			return n
		case now := <-t.C:
			for ; !next.After(now); next = next.Add(interval) {
				n++
				select {
				case due <- next:
				default:
					lost.Add(1)
				}
			}
		}
	}
}

// answer is what send saw of one response.
type answer struct {
	kind       string // "" or the transport failure
	status     int
	retryAfter bool
	queue      time.Duration // the Server-Timing queue entry; -1 when absent
	total      time.Duration // the Server-Timing total; -1 when absent
}

func send(ctx context.Context, client *http.Client, base string, r request) answer {
	method, u, body := r.raw(base)
	req, err := http.NewRequestWithContext(ctx, method, u, bytes.NewReader(body))
	if err != nil {
		return answer{kind: "request"}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return answer{kind: "transport"}
	}
	_, err = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err != nil {
		return answer{kind: "read"}
	}
	return answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After") != "",
		queue: timingEntry(resp.Header.Get("Server-Timing"), "queue"), total: timingEntry(resp.Header.Get("Server-Timing"), "total")}
}

// timingEntry reads the duration of entry name (e.g. queue, from api/shed.go) in a
// Server-Timing header; -1 when there is none.
func timingEntry(header, name string) time.Duration {
	for _, e := range strings.Split(header, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(e), name+";dur="); ok {
			if i := strings.IndexByte(v, ';'); i >= 0 {
				v = v[:i]
			}
			if ms, err := strconv.ParseFloat(v, 64); err == nil {
				return time.Duration(ms * float64(time.Millisecond))
			}
		}
	}
	return -1
}

// resources reads go_goroutines and process_resident_memory_bytes from the server's
// /metrics (Prometheus text format).
func resources(ctx context.Context, client *http.Client, base string) (Resources, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return Resources{}, fmt.Errorf("loadgen: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Resources{}, fmt.Errorf("loadgen: read %s/metrics: %w", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		_, _ = io.Copy(io.Discard, resp.Body)
		return Resources{}, fmt.Errorf("loadgen: %s/metrics answered %d", base, resp.StatusCode)
	}
	var r Resources
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if !ok {
			continue
		}
		switch name {
		case "go_goroutines", "process_resident_memory_bytes":
			f, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return r, fmt.Errorf("loadgen: /metrics %s %q: %w", name, value, err)
			}
			if name == "go_goroutines" {
				r.Goroutines = int64(f)
			} else {
				r.RSSBytes = int64(f)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return r, fmt.Errorf("loadgen: read /metrics: %w", err)
	}
	if r.Goroutines == 0 {
		return r, fmt.Errorf("loadgen: %s/metrics has no go_goroutines", base)
	}
	return r, nil
}
