package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
)

// EventRecorder records feedback events (feedback.Service implements it).
type EventRecorder interface {
	// RecordEvents validates and records a batch, all or nothing, and returns once it is
	// committed. Errors: *graph.ValidationError naming each bad event by index and field
	// (graph.ErrInvalid), *graph.ConflictError for ids recorded before with other content
	// (graph.ErrConflict), graph.ErrUnavailable when Neo4j cannot be reached.
	// Event ids and profile ids are scoped to the caller's tenant.
	RecordEvents(ctx context.Context, caller graph.Caller, events []graph.Event) (graph.EventResult, error)
}

// eventsRequest is the body of POST /v1/events.
type eventsRequest struct {
	Events []eventJSON `json:"events"`
}

type eventJSON struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	ProductID string `json:"product_id"`
	ProfileID string `json:"profile_id,omitempty"`
	Rating    int    `json:"rating,omitempty"`
	Effect    string `json:"effect,omitempty"`
	At        string `json:"at,omitempty"` // RFC 3339
	// RecommendationID and Position attribute a view, click, add_to_cart or purchase to the
	// recommendation answer that showed the product, and its 1-based position there.
	RecommendationID string `json:"recommendation_id,omitempty"`
	Position         *int   `json:"position,omitempty"`
}

// eventsHandler answers POST /v1/events: 200 {received, created, duplicates} once the
// events are committed to Neo4j; 422 naming every bad event by index and field, 409 naming
// the events whose ids were recorded with other content; nothing is written then.
func eventsHandler(rec EventRecorder) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		if rec == nil {
			return &Problem{Status: http.StatusNotImplemented, Title: "Not implemented", Detail: "feedback events are not enabled on this server"}
		}
		var req eventsRequest
		if err := decodeJSON(c, &req); err != nil {
			return err
		}
		events := make([]graph.Event, len(req.Events))
		verr := &graph.ValidationError{}
		for i, e := range req.Events {
			events[i] = graph.Event{ID: e.ID, Type: e.Type, ProductID: e.ProductID, ProfileID: e.ProfileID, Rating: e.Rating, Effect: e.Effect,
				RecommendationID: e.RecommendationID}
			if e.Position != nil {
				if *e.Position < 1 || *e.Position > graph.MaxEventPosition {
					verr.Add(0, fmt.Sprintf("events[%d].position", i), fmt.Sprintf("must be 1 to %d", graph.MaxEventPosition))
				}
				events[i].Position = *e.Position
			}
			if e.At != "" {
				at, err := time.Parse(time.RFC3339Nano, e.At)
				if err != nil {
					verr.Add(0, fmt.Sprintf("events[%d].at", i), fmt.Sprintf("must be an RFC 3339 time such as 2025-04-01T09:00:00Z, got %q", e.At))
				}
				events[i].At = at
			}
		}
		if err := verr.Err(); err != nil {
			return err
		}
		res, err := rec.RecordEvents(c.Request.Context(), callerOf(c), events)
		var cerr *graph.ConflictError
		if errors.As(err, &cerr) {
			p := &Problem{Status: http.StatusConflict, Title: "Conflict",
				Detail: "events with these ids were recorded before with other content; nothing of this request was recorded"}
			for _, f := range cerr.Fields {
				p.Errors = append(p.Errors, FieldIssue(f))
			}
			return p
		}
		if err != nil {
			return err
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"received": len(events), "created": res.Created, "duplicates": res.Duplicates})
		return nil
	}
}
