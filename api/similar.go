package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"

	"github.com/skingraph/skingraph/ranker"
)

// similar answers GET /v1/products/{id}/similar?limit=N.
func (h *handlers) similar(c *gin.Context) error {
	limit := 10
	if v, given := c.GetQuery("limit"); given {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > ranker.MaxLimit {
			return &Problem{Status: http.StatusBadRequest, Title: "Invalid limit",
				Errors: []FieldIssue{{Field: "limit", Message: "must be a whole number from 1 to 100"}}}
		}
		limit = n
	}
	id := strings.TrimSpace(c.Param("id"))
	if err := graph.CheckProductID(id); err != nil {
		return &Problem{Status: http.StatusBadRequest, Title: "Invalid product id",
			Errors: []FieldIssue{{Field: "id", Message: err.Error()}}}
	}
	items, version, err := h.d.Recommender.Similar(c.Request.Context(), id, limit)
	if err != nil {
		return err
	}
	out := make([]gin.H, 0, len(items))
	for _, it := range items {
		whys := make([]whyJSON, 0, len(it.Why))
		for _, w := range it.Why {
			nodes, rels := make([]nodeJSON, 0, len(w.Path.Nodes)), make([]relJSON, 0, len(w.Path.Rels))
			path := toPathJSON(w.Path, &nodes, &rels)
			whys = append(whys, whyJSON{Kind: w.Kind, Text: w.Text, Contribution: w.Contribution, Path: &path, Cypher: w.Cypher, Evidence: w.Evidence})
		}
		out = append(out, gin.H{"product": productFieldsJSON(it.Product, nil), "similarity": it.Similarity, "why": whys})
	}
	privateCache(c, 60)
	c.JSON(http.StatusOK, gin.H{"items": out, "data_version": version.N, "generated_at": time.Now().UTC().Format(time.RFC3339Nano)})
	return nil
}

// status answers GET /v1/status: the projection, embeddings and cache as the engine sees them.
func (h *handlers) status(c *gin.Context) error {
	st := h.d.Recommender.Stats()
	c.Header("Cache-Control", "no-store")
	out := gin.H{
		"data_version": st.Version.N,
		"projection": gin.H{
			"built_at": st.BuiltAt.Format(time.RFC3339Nano), "build_ms": st.BuildTime.Milliseconds(),
			"embed_ms": st.EmbedTime.Milliseconds(), "nodes": st.Nodes, "relationships": st.Edges,
		},
		"cache":    cacheStatus(st, h.pages),
		"degraded": st.LastError != "",
	}
	if b, ok := h.d.Health.(breaker); ok && b.BreakerState() != "" {
		out["neo4j_circuit"] = b.BreakerState()
	}
	if st.LastError != "" {
		out["last_refresh_error_at"] = st.LastErrorAt.Format(time.RFC3339Nano)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

// cacheStatus describes the two caches a recommendation passes: the encoded pages (asked
// first; a hit skips the engine) and the engine's ranked results (asked on a page miss). Hits
// count the requests answered without ranking (either cache), misses the ones ranked.
func cacheStatus(st ranker.EngineStats, pages *pageCache) gin.H {
	pageHits, pageMisses := pages.counts()
	hits, misses := pageHits+st.CacheHits, st.CacheMisses
	ratio := 0.0
	if hits+misses > 0 {
		ratio = float64(hits) / float64(hits+misses)
	}
	return gin.H{
		"hits": hits, "misses": misses, "hit_ratio": ratio,
		"pages":   gin.H{"hits": pageHits, "misses": pageMisses},
		"results": gin.H{"hits": st.CacheHits, "misses": st.CacheMisses, "hit_ratio": st.CacheHitRatio},
		"warmed":  st.LastWarm.Requests, "warm_ms": st.LastWarm.Took.Milliseconds(),
	}
}
