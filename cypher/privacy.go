package cypher

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// Personal data (stored profiles and feedback events) is sealed in the application: what a
// profile says and what an event was (its client id, type, product, rating, effect, times,
// profile, skin attributes) is one AES-GCM sealed JSON value (graph.KeyRing), so that a
// read-only Cypher query (the explorer) sees only opaque values whatever it does. The nodes
// are:
//
//	(:Profile {id: <pseudonym>, sealed, key, rev, consent: true})
//	(:Event {id: <tag of tenant and client id>, sealed, key, rev,
//	         owner: <tag of the profile> | null, subject: <tag of the product> | null})
//
// key is the id of the data key a record was sealed under (rotation finds the old ones by
// it); rev a random number changed by every write (the snapshot's change check sums it). An
// event has an owner tag when it names a profile (export and erase find a profile's events by
// it) and a subject tag when it is a rating or effect (outcome refreshes find a product's
// evidence by it). There is no edge between a profile, its events and their products: tags
// are keyed HMACs (graph.Pseudonymizer.Tag) that nobody without the pseudonym key can compute
// from a profile or a product. Everything that needs the content (conflict checks, counters,
// export, erase, the outcome aggregates' event part) is computed in Go.

// SetVault gives the store the keys of personal data; without one, writing or reading
// profiles and events fails with graph.ErrUnavailable. Call it before use.
func (s *Store) SetVault(v *graph.Vault) { s.vault = v }

// errNoVault says personal data was asked for but no keys are configured.
var errNoVault = fmt.Errorf("%w: no data keys configured: profiles and events cannot be sealed or opened", graph.ErrUnavailable)

func (s *Store) needVault() (*graph.Vault, error) {
	if s.vault == nil || s.vault.Tags == nil || s.vault.Keys == nil {
		return nil, errNoVault
	}
	return s.vault, nil
}

// eventPayload is what an Event node seals.
type eventPayload struct {
	ID         string    `json:"id"`
	Tenant     string    `json:"tenant,omitempty"`
	Source     string    `json:"source,omitempty"`
	Type       string    `json:"type"`
	ProductID  string    `json:"product_id"`
	ProfileID  string    `json:"profile_id,omitempty"`
	Rating     int       `json:"rating,omitempty"`
	Effect     string    `json:"effect,omitempty"`
	At         time.Time `json:"at"`
	AtGiven    bool      `json:"at_given"`
	ReceivedAt time.Time `json:"received_at"`
	SkinType   string    `json:"skin_type,omitempty"`
	SkinTone   string    `json:"skin_tone,omitempty"`
	Concerns   []string  `json:"concerns,omitempty"`
	Hash       string    `json:"hash"`
	// RecommendationID and Position attribute the event to a recommendation answer.
	RecommendationID string `json:"recommendation_id,omitempty"`
	Position         int    `json:"position,omitempty"`
}

