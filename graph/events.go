package graph

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Event types: what a person did with a product or reported about it.
const (
	EventView      = "view"
	EventClick     = "click"
	EventAddToCart = "add_to_cart"
	EventPurchase  = "purchase"
	EventRating    = "rating" // carries Rating (1-5)
	EventEffect    = "effect" // carries Effect (one of Effects)
)

// EventTypes lists the event types, in the order the API documents them.
var EventTypes = []string{EventView, EventClick, EventAddToCart, EventPurchase, EventRating, EventEffect}

// MaxEventBatch bounds how many events one request may carry.
const MaxEventBatch = 500

// MaxEventPosition bounds the position of an attributed event (the deepest a ranking goes).
const MaxEventPosition = 10_100

// maxEventID bounds event ids and client profile ids.
const maxEventID = 128

// Event is one feedback event. Events are idempotent by ID: the same ID recorded twice
// counts once, and the same ID with different content is a conflict.
type Event struct {
	ID        string
	Type      string // one of EventTypes
	ProductID string
	// ProfileID is the pseudonymous profile id (never the client's own id) once the event has
	// been accepted; "" for an anonymous event.
	ProfileID string
	Rating    int       // 1-5, rating events only
	Effect    string    // canonical name of Effects, effect events only
	At        time.Time // when it happened; the receive time when the client did not say
	AtGiven   bool      // whether the client gave At (only then is it part of the content)
	// RecommendationID is the recommendation answer that showed the product (view, click,
	// add_to_cart and purchase events only; "" = not attributed), and Position the product's
	// 1-based position in that answer's ranking (0 = not given). ValidateEvents sets
	// Experiment and Variant from the id ("" outside an experiment).
	RecommendationID    string
	Position            int
	Experiment, Variant string
	// The profile's skin attributes when the event was recorded: rating and effect events
	// of a profile count towards the outcomes of these attributes.
	SkinType string
	SkinTone string
	Concerns []string
	// Tenant is the tenant of the API key that sent the event: event ids and profiles are
	// scoped to it. Source is the id of that key ("" without keys): evidence is capped per
	// source (EvidenceCaps).
	Tenant string
	Source string
}

// RecordedEvent is an event as the store keeps it: with the time the server recorded it and
// its content hash (Event.ContentHash at the time).
type RecordedEvent struct {
	Event
	ReceivedAt time.Time
	Hash       string
}

// Outcome reports whether the event changes outcome aggregates (ratings and effects).
func (e Event) Outcome() bool { return e.Type == EventRating || e.Type == EventEffect }

// ContentHash identifies what the client said about the event: the same id with another hash
// is a conflict. The receive time and the profile's attributes are not part of it.
func (e Event) ContentHash() string {
	at := ""
	if e.AtGiven {
		at = e.At.UTC().Format(time.RFC3339Nano)
	}
	parts := []string{e.Type, e.ProductID, e.ProfileID, strconv.Itoa(e.Rating), e.Effect, at}
	if e.RecommendationID != "" || e.Position != 0 { // so that unattributed events keep their hashes
		parts = append(parts, e.RecommendationID, strconv.Itoa(e.Position))
	}
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return hex.EncodeToString(sum[:16])
}

// EventResult says what recording one batch of events did.
type EventResult struct {
	Created    int // events recorded now
	Duplicates int // events already recorded with the same content (ignored)
}

