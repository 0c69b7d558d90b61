package cypher

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/graph"
)

// RestoreSnapshot writes a snapshot into an empty graph in one transaction: every node and
// relationship with its stored properties (keys, pseudonyms, content hashes and times
// verbatim), then the outcome aggregates, recomputed from the restored reviews and events,
// then the snapshot's data version. Before committing it checks that the recomputed outcomes
// equal the snapshot's (to 1e-9) and that the graph holds as many nodes of every label and
// relationships of every type as the snapshot's census says; any difference rolls everything
// back (graph.ErrInvalid). A graph that is not empty (any catalogue, review, event, profile,
// source or outcome node, or a data version above 0) is refused with graph.ErrConflict and
// left as it is. Products marked as waiting for an outcome refresh keep the mark and the
// snapshot's outcomes, as they were.
func (s *Store) RestoreSnapshot(ctx context.Context, snap graph.Snapshot) error {
	err := s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		if err := checkEmpty(ctx, tx); err != nil {
			return err
		}
		steps, err := restoreSteps(s.vault, snap)
		if err != nil {
			return err
		}
		for _, step := range steps {
			for _, b := range batches(step.rows) {
				if _, err := txn.Run(ctx, tx, step.query, map[string]any{"rows": b}); err != nil {
					return fmt.Errorf("%s: %w", step.name, err)
				}
			}
		}
		var fresh []string
		for _, p := range snap.Products {
			if !p.OutcomesStale {
				fresh = append(fresh, p.ID)
			}
		}
		for _, b := range batches(fresh) {
			params, err := s.outcomeParams(ctx, tx, b)
			if err != nil {
				return err
			}
			if _, err := txn.Run(ctx, tx, refreshOutcomesCypher, params); err != nil {
				return fmt.Errorf("outcomes: %w", err)
			}
		}
		if err := checkOutcomes(ctx, tx, snap); err != nil {
			return err
		}
		// Equal to 1e-9 but summed in another order, a mean may differ in its last bit: keep
		// the snapshot's bits, so that scores and whys come out identical.
		var exact []map[string]any
		for _, o := range snap.Outcomes {
			exact = append(exact, map[string]any{"key": outcomeKey(o), "mean_rating": o.MeanRating, "recommend_rate": o.RecommendRate})
		}
		for _, b := range batches(exact) {
			if _, err := txn.Run(ctx, tx, `UNWIND $rows AS row MATCH (o:Outcome {key: row.key})
				SET o.mean_rating = row.mean_rating,
				    o.recommend_rate = CASE WHEN o.recommend_rate IS NULL THEN null ELSE row.recommend_rate END`, map[string]any{"rows": b}); err != nil {
				return fmt.Errorf("outcomes: %w", err)
			}
		}
		// The feed does not survive a restore: replicas find no changes and rebuild.
		if _, err := txn.Run(ctx, tx, `MATCH (c:Change) DELETE c`, nil); err != nil {
			return fmt.Errorf("change feed: %w", err)
		}
		if _, err := txn.Run(ctx, tx, `MATCH (v:DataVersion {id: 'current'}) SET v.n = $n, v.at = $at`,
			map[string]any{"n": snap.Version.N, "at": snap.Version.At.UTC()}); err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		return checkCensus(ctx, tx, snap)
	})
	if err != nil {
		return fmt.Errorf("cypher: restore snapshot: %w", err)
	}
	return nil
}

// checkEmpty refuses a graph that holds anything beyond the schema and vocabularies.
func checkEmpty(ctx context.Context, tx neo4j.ManagedTransaction) error {
	recs, err := txn.Run(ctx, tx, `
		MATCH (v:DataVersion {id: 'current'})
		CALL () {
			MATCH (n) WHERE n:Product OR n:Ingredient OR n:Reviewer OR n:Event OR n:Profile OR n:Source OR n:Outcome OR n:PseudonymKey
			RETURN count(n) AS nodes
		}
		RETURN v.n AS version, nodes`, nil)
	if err != nil {
		return fmt.Errorf("check empty: %w", err)
	}
	if len(recs) == 0 {
		return fmt.Errorf("%w: no DataVersion node (schema not migrated)", graph.ErrNotFound)
	}
	m := recs[0].AsMap()
	if n, v := i64(m["nodes"]), i64(m["version"]); n > 0 || v > 0 {
		return fmt.Errorf("%w: the graph is not empty (%d catalogue, review, event, profile, source or outcome nodes; data version %d): import restores into an empty graph only",
			graph.ErrConflict, n, v)
	}
	return nil
}

