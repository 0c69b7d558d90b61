package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/loadgen"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestOwnRatingVisibleWithoutThePoll serves the demo data with the default outcome settings
// and a version poll of an hour, so only the in-process path can make a rating visible: the
// committed rating wakes the outcome refresher, whose version bump the server applies to its
// own projection at once. The rating must move the top product's score within the deadline.
func TestOwnRatingVisibleWithoutThePoll(t *testing.T) {
	neo4jtest.Demo(t)
	env := existingNeo4j(t)
	env["SKINGRAPH_PSEUDONYM_KEY"] = "a-freshness-test-key-of-at-least-32-chars"
	env["SKINGRAPH_REFRESH_INTERVAL"] = "1h"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")

	rep, err := loadgen.Freshness(context.Background(), loadgen.FreshnessConfig{URL: "http://" + s.addr, Timeout: time.Minute})
	if err != nil {
		t.Fatalf("the rating was not visible without the poll: %v (%+v)", err, rep)
	}
	if rep.VersionAfter <= rep.VersionBefore || rep.ScoreAfter == rep.ScoreBefore {
		t.Errorf("report %+v: want a newer data version and another score", rep)
	}
	t.Logf("%s", rep)
	for _, line := range strings.Split(s.logs.String(), "\n") {
		if strings.Contains(line, "outcomes refreshed") || strings.Contains(line, "warmed up") || strings.Contains(line, "projection ready") {
			t.Log(line)
		}
	}
}
