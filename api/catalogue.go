package api

import (
	"net/http"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// search answers GET /v1/search?q=..&limit=N: products and ingredients by full text.
func (h *handlers) search(c *gin.Context) error {
	q := strings.TrimSpace(c.Query("q"))
	verr := &graph.ValidationError{}
	if q == "" || utf8.RuneCountInString(q) > 200 {
		verr.Add(0, "q", "must be 1 to 200 characters")
	}
	limit := 10
	if v, given := c.GetQuery("limit"); given {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 50 {
			verr.Add(0, "limit", "must be a whole number from 1 to 50")
		}
		limit = n
	}
	if err := verr.Err(); err != nil {
		return err
	}
	var hits []graph.SearchHit
	// A query without a letter or digit has no word to look for: no hits (the document
	// allows any text of 1 to 200 characters; JSON Schema's regexes cannot say "a letter").
	if strings.IndexFunc(q, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0 {
		var err error
		if hits, err = h.d.Catalogue.Search(c.Request.Context(), q, limit); err != nil {
			return err
		}
	}
	out := make([]gin.H, 0, len(hits))
	for _, hit := range hits {
		o := gin.H{"kind": hit.Kind, "key": hit.Key, "name": hit.Name, "score": hit.Score}
		if hit.Brand != "" {
			o["brand"] = hit.Brand
		}
		out = append(out, o)
	}
	privateCache(c, 60)
	c.JSON(http.StatusOK, gin.H{"query": q, "hits": out})
	return nil
}

// ingredient answers GET /v1/ingredients/{inci}; any spelling of the name works
// ("Aqua", "Niacinamide 10%").
func (h *handlers) ingredient(c *gin.Context) error {
	raw := c.Param("inci")
	key := inci.Default().Key(raw)
	if key == "" || !strings.ContainsFunc(raw, isASCIILetter) {
		// The document's pattern is "[A-Za-z]": INCI names are written in Latin letters.
		return &graph.FieldError{Field: "inci", Message: "not an ingredient name: it needs a letter A-Z or a-z"}
	}
	d, err := h.d.Catalogue.Ingredient(c.Request.Context(), key)
	if err != nil {
		return err
	}
	treats := make([]gin.H, 0, len(d.Treats))
	for _, t := range d.Treats {
		treats = append(treats, gin.H{"concern": t.Concern, "efficacy": t.Efficacy, "evidence": t.Evidence, "source": t.Source})
	}
	aggr := make([]gin.H, 0, len(d.Aggravates))
	for _, a := range d.Aggravates {
		aggr = append(aggr, gin.H{"kind": a.Kind, "target": a.Target, "severity": a.Severity, "reason": a.Reason, "source": a.Source})
	}
	conf := make([]gin.H, 0, len(d.Conflicts))
	for _, k := range d.Conflicts {
		conf = append(conf, gin.H{"inci": k.INCI, "severity": k.Severity, "reason": k.Reason, "source": k.Source})
	}
	privateCache(c, 300)
	c.JSON(http.StatusOK, gin.H{
		"inci": d.INCI, "name": d.Name, "aliases": nonNil(d.Aliases), "functions": nonNil(d.Functions),
		"comedogenic": d.Comedogenic, "curated": d.Curated, "source": d.Source, "product_count": d.ProductCount,
		"treats": treats, "aggravates": aggr, "conflicts": conf,
	})
	return nil
}

// routineCheck answers POST /v1/routine/check {product_ids}: ingredient conflicts between
// the products of a routine, with reasons.
func (h *handlers) routineCheck(c *gin.Context) error {
	var in struct {
		ProductIDs []string `json:"product_ids"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	conflicts, err := h.d.Recommender.CheckRoutine(c.Request.Context(), in.ProductIDs)
	if err != nil {
		return err
	}
	out := make([]gin.H, 0, len(conflicts))
	for _, k := range conflicts {
		out = append(out, gin.H{"products": k.Products, "ingredients": k.Ingredients, "severity": k.Severity, "reason": k.Reason, "text": k.Text})
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, gin.H{"conflicts": out, "ok": len(out) == 0})
	return nil
}

// isASCIILetter reports whether r is a letter A-Z or a-z.
func isASCIILetter(r rune) bool { return r < 128 && unicode.IsLetter(r) }