type restoreStep struct {
	name  string
	query string
	rows  []map[string]any
}

// restoreSteps turns a snapshot into statements and their rows, in dependency order.
// Profiles and events are sealed again under the vault's current key (privacy.go); a
// snapshot holding any needs a vault.
func restoreSteps(v *graph.Vault, snap graph.Snapshot) ([]restoreStep, error) {
	if v == nil && (len(snap.Profiles) > 0 || len(snap.Events) > 0) {
		return nil, fmt.Errorf("profiles and events: %w", errNoVault)
	}
	var ings, treats, aggr, conflicts, prods, contains, claims, suits, effs, reviewers, has, reviews, profiles, events, sources, keys []map[string]any
	for _, i := range snap.Ingredients {
		props := map[string]any{"name": i.Name}
		if i.Curated {
			props["aliases"], props["functions"], props["source"], props["curated"] = rows.NonNil(i.Aliases), rows.NonNil(i.Functions), i.Source, true
		}
		if i.Comedogenic != nil {
			props["comedogenic"] = int64(*i.Comedogenic)
		}
		if i.Hash != "" {
			props["hash"] = i.Hash
		}
		ings = append(ings, map[string]any{"inci": i.INCI, "props": props})
		for _, t := range i.Treats {
			treats = append(treats, map[string]any{"a": i.INCI, "b": t.Concern,
				"props": map[string]any{"efficacy": t.Efficacy, "evidence": t.Evidence, "source": t.Source}})
		}
		for _, a := range i.Aggravates {
			aggr = append(aggr, map[string]any{"a": i.INCI, "kind": a.Kind, "b": a.Target,
				"props": map[string]any{"severity": a.Severity, "reason": a.Reason, "source": a.Source}})
		}
		for _, c := range i.Conflicts {
			conflicts = append(conflicts, map[string]any{"a": i.INCI, "b": c.INCI,
				"props": map[string]any{"severity": c.Severity, "reason": c.Reason, "source": c.Source}})
		}
	}
	for _, p := range snap.Products {
		props := map[string]any{
			"name": p.Name, "brand": p.Brand, "category": p.Category, "subcategory": p.Subcategory,
			"price": p.Price, "in_stock": !p.OutOfStock, "size": p.Size, "rating": p.Rating, "review_count": int64(p.ReviewCount),
			"highlights": rows.NonNil(p.Highlights), "ingredients_text": p.IngredientsText, "hash": p.Hash,
		}
		for t, n := range p.EventCounts {
			props["events_"+t] = n
		}
		prods = append(prods, map[string]any{"id": p.ID, "props": props, "stale": p.OutcomesStale})
		for _, in := range p.Ingredients {
			contains = append(contains, map[string]any{"a": p.ID, "b": in.INCI, "props": map[string]any{
				"position": int64(in.Position), "concentration": in.Concentration, "may_contain": in.MayContain,
				"list": in.List, "label": in.Name}})
		}
		for _, c := range p.Claims {
			claims = append(claims, map[string]any{"a": p.ID, "b": c})
		}
		for _, t := range p.Suits {
			suits = append(suits, map[string]any{"a": p.ID, "b": t})
		}
	}
	for _, c := range snap.Claims {
		props := map[string]any{
			"efficacy": c.EffectSize, "evidence": c.Evidence, "source": c.Source, "sample_size": int64(c.SampleSize),
			"date": c.Date.Format(time.DateOnly), "load_id": c.LoadID, "hash": c.Hash,
		}
		row := map[string]any{"subject_type": c.SubjectType, "a": c.Subject, "b": c.Concern, "props": props}
		if c.SubjectType == graph.SubjectIngredient && c.SkinType == "" {
			treats = append(treats, row)
			continue
		}
		props["skin_type"] = c.SkinType
		effs = append(effs, row)
	}
	for _, u := range snap.Reviewers {
		reviewers = append(reviewers, map[string]any{"id": u.ID})
		for _, a := range u.Attributes {
			has = append(has, map[string]any{"a": u.ID, "kind": a.Kind, "b": a.Name})
		}
	}
	for _, r := range snap.Reviews {
		reviews = append(reviews, map[string]any{"a": r.Reviewer, "b": r.ProductID, "props": map[string]any{
			"id": r.ID, "rating": int64(r.Rating), "recommended": r.Recommended, "at": r.At.UTC(),
			"skin_type": r.SkinType, "skin_tone": r.SkinTone, "concerns": rows.SortedCopy(r.Concerns),
			"effects": rows.SortedCopy(r.Effects), "hash": r.Hash}})
	}
	for _, p := range snap.Profiles {
		sealed, err := sealProfile(v, p)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", p.ID, err)
		}
		profiles = append(profiles, map[string]any{"id": p.ID, "sealed": sealed, "key": v.Keys.Current(), "rev": newRev()})
	}
	for _, e := range snap.Events {
		n, err := sealEvent(v, e)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", e.ID, err)
		}
		events = append(events, n.params())
	}
	for _, src := range snap.Sources {
		sources = append(sources, map[string]any{"id": src.ID, "props": map[string]any{
			"kind": src.Kind, "citation": src.Citation, "loaded_at": src.LoadedAt.UTC(), "counts": src.Counts}})
	}
	for _, k := range snap.PseudonymKeys {
		keys = append(keys, map[string]any{"id": k.Namespace, "fingerprint": k.Fingerprint, "at": k.At.UTC()})
	}
	var rules []map[string]any
	for _, r := range snap.Rules {
		props := ruleProps(r)
		props["revision"], props["created_by"], props["updated_by"] = r.Revision, r.CreatedBy, r.UpdatedBy
		props["created_at"], props["updated_at"] = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
		rules = append(rules, map[string]any{"id": r.ID, "props": props})
	}
	var experiments, experimentDays, attributions []map[string]any
	for _, e := range snap.Experiments {
		props, err := experimentProps(e)
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", e.ID, err)
		}
		props["revision"], props["created_by"], props["updated_by"] = e.Revision, e.CreatedBy, e.UpdatedBy
		props["created_at"], props["updated_at"] = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
		experiments = append(experiments, map[string]any{"id": e.ID, "props": props})
	}
	for _, d := range snap.ExperimentDays {
		day := d.Day.UTC().Format(time.DateOnly)
		experimentDays = append(experimentDays, map[string]any{"id": d.Experiment + "|" + d.Variant + "|" + day, "props": map[string]any{
			"experiment": d.Experiment, "variant": d.Variant, "day": day, "impressions": d.Impressions, "views": d.Views,
			"clicks": d.Clicks, "add_to_carts": d.AddToCarts, "purchases": d.Purchases}})
	}
	for _, a := range snap.Attributions {
		props := map[string]any{"experiment": a.Experiment, "variant": a.Variant, "day": a.Day}
		for k, seen := range map[string]bool{"view": a.View, "click": a.Click, "add_to_cart": a.AddToCart, "purchase": a.Purchase} {
			if seen {
				props[k] = true // an action not seen is absent, as the counting statement leaves it
			}
		}
		attributions = append(attributions, map[string]any{"key": a.Key, "props": props})
	}
	var staleOutcomes []map[string]any
	stale := map[string]bool{}
	for _, p := range snap.Products {
		stale[p.ID] = p.OutcomesStale
	}
	for _, o := range snap.Outcomes {
		if stale[o.ProductID] {
			staleOutcomes = append(staleOutcomes, outcomeRow(o))
		}
	}
	return []restoreStep{
		{"ingredients", `UNWIND $rows AS row CREATE (i:Ingredient {inci: row.inci}) SET i += row.props`, ings},
		{"products", `UNWIND $rows AS row CREATE (p:Product {id: row.id}) SET p += row.props
			FOREACH (_ IN CASE WHEN row.stale THEN [1] ELSE [] END | SET p:` + outcomesStaleLabel + `)`, prods},
		{"treats", `UNWIND $rows AS row MATCH (a:Ingredient {inci: row.a}), (b:Concern {name: row.b}) CREATE (a)-[x:TREATS]->(b) SET x = row.props`, treats},
		{"aggravates", `UNWIND $rows AS row MATCH (a:Ingredient {inci: row.a})
			OPTIONAL MATCH (st:SkinType {name: row.b}) WHERE row.kind = 'skin_type'
			OPTIONAL MATCH (c:Concern {name: row.b}) WHERE row.kind = 'concern'
			OPTIONAL MATCH (se:Sensitivity {name: row.b}) WHERE row.kind = 'sensitivity'
			WITH a, row, coalesce(st, c, se) AS b WHERE b IS NOT NULL
			CREATE (a)-[x:AGGRAVATES]->(b) SET x = row.props`, aggr},
		{"conflicts", `UNWIND $rows AS row MATCH (a:Ingredient {inci: row.a}), (b:Ingredient {inci: row.b}) CREATE (a)-[x:CONFLICTS_WITH]->(b) SET x = row.props`, conflicts},
		{"contains", `UNWIND $rows AS row MATCH (a:Product {id: row.a}), (b:Ingredient {inci: row.b}) CREATE (a)-[x:CONTAINS]->(b) SET x = row.props`, contains},
		{"claims", `UNWIND $rows AS row MATCH (a:Product {id: row.a}), (b:Concern {name: row.b}) CREATE (a)-[:CLAIMS]->(b)`, claims},
		{"suits", `UNWIND $rows AS row MATCH (a:Product {id: row.a}), (b:SkinType {name: row.b}) CREATE (a)-[:SUITS]->(b)`, suits},
		{"efficacy", `UNWIND $rows AS row MATCH (b:Concern {name: row.b})
			OPTIONAL MATCH (i:Ingredient {inci: row.a}) WHERE row.subject_type = 'ingredient'
			OPTIONAL MATCH (p:Product {id: row.a}) WHERE row.subject_type = 'product'
			WITH row, b, coalesce(i, p) AS a WHERE a IS NOT NULL
			CREATE (a)-[x:EFFICACY]->(b) SET x = row.props`, effs},
		{"reviewers", `UNWIND $rows AS row CREATE (:Reviewer {id: row.id})`, reviewers},
		{"reviewer attributes", `UNWIND $rows AS row MATCH (a:Reviewer {id: row.a})
			OPTIONAL MATCH (st:SkinType {name: row.b}) WHERE row.kind = 'skin_type'
			OPTIONAL MATCH (tn:SkinTone {name: row.b}) WHERE row.kind = 'skin_tone'
			OPTIONAL MATCH (c:Concern {name: row.b}) WHERE row.kind = 'concern'
			WITH a, coalesce(st, tn, c) AS b WHERE b IS NOT NULL
			CREATE (a)-[:HAS]->(b)`, has},
		{"reviews", `UNWIND $rows AS row MATCH (a:Reviewer {id: row.a}), (b:Product {id: row.b}) CREATE (a)-[x:REVIEWED]->(b) SET x = row.props`, reviews},
		{"profiles", `UNWIND $rows AS row CREATE (p:Profile {id: row.id})
			SET p.sealed = row.sealed, p.key = row.key, p.rev = row.rev, p.consent = true`, profiles},
		{"events", `UNWIND $rows AS row CREATE (e:Event {id: row.id})
			SET e.sealed = row.sealed, e.key = row.key, e.rev = row.rev, e.owner = row.owner, e.subject = row.subject`, events},
		{"sources", `UNWIND $rows AS row CREATE (s:Source {id: row.id}) SET s += row.props`, sources},
		{"pseudonym keys", `UNWIND $rows AS row CREATE (:PseudonymKey {id: row.id, fingerprint: row.fingerprint, at: row.at})`, keys},
		{"rules", `UNWIND $rows AS row CREATE (r:Rule {id: row.id}) SET r += row.props`, rules},
		{"experiments", `UNWIND $rows AS row CREATE (e:Experiment {id: row.id}) SET e += row.props`, experiments},
		{"experiment figures", `UNWIND $rows AS row CREATE (d:ExperimentDay {id: row.id}) SET d += row.props`, experimentDays},
		{"attributions", `UNWIND $rows AS row CREATE (a:Attribution {key: row.key}) SET a += row.props`, attributions},
		{"outcomes awaiting a refresh", `UNWIND $rows AS row MATCH (p:Product {id: row.product_id})
			OPTIONAL MATCH (st:SkinType {name: row.attribute}) WHERE row.kind = 'skin_type'
			OPTIONAL MATCH (tn:SkinTone {name: row.attribute}) WHERE row.kind = 'skin_tone'
			OPTIONAL MATCH (c:Concern {name: row.attribute}) WHERE row.kind = 'concern'
			WITH p, row, coalesce(st, tn, c) AS a WHERE a IS NOT NULL
			CREATE (o:Outcome) SET o = row
			CREATE (p)-[:HAS_OUTCOME]->(o)
			CREATE (o)-[:FOR]->(a)`, staleOutcomes},
	}, nil
}