// ValidateEvents checks a batch of events and returns them canonicalised (effect names, UTC
// times; At set to now when not given). Every bad event is named by its index and field
// (events[3].rating) in a *ValidationError; then nothing is returned. Profile ids are
// checked for shape only: they are still the client's ids.
func ValidateEvents(events []Event, now time.Time) ([]Event, error) {
	verr := &ValidationError{}
	switch {
	case len(events) == 0:
		verr.Add(0, "events", "must hold at least one event")
	case len(events) > MaxEventBatch:
		verr.Add(0, "events", fmt.Sprintf("may hold at most %d events, got %d", MaxEventBatch, len(events)))
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	out := make([]Event, len(events))
	firstOf := map[string]int{}
	for i, e := range events {
		f := func(name string) string { return fmt.Sprintf("events[%d].%s", i, name) }
		if msg := checkID(e.ID); msg != "" {
			verr.Add(0, f("id"), msg)
		} else if j, dup := firstOf[e.ID]; dup {
			verr.Add(0, f("id"), fmt.Sprintf("repeats the id of events[%d]", j))
		} else {
			firstOf[e.ID] = i
		}
		switch e.Type {
		case EventView, EventClick, EventAddToCart, EventPurchase, EventRating, EventEffect:
		case "":
			verr.Add(0, f("type"), "required")
		default:
			verr.Add(0, f("type"), fmt.Sprintf("unknown event type %q: want one of %s", e.Type, strings.Join(EventTypes, ", ")))
		}
		if e.ProductID == "" {
			verr.Add(0, f("product_id"), "required")
		} else if utf8.RuneCountInString(e.ProductID) > maxEventID {
			verr.Add(0, f("product_id"), fmt.Sprintf("may be at most %d characters long", maxEventID))
		}
		if e.ProfileID != "" {
			if msg := checkID(e.ProfileID); msg != "" {
				verr.Add(0, f("profile_id"), msg)
			}
		}
		switch {
		case e.Type == EventRating && (e.Rating < 1 || e.Rating > 5):
			verr.Add(0, f("rating"), fmt.Sprintf("a rating event needs a rating from 1 to 5, got %d", e.Rating))
		case e.Type != EventRating && e.Rating != 0:
			verr.Add(0, f("rating"), "only rating events carry a rating")
		}
		switch {
		case e.Type == EventEffect && e.Effect == "":
			verr.Add(0, f("effect"), "an effect event needs an effect: one of "+strings.Join(Effects.Names(), ", "))
		case e.Type == EventEffect:
			name, ok := Effects.Canonical(e.Effect)
			if !ok {
				verr.Add(0, f("effect"), unknownTerm(Effects, e.Effect))
			}
			e.Effect = name
		case e.Effect != "":
			verr.Add(0, f("effect"), "only effect events carry an effect")
		}
		attributable := e.Type == EventView || e.Type == EventClick || e.Type == EventAddToCart || e.Type == EventPurchase
		switch {
		case e.RecommendationID == "":
		case !attributable:
			verr.Add(0, f("recommendation_id"), "only view, click, add_to_cart and purchase events are attributed to a recommendation")
		default:
			exp, variant, ok := ParseRecommendationID(e.RecommendationID)
			if !ok {
				verr.Add(0, f("recommendation_id"), "not a recommendation_id this API issued")
			}
			e.Experiment, e.Variant = exp, variant
		}
		switch {
		case e.Position == 0:
		case e.RecommendationID == "":
			verr.Add(0, f("position"), "a position needs the recommendation_id of the answer it is a position in")
		case e.Position < 1 || e.Position > MaxEventPosition:
			verr.Add(0, f("position"), fmt.Sprintf("must be 1 to %d", MaxEventPosition))
		}
		if e.At.IsZero() {
			e.At, e.AtGiven = now.UTC(), false
		} else {
			e.At, e.AtGiven = e.At.UTC(), true
			if e.At.After(now.Add(24 * time.Hour)) {
				verr.Add(0, f("at"), "is more than a day in the future")
			}
		}
		out[i] = e
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// checkID checks an event id or a client's profile id: 1-128 bytes, no control characters.
// It returns what is wrong, "" when nothing is.
func checkID(id string) string {
	switch {
	case id == "":
		return "required"
	case utf8.RuneCountInString(id) > maxEventID:
		return fmt.Sprintf("may be at most %d characters long", maxEventID)
	}
	for _, r := range id {
		if r < ' ' || r == 0x7f {
			return "may not hold control characters"
		}
	}
	return ""
}

// unknownTerm says a term is not in a vocabulary, with a suggestion when one is close.
func unknownTerm(v *Vocabulary, term string) string {
	msg := fmt.Sprintf("unknown %s %q", v.Kind(), term)
	if s := v.Suggest(term); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

// ConflictError names the events of a batch whose ids were recorded before with other
// content. It wraps ErrConflict.
type ConflictError struct {
	Fields []FieldError
}

func (e *ConflictError) Error() string {
	if len(e.Fields) == 0 {
		return "conflict"
	}
	return fmt.Sprintf("conflict: %s (%d in all)", e.Fields[0].Error(), len(e.Fields))
}

// Unwrap makes errors.Is(err, ErrConflict) true for every ConflictError.
func (e *ConflictError) Unwrap() error { return ErrConflict }
