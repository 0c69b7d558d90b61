package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
)

// progress reports a long job on a terminal: rows done, rows per second and, when the total is
// known, the estimated time left, redrawn on one line at most every interval. When w is not a
// terminal it stays quiet; Done always writes the final summary line.
type progress struct {
	w        io.Writer
	what     string
	total    int // 0 when unknown
	tty      bool
	start    time.Time
	interval time.Duration
	mu       sync.Mutex
	last     time.Time
	drawn    bool
}

// newProgress reports on w, live only when w is a terminal.
func newProgress(w io.Writer, what string, total int) *progress {
	return &progress{w: w, what: what, total: total, tty: isTerminal(w), start: time.Now(), interval: 200 * time.Millisecond}
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

// Update reports that done rows are finished. Safe for concurrent use.
func (p *progress) Update(done int) {
	if !p.tty {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	p.drawn = true
	fmt.Fprintf(p.w, "\r\033[K%s", p.line(done, now.Sub(p.start)))
}

// line is the text of one report.
func (p *progress) line(done int, took time.Duration) string {
	rate := float64(done) / max(took.Seconds(), 1e-9)
	s := fmt.Sprintf("%s: %d rows", p.what, done)
	if p.total > 0 {
		s = fmt.Sprintf("%s: %d/%d rows (%.0f%%)", p.what, done, p.total, 100*float64(done)/float64(p.total))
	}
	s += fmt.Sprintf(", %.0f rows/s", rate)
	if p.total > 0 && done > 0 && done < p.total {
		eta := time.Duration(float64(p.total-done) / rate * float64(time.Second))
		s += fmt.Sprintf(", ETA %s", eta.Round(time.Second))
	}
	return s
}

// Done writes the final summary line (always, terminal or not) and returns how long it took.
func (p *progress) Done(rows int) time.Duration {
	p.mu.Lock()
	defer p.mu.Unlock()
	took := time.Since(p.start)
	if p.drawn {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "%s: %d rows in %s, %.0f rows/s\n", p.what, rows, took.Round(time.Millisecond), float64(rows)/max(took.Seconds(), 1e-9))
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
	s.p.mu.Lock()
	s.p.total = len(load.Products) + len(load.Reviews)
	s.p.mu.Unlock()
	return writeWithProgress(ctx, s.w, load, s.p)
}