// outcomeRow is the property map of an Outcome node.
func outcomeRow(o graph.Outcome) map[string]any {
	row := map[string]any{"key": outcomeKey(o), "product_id": o.ProductID, "kind": o.Kind, "attribute": o.Attribute,
		"count": int64(o.Count), "mean_rating": o.MeanRating, "recommend_rate": o.RecommendRate}
	for _, e := range graph.Effects.Names() {
		row[strings.ReplaceAll(e, "-", "_")] = int64(o.Effects[e])
	}
	return row
}

// checkOutcomes compares the outcomes in tx with the snapshot's and names the first
// differences.
func checkOutcomes(ctx context.Context, tx neo4j.ManagedTransaction, snap graph.Snapshot) error {
	recs, err := txn.Run(ctx, tx, `MATCH (o:Outcome) RETURN o {.*} AS o`, nil)
	if err != nil {
		return fmt.Errorf("read outcomes: %w", err)
	}
	got := map[string]graph.Outcome{}
	for _, r := range recs {
		o := toOutcome(asMap(r.Values[0]))
		got[outcomeKey(o)] = o
	}
	var diffs []string
	want := map[string]bool{}
	for _, w := range snap.Outcomes {
		k := outcomeKey(w)
		want[k] = true
		g, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, k+": missing after recomputation")
		case !sameOutcome(w, g):
			diffs = append(diffs, fmt.Sprintf("%s: recomputed %+v, snapshot %+v", k, g, w))
		}
	}
	for k := range got {
		if !want[k] {
			diffs = append(diffs, k+": recomputed but not in the snapshot")
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		return fmt.Errorf("%w: %d recomputed outcome aggregates differ from the snapshot's, e.g. %s", graph.ErrInvalid, len(diffs), strings.Join(diffs[:min(3, len(diffs))], "; "))
	}
	return nil
}

