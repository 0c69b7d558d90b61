package cypher

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// Profiles are sealed (:Profile {id}) nodes keyed by a pseudonym (graph.Pseudonymizer); the
// client's own id is never stored, and what the profile says is sealed (privacy.go). A profile
// exists only with consent: PutProfile is how consent is recorded, and EraseProfile removes
// the profile, its events and their contribution.

// PutProfile creates or replaces a profile. consented_at is set when the profile is created
// and kept afterwards; updated_at is p.UpdatedAt. created says whether the profile is new.
func (s *Store) PutProfile(ctx context.Context, p graph.StoredProfile) (graph.StoredProfile, bool, error) {
	v, err := s.needVault()
	if err != nil {
		return graph.StoredProfile{}, false, fmt.Errorf("cypher: put profile: %w", err)
	}
	var out graph.StoredProfile
	var created bool
	err = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		// MERGE and SET lock the node: a concurrent PUT of the same profile waits here.
		recs, err := txn.Run(ctx, tx, `
			MERGE (pr:Profile {id: $id})
			SET pr.consent = true
			// Plaintext fields of profiles written before sealing go with the first PUT.
			REMOVE pr.skin_type, pr.skin_tone, pr.concerns, pr.sensitivities, pr.avoid_ingredients,
			       pr.consented_at, pr.updated_at
			RETURN pr.sealed AS sealed`, map[string]any{"id": p.ID})
		if err != nil {
			return err
		}
		old := str(recs[0].Values[0])
		created = old == ""
		out = p
		out.UpdatedAt = p.UpdatedAt.UTC()
		out.ConsentedAt = out.UpdatedAt
		if !created {
			prev, err := openProfile(v, p.ID, old)
			if err != nil {
				return fmt.Errorf("%w: %w", graph.ErrUnavailable, err)
			}
			out.ConsentedAt = prev.ConsentedAt
		}
		out.Profile.Concerns = nilIfNone(out.Profile.Concerns)
		out.Profile.Sensitivities = nilIfNone(out.Profile.Sensitivities)
		out.Profile.AvoidIngredients = nilIfNone(out.Profile.AvoidIngredients)
		sealed, err := sealProfile(v, out)
		if err != nil {
			return err
		}
		_, err = txn.Run(ctx, tx, `MATCH (pr:Profile {id: $id}) SET pr.sealed = $sealed, pr.key = $key, pr.rev = $rev`,
			map[string]any{"id": p.ID, "sealed": sealed, "key": v.Keys.Current(), "rev": newRev()})
		return err
	})
	if err != nil {
		return graph.StoredProfile{}, false, fmt.Errorf("cypher: put profile: %w", err)
	}
	return out, created, nil
}

// ExportProfile returns everything stored under a profile id: the profile and its events,
// oldest first. graph.ErrNotFound when there is no such profile.
func (s *Store) ExportProfile(ctx context.Context, id string) (graph.ProfileExport, error) {
	v, err := s.needVault()
	if err != nil {
		return graph.ProfileExport{}, fmt.Errorf("cypher: export profile: %w", err)
	}
	recs, err := s.read(ctx, `
		MATCH (pr:Profile {id: $id})
		CALL (pr) {
			OPTIONAL MATCH (e:Event {owner: $owner})
			RETURN collect([e.id, e.sealed]) AS events
		}
		RETURN pr.sealed AS profile, events`, map[string]any{"id": id, "owner": ownerTag(v, id)})
	if err != nil {
		return graph.ProfileExport{}, fmt.Errorf("cypher: export profile: %w", err)
	}
	if len(recs) == 0 {
		return graph.ProfileExport{}, fmt.Errorf("cypher: export profile: %w", graph.ErrNotFound)
	}
	prof, err := openProfile(v, id, str(recs[0].Values[0]))
	if err != nil {
		return graph.ProfileExport{}, fmt.Errorf("cypher: export profile: %w: %w", graph.ErrUnavailable, err)
	}
	out := graph.ProfileExport{Profile: prof}
	for _, pair := range asSlice(recs[0].Values[1]) {
		kv := asSlice(pair)
		if len(kv) != 2 || kv[0] == nil {
			continue
		}
		e, err := openEvent(v, str(kv[0]), str(kv[1]))
		if err != nil {
			return graph.ProfileExport{}, fmt.Errorf("cypher: export profile: %w: %w", graph.ErrUnavailable, err)
		}
		e.ProfileID = id
		out.Events = append(out.Events, e.Event)
	}
	sortEventsByTime(out.Events)
	return out, nil
}

