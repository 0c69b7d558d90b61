package feedback

import (
	"context"
	"fmt"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// ProfileStore keeps consented profiles under pseudonyms (cypher.Store implements it).
type ProfileStore interface {
	// PutProfile creates or replaces a profile; created says whether it is new.
	PutProfile(ctx context.Context, p graph.StoredProfile) (graph.StoredProfile, bool, error)
	// ExportProfile returns the profile and its events; graph.ErrNotFound when there is none.
	ExportProfile(ctx context.Context, id string) (graph.ProfileExport, error)
	// EraseProfile deletes the profile, its events and their contribution to outcomes.
	EraseProfile(ctx context.Context, id string) (bool, error)
}

// profileNamespace prefixes profile pseudonyms.
const profileNamespace = "profile"

// Service records events and keeps profiles. Without a Pseudonymizer, profiles are disabled:
// profile calls and events naming a profile are refused, anonymous events still recorded.
type Service struct {
	batcher *Batcher
	store   ProfileStore
	pseudo  *graph.Pseudonymizer
	now     func() time.Time
}

// NewService returns a Service; pseudo may be nil (profiles disabled), now nil (time.Now).
func NewService(b *Batcher, store ProfileStore, pseudo *graph.Pseudonymizer, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{batcher: b, store: store, pseudo: pseudo, now: now}
}

// ProfilesEnabled reports whether a pseudonym key is configured.
func (s *Service) ProfilesEnabled() bool { return s.pseudo != nil }

// RecordEvents validates a batch of events of the caller's tenant, replaces client profile ids
// by their pseudonyms within the tenant and records the batch, all or nothing. Errors:
// *graph.ValidationError naming each bad event by index and field (also for unknown products
// and profiles without consent: another tenant's profile is unknown), *graph.ConflictError
// for ids the tenant recorded before with other content, graph.ErrUnavailable.
func (s *Service) RecordEvents(ctx context.Context, caller graph.Caller, events []graph.Event) (graph.EventResult, error) {
	events, err := graph.ValidateEvents(events, s.now())
	if err != nil {
		return graph.EventResult{}, err
	}
	tenant := caller.TenantOrLocal()
	verr := &graph.ValidationError{}
	for i := range events {
		events[i].Tenant, events[i].Source = tenant, caller.Key
		if events[i].ProfileID == "" {
			continue
		}
		if s.pseudo == nil {
			verr.Add(0, fmt.Sprintf("events[%d].profile_id", i), "profiles are not enabled on this server (no pseudonym key configured)")
			continue
		}
		events[i].ProfileID = s.pseudo.TenantPseudonym(profileNamespace, tenant, events[i].ProfileID)
	}
	if err := verr.Err(); err != nil {
		return graph.EventResult{}, err
	}
	res, err := s.batcher.Submit(ctx, events)
	if err != nil {
		return graph.EventResult{}, fmt.Errorf("feedback: record events: %w", err)
	}
	return res, nil
}

// PutProfile stores a profile under the pseudonym of clientID within the caller's tenant,
// only with consent. It returns the stored profile and whether it was created. Without
// consent nothing is stored and the error (graph.ErrInvalid) names the field "consent".
func (s *Service) PutProfile(ctx context.Context, caller graph.Caller, clientID string, consent bool, p graph.SkinProfile) (graph.StoredProfile, bool, error) {
	id, err := s.pseudonym(caller, clientID)
	if err != nil {
		return graph.StoredProfile{}, false, err
	}
	verr := &graph.ValidationError{}
	if !consent {
		verr.Add(0, "consent", "must be true: a profile is stored only with the person's consent")
	}
	p, err = graph.ValidateProfile(p)
	if err != nil {
		verr.Fields = append(verr.Fields, err.(*graph.ValidationError).Fields...)
	}
	if err := verr.Err(); err != nil {
		return graph.StoredProfile{}, false, err
	}
	stored, created, err := s.store.PutProfile(ctx, graph.StoredProfile{ID: id, Profile: p, UpdatedAt: s.now().UTC()})
	if err != nil {
		return graph.StoredProfile{}, false, fmt.Errorf("feedback: put profile: %w", err)
	}
	return stored, created, nil
}

// ExportProfile returns everything stored for clientID in the caller's tenant;
// graph.ErrNotFound when nothing is (also when another tenant has a profile of that id).
func (s *Service) ExportProfile(ctx context.Context, caller graph.Caller, clientID string) (graph.ProfileExport, error) {
	id, err := s.pseudonym(caller, clientID)
	if err != nil {
		return graph.ProfileExport{}, err
	}
	exp, err := s.store.ExportProfile(ctx, id)
	if err != nil {
		return graph.ProfileExport{}, fmt.Errorf("feedback: export profile: %w", err)
	}
	return exp, nil
}

// EraseProfile erases the profile of clientID in the caller's tenant, its events and their
// contribution to the outcome aggregates. graph.ErrNotFound when the tenant has no such
// profile, so that erasing answers like the other profile routes.
func (s *Service) EraseProfile(ctx context.Context, caller graph.Caller, clientID string) error {
	id, err := s.pseudonym(caller, clientID)
	if err != nil {
		return err
	}
	erased, err := s.store.EraseProfile(ctx, id)
	if err != nil {
		return fmt.Errorf("feedback: erase profile: %w", err)
	}
	if !erased {
		return fmt.Errorf("feedback: erase profile: %w", graph.ErrNotFound)
	}
	return nil
}

// pseudonym validates a client id and returns its pseudonym within the caller's tenant.
func (s *Service) pseudonym(caller graph.Caller, clientID string) (string, error) {
	if s.pseudo == nil {
		return "", ErrProfilesDisabled
	}
	if err := graph.ValidateClientID(clientID); err != nil {
		return "", err
	}
	return s.pseudo.TenantPseudonym(profileNamespace, caller.TenantOrLocal(), clientID), nil
}

// ErrProfilesDisabled is returned by profile calls when no pseudonym key is configured.
var ErrProfilesDisabled = fmt.Errorf("%w: profiles are not enabled on this server (no pseudonym key configured)", graph.ErrUnavailable)