func sameOutcome(a, b graph.Outcome) bool {
	near := func(x, y float64) bool { return math.Abs(x-y) <= 1e-9*max(1, math.Abs(x)) }
	if a.Count != b.Count || !near(a.MeanRating, b.MeanRating) || !near(a.RecommendRate, b.RecommendRate) || len(a.Effects) != len(b.Effects) {
		return false
	}
	for e, n := range a.Effects {
		if b.Effects[e] != n {
			return false
		}
	}
	return true
}

// checkCensus compares the counts of nodes by label and relationships by type in tx with the
// snapshot's.
func checkCensus(ctx context.Context, tx neo4j.ManagedTransaction, snap graph.Snapshot) error {
	if snap.NodeCounts == nil && snap.RelCounts == nil {
		return nil
	}
	var diffs []string
	for _, c := range []struct {
		what, query string
		want        map[string]int64
	}{
		{"nodes", `MATCH (n) WHERE NOT n:SharedState AND NOT n:Change UNWIND labels(n) AS l RETURN l, count(*)`, snap.NodeCounts},
		{"relationships", `MATCH ()-[x]->() RETURN type(x), count(*)`, snap.RelCounts},
	} {
		recs, err := txn.Run(ctx, tx, c.query, nil)
		if err != nil {
			return fmt.Errorf("census: %w", err)
		}
		got := map[string]int64{}
		for _, r := range recs {
			got[str(r.Values[0])] = i64(r.Values[1])
		}
		for k, n := range c.want {
			if k == "SchemaMigration" {
				continue // one per schema version ever applied: a restored graph starts at this build's
			}
			if got[k] != n {
				diffs = append(diffs, fmt.Sprintf("%s %s: %d restored, %d in the snapshot", c.what, k, got[k], n))
			}
		}
		for k, n := range got {
			if _, ok := c.want[k]; !ok && k != "SchemaMigration" {
				diffs = append(diffs, fmt.Sprintf("%s %s: %d restored, none in the snapshot", c.what, k, n))
			}
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		return fmt.Errorf("%w: the restored graph does not match the snapshot's census: %s", graph.ErrInvalid, strings.Join(diffs, "; "))
	}
	return nil
}
