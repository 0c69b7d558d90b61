package cypher

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/graph"
)

// Profiles are (:Profile {id}) nodes keyed by a pseudonym (graph.Pseudonymizer); the client's
// own id is never stored. A profile exists only with consent: PutProfile is how consent is
// recorded, and EraseProfile removes the profile, its events and their contribution.

// PutProfile creates or replaces a profile. consented_at is set when the profile is created
// and kept afterwards; updated_at is p.UpdatedAt. created says whether the profile is new.
func (s *Store) PutProfile(ctx context.Context, p graph.StoredProfile) (graph.StoredProfile, bool, error) {
	params := map[string]any{
		"id": p.ID, "at": p.UpdatedAt.UTC(),
		"props": map[string]any{
			"skin_type": nilIfEmpty(p.Profile.SkinType), "skin_tone": nilIfEmpty(p.Profile.SkinTone),
			"concerns": nonNil(p.Profile.Concerns), "sensitivities": nonNil(p.Profile.Sensitivities),
			"avoid_ingredients": nonNil(p.Profile.AvoidIngredients),
		},
	}
	recs, err := s.write(ctx, `
		OPTIONAL MATCH (old:Profile {id: $id})
		WITH old IS NULL AS created
		MERGE (pr:Profile {id: $id})
		ON CREATE SET pr.consented_at = $at
		SET pr += $props, pr.updated_at = $at, pr.consent = true
		RETURN created, pr {.*} AS profile`, params)
	if err != nil {
		return graph.StoredProfile{}, false, fmt.Errorf("cypher: put profile: %w", err)
	}
	m := recs[0].AsMap()
	return toProfile(asMap(m["profile"])), m["created"] == true, nil
}

// ExportProfile returns everything stored under a profile id: the profile and its events,
// oldest first. graph.ErrNotFound when there is no such profile.
func (s *Store) ExportProfile(ctx context.Context, id string) (graph.ProfileExport, error) {
	recs, err := s.read(ctx, `
		MATCH (pr:Profile {id: $id})
		CALL (pr) {
			OPTIONAL MATCH (pr)-[:EMITTED]->(e:Event)
			WITH e ORDER BY e.at, e.id
			RETURN collect(e {.*}) AS events
		}
		RETURN pr {.*} AS profile, events`, map[string]any{"id": id})
	if err != nil {
		return graph.ProfileExport{}, fmt.Errorf("cypher: export profile: %w", err)
	}
	if len(recs) == 0 {
		return graph.ProfileExport{}, fmt.Errorf("cypher: export profile: %w", graph.ErrNotFound)
	}
	m := recs[0].AsMap()
	out := graph.ProfileExport{Profile: toProfile(asMap(m["profile"]))}
	for _, e := range asSlice(m["events"]) {
		ev := toEvent(asMap(e))
		ev.ProfileID = id
		out.Events = append(out.Events, ev)
	}
	return out, nil
}

// EraseProfile deletes a profile and its events, takes the events off the products' counters,
// recomputes the outcome aggregates they contributed to and, when there were any, bumps the
// data version, all in one transaction. It reports whether there was a profile; erasing an
// unknown id does nothing.
func (s *Store) EraseProfile(ctx context.Context, id string) (bool, error) {
	var erased bool
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		recs, err := run(ctx, tx, `
			MATCH (pr:Profile {id: $id})
			OPTIONAL MATCH (pr)-[:EMITTED]->(e:Event)-[:ABOUT]->(p:Product)
			RETURN p.id AS product, e.type AS type, count(e) AS n`, map[string]any{"id": id})
		if err != nil {
			return fmt.Errorf("profile events: %w", err)
		}
		erased = len(recs) > 0
		if !erased {
			return nil
		}
		counters := map[string]map[string]int64{}
		var touched []string
		for _, r := range recs {
			m := r.AsMap()
			product, typ := str(m["product"]), str(m["type"])
			if product == "" {
				continue // a profile without events
			}
			addCounter(counters, product, typ, -i64(m["n"]))
			if typ == graph.EventRating || typ == graph.EventEffect {
				touched = append(touched, product)
			}
		}
		if _, err := run(ctx, tx, `
			MATCH (pr:Profile {id: $id})
			CALL (pr) {
				MATCH (pr)-[:EMITTED]->(e:Event)
				DETACH DELETE e
			}
			DETACH DELETE pr`, map[string]any{"id": id}); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		if err := bumpCounters(ctx, tx, counters, false); err != nil {
			return err
		}
		if len(touched) == 0 {
			return nil
		}
		for _, b := range batches(dedupe(touched)) {
			if _, err := run(ctx, tx, refreshOutcomesCypher, map[string]any{"ids": b}); err != nil {
				return fmt.Errorf("outcomes: %w", err)
			}
		}
		if _, err := bumpVersion(ctx, tx); err != nil {
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

func toProfile(m map[string]any) graph.StoredProfile {
	return graph.StoredProfile{
		ID: str(m["id"]),
		Profile: graph.SkinProfile{
			SkinType: str(m["skin_type"]), SkinTone: str(m["skin_tone"]), Concerns: strs(m["concerns"]),
			Sensitivities: strs(m["sensitivities"]), AvoidIngredients: strs(m["avoid_ingredients"]),
		},
		ConsentedAt: toTime(m["consented_at"]),
		UpdatedAt:   toTime(m["updated_at"]),
	}
}

func toEvent(m map[string]any) graph.Event {
	return graph.Event{
		ID: str(m["id"]), Type: str(m["type"]), ProductID: str(m["product_id"]),
		Rating: int(i64(m["rating"])), Effect: str(m["effect"]), At: toTime(m["at"]),
		AtGiven: m["at_given"] == true, SkinType: str(m["skin_type"]), SkinTone: str(m["skin_tone"]),
		Concerns: strs(m["concerns"]),
	}
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
