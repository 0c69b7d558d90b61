// Package client is a thin typed Go client of the skingraph HTTP API, written by hand over
// its OpenAPI document (GET /openapi.json, api/openapi.json): the types are the document's
// schemas, the errors its application/problem+json answers. It covers the calls an app
// makes (recommendations, products, status); anything else is one Do call away.
//
//	c := client.New("http://127.0.0.1:8080", client.WithAPIKey(key))
//	page, err := c.Recommend(ctx, client.RecommendationRequest{
//		Profile: client.Profile{SkinType: "oily", Concerns: []string{"acne"}}, Limit: 5})
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Client calls one skingraph server. It is safe for concurrent use.
type Client struct {
	base   string
	key    string
	http   *http.Client
	header http.Header
	onResp func(*http.Response)
}

// Option configures a Client.
type Option func(*Client)

// WithAPIKey sends key as X-API-Key (a server without keys, on loopback, needs none).
func WithAPIKey(key string) Option { return func(c *Client) { c.key = key } }

// WithHTTPClient uses hc instead of a client with a 30 s timeout.
func WithHTTPClient(hc *http.Client) Option { return func(c *Client) { c.http = hc } }

// WithHeader sends the header on every request, e.g. Accept-Encoding: gzip to measure
// compressed answers (with an http.Client whose transport does not decompress them).
func WithHeader(key, value string) Option {
	return func(c *Client) {
		if c.header == nil {
			c.header = http.Header{}
		}
		c.header.Add(key, value)
	}
}

// WithResponseHook calls f with every response (status and headers; before its body is
// read), e.g. to read Server-Timing. f may be called concurrently.
func WithResponseHook(f func(*http.Response)) Option { return func(c *Client) { c.onResp = f } }

// New returns a client of the server at base, e.g. "http://127.0.0.1:8080".
func New(base string, opts ...Option) *Client {
	c := &Client{base: strings.TrimRight(base, "/"), http: &http.Client{Timeout: 30 * time.Second}}
	for _, o := range opts {
		o(c)
	}
	return c
}

// Problem is an error answer of the API (RFC 9457), with the fields it names.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldIssue `json:"errors,omitempty"`
}

// FieldIssue names one bad field (and row, for uploads).
type FieldIssue struct {
	File    string `json:"file,omitempty"`
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *Problem) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "skingraph: %d %s", p.Status, p.Title)
	if p.Detail != "" {
		b.WriteString(": " + p.Detail)
	}
	for _, e := range p.Errors {
		fmt.Fprintf(&b, "; %s: %s", e.Field, e.Message)
	}
	return b.String()
}

// Profile is a skin profile (schema Profile plus the liked and disliked products of a request).
type Profile struct {
	SkinType         string   `json:"skin_type,omitempty"`
	SkinTone         string   `json:"skin_tone,omitempty"`
	Concerns         []string `json:"concerns,omitempty"`
	Sensitivities    []string `json:"sensitivities,omitempty"`
	AvoidIngredients []string `json:"avoid_ingredients,omitempty"`
	LikedProducts    []string `json:"liked_products,omitempty"`
	DislikedProducts []string `json:"disliked_products,omitempty"`
}

// Filters narrow the candidates.
type Filters struct {
	Categories []string `json:"categories,omitempty"`
	MaxPrice   float64  `json:"max_price,omitempty"`
	Brands     []string `json:"brands,omitempty"`
}

// RecommendationRequest is the body of POST /v1/recommendations.
type RecommendationRequest struct {
	Profile  Profile  `json:"profile"`
	Filters  Filters  `json:"filters,omitzero"`
	Limit    int      `json:"limit,omitempty"`
	Cursor   string   `json:"cursor,omitempty"`
	Explain  string   `json:"explain,omitempty"`  // none, summary (default) or full
	Warnings string   `json:"warnings,omitempty"` // item (default) or page (API v1.1)
	Fields   []string `json:"fields,omitempty"`
	// AssignmentID assigns the request to a variant of the experiment in force (a
	// pseudonymous profile id or a session id); without it the request gets the control.
	AssignmentID string `json:"assignment_id,omitempty"`
}

// ProductSummary is a product of a page.
type ProductSummary struct {
	ID          string  `json:"id"`
	Name        string  `json:"name,omitempty"`
	Brand       string  `json:"brand,omitempty"`
	Category    string  `json:"category,omitempty"`
	Price       float64 `json:"price,omitempty"`
	Rating      float64 `json:"rating,omitempty"`
	ReviewCount int     `json:"review_count,omitempty"`
}

// Why is one reason of a score.
type Why struct {
	Kind         string          `json:"kind"`
	Text         string          `json:"text"`
	Contribution float64         `json:"contribution"`
	Path         json.RawMessage `json:"path,omitempty"`
	Cypher       string          `json:"cypher,omitempty"`
	Evidence     map[string]any  `json:"evidence,omitempty"`
}

// Warning is a routine-conflict warning of an item: with warnings=item its text and
// ingredients; with warnings=page a reference (Conflict) to the page's Conflicts.
type Warning struct {
	Kind        string   `json:"kind"`
	With        string   `json:"with"`
	Text        string   `json:"text,omitempty"`
	Ingredients []string `json:"ingredients,omitempty"`
	Severity    float64  `json:"severity,omitempty"`
	Conflict    string   `json:"conflict,omitempty"`
}

// Conflict is a routine conflict of a page (warnings=page).
type Conflict struct {
	ID          string   `json:"id"`
	Products    []string `json:"products"`
	Ingredients []string `json:"ingredients"`
	Severity    float64  `json:"severity"`
	Text        string   `json:"text"`
}

// Item is one recommended product.
type Item struct {
	Product  ProductSummary `json:"product"`
	Score    float64        `json:"score"`
	Why      []Why          `json:"why,omitempty"`
	Warnings []Warning      `json:"warnings,omitempty"`
}

