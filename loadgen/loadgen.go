// Package loadgen drives a running skingraph API with recommendation requests over HTTP and
// measures latency (p50/p99/p99.9, HDR histograms) and throughput: cached requests (a small
// set of GET /v1/recommendations repeated, answered from the result cache) or uncached ones
// (POST /v1/recommendations with random profiles drawn from the vocabularies). It runs closed
// loop (each worker sends its next request when the last one is answered) or open loop at a
// fixed rate, where latency counts from the moment a request was due, so a stalled server is
// not hidden by a load generator that waits for it (coordinated omission).
package loadgen

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"

	"github.com/skingraph/skingraph/client"
	"github.com/skingraph/skingraph/graph"
)

// The modes.
const (
	Cached   = "cached"
	Uncached = "uncached"
)

// Config is one run.
type Config struct {
	URL      string        // the API's base URL, e.g. http://127.0.0.1:8080
	Mode     string        // Cached or Uncached
	Workers  int           // concurrent connections
	Duration time.Duration // measured time
	Warmup   time.Duration // unmeasured time before (fills the cache, warms connections)
	Rate     float64       // requests per second over all workers; 0 = closed loop
	Explain  string        // none, summary or full (uncached requests)
	Gzip     bool          // send Accept-Encoding: gzip
	Seed     uint64        // for the random profiles
	APIKey   string        // sent as X-API-Key when set
}

// Report is the outcome of a run; latencies are in milliseconds.
type Report struct {
	Mode       string           `json:"mode"`
	Workers    int              `json:"workers"`
	Rate       float64          `json:"rate,omitempty"`
	Seconds    float64          `json:"seconds"`
	Requests   int64            `json:"requests"`
	Errors     int64            `json:"errors"`
	ErrorKinds map[string]int64 `json:"error_kinds,omitempty"`
	Throughput float64          `json:"throughput_rps"`
	P50        float64          `json:"p50_ms"`
	P90        float64          `json:"p90_ms"`
	P99        float64          `json:"p99_ms"`
	P999       float64          `json:"p999_ms"`
	Max        float64          `json:"max_ms"`
	Mean       float64          `json:"mean_ms"`
	// ServerP50 and ServerP99 are the quantiles of the server's own time (its Server-Timing
	// "total": from the first middleware to the response headers, queue wait included) of
	// the answers that carried it; the rest of a latency is the network, the generator and
	// waiting for a CPU.
	ServerP50 float64 `json:"server_p50_ms,omitempty"`
	ServerP99 float64 `json:"server_p99_ms,omitempty"`
}

// String is the report for people.
func (r Report) String() string {
	s := fmt.Sprintf("%s: %d workers", r.Mode, r.Workers)
	if r.Rate > 0 {
		s += fmt.Sprintf(", open loop at %.0f req/s", r.Rate)
	} else {
		s += ", closed loop"
	}
	s += fmt.Sprintf(", %.1f s\n  requests %d, errors %d, throughput %.0f req/s\n  latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  mean %.3f",
		r.Seconds, r.Requests, r.Errors, r.Throughput, r.P50, r.P90, r.P99, r.P999, r.Max, r.Mean)
	if r.ServerP99 > 0 {
		s += fmt.Sprintf("\n  in the server (Server-Timing total) ms: p50 %.3f  p99 %.3f", r.ServerP50, r.ServerP99)
	}
	for k, v := range r.ErrorKinds {
		s += fmt.Sprintf("\n  error %s: %d", k, v)
	}
	return s
}

func (c *Config) validate() error {
	var errs []error
	if u, err := url.Parse(c.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("url: want http://host:port, got %q", c.URL))
	}
	if c.Mode != Cached && c.Mode != Uncached {
		errs = append(errs, fmt.Errorf("mode: want %s or %s, got %q", Cached, Uncached, c.Mode))
	}
	if c.Workers < 1 || c.Workers > 4096 {
		errs = append(errs, fmt.Errorf("workers: want 1 to 4096, got %d", c.Workers))
	}
	if c.Duration <= 0 {
		errs = append(errs, fmt.Errorf("duration: must be positive, got %s", c.Duration))
	}
	if c.Warmup < 0 || c.Rate < 0 {
		errs = append(errs, errors.New("warmup and rate must not be negative"))
	}
	switch c.Explain {
	case "":
		c.Explain = "full"
	case "none", "summary", "full":
	default:
		errs = append(errs, fmt.Errorf("explain: want none, summary or full, got %q", c.Explain))
	}
	return errors.Join(errs...)
}

