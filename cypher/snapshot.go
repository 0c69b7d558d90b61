package cypher

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/internal/visibility"
	"github.com/skingraph/skingraph/graph"
)

// snapshotLabels and snapshotRelTypes are every node label and relationship type a snapshot
// carries. ReadSnapshot refuses a graph holding any other, so that a feature adding one
// cannot be silently left out of backups: it has to extend the snapshot first.
var (
	snapshotLabels = map[string]bool{
		"Product": true, "Ingredient": true, "SkinType": true, "SkinTone": true, "Concern": true,
		"Sensitivity": true, "Reviewer": true, "Source": true, "Outcome": true, "DataVersion": true,
		"SchemaMigration": true, "Event": true, "Profile": true, "PseudonymKey": true, outcomesStaleLabel: true,
		"Rule": true, "Experiment": true, "ExperimentDay": true, "Attribution": true,
	}
	snapshotRelTypes = map[string]bool{
		"CONTAINS": true, "TREATS": true, "AGGRAVATES": true, "CONFLICTS_WITH": true, "CLAIMS": true,
		"SUITS": true, "REVIEWED": true, "HAS": true, "HAS_OUTCOME": true, "FOR": true, "EFFICACY": true,
	}
)

// snapshotFingerprintCypher identifies the state of everything a snapshot holds: the data
// version (bumped by every load, erase and outcome refresh) and what changes without a bump
// (events, profiles, pseudonym key records). Sealed records carry no times: every write of one
// draws a new random rev, and the sums of the revs change with any write.
const snapshotFingerprintCypher = `
	MATCH (v:DataVersion {id: 'current'})
	CALL () { MATCH (e:Event) RETURN count(e) AS events, sum(e.rev) AS last_event }
	CALL () { MATCH (p:Profile) RETURN count(p) AS profiles, sum(p.rev) AS last_profile }
	CALL () { MATCH (k:PseudonymKey) RETURN count(k) AS keys }
	RETURN [v.n, v.at, events, last_event, profiles, last_profile, keys] AS fingerprint`

// ReadSnapshot reads the whole graph in one read transaction. Neo4j's transactions read
// committed data, so a write committing meanwhile could be half seen: the graph's fingerprint
// (data version, events, profiles) is read at the start and at the end, and a change starts
// the read again (at most three times, then graph.ErrUnavailable). A graph holding a node
// label or relationship type the snapshot does not cover is refused (graph.ErrInvalid).
func (s *Store) ReadSnapshot(ctx context.Context) (graph.Snapshot, error) {
	for attempt := 0; attempt < 3; attempt++ {
		snap, stable, err := s.readSnapshotOnce(ctx)
		if err != nil {
			return graph.Snapshot{}, fmt.Errorf("cypher: read snapshot: %w", err)
		}
		if stable {
			return snap, nil
		}
	}
	return graph.Snapshot{}, fmt.Errorf("cypher: read snapshot: %w: the graph kept changing while reading", graph.ErrUnavailable)
}

func (s *Store) readSnapshotOnce(ctx context.Context) (graph.Snapshot, bool, error) {
	var snap graph.Snapshot
	var stable bool
	sess := s.session(ctx, neo4j.AccessModeRead, 5000)
	defer sess.Close(context.WithoutCancel(ctx))
	err := s.guard(func() error {
		_, err := sess.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
			snap, stable = graph.Snapshot{}, false // the driver may retry
			before, err := fingerprint(ctx, tx)
			if err != nil {
				return nil, err
			}
			r := snapshotReader{ctx: ctx, tx: tx, snap: &snap, vault: s.vault}
			for _, step := range []struct {
				name string
				fn   func() error
			}{
				{"census", r.census}, {"data version", r.version}, {"ingredients", r.ingredients},
				{"products", r.products}, {"efficacy", r.efficacy}, {"reviews", r.reviews},
				{"profiles", r.profiles}, {"events", r.events}, {"sources", r.sources}, {"rules", r.rules}, {"experiments", r.experiments}, {"outcomes", r.outcomes},
			} {
				if err := step.fn(); err != nil {
					return nil, fmt.Errorf("%s: %w", step.name, err)
				}
			}
			after, err := fingerprint(ctx, tx)
			if err != nil {
				return nil, err
			}
			stable = fmt.Sprint(before) == fmt.Sprint(after)
			return nil, nil
		})
		return txn.Translate(err)
	})
	return snap, stable, err
}

