package graph

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// maxProfileList bounds the lists of a stored profile (concerns, sensitivities, avoided
// ingredients).
const maxProfileList = 50

// SkinProfile is what a person declares about their skin.
type SkinProfile struct {
	SkinType         string   // one of SkinTypes, "" when not said
	SkinTone         string   // one of SkinTones, "" when not said
	Concerns         []string // of Concerns
	Sensitivities    []string // of Sensitivities
	AvoidIngredients []string // ingredient names as the person wrote them
}

// StoredProfile is a profile as the graph keeps it: under a pseudonymous id, with the time
// consent was given. The client's own id is never part of it.
type StoredProfile struct {
	ID          string // the pseudonym (Pseudonymizer), not the client's id
	Profile     SkinProfile
	ConsentedAt time.Time // when consent was first given
	UpdatedAt   time.Time // the last PUT
}

// ProfileExport is everything stored for one profile id.
type ProfileExport struct {
	Profile StoredProfile
	Events  []Event
}

// ValidateProfile checks a profile and returns it with vocabulary terms canonical, lists
// de-duplicated and sorted. Every bad field is named (profile.concerns[1]).
func ValidateProfile(p SkinProfile) (SkinProfile, error) {
	verr := &ValidationError{}
	out := SkinProfile{}
	if p.SkinType != "" {
		if n, ok := SkinTypes.Canonical(p.SkinType); ok {
			out.SkinType = n
		} else {
			verr.Add(0, "profile.skin_type", unknownTerm(SkinTypes, p.SkinType))
		}
	}
	if p.SkinTone != "" {
		if n, ok := SkinTones.Canonical(p.SkinTone); ok {
			out.SkinTone = n
		} else {
			verr.Add(0, "profile.skin_tone", unknownTerm(SkinTones, p.SkinTone))
		}
	}
	out.Concerns = canonicalList(verr, "profile.concerns", Concerns, p.Concerns)
	out.Sensitivities = canonicalList(verr, "profile.sensitivities", Sensitivities, p.Sensitivities)
	if len(p.AvoidIngredients) > maxProfileList {
		verr.Add(0, "profile.avoid_ingredients", fmt.Sprintf("may hold at most %d names", maxProfileList))
	}
	seen := map[string]bool{}
	for i, name := range p.AvoidIngredients {
		name = strings.TrimSpace(name)
		switch {
		case name == "":
			verr.Add(0, fmt.Sprintf("profile.avoid_ingredients[%d]", i), "is empty")
		case utf8.RuneCountInString(name) > 200:
			verr.Add(0, fmt.Sprintf("profile.avoid_ingredients[%d]", i), "may be at most 200 characters long")
		case !seen[strings.ToLower(name)]:
			seen[strings.ToLower(name)] = true
			out.AvoidIngredients = append(out.AvoidIngredients, name)
		}
	}
	if err := verr.Err(); err != nil {
		return SkinProfile{}, err
	}
	return out, nil
}

// canonicalList canonicalises the terms of a list field, recording unknown ones.
func canonicalList(verr *ValidationError, field string, v *Vocabulary, terms []string) []string {
	if len(terms) > maxProfileList {
		verr.Add(0, field, fmt.Sprintf("may hold at most %d names", maxProfileList))
		return nil
	}
	seen := map[string]bool{}
	var out []string
	for i, t := range terms {
		n, ok := v.Canonical(t)
		if !ok {
			verr.Add(0, fmt.Sprintf("%s[%d]", field, i), unknownTerm(v, t))
			continue
		}
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sortStrings(out)
	return out
}

// ValidateClientID checks the id a client names its profile by (1-128 bytes, no control
// characters); the field is reported as "id".
func ValidateClientID(id string) error {
	if msg := checkID(id); msg != "" {
		return &FieldError{Field: "id", Message: msg}
	}
	return nil
}

// LocalTenant is the one tenant of a server without API keys.
const LocalTenant = "local"

// Caller is who asks for personal data: the tenant of its API key, which scopes profiles and
// event ids, and the key's id, per which evidence is capped (EvidenceCaps). A zero Caller is
// the LocalTenant's.
type Caller struct {
	Tenant string
	Key    string
}

// TenantOrLocal is the caller's tenant, LocalTenant when none is named.
func (c Caller) TenantOrLocal() string {
	if c.Tenant == "" {
		return LocalTenant
	}
	return c.Tenant
}