// Run drives the API as configured until the duration has passed or ctx ends. Requests go
// through the typed client (package client); answers are read to their end and not decoded
// (client.Discard), so the figures are the server's and the transport's, not JSON decoding's.
func Run(ctx context.Context, cfg Config) (Report, error) {
	if err := cfg.validate(); err != nil {
		return Report{}, fmt.Errorf("loadgen: %w", err)
	}
	base := strings.TrimRight(cfg.URL, "/")
	hc := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns: cfg.Workers * 2, MaxIdleConnsPerHost: cfg.Workers * 2, MaxConnsPerHost: cfg.Workers,
			IdleConnTimeout: 90 * time.Second, DisableCompression: true,
		},
	}
	defer hc.CloseIdleConnections()
	srv := &serverTimes{hist: newHist()}
	opts := []client.Option{client.WithHTTPClient(hc), client.WithResponseHook(srv.observe)}
	if cfg.Gzip {
		opts = append(opts, client.WithHeader("Accept-Encoding", "gzip"))
	}
	if cfg.APIKey != "" {
		opts = append(opts, client.WithAPIKey(cfg.APIKey))
	}
	c := client.New(base, opts...)
	if err := probe(ctx, hc, base); err != nil {
		return Report{}, err
	}
	if cfg.Warmup > 0 {
		if _, err := phase(ctx, cfg, c, cfg.Warmup, false); err != nil {
			return Report{}, err
		}
	}
	srv.reset()
	rep, err := phase(ctx, cfg, c, cfg.Duration, true)
	srv.fill(&rep)
	return rep, err
}

// serverTimes collects the Server-Timing totals of the answers (a client hook, so shared by
// the workers: one lock per answer).
type serverTimes struct {
	mu   sync.Mutex
	hist *hdrhistogram.Histogram
}

func newHist() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, int64(60*time.Second/time.Microsecond), 3)
}

func (s *serverTimes) observe(resp *http.Response) {
	d := timingEntry(resp.Header.Get("Server-Timing"), "total")
	if d < 0 {
		return
	}
	s.mu.Lock()
	_ = s.hist.RecordValue(d.Microseconds())
	s.mu.Unlock()
}

func (s *serverTimes) reset() {
	s.mu.Lock()
	s.hist.Reset()
	s.mu.Unlock()
}

func (s *serverTimes) fill(r *Report) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hist.TotalCount() == 0 {
		return
	}
	r.ServerP50, r.ServerP99 = float64(s.hist.ValueAtQuantile(50))/1000, float64(s.hist.ValueAtQuantile(99))/1000
}