func fingerprint(ctx context.Context, tx neo4j.ManagedTransaction) (any, error) {
	recs, err := txn.Run(ctx, tx, snapshotFingerprintCypher, nil)
	if err != nil {
		return nil, fmt.Errorf("fingerprint: %w", err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("fingerprint: %w: no DataVersion node (schema not migrated)", graph.ErrNotFound)
	}
	return recs[0].Values[0], nil
}

// snapshotReader reads one kind of record at a time into snap.
type snapshotReader struct {
	ctx  context.Context
	tx   neo4j.ManagedTransaction
	snap *graph.Snapshot
	// vault opens the sealed profiles and events; nil when none is configured.
	vault *graph.Vault
}

// each streams the records of query to fn.
func (r snapshotReader) each(query string, fn func(v []any)) error {
	res, err := r.tx.Run(r.ctx, query, nil)
	if err != nil {
		return err
	}
	for res.Next(r.ctx) {
		fn(res.Record().Values)
	}
	return res.Err()
}

// census counts nodes by label and relationships by type. The change feed's (:Change) nodes
// are left out: a snapshot does not carry the feed (changes.go); after a restore, replicas
// find no changes for their version and rebuild in full.
func (r snapshotReader) census() error {
	r.snap.NodeCounts, r.snap.RelCounts = map[string]int64{}, map[string]int64{}
	// The replicas' shared state (sharedstate.go) is transient, not data, and the change feed
	// (feed.go) is the log of the data versions, not data either: neither is exported.
	if err := r.each(`MATCH (n) WHERE NOT n:SharedState AND NOT n:Change UNWIND labels(n) AS l RETURN l, count(*)`, func(v []any) {
		r.snap.NodeCounts[str(v[0])] = i64(v[1])
	}); err != nil {
		return err
	}
	if err := r.each(`MATCH ()-[r]->() WHERE `+visibility.SettledR+` RETURN type(r), count(*)`, func(v []any) {
		r.snap.RelCounts[str(v[0])] = i64(v[1])
	}); err != nil {
		return err
	}
	for l := range r.snap.NodeCounts {
		if !snapshotLabels[l] {
			return fmt.Errorf("%w: the graph holds :%s nodes, which snapshot format %d does not cover", graph.ErrInvalid, l, graph.SnapshotFormat)
		}
	}
	for t := range r.snap.RelCounts {
		if !snapshotRelTypes[t] {
			return fmt.Errorf("%w: the graph holds :%s relationships, which snapshot format %d does not cover", graph.ErrInvalid, t, graph.SnapshotFormat)
		}
	}
	return nil
}

func (r snapshotReader) version() error {
	return r.each(`MATCH (v:DataVersion {id: 'current'}) RETURN v.n, v.at`, func(v []any) {
		r.snap.Version = graph.DataVersion{N: i64(v[0]), At: toTime(v[1])}
	})
}

func (r snapshotReader) ingredients() error {
	idx := map[string]int{}
	if err := r.each(`MATCH (i:Ingredient) RETURN i {.*} ORDER BY i.inci`, func(v []any) {
		m := asMap(v[0])
		ing := graph.SnapshotIngredient{
			Ingredient: graph.Ingredient{INCI: str(m["inci"]), Name: str(m["name"]), Aliases: strs(m["aliases"]),
				Functions: strs(m["functions"]), Source: str(m["source"])},
			Curated: m["curated"] == true, Hash: str(m["hash"]),
		}
		if c, ok := m["comedogenic"].(int64); ok {
			n := int(c)
			ing.Comedogenic = &n
		}
		idx[ing.INCI] = len(r.snap.Ingredients)
		r.snap.Ingredients = append(r.snap.Ingredients, ing)
	}); err != nil {
		return err
	}
	// TREATS edges written by an efficacy load carry its load id: they are claims.
	if err := r.each(`MATCH (i:Ingredient)-[t:TREATS]->(c:Concern) RETURN i.inci, c.name, t {.*} ORDER BY i.inci, c.name`, func(v []any) {
		m := asMap(v[2])
		if m["load_id"] != nil {
			r.snap.Claims = append(r.snap.Claims, toSnapshotClaim(graph.SubjectIngredient, str(v[0]), str(v[1]), m))
			return
		}
		ing := &r.snap.Ingredients[idx[str(v[0])]]
		ing.Treats = append(ing.Treats, graph.Treatment{Concern: str(v[1]), Efficacy: f64(m["efficacy"]), Evidence: str(m["evidence"]), Source: str(m["source"])})
	}); err != nil {
		return err
	}
	if err := r.each(`MATCH (i:Ingredient)-[a:AGGRAVATES]->(t)
		RETURN i.inci, CASE WHEN t:SkinType THEN 'skin_type' WHEN t:Concern THEN 'concern' WHEN t:Sensitivity THEN 'sensitivity' ELSE '' END,
		       t.name, a {.*} ORDER BY i.inci, t.name`, func(v []any) {
		m := asMap(v[3])
		ing := &r.snap.Ingredients[idx[str(v[0])]]
		ing.Aggravates = append(ing.Aggravates, graph.Aggravation{Kind: str(v[1]), Target: str(v[2]),
			Severity: f64(m["severity"]), Reason: str(m["reason"]), Source: str(m["source"])})
	}); err != nil {
		return err
	}
	return r.each(`MATCH (a:Ingredient)-[c:CONFLICTS_WITH]->(b:Ingredient) RETURN a.inci, b.inci, c {.*} ORDER BY a.inci, b.inci`, func(v []any) {
		m := asMap(v[2])
		ing := &r.snap.Ingredients[idx[str(v[0])]]
		ing.Conflicts = append(ing.Conflicts, graph.Conflict{INCI: str(v[1]), Severity: f64(m["severity"]), Reason: str(m["reason"]), Source: str(m["source"])})
	})
}

func toSnapshotClaim(subjectType, subject, concern string, m map[string]any) graph.SnapshotClaim {
	date, _ := time.Parse(time.DateOnly, str(m["date"]))
	return graph.SnapshotClaim{
		EfficacyClaim: graph.EfficacyClaim{SubjectType: subjectType, Subject: subject, Concern: concern,
			SkinType: str(m["skin_type"]), EffectSize: f64(m["efficacy"]), SampleSize: int(i64(m["sample_size"])),
			Evidence: str(m["evidence"]), Source: str(m["source"]), Date: date},
		LoadID: str(m["load_id"]), Hash: str(m["hash"]),
	}
}

func (r snapshotReader) products() error {
	idx := map[string]int{}
	if err := r.each(`MATCH (p:Product) RETURN p {.*}, p:`+outcomesStaleLabel+` ORDER BY p.id`, func(v []any) {
		m := asMap(v[0])
		p := graph.SnapshotProduct{
			Product: graph.Product{ID: str(m["id"]), Name: str(m["name"]), Brand: str(m["brand"]), Category: str(m["category"]),
				Subcategory: str(m["subcategory"]), Price: f64(m["price"]), OutOfStock: m["in_stock"] == false, Size: str(m["size"]), Rating: f64(m["rating"]),
				ReviewCount: int(i64(m["review_count"])), Highlights: strs(m["highlights"]), IngredientsText: str(m["ingredients_text"])},
			Hash: str(m["hash"]), OutcomesStale: v[1] == true,
		}
		for _, t := range graph.EventTypes {
			if n, ok := m["events_"+t]; ok && n != nil {
				if p.EventCounts == nil {
					p.EventCounts = map[string]int64{}
				}
				p.EventCounts[t] = i64(n)
			}
		}
		idx[p.ID] = len(r.snap.Products)
		r.snap.Products = append(r.snap.Products, p)
	}); err != nil {
		return err
	}
	if err := r.each(`MATCH (p:Product) WITH p ORDER BY p.id
		CALL (p) {
			MATCH (p)-[c:CONTAINS]->(i:Ingredient) WHERE `+visibility.SettledC+`
			WITH c, i ORDER BY coalesce(c.list, ''), c.position, i.inci
			RETURN i.inci AS inci, c {.label, .position, .concentration, .may_contain, .list} AS c
		}
		RETURN p.id, inci, c`, func(v []any) {
		m := asMap(v[2])
		p := &r.snap.Products[idx[str(v[0])]]
		p.Ingredients = append(p.Ingredients, graph.ProductIngredient{INCI: str(v[1]), Name: str(m["label"]),
			Position: int(i64(m["position"])), Concentration: str(m["concentration"]), MayContain: m["may_contain"] == true, List: str(m["list"])})
	}); err != nil {
		return err
	}
	if err := r.each(`MATCH (p:Product)-[r:CLAIMS]->(c:Concern) WHERE `+visibility.SettledR+` RETURN p.id, c.name ORDER BY p.id, c.name`, func(v []any) {
		p := &r.snap.Products[idx[str(v[0])]]
		p.Claims = append(p.Claims, str(v[1]))
	}); err != nil {
		return err
	}
	return r.each(`MATCH (p:Product)-[r:SUITS]->(t:SkinType) WHERE `+visibility.SettledR+` RETURN p.id, t.name ORDER BY p.id, t.name`, func(v []any) {
		p := &r.snap.Products[idx[str(v[0])]]
		p.Suits = append(p.Suits, str(v[1]))
	})
}

func (r snapshotReader) efficacy() error {
	return r.each(`MATCH (x)-[e:EFFICACY]->(c:Concern)
		RETURN CASE WHEN x:Product THEN 'product' ELSE 'ingredient' END AS kind, coalesce(x.id, x.inci) AS subject, c.name, e {.*}
		ORDER BY kind, subject, c.name, e.skin_type`, func(v []any) {
		r.snap.Claims = append(r.snap.Claims, toSnapshotClaim(str(v[0]), str(v[1]), str(v[2]), asMap(v[3])))
	})
}

func (r snapshotReader) reviews() error {
	idx := map[string]int{}
	if err := r.each(`MATCH (u:Reviewer) RETURN u.id ORDER BY u.id`, func(v []any) {
		idx[str(v[0])] = len(r.snap.Reviewers)
		r.snap.Reviewers = append(r.snap.Reviewers, graph.SnapshotReviewer{ID: str(v[0])})
	}); err != nil {
		return err
	}
	if err := r.each(`MATCH (u:Reviewer)-[:HAS]->(a)
		RETURN u.id, CASE WHEN a:SkinType THEN 'skin_type' WHEN a:SkinTone THEN 'skin_tone' WHEN a:Concern THEN 'concern' ELSE '' END AS kind, a.name AS name
		ORDER BY u.id, kind, name`, func(v []any) {
		u := &r.snap.Reviewers[idx[str(v[0])]]
		u.Attributes = append(u.Attributes, graph.Attribute{Kind: str(v[1]), Name: str(v[2])})
	}); err != nil {
		return err
	}
	return r.each(`MATCH (u:Reviewer)-[r:REVIEWED]->(p:Product) WHERE `+visibility.SettledR+`
		RETURN u.id, p.id, r {.id, .rating, .recommended, .at, .skin_type, .skin_tone, .concerns, .effects, .hash} ORDER BY r.id`, func(v []any) {
		m := asMap(v[2])
		r.snap.Reviews = append(r.snap.Reviews, graph.SnapshotReview{
			Review: graph.Review{ID: str(m["id"]), Reviewer: str(v[0]), ProductID: str(v[1]), Rating: int(i64(m["rating"])),
				Recommended: m["recommended"] == true, At: toTime(m["at"]), SkinType: str(m["skin_type"]), SkinTone: str(m["skin_tone"]),
				Concerns: strs(m["concerns"]), Effects: strs(m["effects"])},
			Hash: str(m["hash"]),
		})
	})
}

// profiles and events open the sealed records (privacy.go): a snapshot holds them as the
// domain has them, and a restore seals them again under the current key.
func (r snapshotReader) profiles() error {
	profiles, err := readSealed(r, `MATCH (pr:Profile) RETURN pr.id, pr.sealed ORDER BY pr.id`, openProfile)
	r.snap.Profiles = append(r.snap.Profiles, profiles...)
	return err
}

func (r snapshotReader) events() error {
	events, err := readSealed(r, `MATCH (e:Event) RETURN e.id, e.sealed ORDER BY e.id`, openEvent)
	if err != nil {
		return err
	}
	r.snap.Events = append(r.snap.Events, events...)
	sort.Slice(r.snap.Events, func(i, j int) bool {
		a, b := r.snap.Events[i], r.snap.Events[j]
		if a.Tenant != b.Tenant {
			return a.Tenant < b.Tenant
		}
		return a.ID < b.ID
	})
	return nil
}

func (r snapshotReader) sources() error {
	if err := r.each(`MATCH (s:Source) RETURN s {.*} ORDER BY s.id`, func(v []any) {
		m := asMap(v[0])
		r.snap.Sources = append(r.snap.Sources, graph.Source{ID: str(m["id"]), Kind: str(m["kind"]), Citation: str(m["citation"]),
			LoadedAt: toTime(m["loaded_at"]), Counts: str(m["counts"])})
	}); err != nil {
		return err
	}
	return r.each(`MATCH (k:PseudonymKey) RETURN k.id, k.fingerprint, k.at ORDER BY k.id`, func(v []any) {
		r.snap.PseudonymKeys = append(r.snap.PseudonymKeys, graph.PseudonymKey{Namespace: str(v[0]), Fingerprint: str(v[1]), At: toTime(v[2])})
	})
}

func (r snapshotReader) rules() error {
	return r.each(`MATCH (r:Rule) RETURN r {.*} ORDER BY r.id`, func(v []any) {
		r.snap.Rules = append(r.snap.Rules, toRule(v[0]))
	})
}

// experiments reads the experiments, their figures and the attributed pairs they count.
func (r snapshotReader) experiments() error {
	if err := r.each(`MATCH (e:Experiment) RETURN e {.*} ORDER BY e.id`, func(v []any) {
		r.snap.Experiments = append(r.snap.Experiments, toExperiment(v[0]))
	}); err != nil {
		return err
	}
	if err := r.each(`MATCH (d:ExperimentDay) RETURN d.experiment, d {.*} ORDER BY d.id`, func(v []any) {
		r.snap.ExperimentDays = append(r.snap.ExperimentDays, graph.SnapshotExperimentDay{Experiment: str(v[0]),
			VariantDay: toExperimentDayRow(asMap(v[1])).variantDay()})
	}); err != nil {
		return err
	}
	return r.each(`MATCH (a:Attribution) RETURN a {.*} ORDER BY a.key`, func(v []any) {
		m := asMap(v[0])
		r.snap.Attributions = append(r.snap.Attributions, graph.SnapshotAttribution{Key: str(m["key"]), Experiment: str(m["experiment"]),
			Variant: str(m["variant"]), Day: str(m["day"]), View: m["view"] == true, Click: m["click"] == true,
			AddToCart: m["add_to_cart"] == true, Purchase: m["purchase"] == true})
	})
}

func (r snapshotReader) outcomes() error {
	if err := r.each(`MATCH (o:Outcome) RETURN o {.*} ORDER BY o.key`, func(v []any) {
		r.snap.Outcomes = append(r.snap.Outcomes, toOutcome(asMap(v[0])))
	}); err != nil {
		return err
	}
	sort.SliceStable(r.snap.Outcomes, func(i, j int) bool { return outcomeKey(r.snap.Outcomes[i]) < outcomeKey(r.snap.Outcomes[j]) })
	return nil
}

func outcomeKey(o graph.Outcome) string { return o.ProductID + "|" + o.Kind + ":" + o.Attribute }

// readSealed reads the sealed records query returns (id, sealed) and opens each with the
// vault; a graph that holds some needs a vault.
func readSealed[T any](r snapshotReader, query string, open func(*graph.Vault, string, string) (T, error)) ([]T, error) {
	var rows []sealedRow
	if err := r.each(query, func(v []any) {
		rows = append(rows, sealedRow{ID: str(v[0]), Sealed: str(v[1])})
	}); err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, nil
	}
	if r.vault == nil {
		return nil, errNoVault
	}
	out := make([]T, 0, len(rows))
	for _, row := range rows {
		x, err := open(r.vault, row.ID, row.Sealed)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}
