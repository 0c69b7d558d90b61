package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/skingraph/skingraph/testcontainers"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// BenchmarkSharedStateUncachedHTTP is the cost of the shared state on the uncached path: one
// keyed `skingraph serve` on the demo data answers POST /v1/recommendations requests that
// differ (uncachedAsk: most miss the result cache), one at a time, with its rate limits in
// this process (memory: the "before"), in Neo4j, and in Redis. Every keyed request takes a
// token and looks at the login throttle.
//
//	go test -run '^$' -bench SharedStateUncachedHTTP -benchtime 400x ./cmd/skingraph
func BenchmarkSharedStateUncachedHTTP(b *testing.B) {
	neo4jtest.Demo(b)
	keys, tok := replicaKeys(b)
	ctx := context.Background()
	rd, err := testcontainers.StartRedis(ctx)
	if err != nil {
		b.Fatal(err)
	}
	defer rd.Stop()
	for _, kind := range []string{sharedMemory, sharedNeo4j, sharedRedis} {
		b.Run(kind, func(b *testing.B) {
			env := existingNeo4j(b)
			env["SKINGRAPH_API_KEYS_FILE"] = keys
			env["SKINGRAPH_SHARED_STATE"] = kind
			env["SKINGRAPH_LOG_LEVEL"] = "warn"
			if kind == sharedRedis {
				env["SKINGRAPH_REDIS_URL"] = "redis://" + rd.Addr + "/0"
			}
			s := start(b, env, "serve", "--http-addr", "127.0.0.1:0")
			defer s.cancel()
			url := "http://" + s.addr + "/v1/recommendations"
			client := &http.Client{}
			i := 0
			for b.Loop() {
				body, _ := json.Marshal(uncachedAsk(i))
				i++
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+tok["fast"])
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					b.Fatal(err)
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Fatalf("status %d", resp.StatusCode)
				}
			}
		})
	}
}
