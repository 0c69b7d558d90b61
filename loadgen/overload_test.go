package loadgen

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// TestOverloadCountsWhatTheServerAnswers drives a stand-in HTTP server that admits two of
// three requests and sheds the third, one shed answer in two without Retry-After: the report
// splits the answers as the server gave them, counts the 503s without Retry-After, reads the
// Server-Timing queue entry and the server's /metrics.
func TestOverloadCountsWhatTheServerAnswers(t *testing.T) {
	var mu sync.Mutex
	var n, admitted, shed, noRetry int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/readyz":
		case "/metrics":
			fmt.Fprint(w, "# HELP go_goroutines x\n# TYPE go_goroutines gauge\ngo_goroutines 7\nprocess_resident_memory_bytes 2.097152e+06\n")
		case "/v1/recommendations":
			mu.Lock()
			n++
			k := n
			switch {
			case k%3 != 0:
				admitted++
			case k%2 == 0:
				shed++
			default:
				shed++
				noRetry++
			}
			mu.Unlock()
			switch {
			case k%3 != 0:
				w.Header().Set("Server-Timing", "neo4j;dur=0.100, queue;dur=1.500, total;dur=2.000")
			case k%2 == 0:
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusServiceUnavailable)
			default:
				w.WriteHeader(http.StatusServiceUnavailable)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	// Requests in flight when the run ends (at most one per worker) are answered by the
	// server but not counted by the report.
	const workers = 4
	rep, err := Overload(t.Context(), OverloadConfig{URL: srv.URL, Capacity: 200, Duration: 500 * time.Millisecond,
		Workers: workers, Settle: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if rep.Other != 0 || rep.Answered != rep.OK+rep.Shed || rep.OK > admitted || rep.Shed > shed || rep.Answered < n-workers {
		t.Errorf("report: %d sent, %d 200, %d 503, %d other; the server answered %d: %d 200, %d 503",
			rep.Answered, rep.OK, rep.Shed, rep.Other, n, admitted, shed)
	}
	if rep.ShedWithoutRetryAfter == 0 || rep.ShedWithoutRetryAfter > noRetry || rep.ShedWithoutRetryAfter < noRetry-workers {
		t.Errorf("503 without Retry-After: report %d, server %d", rep.ShedWithoutRetryAfter, noRetry)
	}
	if rep.OKWithoutQueueTiming != 0 || rep.QueueMax != 1.5 {
		t.Errorf("queue timing: %d missing, max %v ms, want none missing and 1.5", rep.OKWithoutQueueTiming, rep.QueueMax)
	}
	if rep.Rate != 400 || rep.Due < rep.Answered || rep.Due != rep.Answered+rep.Lost+rep.Unsent {
		t.Errorf("rate %v, due %d, sent %d, lost %d, unsent %d: want rate 400 and due = sent + lost + unsent",
			rep.Rate, rep.Due, rep.Answered, rep.Lost, rep.Unsent)
	}
	want := Resources{Goroutines: 7, RSSBytes: 2 << 20}
	if rep.Before != want || rep.After != want {
		t.Errorf("resources %+v -> %+v, want %+v", rep.Before, rep.After, want)
	}
}

func TestTimingEntry(t *testing.T) {
	tests := []struct {
		header, name string
		want         time.Duration
	}{
		{"queue;dur=1.500, total;dur=2.000", "queue", 1500 * time.Microsecond},
		{"cache;desc=miss, queue;dur=0.000, total;dur=2.000", "queue", 0},
		{"cache;desc=miss, total;dur=2.000", "queue", -1},
		{"queue;dur=x", "queue", -1},
		{"", "total", -1},
		{"queue;dur=3.000;desc=slot, total;dur=4.250", "total", 4250 * time.Microsecond},
	}
	for _, tt := range tests {
		if got := timingEntry(tt.header, tt.name); got != tt.want {
			t.Errorf("timingEntry(%q, %q) = %v, want %v", tt.header, tt.name, got, tt.want)
		}
	}
}
