package api

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
	"github.com/skingraph/skingraph/graph"
)

// Profiles keeps consented skin profiles under pseudonyms (feedback.Service implements it).
// Ids are the clients' own, scoped to the caller's tenant (the tenant of its API key); the
// implementation pseudonymises them before anything is stored.
type Profiles interface {
	// PutProfile stores a profile, only with consent (graph.ErrInvalid naming "consent"
	// otherwise); created says whether it is new.
	PutProfile(ctx context.Context, caller graph.Caller, clientID string, consent bool, p graph.SkinProfile) (graph.StoredProfile, bool, error)
	// ExportProfile returns everything stored for the id; graph.ErrNotFound when nothing is.
	ExportProfile(ctx context.Context, caller graph.Caller, clientID string) (graph.ProfileExport, error)
	// EraseProfile erases the profile, its events and their contribution to outcomes;
	// graph.ErrNotFound when the caller's tenant has no such profile.
	EraseProfile(ctx context.Context, caller graph.Caller, clientID string) error
}

// callerOf is who makes the request: the tenant and id of its API key, or the local tenant
// when the server has no keys.
func callerOf(c *gin.Context) graph.Caller {
	if v, ok := c.Get(apiKeyName); ok {
		if k, ok := v.(auth.Key); ok {
			return graph.Caller{Tenant: k.TenantOrID(), Key: k.ID}
		}
	}
	return graph.Caller{Tenant: graph.LocalTenant}
}

// registerProfiles adds the profile routes; with p nil they answer 501.
func registerProfiles(r gin.IRoutes, log zerolog.Logger, p Profiles) {
	h := profileHandlers{p: p}
	r.PUT("/profiles/:id", handle(log, h.put))
	r.GET("/profiles/:id/export", handle(log, h.export))
	r.DELETE("/profiles/:id", handle(log, h.erase))
}

type profileHandlers struct{ p Profiles }

type skinProfileJSON struct {
	SkinType         string   `json:"skin_type,omitempty"`
	SkinTone         string   `json:"skin_tone,omitempty"`
	Concerns         []string `json:"concerns"`
	Sensitivities    []string `json:"sensitivities"`
	AvoidIngredients []string `json:"avoid_ingredients"`
}

type putProfileRequest struct {
	Consent bool            `json:"consent" api:"required"`
	Profile skinProfileJSON `json:"profile" api:"required"`
}

type storedProfileJSON struct {
	Pseudonym   string          `json:"pseudonym"`
	Profile     skinProfileJSON `json:"profile"`
	ConsentedAt time.Time       `json:"consented_at"`
	UpdatedAt   time.Time       `json:"updated_at"`
}

type exportedEventJSON struct {
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
	// RecommendationID and Position: the answer the event was attributed to.
	RecommendationID string `json:"recommendation_id,omitempty"`
	Position         int    `json:"position,omitempty"`
}

type profileExportJSON struct {
	storedProfileJSON
	Events []exportedEventJSON `json:"events"`
}

func (h profileHandlers) enabled() error {
	if h.p == nil {
		return &Problem{Status: http.StatusNotImplemented, Title: "Not implemented",
			Detail: "profiles are not enabled on this server (no pseudonym key configured)"}
	}
	return nil
}

// put answers PUT /v1/profiles/{id}: 201 when created, 200 when replaced; 422 without consent.
func (h profileHandlers) put(c *gin.Context) error {
	if err := h.enabled(); err != nil {
		return err
	}
	var req putProfileRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	in := graph.SkinProfile{SkinType: req.Profile.SkinType, SkinTone: req.Profile.SkinTone, Concerns: req.Profile.Concerns,
		Sensitivities: req.Profile.Sensitivities, AvoidIngredients: req.Profile.AvoidIngredients}
	stored, created, err := h.p.PutProfile(c.Request.Context(), callerOf(c), c.Param("id"), req.Consent, in)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(status, toStoredProfileJSON(stored))
	return nil
}

// export answers GET /v1/profiles/{id}/export with everything stored for the id.
func (h profileHandlers) export(c *gin.Context) error {
	if err := h.enabled(); err != nil {
		return err
	}
	exp, err := h.p.ExportProfile(c.Request.Context(), callerOf(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := profileExportJSON{storedProfileJSON: toStoredProfileJSON(exp.Profile), Events: make([]exportedEventJSON, 0, len(exp.Events))}
	for _, e := range exp.Events {
		out.Events = append(out.Events, exportedEventJSON{ID: e.ID, Type: e.Type, ProductID: e.ProductID, Rating: e.Rating,
			Effect: e.Effect, At: e.At, AtGiven: e.AtGiven, SkinType: e.SkinType, SkinTone: e.SkinTone, Concerns: e.Concerns,
			RecommendationID: e.RecommendationID, Position: e.Position})
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, out)
	return nil
}

// erase answers DELETE /v1/profiles/{id}: 204 once erased; 404 when the caller's tenant has
// no such profile (another tenant's profile of that id is not the caller's).
func (h profileHandlers) erase(c *gin.Context) error {
	if err := h.enabled(); err != nil {
		return err
	}
	if err := h.p.EraseProfile(c.Request.Context(), callerOf(c), c.Param("id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}

func toStoredProfileJSON(p graph.StoredProfile) storedProfileJSON {
	return storedProfileJSON{
		Pseudonym: p.ID,
		Profile: skinProfileJSON{SkinType: p.Profile.SkinType, SkinTone: p.Profile.SkinTone, Concerns: nonNil(p.Profile.Concerns),
			Sensitivities: nonNil(p.Profile.Sensitivities), AvoidIngredients: nonNil(p.Profile.AvoidIngredients)},
		ConsentedAt: p.ConsentedAt, UpdatedAt: p.UpdatedAt,
	}
}