// RecommendationPage is a page of recommendations.
type RecommendationPage struct {
	Items       []Item    `json:"items"`
	NextCursor  *string   `json:"next_cursor"`
	DataVersion int64     `json:"data_version"`
	GeneratedAt time.Time `json:"generated_at"`
	// RecommendationID is unique per answer: send it with the view, click, add_to_cart and
	// purchase events of this page's products. Experiment and Variant are nil outside an
	// experiment.
	RecommendationID string     `json:"recommendation_id"`
	Experiment       *string    `json:"experiment"`
	Variant          *string    `json:"variant"`
	Degraded         bool       `json:"degraded"`
	Partial          bool       `json:"partial,omitempty"`
	Total            int        `json:"total,omitempty"`
	Conflicts        []Conflict `json:"conflicts,omitempty"`
	Excluded         struct {
		Count    int `json:"count"`
		Products []struct {
			ProductID  string `json:"product_id"`
			Ingredient string `json:"ingredient"`
			Reason     string `json:"reason"`
		} `json:"products"`
	} `json:"excluded"`
}

// Recommend asks POST /v1/recommendations.
func (c *Client) Recommend(ctx context.Context, req RecommendationRequest) (*RecommendationPage, error) {
	var page RecommendationPage
	if err := c.Do(ctx, http.MethodPost, "/v1/recommendations", req, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// Status is GET /v1/status.
type Status struct {
	DataVersion  int64  `json:"data_version"`
	Degraded     bool   `json:"degraded"`
	Neo4jCircuit string `json:"neo4j_circuit"` // closed, half-open or open
	Projection   struct {
		Nodes         int `json:"nodes"`
		Relationships int `json:"relationships"`
	} `json:"projection"`
}

// Status gets GET /v1/status.
func (c *Client) Status(ctx context.Context) (*Status, error) {
	var s Status
	if err := c.Do(ctx, http.MethodGet, "/v1/status", nil, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// Do sends body (JSON, when not nil) to path and decodes a 2xx answer into out (when not
// nil); any other answer is a *Problem.
func (c *Client) Do(ctx context.Context, method, path string, body, out any) error {
	_, err := c.do(ctx, method, path, nil, body, out)
	return err
}

// do is Do with request headers, returning the answer's headers.
func (c *Client) do(ctx context.Context, method, path string, headers map[string]string, body, out any) (http.Header, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("skingraph: encode request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return nil, fmt.Errorf("skingraph: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	req.Header.Set("Accept", "application/json")
	if c.key != "" {
		req.Header.Set("X-API-Key", c.key)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("skingraph: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	if c.onResp != nil {
		c.onResp(resp)
	}
	if _, ok := out.(discard); ok && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			return resp.Header, fmt.Errorf("skingraph: %s %s: read answer: %w", method, path, err)
		}
		return resp.Header, nil
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return resp.Header, fmt.Errorf("skingraph: %s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		p := &Problem{Status: resp.StatusCode, Title: http.StatusText(resp.StatusCode)}
		if err := json.Unmarshal(data, p); err != nil {
			p.Detail = strings.TrimSpace(string(data))
		}
		return resp.Header, p
	}
	if out == nil || len(data) == 0 {
		return resp.Header, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.Header, fmt.Errorf("skingraph: %s %s: decode answer: %w", method, path, err)
	}
	return resp.Header, nil
}

// discard is the type of Discard.
type discard struct{}

// Discard, as the out argument of Do or Recommend*To, reads a 2xx answer to its end and
// decodes nothing: load generators measure the server, not the client's JSON decoding.
var Discard any = discard{}

// RecommendTo asks POST /v1/recommendations and decodes the page into out (Discard: read and
// drop it).
func (c *Client) RecommendTo(ctx context.Context, req RecommendationRequest, out any) error {
	return c.Do(ctx, http.MethodPost, "/v1/recommendations", req, out)
}

// RecommendationQuery is a GET /v1/recommendations request: the simple, cacheable form
// (ETag, Cache-Control) of a recommendation request.
type RecommendationQuery struct {
	SkinType      string
	SkinTone      string
	Concerns      []string
	Sensitivities []string
	Categories    []string
	MaxPrice      float64
	Limit         int
	Explain       string
}

// Encode is the query string of q (without "?"), its parameters in a fixed order.
func (q RecommendationQuery) Encode() string {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("skin_type", q.SkinType)
	set("skin_tone", q.SkinTone)
	set("concerns", strings.Join(q.Concerns, ","))
	set("sensitivities", strings.Join(q.Sensitivities, ","))
	set("categories", strings.Join(q.Categories, ","))
	if q.MaxPrice > 0 {
		v.Set("max_price", strconv.FormatFloat(q.MaxPrice, 'f', -1, 64))
	}
	if q.Limit > 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	set("explain", q.Explain)
	return v.Encode()
}

// RecommendQuery asks GET /v1/recommendations.
func (c *Client) RecommendQuery(ctx context.Context, q RecommendationQuery) (*RecommendationPage, error) {
	var page RecommendationPage
	if err := c.RecommendQueryTo(ctx, q, &page); err != nil {
		return nil, err
	}
	return &page, nil
}

// RecommendQueryTo asks GET /v1/recommendations and decodes the page into out (Discard: read
// and drop it).
func (c *Client) RecommendQueryTo(ctx context.Context, q RecommendationQuery, out any) error {
	return c.Do(ctx, http.MethodGet, "/v1/recommendations?"+q.Encode(), nil, out)
}

// IsProblem reports whether err is a Problem with the given status.
func IsProblem(err error, status int) bool {
	var p *Problem
	return errors.As(err, &p) && p.Status == status
}
