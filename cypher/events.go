package cypher

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/internal/visibility"
	"github.com/skingraph/skingraph/graph"
)

// Feedback events are sealed (:Event) nodes (privacy.go): no edge links them to their profile
// or their product. Every product keeps a counter per event type (events_view, events_click,
// ...). A rating or effect event marks its product with the label :OutcomesStale;
// RefreshStaleOutcomes recomputes the outcome aggregates of the marked products and bumps the
// data version, so many events cost one recomputation and one bump. Event ids are scoped per
// tenant: the node's id is a tag of (tenant, client id), so two tenants may use the same id.

// outcomesStaleLabel marks products whose outcome aggregates miss recorded events. Being in
// the graph, the mark survives a crash between the events' commit and the recomputation.
const outcomesStaleLabel = "OutcomesStale"

// WriteEvents records groups of events (one group per request) in one transaction. A group
// is all or nothing: when one of its events names an unknown product or a profile without
// consent (profile ids are pseudonyms of the event's tenant, so another tenant's profile is
// unknown), it is refused with a *graph.ValidationError; when one reuses an id its tenant
// recorded with other content, with a *graph.ConflictError; refusals are returned in errs, by
// group, and the other groups are written. Events already recorded with the same content are
// counted as duplicates and change nothing. The returned error is for the transaction as a
// whole (graph.ErrUnavailable when Neo4j cannot be reached or no data keys are configured);
// then nothing was written.
func (s *Store) WriteEvents(ctx context.Context, groups [][]graph.Event) (results []graph.EventResult, errs []error, err error) {
	v, err := s.needVault()
	if err != nil {
		return nil, nil, fmt.Errorf("cypher: write events: %w", err)
	}
	type ref struct{ group, index int }
	var eventRows []eventCheck
	var refs []ref
	start := make([]int, len(groups)) // the row of each group's first event
	for g, events := range groups {
		start[g] = len(eventRows)
		for i, e := range events {
			eventRows = append(eventRows, eventCheck{Tag: eventTag(v, e.Tenant, e.ID), ProductID: e.ProductID, ProfileID: e.ProfileID})
			refs = append(refs, ref{g, i})
		}
	}
	receivedAt := time.Now().UTC()
	err = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		results, errs = make([]graph.EventResult, len(groups)), make([]error, len(groups))
		checks, err := txn.Run(ctx, tx, checkEventsCypher, map[string]any{"rows": rows.Params(eventRows)})
		if err != nil {
			return fmt.Errorf("check events: %w", err)
		}
		verrs := make([]*graph.ValidationError, len(groups))
		conflicts := make([]*graph.ConflictError, len(groups))
		for g := range groups {
			verrs[g], conflicts[g] = &graph.ValidationError{}, &graph.ConflictError{}
		}
		type stored struct {
			hash               string
			profile            graph.SkinProfile
			exists, hasProfile bool
		}
		state := make([]stored, len(eventRows))
		for _, rec := range checks {
			m := rec.AsMap()
			k := int(i64(m["k"]))
			r := refs[k]
			e := groups[r.group][r.index]
			field := func(f string) string { return fmt.Sprintf("events[%d].%s", r.index, f) }
			if m["product"] != true {
				verrs[r.group].Add(0, field("product_id"), fmt.Sprintf("no product with id %q", e.ProductID))
			}
			if e.ProfileID != "" && m["profile"] == nil {
				verrs[r.group].Add(0, field("profile_id"), "no profile with consent under this id: PUT /v1/profiles/{id} with consent first")
			}
			if sealed := str(m["event"]); sealed != "" {
				old, err := openEvent(v, eventRows[k].Tag, sealed)
				if err != nil {
					return fmt.Errorf("check events: %w: %w", graph.ErrUnavailable, err)
				}
				state[k].hash, state[k].exists = old.Hash, true
			}
			if sealed := str(m["profile"]); sealed != "" && e.ProfileID != "" {
				p, err := openProfile(v, e.ProfileID, sealed)
				if err != nil {
					return fmt.Errorf("check events: %w: %w", graph.ErrUnavailable, err)
				}
				state[k].profile, state[k].hasProfile = p.Profile, true
			}
		}
		// Decide group by group, in order: an id earlier in this flush counts as recorded.
		written := map[string]string{} // tag -> hash of events this flush writes
		var create []eventNode
		var attributed []graph.Event // created events that carry a recommendation id
		counters := map[string]map[string]int64{}
		for g, events := range groups {
			var mine []eventNode
			var mineAttributed []graph.Event
			seen := map[string]string{}
			res := graph.EventResult{}
			for i, e := range events {
				k := start[g] + i
				tag := eventRows[k].Tag
				hash := e.ContentHash()
				prior, ok := written[tag]
				if !ok && state[k].exists {
					prior, ok = state[k].hash, true
				}
				switch {
				case ok && prior == hash:
					res.Duplicates++
					continue
				case ok:
					conflicts[g].Fields = append(conflicts[g].Fields, graph.FieldError{
						Field: fmt.Sprintf("events[%d].id", i), Message: "an event with this id was recorded with other content"})
					continue
				}
				seen[tag] = hash
				if state[k].hasProfile {
					p := state[k].profile
					e.SkinType, e.SkinTone, e.Concerns = p.SkinType, p.SkinTone, rows.NonNil(p.Concerns)
				} else {
					e.SkinType, e.SkinTone, e.Concerns = "", "", nil
				}
				node, err := sealEvent(v, graph.RecordedEvent{Event: e, ReceivedAt: receivedAt, Hash: hash})
				if err != nil {
					return fmt.Errorf("seal event: %w", err)
				}
				mine = append(mine, node)
				if e.RecommendationID != "" {
					mineAttributed = append(mineAttributed, e)
				}
			}
			if err := verrs[g].Err(); err != nil {
				errs[g] = err
				continue
			}
			if len(conflicts[g].Fields) > 0 {
				errs[g] = conflicts[g]
				continue
			}
			for id, h := range seen {
				written[id] = h
			}
			for _, n := range mine {
				create = append(create, n)
				addCounter(counters, n.ProductID, n.Type, 1)
			}
			attributed = append(attributed, mineAttributed...)
			res.Created = len(mine)
			results[g] = res
		}
		for _, b := range batches(create) {
			if _, err := txn.Run(ctx, tx, createEventsCypher, map[string]any{"rows": rows.Params(b)}); err != nil {
				return fmt.Errorf("create events: %w", err)
			}
		}
		if err := bumpCounters(ctx, tx, counters, true); err != nil {
			return err
		}
		return attribute(ctx, tx, attributed)
	})
	if err != nil {
		return nil, nil, fmt.Errorf("cypher: write events: %w", err)
	}
	return results, errs, nil
}

