package cypher

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

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
				if _, err := txn.Run(ctx, tx, step.query, map[string]any{"rows": rows.Params(b)}); err != nil {
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
		exact := make([]exactOutcome, len(snap.Outcomes))
		for i, o := range snap.Outcomes {
			exact[i] = exactOutcome{o}
		}
		for _, b := range batches(exact) {
			if _, err := txn.Run(ctx, tx, `UNWIND $rows AS row MATCH (o:Outcome {key: row.key})
				SET o.mean_rating = row.mean_rating,
				    o.recommend_rate = CASE WHEN o.recommend_rate IS NULL THEN null ELSE row.recommend_rate END`, map[string]any{"rows": rows.Params(b)}); err != nil {
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
	n, _, err := neo4j.GetRecordValue[int64](recs[0], "nodes")
	if err != nil {
		return fmt.Errorf("check empty: %w", err)
	}
	v, _, err := neo4j.GetRecordValue[int64](recs[0], "version")
	if err != nil {
		return fmt.Errorf("check empty: %w", err)
	}
	if n > 0 || v > 0 {
		return fmt.Errorf("%w: the graph is not empty (%d catalogue, review, event, profile, source or outcome nodes; data version %d): import restores into an empty graph only",
			graph.ErrConflict, n, v)
	}
	return nil
}

// restoreStep is one statement of a restore and the typed rows it writes, a batch at a time.
type restoreStep struct {
	name  string
	query string
	rows  []rows.Param
}

// params turns typed rows of any kind into the rows of a restore step.
func params[T rows.Param](rs []T) []rows.Param {
	out := make([]rows.Param, len(rs))
	for i, r := range rs {
		out[i] = r
	}
	return out
}

// restoreSteps turns a snapshot into statements and their rows, in dependency order.
// Profiles and events are sealed again under the vault's current key (privacy.go); a
// snapshot holding any needs a vault.
func restoreSteps(v *graph.Vault, snap graph.Snapshot) ([]restoreStep, error) {
	if v == nil && (len(snap.Profiles) > 0 || len(snap.Events) > 0) {
		return nil, fmt.Errorf("profiles and events: %w", errNoVault)
	}
	var (
		ings           []ingredientNode
		treats         []rows.Param // treatsEdge and claimEdge
		effs           []claimEdge
		aggr           []aggravatesEdge
		conflicts      []conflictEdge
		prods          []productNode
		contains       []containsEdge
		claims, suits  []namedEdge
		reviewers      []reviewerNode
		has            []hasEdge
		reviews        []reviewEdge
		profiles       []sealedRecord
		events         []eventNode
		sources        []sourceNode
		keys           []pseudonymKeyNode
		rules          []ruleNode
		experiments    []experimentNode
		experimentDays []experimentDayNode
		attributions   []attributionNode
		staleOutcomes  []outcomeNode
	)
	for _, i := range snap.Ingredients {
		ings = append(ings, ingredientNode{i})
		for _, t := range i.Treats {
			treats = append(treats, treatsEdge{INCI: i.INCI, Treatment: t})
		}
		for _, a := range i.Aggravates {
			aggr = append(aggr, aggravatesEdge{INCI: i.INCI, Aggravation: a})
		}
		for _, c := range i.Conflicts {
			conflicts = append(conflicts, conflictEdge{INCI: i.INCI, Conflict: c})
		}
	}
	for _, p := range snap.Products {
		prods = append(prods, productNode{p})
		for _, in := range p.Ingredients {
			contains = append(contains, containsEdge{ProductID: p.ID, ProductIngredient: in})
		}
		for _, c := range p.Claims {
			claims = append(claims, namedEdge{From: p.ID, To: c})
		}
		for _, t := range p.Suits {
			suits = append(suits, namedEdge{From: p.ID, To: t})
		}
	}
	for _, c := range snap.Claims {
		if c.SubjectType == graph.SubjectIngredient && c.SkinType == "" {
			treats = append(treats, claimEdge{SnapshotClaim: c})
			continue
		}
		effs = append(effs, claimEdge{SnapshotClaim: c, efficacy: true})
	}
	for _, u := range snap.Reviewers {
		reviewers = append(reviewers, reviewerNode{u.ID})
		for _, a := range u.Attributes {
			has = append(has, hasEdge{Reviewer: u.ID, Attribute: a})
		}
	}
	for _, r := range snap.Reviews {
		reviews = append(reviews, reviewEdge{r})
	}
	for _, p := range snap.Profiles {
		sealed, err := sealProfile(v, p)
		if err != nil {
			return nil, fmt.Errorf("profile %s: %w", p.ID, err)
		}
		profiles = append(profiles, sealedRecord{ID: p.ID, Sealed: sealed, Key: v.Keys.Current(), Rev: newRev()})
	}
	for _, e := range snap.Events {
		n, err := sealEvent(v, e)
		if err != nil {
			return nil, fmt.Errorf("event %s: %w", e.ID, err)
		}
		events = append(events, n)
	}
	for _, src := range snap.Sources {
		sources = append(sources, sourceNode{src})
	}
	for _, k := range snap.PseudonymKeys {
		keys = append(keys, pseudonymKeyNode{k})
	}
	for _, r := range snap.Rules {
		rules = append(rules, ruleNode{r})
	}
	for _, e := range snap.Experiments {
		props, err := experimentProps(e)
		if err != nil {
			return nil, fmt.Errorf("experiment %s: %w", e.ID, err)
		}
		experiments = append(experiments, experimentNode{Experiment: e, props: props})
	}
	for _, d := range snap.ExperimentDays {
		experimentDays = append(experimentDays, experimentDayNode{d})
	}
	for _, a := range snap.Attributions {
		attributions = append(attributions, attributionNode{a})
	}
	stale := map[string]bool{}
	for _, p := range snap.Products {
		stale[p.ID] = p.OutcomesStale
	}
	for _, o := range snap.Outcomes {
		if stale[o.ProductID] {
			staleOutcomes = append(staleOutcomes, outcomeNode{o})
		}
	}
	return []restoreStep{
		{"ingredients", `UNWIND $rows AS row CREATE (i:Ingredient {inci: row.inci}) SET i += row.props`, params(ings)},
		{"products", `UNWIND $rows AS row CREATE (p:Product {id: row.id}) SET p += row.props
			FOREACH (_ IN CASE WHEN row.stale THEN [1] ELSE [] END | SET p:` + outcomesStaleLabel + `)`, params(prods)},
		{"treats", `UNWIND $rows AS row MATCH (a:Ingredient {inci: row.a}), (b:Concern {name: row.b}) CREATE (a)-[x:TREATS]->(b) SET x = row.props`, treats},
		{"aggravates", `UNWIND $rows AS row MATCH (a:Ingredient {inci: row.a})
			OPTIONAL MATCH (st:SkinType {name: row.b}) WHERE row.kind = 'skin_type'
			OPTIONAL MATCH (c:Concern {name: row.b}) WHERE row.kind = 'concern'
			OPTIONAL MATCH (se:Sensitivity {name: row.b}) WHERE row.kind = 'sensitivity'
			WITH a, row, coalesce(st, c, se) AS b WHERE b IS NOT NULL
			CREATE (a)-[x:AGGRAVATES]->(b) SET x = row.props`, params(aggr)},
		{"conflicts", `UNWIND $rows AS row MATCH (a:Ingredient {inci: row.a}), (b:Ingredient {inci: row.b}) CREATE (a)-[x:CONFLICTS_WITH]->(b) SET x = row.props`, params(conflicts)},
		{"contains", `UNWIND $rows AS row MATCH (a:Product {id: row.a}), (b:Ingredient {inci: row.b}) CREATE (a)-[x:CONTAINS]->(b) SET x = row.props`, params(contains)},
		{"claims", `UNWIND $rows AS row MATCH (a:Product {id: row.a}), (b:Concern {name: row.b}) CREATE (a)-[:CLAIMS]->(b)`, params(claims)},
		{"suits", `UNWIND $rows AS row MATCH (a:Product {id: row.a}), (b:SkinType {name: row.b}) CREATE (a)-[:SUITS]->(b)`, params(suits)},
		{"efficacy", `UNWIND $rows AS row MATCH (b:Concern {name: row.b})
			OPTIONAL MATCH (i:Ingredient {inci: row.a}) WHERE row.subject_type = 'ingredient'
			OPTIONAL MATCH (p:Product {id: row.a}) WHERE row.subject_type = 'product'
			WITH row, b, coalesce(i, p) AS a WHERE a IS NOT NULL
			CREATE (a)-[x:EFFICACY]->(b) SET x = row.props`, params(effs)},
		{"reviewers", `UNWIND $rows AS row CREATE (:Reviewer {id: row.id})`, params(reviewers)},
		{"reviewer attributes", `UNWIND $rows AS row MATCH (a:Reviewer {id: row.a})
			OPTIONAL MATCH (st:SkinType {name: row.b}) WHERE row.kind = 'skin_type'
			OPTIONAL MATCH (tn:SkinTone {name: row.b}) WHERE row.kind = 'skin_tone'
			OPTIONAL MATCH (c:Concern {name: row.b}) WHERE row.kind = 'concern'
			WITH a, coalesce(st, tn, c) AS b WHERE b IS NOT NULL
			CREATE (a)-[:HAS]->(b)`, params(has)},
		{"reviews", `UNWIND $rows AS row MATCH (a:Reviewer {id: row.a}), (b:Product {id: row.b}) CREATE (a)-[x:REVIEWED]->(b) SET x = row.props`, params(reviews)},
		{"profiles", `UNWIND $rows AS row CREATE (p:Profile {id: row.id})
			SET p.sealed = row.sealed, p.key = row.key, p.rev = row.rev, p.consent = true`, params(profiles)},
		{"events", `UNWIND $rows AS row CREATE (e:Event {id: row.id})
			SET e.sealed = row.sealed, e.key = row.key, e.rev = row.rev, e.owner = row.owner, e.subject = row.subject`, params(events)},
		{"sources", `UNWIND $rows AS row CREATE (s:Source {id: row.id}) SET s += row.props`, params(sources)},
		{"pseudonym keys", `UNWIND $rows AS row CREATE (:PseudonymKey {id: row.id, fingerprint: row.fingerprint, at: row.at})`, params(keys)},
		{"rules", `UNWIND $rows AS row CREATE (r:Rule {id: row.id}) SET r += row.props`, params(rules)},
		{"experiments", `UNWIND $rows AS row CREATE (e:Experiment {id: row.id}) SET e += row.props`, params(experiments)},
		{"experiment figures", `UNWIND $rows AS row CREATE (d:ExperimentDay {id: row.id}) SET d += row.props`, params(experimentDays)},
		{"attributions", `UNWIND $rows AS row CREATE (a:Attribution {key: row.key}) SET a += row.props`, params(attributions)},
		{"outcomes awaiting a refresh", `UNWIND $rows AS row MATCH (p:Product {id: row.product_id})
			OPTIONAL MATCH (st:SkinType {name: row.attribute}) WHERE row.kind = 'skin_type'
			OPTIONAL MATCH (tn:SkinTone {name: row.attribute}) WHERE row.kind = 'skin_tone'
			OPTIONAL MATCH (c:Concern {name: row.attribute}) WHERE row.kind = 'concern'
			WITH p, row, coalesce(st, tn, c) AS a WHERE a IS NOT NULL
			CREATE (o:Outcome) SET o = row
			CREATE (p)-[:HAS_OUTCOME]->(o)
			CREATE (o)-[:FOR]->(a)`, params(staleOutcomes)},
	}, nil
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
		{"nodes", `MATCH (n) WHERE NOT n:SharedState AND NOT n:Change UNWIND labels(n) AS l RETURN l AS k, count(*) AS n`, snap.NodeCounts},
		{"relationships", `MATCH ()-[x]->() RETURN type(x) AS k, count(*) AS n`, snap.RelCounts},
	} {
		recs, err := txn.Run(ctx, tx, c.query, nil)
		if err != nil {
			return fmt.Errorf("census: %w", err)
		}
		got := map[string]int64{}
		for _, r := range recs {
			k, err := txn.String(r, "k")
			if err != nil {
				return fmt.Errorf("census: %w", err)
			}
			if got[k], _, err = neo4j.GetRecordValue[int64](r, "n"); err != nil {
				return fmt.Errorf("census: %w", err)
			}
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