// profilePayload is what a Profile node seals.
type profilePayload struct {
	SkinType         string    `json:"skin_type,omitempty"`
	SkinTone         string    `json:"skin_tone,omitempty"`
	Concerns         []string  `json:"concerns"`
	Sensitivities    []string  `json:"sensitivities"`
	AvoidIngredients []string  `json:"avoid_ingredients"`
	ConsentedAt      time.Time `json:"consented_at"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func eventAAD(tag string) []byte                        { return []byte("skingraph event\x00" + tag) }
func profileAAD(id string) []byte                       { return []byte("skingraph profile\x00" + id) }
func newRev() int64                                     { return rand.Int64N(1 << 31) }
func eventTag(v *graph.Vault, tenant, id string) string { return v.Tags.Tag("event", tenant, id) }
func ownerTag(v *graph.Vault, profile string) string    { return v.Tags.Tag("owner", profile) }
func subjectTag(v *graph.Vault, product string) string  { return v.Tags.Tag("subject", product) }

// eventNode is the row that creates one Event node, and the product it counts towards.
type eventNode struct {
	Tag, Sealed, Key string
	Rev              int64
	Owner, Subject   any // string or nil
	ProductID, Type  string
}

func (n eventNode) Param() map[string]any {
	return map[string]any{"id": n.Tag, "sealed": n.Sealed, "key": n.Key, "rev": n.Rev, "owner": n.Owner, "subject": n.Subject}
}

// sealEvent seals a recorded event into the row of its node.
func sealEvent(v *graph.Vault, e graph.RecordedEvent) (eventNode, error) {
	tag := eventTag(v, e.Tenant, e.ID)
	b, err := json.Marshal(eventPayload{ID: e.ID, Tenant: e.Tenant, Source: e.Source, Type: e.Type, ProductID: e.ProductID,
		ProfileID: e.ProfileID, Rating: e.Rating, Effect: e.Effect, At: e.At.UTC(), AtGiven: e.AtGiven,
		ReceivedAt: e.ReceivedAt.UTC(), SkinType: e.SkinType, SkinTone: e.SkinTone, Concerns: e.Concerns, Hash: e.Hash,
		RecommendationID: e.RecommendationID, Position: e.Position})
	if err != nil {
		return eventNode{}, err
	}
	sealed, err := v.Keys.Seal(b, eventAAD(tag))
	if err != nil {
		return eventNode{}, err
	}
	n := eventNode{Tag: tag, Sealed: sealed, Key: v.Keys.Current(), Rev: newRev(), ProductID: e.ProductID, Type: e.Type}
	if e.ProfileID != "" {
		n.Owner = ownerTag(v, e.ProfileID)
	}
	if e.Outcome() {
		n.Subject = subjectTag(v, e.ProductID)
	}
	return n, nil
}

// openEvent opens the sealed value of the Event node tag.
func openEvent(v *graph.Vault, tag, sealed string) (graph.RecordedEvent, error) {
	b, err := v.Keys.Open(sealed, eventAAD(tag))
	if err != nil {
		return graph.RecordedEvent{}, fmt.Errorf("event %s: %w", tag, err)
	}
	var p eventPayload
	if err := json.Unmarshal(b, &p); err != nil {
		return graph.RecordedEvent{}, fmt.Errorf("event %s: %w", tag, err)
	}
	return graph.RecordedEvent{Event: graph.Event{ID: p.ID, Tenant: p.Tenant, Source: p.Source, Type: p.Type, ProductID: p.ProductID,
		ProfileID: p.ProfileID, Rating: p.Rating, Effect: p.Effect, At: p.At.UTC(), AtGiven: p.AtGiven,
		SkinType: p.SkinType, SkinTone: p.SkinTone, Concerns: p.Concerns, RecommendationID: p.RecommendationID, Position: p.Position},
		ReceivedAt: p.ReceivedAt.UTC(), Hash: p.Hash}, nil
}

// sealProfile seals a stored profile.
func sealProfile(v *graph.Vault, p graph.StoredProfile) (string, error) {
	b, err := json.Marshal(profilePayload{SkinType: p.Profile.SkinType, SkinTone: p.Profile.SkinTone,
		Concerns: rows.NonNil(p.Profile.Concerns), Sensitivities: rows.NonNil(p.Profile.Sensitivities),
		AvoidIngredients: rows.NonNil(p.Profile.AvoidIngredients), ConsentedAt: p.ConsentedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()})
	if err != nil {
		return "", err
	}
	return v.Keys.Seal(b, profileAAD(p.ID))
}

// openProfile opens the sealed value of the Profile node id.
func openProfile(v *graph.Vault, id, sealed string) (graph.StoredProfile, error) {
	b, err := v.Keys.Open(sealed, profileAAD(id))
	if err != nil {
		return graph.StoredProfile{}, fmt.Errorf("profile %s: %w", id, err)
	}
	var p profilePayload
	if err := json.Unmarshal(b, &p); err != nil {
		return graph.StoredProfile{}, fmt.Errorf("profile %s: %w", id, err)
	}
	return graph.StoredProfile{ID: id, Profile: graph.SkinProfile{SkinType: p.SkinType, SkinTone: p.SkinTone,
		Concerns: nilIfNone(p.Concerns), Sensitivities: nilIfNone(p.Sensitivities), AvoidIngredients: nilIfNone(p.AvoidIngredients)},
		ConsentedAt: p.ConsentedAt.UTC(), UpdatedAt: p.UpdatedAt.UTC()}, nil
}

// sealedRow is a (tag, sealed value) pair read back from Neo4j.
type sealedRow struct {
	ID     string
	Sealed string
}

func toSealedRows(recs []*neo4j.Record) []sealedRow {
	out := make([]sealedRow, 0, len(recs))
	for _, r := range recs {
		if len(r.Values) >= 2 && r.Values[0] != nil {
			out = append(out, sealedRow{ID: str(r.Values[0]), Sealed: str(r.Values[1])})
		}
	}
	return out
}

// productEvidenceCypher reads the sealed rating and effect events of products, by subject tag.
const productEvidenceCypher = `
	UNWIND $subjects AS subject
	MATCH (e:Event {subject: subject})
	RETURN e.id AS id, e.sealed AS sealed`

// anySubjectCypher says whether any event carries a subject tag (sealed outcome evidence).
const anySubjectCypher = `MATCH (e:Event) WHERE e.subject IS NOT NULL RETURN e.id LIMIT 1`

// outcomeParams are the parameters of refreshOutcomesCypher for the products ids: the ids,
// and under "reports" the evidence of their rating and effect events, opened and computed in
// Go (graph.Reports: one report per profile and product, capped per source key and period),
// as a map from product id to a list of {skin_type, skin_tone, concerns, rating, effects}.
// Without a vault, a graph holding sealed evidence cannot be refreshed (graph.ErrUnavailable)
// rather than refreshed without it.
func (s *Store) outcomeParams(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) (map[string]any, error) {
	params := map[string]any{"ids": ids, "reports": map[string]any{}}
	if s.vault == nil {
		recs, err := txn.Run(ctx, tx, anySubjectCypher, nil)
		if err != nil {
			return nil, fmt.Errorf("event evidence: %w", err)
		}
		if len(recs) > 0 {
			return nil, fmt.Errorf("event evidence: %w", errNoVault)
		}
		return params, nil
	}
	v := s.vault
	subjects := make([]string, len(ids))
	for i, id := range ids {
		subjects[i] = subjectTag(v, id)
	}
	recs, err := txn.Run(ctx, tx, productEvidenceCypher, map[string]any{"subjects": subjects})
	if err != nil {
		return nil, fmt.Errorf("event evidence: %w", err)
	}
	events := make([]graph.RecordedEvent, 0, len(recs))
	for _, r := range toSealedRows(recs) {
		e, err := openEvent(v, r.ID, r.Sealed)
		if err != nil {
			return nil, fmt.Errorf("event evidence: %w", err)
		}
		events = append(events, e)
	}
	reports := map[string]any{}
	for _, r := range graph.Reports(events, v.Caps) {
		var rating any
		if r.Rating != 0 {
			rating = int64(r.Rating)
		}
		effects := []string{}
		if r.Effect != "" {
			effects = []string{r.Effect}
		}
		row := map[string]any{"skin_type": nilIfEmpty(r.SkinType), "skin_tone": nilIfEmpty(r.SkinTone),
			"concerns": rows.NonNil(r.Concerns), "rating": rating, "effects": effects}
		list, _ := reports[r.ProductID].([]any)
		reports[r.ProductID] = append(list, row)
	}
	params["reports"] = reports
	return params, nil
}

// ResealPersonalData re-seals, batch records per transaction, every profile and event sealed
// under a key other than the ring's current one (key rotation: add a new key, let this run,
// then retire the old key). It returns how many records it re-sealed. A record under a key
// the ring does not hold fails it (graph.ErrUnavailable): the key is still needed.
func (s *Store) ResealPersonalData(ctx context.Context, batch int) (int, error) {
	v, err := s.needVault()
	if err != nil {
		return 0, fmt.Errorf("cypher: reseal: %w", err)
	}
	if batch <= 0 {
		batch = batchSize
	}
	total := 0
	for _, kind := range []string{"Profile", "Event"} {
		for {
			n, err := s.resealBatch(ctx, v, kind, batch)
			if err != nil {
				return total, fmt.Errorf("cypher: reseal %s records: %w", kind, err)
			}
			total += n
			if n < batch {
				break
			}
		}
	}
	return total, nil
}

// resealCypher are the statements of resealBatch by label: find finds up to $batch records
// sealed under another key than $current, write writes them sealed again.
var resealCypher = map[string]struct{ find, write string }{
	"Profile": {
		find: `MATCH (n:Profile) WHERE n.key <> $current
			RETURN n.id AS id, n.sealed AS sealed LIMIT $batch`,
		write: `UNWIND $rows AS row MATCH (n:Profile {id: row.id})
			SET n.sealed = row.sealed, n.key = row.key, n.rev = row.rev`,
	},
	"Event": {
		find: `MATCH (n:Event) WHERE n.key <> $current
			RETURN n.id AS id, n.sealed AS sealed LIMIT $batch`,
		write: `UNWIND $rows AS row MATCH (n:Event {id: row.id})
			SET n.sealed = row.sealed, n.key = row.key, n.rev = row.rev`,
	},
}

// resealBatch re-seals up to batch records of one label in one transaction.
func (s *Store) resealBatch(ctx context.Context, v *graph.Vault, label string, batch int) (int, error) {
	var n int
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		st, ok := resealCypher[label]
		if !ok {
			return fmt.Errorf("%w: no sealed records labelled %q", graph.ErrInvalid, label)
		}
		recs, err := txn.Run(ctx, tx, st.find, map[string]any{"current": v.Keys.Current(), "batch": batch})
		if err != nil {
			return err
		}
		resealed := make([]sealedRecord, 0, len(recs))
		for _, r := range toSealedRows(recs) {
			aad := eventAAD(r.ID)
			if label == "Profile" {
				aad = profileAAD(r.ID)
			}
			plain, err := v.Keys.Open(r.Sealed, aad)
			if err != nil {
				return fmt.Errorf("%s %s: %w: %w", label, r.ID, graph.ErrUnavailable, err)
			}
			sealed, err := v.Keys.Seal(plain, aad)
			if err != nil {
				return err
			}
			resealed = append(resealed, sealedRecord{ID: r.ID, Sealed: sealed, Key: v.Keys.Current(), Rev: newRev()})
		}
		n = len(resealed)
		_, err = txn.Run(ctx, tx, st.write, map[string]any{"rows": rows.Params(resealed)})
		return err
	})
	return n, err
}

// PersonalDataKeys counts the profiles and events by the id of the key they are sealed under
// (operators check a rotation with it).
func (s *Store) PersonalDataKeys(ctx context.Context) (map[string]int64, error) {
	recs, err := s.read(ctx, `
		MATCH (n) WHERE n:Profile OR n:Event
		RETURN coalesce(n.key, '') AS key, count(*) AS n`, nil)
	if err != nil {
		return nil, fmt.Errorf("cypher: personal data keys: %w", err)
	}
	out := map[string]int64{}
	for _, r := range recs {
		out[str(r.Values[0])] = i64(r.Values[1])
	}
	return out, nil
}

// sortEvents orders events by tenant and client id (snapshots) or by time then id (export).
func sortEventsByTime(events []graph.Event) {
	sort.Slice(events, func(i, j int) bool {
		if !events[i].At.Equal(events[j].At) {
			return events[i].At.Before(events[j].At)
		}
		return events[i].ID < events[j].ID
	})
}

// Vault is the vault SetVault gave, nil when none.
func (s *Store) Vault() *graph.Vault { return s.vault }

// nilIfNone is nil for an empty list, as the domain has lists nobody gave.
func nilIfNone(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	return s
}

// UnsealedPersonalData counts Profile and Event nodes written before sealing (no sealed
// value): plaintext an analyst's query could read. The server warns about them at start
// (docs/PRIVACY.md says how to remove them).
func (s *Store) UnsealedPersonalData(ctx context.Context) (int64, error) {
	recs, err := s.read(ctx, `MATCH (n) WHERE (n:Profile OR n:Event) AND n.sealed IS NULL RETURN count(n) AS n`, nil)
	if err != nil {
		return 0, fmt.Errorf("cypher: unsealed personal data: %w", err)
	}
	return i64(recs[0].Values[0]), nil
}