// addCounter adds n to a product's counter of one event type.
func addCounter(c map[string]map[string]int64, product, typ string, n int64) {
	if c[product] == nil {
		c[product] = map[string]int64{}
	}
	c[product][typ] += n
}

// counterDelta is what a flush adds to one product's event counters (bumpCountersCypher),
// by event type, and whether its outcomes become stale.
type counterDelta struct {
	ID     string
	Counts map[string]int64 // by event type; a missing type adds 0
	Stale  bool
}

// Param is the row as bumpCountersCypher reads it: one column per event type.
func (r counterDelta) Param() map[string]any {
	row := map[string]any{"id": r.ID, "stale": r.Stale}
	for _, t := range graph.EventTypes {
		row[t] = r.Counts[t]
	}
	return row
}

// bumpCounters adds the deltas to the products' event counters and, when markStale, marks
// the products whose rating or effect counts changed as needing their outcomes recomputed.
func bumpCounters(ctx context.Context, tx neo4j.ManagedTransaction, counters map[string]map[string]int64, markStale bool) error {
	ids := make([]string, 0, len(counters))
	for id := range counters {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	deltas := make([]counterDelta, 0, len(ids))
	for _, id := range ids {
		deltas = append(deltas, counterDelta{ID: id, Counts: counters[id],
			Stale: markStale && counters[id][graph.EventRating]+counters[id][graph.EventEffect] != 0})
	}
	for _, b := range batches(deltas) {
		if _, err := txn.Run(ctx, tx, bumpCountersCypher, map[string]any{"rows": rows.Params(b)}); err != nil {
			return fmt.Errorf("event counters: %w", err)
		}
	}
	return nil
}

// RefreshStaleOutcomes recomputes the outcome aggregates of the products that rating or
// effect events have touched since the last refresh, and bumps the data version when there
// were any. It returns how many products it refreshed and the data version after it.
func (s *Store) RefreshStaleOutcomes(ctx context.Context) (int, graph.DataVersion, error) {
	var n int
	var v graph.DataVersion
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		// Unmark first: the write locks taken here make an event transaction that marks the
		// same product wait for this one and mark it again afterwards, so no event is missed.
		recs, err := txn.Run(ctx, tx, unmarkStaleCypher, nil)
		if err != nil {
			return fmt.Errorf("stale products: %w", err)
		}
		ids := make([]string, 0, len(recs))
		for _, r := range recs {
			ids = append(ids, str(r.AsMap()["id"]))
		}
		n = len(ids)
		if n == 0 {
			return nil
		}
		if err := s.refreshOutcomesTx(ctx, tx, ids); err != nil {
			return err
		}
		if v, err = bumpVersion(ctx, tx, graph.ProductsChange(ids...)); err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		return nil
	})
	if err != nil {
		return 0, graph.DataVersion{}, fmt.Errorf("cypher: refresh outcomes: %w", err)
	}
	if n == 0 {
		if v, err = s.DataVersion(ctx); err != nil {
			return 0, graph.DataVersion{}, err
		}
	}
	return n, v, nil
}

