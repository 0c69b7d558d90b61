package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/schollz/progressbar/v3"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
)

// logEvery is how often a long job logs its progress when its output is not a terminal.
const logEvery = 5 * time.Second

// progress reports a long job (a load, gen, the load of eval): rows done, rows per second and,
// when the total is known, the estimated time left. On a terminal it draws a live bar
// (github.com/schollz/progressbar); anywhere else (a file, a pipe, a container's log) it writes
// a structured log line every logEvery, so that a load of many minutes is never silent. Done
// always writes the final summary line.
type progress struct {
	w     io.Writer
	log   zerolog.Logger
	what  string
	start time.Time
	every time.Duration // between two log lines off a terminal

	mu    sync.Mutex
	total int                      // 0 when unknown
	bar   *progressbar.ProgressBar // nil off a terminal
	last  time.Time                // of the last log line
}

// newProgress reports on w: a bar when w is a terminal, else lines on log.
func newProgress(w io.Writer, log zerolog.Logger, what string, total int) *progress {
	p := &progress{w: w, log: log, what: what, total: total, start: time.Now(), every: logEvery}
	p.last = p.start
	if isTerminal(w) {
		p.bar = newBar(w, what, total)
	}
	return p
}

// newBar is the live bar of a job on the terminal w; total 0 draws a counter without a bar.
func newBar(w io.Writer, what string, total int) *progressbar.ProgressBar {
	max := int64(total)
	if total <= 0 {
		max = -1
	}
	return progressbar.NewOptions64(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("rows"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30),
	)
}

// isTerminal says whether w is a character device (a terminal), not a file or a pipe.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// SetTotal sets the number of rows of the whole job, once it is known.
func (p *progress) SetTotal(total int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if total == p.total {
		return
	}
	p.total = total
	if p.bar != nil {
		p.bar.ChangeMax(total)
	}
}

// Update reports that done rows are finished. Safe for concurrent use.
func (p *progress) Update(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.bar != nil {
		_ = p.bar.Set(done)
		return
	}
	now := time.Now()
	if now.Sub(p.last) < p.every {
		return
	}
	p.last = now
	took := now.Sub(p.start)
	ev := p.log.Info().Str("job", p.what).Int("rows", done).Float64("rows_per_s", rate(done, took)).Dur("elapsed", took)
	if p.total > 0 {
		ev = ev.Int("total", p.total)
		if eta, ok := p.eta(done, took); ok {
			ev = ev.Dur("eta", eta)
		}
	}
	ev.Msg(p.line(done, took))
}

func rate(done int, took time.Duration) float64 { return float64(done) / max(took.Seconds(), 1e-9) }

// eta is the time left at the rate so far, when the total is known and the job under way.
func (p *progress) eta(done int, took time.Duration) (time.Duration, bool) {
	if p.total <= 0 || done <= 0 || done >= p.total {
		return 0, false
	}
	return time.Duration(float64(p.total-done) / rate(done, took) * float64(time.Second)), true
}

// line is the text of one report.
func (p *progress) line(done int, took time.Duration) string {
	s := fmt.Sprintf("%s: %d rows", p.what, done)
	if p.total > 0 {
		s = fmt.Sprintf("%s: %d/%d rows (%.0f%%)", p.what, done, p.total, 100*float64(done)/float64(p.total))
	}
	s += fmt.Sprintf(", %.0f rows/s", rate(done, took))
	if eta, ok := p.eta(done, took); ok {
		s += fmt.Sprintf(", ETA %s", eta.Round(time.Second))
	}
	return s
}

// Done clears the bar, writes the final summary line (always, terminal or not) and returns how
// long the job took.
func (p *progress) Done(rows int) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	took := time.Since(p.start)
	if p.bar != nil {
		_ = p.bar.Clear()
		p.bar = nil
	}
	fmt.Fprintf(p.w, "%s: %d rows in %s, %.0f rows/s\n", p.what, rows, took.Round(time.Millisecond), rate(rows, took))
	return took
}

// progressWriter is a Writer that can report the rows it has written.
type progressWriter interface {
	WriteLoadProgress(ctx context.Context, load graph.Load, progress func(done int)) (graph.LoadResult, error)
}

// writeWithProgress writes load with w, reporting to p when w can.
func writeWithProgress(ctx context.Context, w loader.Writer, load graph.Load, p *progress) (graph.LoadResult, error) {
	if pw, ok := w.(progressWriter); ok {
		return pw.WriteLoadProgress(ctx, load, p.Update)
	}
	return w.WriteLoad(ctx, load)
}

// progressStore is a loader.Writer that writes through w and reports to p, whose total it
// sets to the load's products and reviews.
type progressStore struct {
	w loader.Writer
	p *progress
}

func (s progressStore) WriteLoad(ctx context.Context, load graph.Load) (graph.LoadResult, error) {
	s.p.SetTotal(len(load.Products) + len(load.Reviews))
	return writeWithProgress(ctx, s.w, load, s.p)
}