// probe checks that the server answers before load is sent.
func probe(ctx context.Context, client *http.Client, base string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/readyz", nil)
	if err != nil {
		return fmt.Errorf("loadgen: %w", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("loadgen: the server at %s does not answer: %w", base, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("loadgen: %s/readyz answered %d; is the projection built?", base, resp.StatusCode)
	}
	return nil
}

type workerResult struct {
	hist   *hdrhistogram.Histogram
	n      int64
	errors map[string]int64
}

// phase runs the workers for d; record=false is the warm-up.
func phase(ctx context.Context, cfg Config, c *client.Client, d time.Duration, record bool) (Report, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	var due chan time.Time // open loop: when each request is due
	if cfg.Rate > 0 {
		due = make(chan time.Time, 1<<16)
		go schedule(ctx, cfg.Rate, due)
	}
	results := make([]workerResult, cfg.Workers)
	var wg sync.WaitGroup
	start := time.Now()
	for w := range cfg.Workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			gen := newGenerator(cfg, uint64(w))
			res := workerResult{hist: hdrhistogram.New(1, int64(60*time.Second/time.Microsecond), 3), errors: map[string]int64{}}
			for {
				begin := time.Now()
				if due != nil {
					select {
					case <-ctx.Done():
						results[w] = res
						return
					case begin = <-due:
					}
				} else if ctx.Err() != nil {
					results[w] = res
					return
				}
				kind := do(ctx, c, gen.next())
				if ctx.Err() != nil && kind != "" {
					continue // stopped at the end of the phase, not an error of the server
				}
				res.n++
				if kind != "" {
					res.errors[kind]++
				}
				_ = res.hist.RecordValue(time.Since(begin).Microseconds())
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if !record {
		return Report{}, nil
	}
	all := hdrhistogram.New(1, int64(60*time.Second/time.Microsecond), 3)
	rep := Report{Mode: cfg.Mode, Workers: cfg.Workers, Rate: cfg.Rate, Seconds: elapsed.Seconds(), ErrorKinds: map[string]int64{}}
	for _, r := range results {
		all.Merge(r.hist)
		rep.Requests += r.n
		for k, v := range r.errors {
			rep.ErrorKinds[k] += v
			rep.Errors += v
		}
	}
	if rep.Requests == 0 {
		return rep, errors.New("loadgen: no request was answered")
	}
	ms := func(us int64) float64 { return float64(us) / 1000 }
	rep.Throughput = float64(rep.Requests) / elapsed.Seconds()
	rep.P50, rep.P90, rep.P99 = ms(all.ValueAtQuantile(50)), ms(all.ValueAtQuantile(90)), ms(all.ValueAtQuantile(99))
	rep.P999, rep.Max, rep.Mean = ms(all.ValueAtQuantile(99.9)), ms(all.Max()), all.Mean()/1000
	if len(rep.ErrorKinds) == 0 {
		rep.ErrorKinds = nil
	}
	return rep, nil
}

// schedule sends the due time of each request at rate per second until ctx ends; when the
// queue is full (the server is far behind) the request is lost.
func schedule(ctx context.Context, rate float64, due chan<- time.Time) {
	var lost atomic.Int64
	_ = scheduleCounting(ctx, rate, due, &lost)
}

// request is one recommendation request: a GET query (cached mode) or a POST body.
type request struct {
	query *client.RecommendationQuery
	body  *client.RecommendationRequest
}

// raw is r as an HTTP method, URL and JSON body (the overload mode reads answers' headers).
func (r request) raw(base string) (method, u string, body []byte) {
	if r.query != nil {
		return http.MethodGet, base + "/v1/recommendations?" + r.query.Encode(), nil
	}
	body, _ = json.Marshal(r.body)
	return http.MethodPost, base + "/v1/recommendations", body
}

// do sends one request through the client and reads the answer; it returns "" or the kind
// of error: the status of a problem answer, or "transport".
func do(ctx context.Context, c *client.Client, r request) string {
	var err error
	if r.query != nil {
		err = c.RecommendQueryTo(ctx, *r.query, client.Discard)
	} else {
		err = c.RecommendTo(ctx, *r.body, client.Discard)
	}
	if err == nil {
		return ""
	}
	var p *client.Problem
	if errors.As(err, &p) {
		return strconv.Itoa(p.Status)
	}
	return "transport"
}

// generator makes a worker's requests.
type generator struct {
	mode  string
	rng   *rand.Rand
	fixed []request
	i     int
	expl  string
}

func newGenerator(cfg Config, worker uint64) *generator {
	g := &generator{mode: cfg.Mode, rng: rand.New(rand.NewPCG(cfg.Seed, worker)), expl: cfg.Explain}
	if cfg.Mode == Cached {
		g.fixed = cachedRequests()
		g.i = int(worker) % len(g.fixed)
	}
	return g
}

// cachedRequests are the few GET requests the cached mode repeats.
func cachedRequests() []request {
	qs := []client.RecommendationQuery{
		{SkinType: "oily", Concerns: []string{"acne", "pores"}, Sensitivities: []string{"fragrance"}, Limit: 10},
		{SkinType: "dry", Concerns: []string{"aging", "dryness", "redness"}, Limit: 10},
		{SkinType: "combination", Concerns: []string{"hyperpigmentation"}, Categories: []string{"serum"}, MaxPrice: 60, Limit: 10},
		{SkinType: "normal", SkinTone: "deep", Concerns: []string{"dullness", "texture"}, Limit: 10},
	}
	out := make([]request, len(qs))
	for i := range qs {
		out[i] = request{query: &qs[i]}
	}
	return out
}

func (g *generator) next() request {
	if g.mode == Cached {
		r := g.fixed[g.i]
		g.i = (g.i + 1) % len(g.fixed)
		return r
	}
	req := g.request()
	return request{body: &req}
}

// request draws a random request: a skin type, sometimes a tone, one to three concerns,
// sometimes sensitivities and a category, and a price cap, so that requests rarely repeat.
// It is the request mix of the uncached mode (and of ranker.BenchmarkRankGen, in process).
func (g *generator) request() client.RecommendationRequest {
	return RandomRequest(g.rng, g.expl)
}

// RandomRequest draws one request of the uncached mix from rng: a skin type, sometimes a
// tone, one to three concerns, sometimes sensitivities and a category, and a price cap, so
// that requests rarely repeat; limit 10, the given explain level.
func RandomRequest(rng *rand.Rand, explain string) client.RecommendationRequest {
	types, tones, conc := graph.SkinTypes.Names(), graph.SkinTones.Names(), graph.Concerns.Names()
	sens, cats := graph.Sensitivities.Names(), graph.Categories.Names()
	pick := func(list []string, n int) []string {
		out := make([]string, 0, n)
		for _, i := range rng.Perm(len(list))[:n] {
			out = append(out, list[i])
		}
		return out
	}
	p := client.Profile{SkinType: types[rng.IntN(len(types))], Concerns: pick(conc, 1+rng.IntN(3))}
	if rng.IntN(2) == 0 {
		p.SkinTone = tones[rng.IntN(len(tones))]
	}
	if n := rng.IntN(3); n > 0 {
		p.Sensitivities = pick(sens, n)
	}
	f := client.Filters{MaxPrice: float64(20 + rng.IntN(200))}
	if rng.IntN(3) == 0 {
		f.Categories = pick(cats, 1)
	}
	return client.RecommendationRequest{Profile: p, Filters: f, Limit: 10, Explain: explain}
}
