package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// ProductDetail is a product with its label and the outcomes people reported (schema
// ProductDetail).
type ProductDetail struct {
	ID          string           `json:"id"`
	Name        string           `json:"name,omitempty"`
	Brand       string           `json:"brand,omitempty"`
	Category    string           `json:"category,omitempty"`
	Subcategory string           `json:"subcategory,omitempty"`
	Price       float64          `json:"price,omitempty"`
	Size        string           `json:"size,omitempty"`
	Rating      float64          `json:"rating,omitempty"`
	ReviewCount int              `json:"review_count,omitempty"`
	Highlights  []string         `json:"highlights,omitempty"`
	Claims      []string         `json:"claims,omitempty"`
	Suits       []string         `json:"suits,omitempty"`
	Ingredients []LabelEntry     `json:"ingredients,omitempty"`
	Outcomes    []ProductOutcome `json:"outcomes,omitempty"`
	InStock     *bool            `json:"in_stock,omitempty"` // false: out of stock, never recommended
}

// LabelEntry is one ingredient of a product's label.
type LabelEntry struct {
	INCI          string   `json:"inci"`
	Name          string   `json:"name,omitempty"`
	Position      int      `json:"position"`
	Concentration string   `json:"concentration,omitempty"`
	MayContain    bool     `json:"may_contain,omitempty"`
	List          string   `json:"list,omitempty"`
	Functions     []string `json:"functions,omitempty"`
	Comedogenic   *int     `json:"comedogenic,omitempty"`
}

// ProductOutcome is what reviewers of one skin attribute reported about a product.
type ProductOutcome struct {
	Kind          string         `json:"kind"`
	Attribute     string         `json:"attribute"`
	Count         int            `json:"count"`
	MeanRating    float64        `json:"mean_rating"`
	RecommendRate float64        `json:"recommend_rate"`
	Effects       map[string]int `json:"effects,omitempty"`
}

// Product gets GET /v1/products/{id}.
func (c *Client) Product(ctx context.Context, id string) (*ProductDetail, error) {
	var p ProductDetail
	if err := c.Do(ctx, http.MethodGet, "/v1/products/"+url.PathEscape(id), nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// SimilarItem is a product like another, with why.
type SimilarItem struct {
	Product    ProductSummary `json:"product"`
	Similarity float64        `json:"similarity"`
	Why        []Why          `json:"why,omitempty"`
}

// SimilarPage is the answer of GET /v1/products/{id}/similar.
type SimilarPage struct {
	Items       []SimilarItem `json:"items"`
	DataVersion int64         `json:"data_version"`
	GeneratedAt time.Time     `json:"generated_at"`
}

// Similar gets up to limit products like id (0: the server's default, 10).
func (c *Client) Similar(ctx context.Context, id string, limit int) (*SimilarPage, error) {
	path := "/v1/products/" + url.PathEscape(id) + "/similar"
	if limit > 0 {
		path += "?limit=" + strconv.Itoa(limit)
	}
	var p SimilarPage
	if err := c.Do(ctx, http.MethodGet, path, nil, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// SearchHit is a product or ingredient found by a search.
type SearchHit struct {
	Kind  string  `json:"kind"` // product or ingredient
	Key   string  `json:"key"`  // product id or INCI key
	Name  string  `json:"name"`
	Brand string  `json:"brand,omitempty"`
	Score float64 `json:"score"`
}

// SearchResult is the answer of GET /v1/search.
type SearchResult struct {
	Query string      `json:"query"`
	Hits  []SearchHit `json:"hits"`
}

// Search finds products and ingredients by name, up to limit (0: the default, 10).
func (c *Client) Search(ctx context.Context, q string, limit int) (*SearchResult, error) {
	v := url.Values{"q": {q}}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var r SearchResult
	if err := c.Do(ctx, http.MethodGet, "/v1/search?"+v.Encode(), nil, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
