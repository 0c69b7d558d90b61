package client

import (
	"context"
	"net/http"
	"net/url"
	"time"
)

// SkinProfile is a stored skin profile (schema Profile).
type SkinProfile struct {
	SkinType         string   `json:"skin_type,omitempty"`
	SkinTone         string   `json:"skin_tone,omitempty"`
	Concerns         []string `json:"concerns,omitempty"`
	Sensitivities    []string `json:"sensitivities,omitempty"`
	AvoidIngredients []string `json:"avoid_ingredients,omitempty"`
}

// StoredProfile is a profile as the server keeps it, under a pseudonym of the client's id.
type StoredProfile struct {
	Pseudonym   string      `json:"pseudonym"`
	Profile     SkinProfile `json:"profile"`
	ConsentedAt time.Time   `json:"consented_at"`
	UpdatedAt   time.Time   `json:"updated_at"`
}

// ExportedEvent is an event of a profile's export.
type ExportedEvent struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	ProductID string    `json:"product_id"`
	Rating    int       `json:"rating,omitempty"`
	Effect    string    `json:"effect,omitempty"`
	At        time.Time `json:"at"`
	AtGiven   bool      `json:"at_given"`
	SkinType  string    `json:"skin_type,omitempty"`
	SkinTone  string    `json:"skin_tone,omitempty"`
	Concerns  []string  `json:"concerns,omitempty"`
}

// ProfileExport is everything stored for a profile id: the profile and its events.
type ProfileExport struct {
	StoredProfile
	Events []ExportedEvent `json:"events"`
}

// PutProfile stores (or replaces) the profile of the person the app calls id, with their
// consent (the server refuses a profile without it).
func (c *Client) PutProfile(ctx context.Context, id string, p SkinProfile) (*StoredProfile, error) {
	var out StoredProfile
	body := struct {
		Consent bool        `json:"consent"`
		Profile SkinProfile `json:"profile"`
	}{true, p}
	if err := c.Do(ctx, http.MethodPut, "/v1/profiles/"+url.PathEscape(id), body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ExportProfile gets everything stored for id (GET /v1/profiles/{id}/export).
func (c *Client) ExportProfile(ctx context.Context, id string) (*ProfileExport, error) {
	var out ProfileExport
	if err := c.Do(ctx, http.MethodGet, "/v1/profiles/"+url.PathEscape(id)+"/export", nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteProfile erases id's profile and events.
func (c *Client) DeleteProfile(ctx context.Context, id string) error {
	return c.Do(ctx, http.MethodDelete, "/v1/profiles/"+url.PathEscape(id), nil, nil)
}