// EraseProfile deletes a profile and its events, takes the events off the products' counters,
// recomputes the outcome aggregates they contributed to and, when there were any, bumps the
// data version, all in one transaction. It reports whether there was a profile; erasing an
// unknown id does nothing.
func (s *Store) EraseProfile(ctx context.Context, id string) (bool, error) {
	v, err := s.needVault()
	if err != nil {
		return false, fmt.Errorf("cypher: erase profile: %w", err)
	}
	owner := ownerTag(v, id)
	var erased bool
	err = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		recs, err := txn.Run(ctx, tx, `
			MATCH (pr:Profile {id: $id})
			OPTIONAL MATCH (e:Event {owner: $owner})
			RETURN e.id AS id, e.sealed AS sealed`, map[string]any{"id": id, "owner": owner})
		if err != nil {
			return fmt.Errorf("profile events: %w", err)
		}
		erased = len(recs) > 0
		if !erased {
			return nil
		}
		counters := map[string]map[string]int64{}
		var touched []string
		for _, r := range toSealedRows(recs) {
			e, err := openEvent(v, r.ID, r.Sealed)
			if err != nil {
				return fmt.Errorf("profile events: %w: %w", graph.ErrUnavailable, err)
			}
			addCounter(counters, e.ProductID, e.Type, -1)
			if e.Outcome() {
				touched = append(touched, e.ProductID)
			}
		}
		if _, err := txn.Run(ctx, tx, `
			CALL () {
				MATCH (e:Event {owner: $owner})
				DETACH DELETE e
			}
			MATCH (pr:Profile {id: $id})
			DETACH DELETE pr`, map[string]any{"id": id, "owner": owner}); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if err := bumpCounters(ctx, tx, counters, false); err != nil {
			return err
		}
		if len(touched) == 0 {
			return nil
		}
		sort.Strings(touched)
		for _, b := range batches(dedupe(touched)) {
			params, err := s.outcomeParams(ctx, tx, b)
			if err != nil {
				return err
			}
			if _, err := txn.Run(ctx, tx, refreshOutcomesCypher, params); err != nil {
				return fmt.Errorf("outcomes: %w", err)
			}
		}
		if _, err := bumpVersion(ctx, tx, graph.ProductsChange(touched...)); err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("cypher: erase profile: %w", err)
	}
	return erased, nil
}

// Outcomes returns the outcome aggregates of every product, ordered by key (tests and checks
// compare them before and after events).
func (s *Store) Outcomes(ctx context.Context) ([]graph.Outcome, error) {
	recs, err := s.read(ctx, `MATCH (o:Outcome) RETURN o {.*} AS o ORDER BY o.key`, nil)
	if err != nil {
		return nil, fmt.Errorf("cypher: outcomes: %w", err)
	}
	out := make([]graph.Outcome, 0, len(recs))
	for _, r := range recs {
		out = append(out, toOutcome(asMap(r.AsMap()["o"])))
	}
	return out, nil
}

func toTime(v any) time.Time {
	t, _ := v.(time.Time)
	return t.UTC()
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func dedupe(ids []string) []string {
	seen := map[string]bool{}
	out := ids[:0:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// UsePseudonymKey records, per namespace of pseudonyms ("profile", "sephora"), the
// fingerprint of the key the first time one is used, and afterwards refuses another key with
// graph.ErrConflict: pseudonyms made under two keys do not match (a profile would be lost, a
// Sephora re-load would add every review again under new ids). legacy, when not "", is the
// fingerprint of the key older graphs were written with: a graph holding pseudonyms of the
// namespace ("sephora-..." reviewers) but no record is taken to be under it.
func (s *Store) UsePseudonymKey(ctx context.Context, namespace, fingerprint, legacy string) error {
	recs, err := s.write(ctx, `
		OPTIONAL MATCH (k:PseudonymKey {id: $ns})
		WITH k, $legacy <> '' AND EXISTS { MATCH (r:Reviewer) WHERE r.id STARTS WITH $ns + '-' } AS old
		WITH coalesce(k.fingerprint, CASE WHEN old THEN $legacy ELSE $fingerprint END) AS recorded
		MERGE (k:PseudonymKey {id: $ns})
		ON CREATE SET k.fingerprint = recorded, k.at = datetime()
		RETURN k.fingerprint AS recorded`, map[string]any{"ns": namespace, "fingerprint": fingerprint, "legacy": legacy})
	if err != nil {
		return fmt.Errorf("cypher: pseudonym key: %w", err)
	}
	if got := str(recs[0].AsMap()["recorded"]); got != fingerprint {
		return fmt.Errorf("cypher: pseudonym key: %w: the graph's %s pseudonyms were made under another key (fingerprint %s; this key's is %s): configure that key, or start from an empty graph",
			graph.ErrConflict, namespace, got, fingerprint)
	}
	return nil
}
