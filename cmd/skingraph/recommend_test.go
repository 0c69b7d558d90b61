package main

import (
	"bytes"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

type recResponse struct {
	Items []struct {
		Product struct {
			ID string `json:"id"`
		} `json:"product"`
		Score float64 `json:"score"`
		Why   []struct {
			Kind         string  `json:"kind"`
			Text         string  `json:"text"`
			Contribution float64 `json:"contribution"`
			Cypher       string  `json:"cypher"`
			Path         *struct {
				Nodes []struct {
					Label string `json:"label"`
				} `json:"nodes"`
			} `json:"path"`
		} `json:"why"`
	} `json:"items"`
	NextCursor  *string `json:"next_cursor"`
	DataVersion int64   `json:"data_version"`
	Degraded    bool    `json:"degraded"`
	Total       int     `json:"total"`
	Excluded    struct {
		Count int `json:"count"`
	} `json:"excluded"`
}

func post(t *testing.T, url string, body any) (*http.Response, []byte) {
	t.Helper()
	b, _ := json.Marshal(body)
	resp, err := http.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp, out
}

// TestRecommendationsOverHTTP drives the recommendation endpoints as an app would, on the
// demo data in a real Neo4j, and checks the invariants on the live API.
func TestRecommendationsOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	s := start(t, existingNeo4j(t), "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr

	req := map[string]any{
		"profile": map[string]any{"skin_type": "oily", "skin_tone": "medium", "concerns": []string{"acne", "pores"},
			"sensitivities": []string{"fragrance"}, "avoid_ingredients": []string{"Alcohol Denat."}},
		"limit": 5, "explain": "full",
	}
	resp, body := post(t, base+"/v1/recommendations", req)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	var first recResponse
	if err := json.Unmarshal(body, &first); err != nil {
		t.Fatal(err)
	}
	if len(first.Items) != 5 || first.NextCursor == nil || first.DataVersion != 1 || first.Degraded || first.Excluded.Count == 0 {
		t.Fatalf("response = %+v", first)
	}
	for _, it := range first.Items {
		sum := 0.0
		for _, w := range it.Why {
			sum += w.Contribution
			if w.Cypher == "" || w.Path == nil || len(w.Path.Nodes) == 0 || w.Text == "" {
				t.Errorf("%s: reason without text, path or cypher: %+v", it.Product.ID, w)
			}
		}
		if math.Abs(sum-it.Score) > 1e-6 {
			t.Errorf("%s: score %v, sum of contributions %v", it.Product.ID, it.Score, sum)
		}
		// No recommended product contains the avoided ingredient or fragrance.
		var p productResponse
		getJSON(t, base+"/v1/products/"+it.Product.ID, http.StatusOK, &p)
		for _, in := range p.Ingredients {
			if in.INCI == "alcohol denat" || in.INCI == "fragrance" {
				t.Errorf("%s contains %s, which the profile excludes", it.Product.ID, in.INCI)
			}
		}
	}

	// The next page continues the ranking without repeats.
	req["cursor"] = *first.NextCursor
	resp, body = post(t, base+"/v1/recommendations", req)
	var second recResponse
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &second) != nil || len(second.Items) == 0 {
		t.Fatalf("second page: %d %s", resp.StatusCode, body)
	}
	for _, it := range second.Items {
		for _, f := range first.Items {
			if f.Product.ID == it.Product.ID {
				t.Errorf("%s on both pages", it.Product.ID)
			}
		}
		if it.Score > first.Items[len(first.Items)-1].Score+1e-12 {
			t.Errorf("page 2 item %s scores above page 1's last", it.Product.ID)
		}
	}

	// GET is cacheable: same ETag for the same canonical request, 304 on revalidation.
	url := base + "/v1/recommendations?skin_type=oily&concerns=pores,acne&limit=3"
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || !strings.Contains(resp.Header.Get("Cache-Control"), "max-age") {
		t.Fatalf("GET: status %d etag %q cache-control %q", resp.StatusCode, etag, resp.Header.Get("Cache-Control"))
	}
	r2, _ := http.NewRequest("GET", base+"/v1/recommendations?concerns=acne&concerns=pores&skin_type=Oily&limit=3", nil)
	r2.Header.Set("If-None-Match", etag)
	resp, err = http.DefaultClient.Do(r2)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotModified {
		t.Errorf("revalidation with the same canonical request: status %d, want 304", resp.StatusCode)
	}

	// Bad requests name every bad field.
	resp, body = post(t, base+"/v1/recommendations", map[string]any{
		"profile": map[string]any{"skin_type": "scaly", "concerns": []string{"acnee"}}, "limit": 500, "explain": "why"})
	var problem struct {
		Status int `json:"status"`
		Errors []struct {
			Field   string `json:"field"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &problem); err != nil || resp.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("bad request: %d %s", resp.StatusCode, body)
	}
	var fields []string
	for _, e := range problem.Errors {
		fields = append(fields, e.Field)
	}
	for _, want := range []string{"profile.skin_type", "profile.concerns[0]", "limit", "explain"} {
		if !slices.Contains(fields, want) {
			t.Errorf("problem does not name %s: %s", want, body)
		}
	}
	resp, body = post(t, base+"/v1/recommendations", map[string]any{"profile": map[string]any{"skin_typ": "oily"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `"field":"profile.skin_typ"`) {
		t.Errorf("unknown field: %d %s", resp.StatusCode, body)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

// TestSimilarAndStatusOverHTTP checks similar products with their why and the engine status.
func TestSimilarAndStatusOverHTTP(t *testing.T) {
	neo4jtest.Demo(t)
	s := start(t, existingNeo4j(t), "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	var sim struct {
		Items []struct {
			Product struct {
				ID string `json:"id"`
			} `json:"product"`
			Similarity float64 `json:"similarity"`
			Why        []struct {
				Kind string `json:"kind"`
				Text string `json:"text"`
			} `json:"why"`
		} `json:"items"`
	}
	getJSON(t, base+"/v1/products/demo-0001/similar?limit=5", http.StatusOK, &sim)
	if len(sim.Items) != 5 {
		t.Fatalf("similar = %+v", sim)
	}
	for i, it := range sim.Items {
		if it.Product.ID == "demo-0001" || len(it.Why) == 0 || it.Why[0].Kind != "embedding" {
			t.Errorf("item %d = %+v", i, it)
		}
		if i > 0 && it.Similarity > sim.Items[i-1].Similarity {
			t.Errorf("not sorted by similarity: %+v", sim.Items)
		}
	}
	getJSON(t, base+"/v1/products/nope/similar", http.StatusNotFound, nil)

	// Identical requests: after the first, they are cache hits (Ristretto admits sets
	// asynchronously, so give it a few requests), and the status shows them.
	for range 5 {
		resp, body := post(t, base+"/v1/recommendations", map[string]any{"profile": map[string]any{"skin_type": "dry"}})
		if resp.StatusCode != 200 {
			t.Fatalf("%d %s", resp.StatusCode, body)
		}
		time.Sleep(20 * time.Millisecond)
	}
	var st struct {
		DataVersion int64 `json:"data_version"`
		Projection  struct {
			Nodes int `json:"nodes"`
		} `json:"projection"`
		Cache struct {
			Hits uint64 `json:"hits"`
		} `json:"cache"`
	}
	getJSON(t, base+"/v1/status", http.StatusOK, &st)
	if st.DataVersion != 1 || st.Projection.Nodes == 0 || st.Cache.Hits == 0 {
		t.Errorf("status = %+v", st)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}

// TestProjectionFollowsLoads: a load committed while the API serves is reflected within
// seconds (the engine polls the data version), and no stale cached result survives it.
func TestProjectionFollowsLoads(t *testing.T) {
	store := neo4jtest.Demo(t)
	env := existingNeo4j(t)
	env["SKINGRAPH_REFRESH_INTERVAL"] = "200ms"
	s := start(t, env, "up", "--http-addr", "127.0.0.1:0")
	base := "http://" + s.addr
	req := map[string]any{"profile": map[string]any{"skin_type": "dry"}, "limit": 3, "explain": "none"}
	_, body := post(t, base+"/v1/recommendations", req)
	var before recResponse
	if err := json.Unmarshal(body, &before); err != nil || before.DataVersion != 1 {
		t.Fatalf("before: %s", body)
	}

	// A merchandiser load: the top product becomes unaffordable and a filter excludes it.
	ctx := t.Context()
	p, err := store.Product(ctx, before.Items[0].Product.ID)
	if err != nil {
		t.Fatal(err)
	}
	p.Price = 999
	res, err := store.WriteLoad(ctx, graph.Load{ID: "price-change", Kind: "products", Source: "test", Products: []graph.Product{p.Product}})
	if err != nil || res.Version.N != 2 {
		t.Fatalf("load: %+v %v", res, err)
	}
	req["filters"] = map[string]any{"max_price": 500}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, body = post(t, base+"/v1/recommendations", req)
		var after recResponse
		if err := json.Unmarshal(body, &after); err != nil {
			t.Fatal(err)
		}
		if after.DataVersion == 2 {
			for _, it := range after.Items {
				if it.Product.ID == p.ID {
					t.Errorf("%s costs 999 now but is still recommended under 500", p.ID)
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the API still serves data version %d 10 s after the load", after.DataVersion)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := s.stop(t); err != nil {
		t.Fatal(err)
	}
}