// refreshOutcomesTx recomputes the outcomes of the products ids inside tx, a batch at a time.
func (s *Store) refreshOutcomesTx(ctx context.Context, tx neo4j.ManagedTransaction, ids []string) error {
	for _, b := range batches(ids) {
		params, err := s.outcomeParams(ctx, tx, b)
		if err != nil {
			return err
		}
		if _, err := txn.Run(ctx, tx, refreshOutcomesCypher, params); err != nil {
			return fmt.Errorf("outcomes: %w", err)
		}
	}
	return nil
}

// unmarkStaleCypher removes the stale marks and returns the products that had one.
const unmarkStaleCypher = `
	MATCH (p:Product:` + outcomesStaleLabel + `)
	REMOVE p:` + outcomesStaleLabel + `
	RETURN p.id AS id ORDER BY id`

// eventCheck is one event of a flush as checkEventsCypher reads it: its stored id (tag), its
// product and its profile ("" none).
type eventCheck struct{ Tag, ProductID, ProfileID string }

// Param is the row as checkEventsCypher reads it (a null profile_id when there is none).
func (r eventCheck) Param() map[string]any {
	row := map[string]any{"tag": r.Tag, "product_id": r.ProductID, "profile_id": nil}
	if r.ProfileID != "" {
		row["profile_id"] = r.ProfileID
	}
	return row
}

// checkEventsCypher says, for each event, whether its product exists, the sealed value of an
// event already recorded under its tag, and the sealed value of its profile (whose skin
// attributes the event keeps). A product of a staged load under way does not exist yet: an
// event about it is refused, rather than deleted with it if the load is rolled back.
var checkEventsCypher = `
	UNWIND range(0, size($rows) - 1) AS k
	WITH k, $rows[k] AS row
	OPTIONAL MATCH (p:Product {id: row.product_id})
	OPTIONAL MATCH (e:Event {id: row.tag})
	OPTIONAL MATCH (pr:Profile {id: row.profile_id})
	RETURN k, p IS NOT NULL AND ` + visibility.CommittedProduct + ` AS product, e.sealed AS event, pr.sealed AS profile`

const createEventsCypher = `
	UNWIND $rows AS row
	MERGE (e:Event {id: row.id})
	ON CREATE SET e.sealed = row.sealed, e.key = row.key, e.rev = row.rev, e.owner = row.owner, e.subject = row.subject`

const bumpCountersCypher = `
	UNWIND $rows AS row
	MATCH (p:Product {id: row.id})
	SET p.events_view = coalesce(p.events_view, 0) + row.view,
	    p.events_click = coalesce(p.events_click, 0) + row.click,
	    p.events_add_to_cart = coalesce(p.events_add_to_cart, 0) + row.add_to_cart,
	    p.events_purchase = coalesce(p.events_purchase, 0) + row.purchase,
	    p.events_rating = coalesce(p.events_rating, 0) + row.rating,
	    p.events_effect = coalesce(p.events_effect, 0) + row.effect
	FOREACH (_ IN CASE WHEN row.stale THEN [1] ELSE [] END | SET p:` + outcomesStaleLabel + `)`

// ProductEventCounts returns a product's event counters by event type (view, click, ...).
// graph.ErrNotFound when there is no such product.
func (s *Store) ProductEventCounts(ctx context.Context, productID string) (map[string]int64, error) {
	recs, err := s.read(ctx, `
		MATCH (p:Product {id: $id}) WHERE `+visibility.CommittedProduct+`
		RETURN {view: p.events_view, click: p.events_click, add_to_cart: p.events_add_to_cart,
		        purchase: p.events_purchase, rating: p.events_rating, effect: p.events_effect} AS counts`,
		map[string]any{"id": productID})
	if err != nil {
		return nil, fmt.Errorf("cypher: event counts of %s: %w", productID, err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("cypher: event counts of %s: %w", productID, graph.ErrNotFound)
	}
	out := map[string]int64{}
	for k, v := range asMap(recs[0].AsMap()["counts"]) {
		if n := i64(v); n != 0 {
			out[k] = n
		}
	}
	return out, nil
}
