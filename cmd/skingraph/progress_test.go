package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
)

func TestProgressLine(t *testing.T) {
	tests := []struct {
		name  string
		total int
		done  int
		took  time.Duration
		want  string
	}{
		{"known total", 1000, 250, 5 * time.Second, "load: 250/1000 rows (25%), 50 rows/s, ETA 15s"},
		{"unknown total", 0, 250, 5 * time.Second, "load: 250 rows, 50 rows/s"},
		{"finished", 1000, 1000, 10 * time.Second, "load: 1000/1000 rows (100%), 100 rows/s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &progress{what: "load", total: tc.total}
			if got := p.line(tc.done, tc.took); got != tc.want {
				t.Errorf("line = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestProgressLogsOffTerminal: written to a buffer (not a terminal), updates become structured
// log lines (rows, total, rate, time left), at most one per interval, and the final summary
// line is always written.
func TestProgressLogsOffTerminal(t *testing.T) {
	var out, logs bytes.Buffer
	p := newProgress(&out, zerolog.New(&logs), "gen", 100)
	if p.bar != nil {
		t.Fatal("a bar drawn into a buffer")
	}
	p.Update(10) // within the first interval: no line
	if logs.Len() != 0 {
		t.Errorf("an update within the first interval logged %q", logs.String())
	}
	p.every = 0
	p.start = p.start.Add(-10 * time.Second)
	p.Update(50)
	var line struct {
		Level, Job, Message string
		Rows, Total         int
		RowsPerS            float64 `json:"rows_per_s"`
		ETA                 float64 `json:"eta"` // milliseconds (zerolog's default)
	}
	if err := json.Unmarshal(logs.Bytes(), &line); err != nil {
		t.Fatalf("log line %q: %v", logs.String(), err)
	}
	if line.Level != "info" || line.Job != "gen" || line.Rows != 50 || line.Total != 100 || line.RowsPerS < 4 || line.RowsPerS > 5.1 ||
		line.ETA < 9000 || line.ETA > 11000 || !strings.HasPrefix(line.Message, "gen: 50/100 rows (50%)") {
		t.Errorf("log line %s, want job gen, 50 of 100 rows, about 5 rows/s, about 10 s left", logs.String())
	}
	if out.Len() != 0 {
		t.Errorf("updates wrote %q to the output off a terminal, want nothing (they are logged)", out.String())
	}
	p.Done(100)
	if got := out.String(); !strings.HasPrefix(got, "gen: 100 rows in ") || !strings.HasSuffix(got, " rows/s\n") || strings.Count(got, "\n") != 1 {
		t.Errorf("summary %q, want one line with rows, time and rate", got)
	}
}

// TestProgressOnTerminal draws a live bar (progressbar) on a terminal, cleared before the
// summary line.
func TestProgressOnTerminal(t *testing.T) {
	var out, logs bytes.Buffer
	p := newProgress(&out, zerolog.New(&logs), "gen", 100)
	p.bar = newBar(&out, "gen", 100) // as on a terminal
	p.Update(50)
	_ = p.bar.RenderBlank() // the bar throttles its redraws
	p.Update(60)
	time.Sleep(250 * time.Millisecond)
	p.Update(70)
	p.Done(100)
	got := out.String()
	bar, summary, ok := strings.Cut(got, "\rgen: 100 rows in ")
	if !ok || !strings.Contains(bar, "\rgen  50% |") || !strings.Contains(bar, "(50/100, ") || !strings.Contains(bar, "(70/100, ") ||
		!strings.HasSuffix(summary, " rows/s\n") || strings.Count(summary, "\n") != 1 {
		t.Errorf("output %q, want the bar at 50 and 70 of 100 rows, cleared, then the summary line", got)
	}
	if logs.Len() != 0 {
		t.Errorf("a terminal run logged %q", logs.String())
	}
}
