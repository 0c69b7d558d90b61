package main

import (
	"bufio"
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestUpdatesStreamTellsOfNewDataVersions subscribes to GET /v1/updates as an app would: it
// gets the current version at once, the new one after a merchandiser's load, and the stream
// does not hold up a graceful shutdown.
func TestUpdatesStreamTellsOfNewDataVersions(t *testing.T) {
	neo4jtest.Demo(t)
	env := existingNeo4j(t)
	env["SKINGRAPH_REFRESH_INTERVAL"] = "100ms"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	// Ask something so that it is warmed after the load.
	ask := map[string]any{"profile": map[string]any{"skin_type": "dry", "concerns": []string{"dryness"}}, "limit": 3}
	post(t, base+"/v1/recommendations", ask)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/v1/updates", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "text/event-stream" {
		t.Fatalf("status %d, content type %q", resp.StatusCode, ct)
	}
	events := make(chan string, 8)
	go func() {
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			if line := sc.Text(); strings.HasPrefix(line, "data: ") {
				events <- strings.TrimPrefix(line, "data: ")
			}
		}
		close(events)
	}()
	next := func() string {
		t.Helper()
		select {
		case e, ok := <-events:
			if !ok {
				t.Fatal("the stream ended")
			}
			return e
		case <-time.After(time.Minute):
			t.Fatal("no event within a minute")
			return ""
		}
	}
	before := statusVersion(t, base)
	if first := next(); !strings.Contains(first, `"data_version":`+strconv.FormatInt(before, 10)) {
		t.Fatalf("first event %s, want the current version %d", first, before)
	}
	postEfficacy(t, base+"/v1/efficacy", "text/csv", goodEfficacy, http.StatusOK)
	if second := next(); !strings.Contains(second, `"data_version":`+strconv.FormatInt(before+1, 10)) {
		t.Fatalf("event after the load %s, want version %d", second, before+1)
	}
	var st struct {
		Cache struct {
			Warmed int `json:"warmed"`
		} `json:"cache"`
	}
	getJSON(t, base+"/v1/status", http.StatusOK, &st)
	if st.Cache.Warmed < 1 {
		t.Errorf("status says %d requests warmed after the load, want at least the one asked", st.Cache.Warmed)
	}
	if err := s.stop(t); err != nil {
		t.Fatalf("shutdown with an open stream: %v", err)
	}
}
