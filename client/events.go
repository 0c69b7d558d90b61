package client

import (
	"context"
	"net/http"
	"time"
)

// The event types of POST /v1/events.
const (
	EventView      = "view"
	EventClick     = "click"
	EventAddToCart = "add_to_cart"
	EventPurchase  = "purchase"
	EventRating    = "rating" // Rating 1-5
	EventEffect    = "effect" // Effect: improved, breakout, ...
)

// Event is one feedback event (schema Event). ID is the client's: sending the same event
// again changes nothing.
type Event struct {
	ID        string     `json:"id"`
	Type      string     `json:"type"`
	ProductID string     `json:"product_id"`
	ProfileID string     `json:"profile_id,omitempty"`
	Rating    int        `json:"rating,omitempty"`
	Effect    string     `json:"effect,omitempty"`
	At        *time.Time `json:"at,omitempty"` // nil: when the server receives it
}

// EventsResult is the answer of POST /v1/events: every event is committed.
type EventsResult struct {
	Received   int `json:"received"`
	Created    int `json:"created"`
	Duplicates int `json:"duplicates"` // already recorded with the same content
}

// SendEvents records events (1 to 500) in one request.
func (c *Client) SendEvents(ctx context.Context, events ...Event) (*EventsResult, error) {
	var r EventsResult
	if err := c.Do(ctx, http.MethodPost, "/v1/events", struct {
		Events []Event `json:"events"`
	}{events}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}
