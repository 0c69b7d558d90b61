package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
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

// TestProgressQuietOffTerminal: written to a buffer (not a terminal), updates print nothing
// and the final summary line is always there.
func TestProgressQuietOffTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "gen", 100)
	p.interval = 0
	for i := 0; i <= 100; i += 10 {
		p.Update(i)
	}
	if buf.Len() != 0 {
		t.Errorf("updates wrote %q off a terminal, want nothing", buf.String())
	}
	p.Done(100)
	if got := buf.String(); !strings.HasPrefix(got, "gen: 100 rows in ") || !strings.HasSuffix(got, " rows/s\n") || strings.Count(got, "\n") != 1 {
		t.Errorf("summary %q, want one line with rows, time and rate", got)
	}
}

// TestProgressOnTerminal draws updates on one line when the output is a terminal.
func TestProgressOnTerminal(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "gen", 100)
	p.tty, p.interval = true, 0
	p.Update(50)
	p.Done(100)
	got := buf.String()
	if !strings.HasPrefix(got, "\r\033[Kgen: 50/100 rows (50%)") || !strings.Contains(got, "\r\033[Kgen: 100 rows in ") {
		t.Errorf("output %q, want a redrawn progress line then the summary", got)
	}
}
