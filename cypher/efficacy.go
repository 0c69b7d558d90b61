package cypher

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/cypher/internal/txn"
	"github.com/skingraph/skingraph/cypher/internal/visibility"
	"github.com/skingraph/skingraph/graph"
)

// errDryRun rolls back the transaction of a dry run once its counts are known.
var errDryRun = errors.New("dry run: roll back")

// WriteEfficacy writes efficacy claims in one transaction. An ingredient claim without a skin
// type sets the ingredient's (i)-[:TREATS]->(c:Concern) edge, the weight the ranker's
// concern-fit uses; every other claim (with a skin type, or on a product) is an
// (x)-[:EFFICACY {skin_type}]->(c:Concern) edge, with an empty skin_type for a claim on every
// skin type. Both carry efficacy, evidence, source, sample_size, date, load_id and a content
// hash: a claim stored as it is counts as unchanged and is not rewritten. When anything
// changed, a Source {id: loadID, kind: 'efficacy'} records the load and DataVersion is bumped.
// With dryRun the same statements run and are rolled back: the counts are real, nothing
// persists, and the version reported is the current one. Every subject must exist
// (graph.ErrInvalid otherwise: check with Known first).
func (s *Store) WriteEfficacy(ctx context.Context, loadID, source string, at time.Time, claims []graph.EfficacyClaim, dryRun bool) (graph.LoadResult, error) {
	res := graph.LoadResult{LoadID: loadID}
	if at.IsZero() {
		at = time.Now().UTC()
	}
	treats, others, err := efficacyParams(claims)
	if err != nil {
		return graph.LoadResult{}, fmt.Errorf("cypher: write efficacy %s: %w", loadID, err)
	}
	err = s.inWriteTx(ctx, func(tx neo4j.ManagedTransaction) error {
		var c graph.Counts // the driver may retry the function
		for _, part := range []struct {
			query string
			rows  []efficacyRow
		}{{upsertTreatsCypher, treats}, {upsertIngredientEfficacyCypher, others[graph.SubjectIngredient]}, {upsertProductEfficacyCypher, others[graph.SubjectProduct]}} {
			for _, b := range batches(part.rows) {
				recs, err := txn.Run(ctx, tx, part.query, map[string]any{"rows": rows.Params(b), "load_id": loadID})
				if err != nil {
					return err
				}
				var got graph.Counts
				if err := addCounts(&got, recs); err != nil {
					return err
				}
				if n := got.Created + got.Updated + got.Unchanged; n != len(b) {
					return fmt.Errorf("%w: %d of %d claims name a subject or concern the graph does not hold", graph.ErrInvalid, len(b)-n, len(b))
				}
				c.Created, c.Updated, c.Unchanged = c.Created+got.Created, c.Updated+got.Updated, c.Unchanged+got.Unchanged
			}
		}
		res.Counts = map[string]graph.Counts{"efficacy": c}
		res.Changed = c.Created+c.Updated > 0
		if dryRun {
			return errDryRun
		}
		if !res.Changed {
			return nil
		}
		if _, err := txn.Run(ctx, tx, createSourceCypher, map[string]any{
			"id": loadID, "kind": "efficacy", "citation": source, "at": at, "counts": countsJSON(res.Counts),
		}); err != nil {
			return fmt.Errorf("source: %w", err)
		}
		if res.Version, err = bumpVersion(ctx, tx, efficacyChange(treats)); err != nil {
			return fmt.Errorf("data version: %w", err)
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return graph.LoadResult{}, fmt.Errorf("cypher: write efficacy %s: %w", loadID, err)
	}
	if dryRun || !res.Changed {
		if res.Version, err = s.DataVersion(ctx); err != nil {
			return graph.LoadResult{}, err
		}
	}
	return res, nil
}

// efficacyRow is one efficacy claim as the upsert statements read it.
type efficacyRow struct {
	Subject, Concern, SkinType string
	Props                      claimProps
	Hash                       string // of Props
}

// claimProps are the properties of a TREATS or EFFICACY edge that a claim sets.
type claimProps struct {
	Efficacy   float64
	Evidence   string
	Source     string
	SampleSize int64
	Date       string // YYYY-MM-DD
}

// Param is the edge's properties as the driver stores them.
func (p claimProps) Param() map[string]any {
	return map[string]any{"efficacy": p.Efficacy, "evidence": p.Evidence, "source": p.Source,
		"sample_size": p.SampleSize, "date": p.Date}
}

// Param is the row as the upsert statements read it.
func (r efficacyRow) Param() map[string]any {
	return map[string]any{"subject": r.Subject, "concern": r.Concern, "skin_type": r.SkinType, "props": r.Props.Param(), "hash": r.Hash}
}

// efficacyParams turns claims into statement rows: ingredient claims without a skin type
// (TREATS) and the others by subject type (EFFICACY). Two claims with one key and different
// values are refused.
func efficacyParams(claims []graph.EfficacyClaim) (treats []efficacyRow, others map[string][]efficacyRow, err error) {
	others = map[string][]efficacyRow{}
	seen := map[string]string{}
	for _, c := range claims {
		props := claimProps{Efficacy: c.EffectSize, Evidence: c.Evidence, Source: c.Source,
			SampleSize: int64(c.SampleSize), Date: c.Date.Format(time.DateOnly)}
		hash := rows.Hash(props.Param())
		key := c.SubjectType + "\x00" + c.Subject + "\x00" + c.Concern + "\x00" + c.SkinType
		if h, ok := seen[key]; ok {
			if h != hash {
				return nil, nil, fmt.Errorf("%w: two claims on %s %q, concern %q, skin type %q differ", graph.ErrInvalid, c.SubjectType, c.Subject, c.Concern, c.SkinType)
			}
			continue
		}
		seen[key] = hash
		row := efficacyRow{Subject: c.Subject, Concern: c.Concern, SkinType: c.SkinType, Props: props, Hash: hash}
		switch {
		case c.SubjectType == graph.SubjectIngredient && c.SkinType == "":
			treats = append(treats, row)
		case c.SubjectType == graph.SubjectIngredient || c.SubjectType == graph.SubjectProduct:
			others[c.SubjectType] = append(others[c.SubjectType], row)
		default:
			return nil, nil, fmt.Errorf("%w: unknown subject type %q", graph.ErrInvalid, c.SubjectType)
		}
	}
	return treats, others, nil
}

// The status of a claim: created (no edge yet), unchanged (same content hash) or updated. A
// TREATS edge written by the knowledge base has no hash, so a claim on it counts as updated.
const upsertTreatsCypher = `
	UNWIND $rows AS row
	MATCH (x:Ingredient {inci: row.subject})
	MATCH (c:Concern {name: row.concern})
	OPTIONAL MATCH (x)-[old:TREATS]->(c)
	WITH row, x, c, CASE WHEN old IS NULL THEN 'created' WHEN old.hash = row.hash THEN 'unchanged' ELSE 'updated' END AS status
	CALL (row, x, c, status) {
		WITH row, x, c WHERE status <> 'unchanged'
		MERGE (x)-[e:TREATS]->(c)
		SET e += row.props, e.hash = row.hash, e.load_id = $load_id
	}
	RETURN status, count(*) AS n`

// upsertIngredientEfficacyCypher upserts (i:Ingredient)-[:EFFICACY {skin_type}]->(c:Concern)
// claims; upsertProductEfficacyCypher the same claims of products.
const (
	upsertIngredientEfficacyCypher = `
	UNWIND $rows AS row
	MATCH (x:Ingredient {inci: row.subject})
	MATCH (c:Concern {name: row.concern})
	OPTIONAL MATCH (x)-[old:EFFICACY {skin_type: row.skin_type}]->(c)
	WITH row, x, c, CASE WHEN old IS NULL THEN 'created' WHEN old.hash = row.hash THEN 'unchanged' ELSE 'updated' END AS status
	CALL (row, x, c, status) {
		WITH row, x, c WHERE status <> 'unchanged'
		MERGE (x)-[e:EFFICACY {skin_type: row.skin_type}]->(c)
		SET e += row.props, e.hash = row.hash, e.load_id = $load_id
	}
	RETURN status, count(*) AS n`
	upsertProductEfficacyCypher = `
	UNWIND $rows AS row
	MATCH (x:Product {id: row.subject})
	MATCH (c:Concern {name: row.concern})
	OPTIONAL MATCH (x)-[old:EFFICACY {skin_type: row.skin_type}]->(c)
	WITH row, x, c, CASE WHEN old IS NULL THEN 'created' WHEN old.hash = row.hash THEN 'unchanged' ELSE 'updated' END AS status
	CALL (row, x, c, status) {
		WITH row, x, c WHERE status <> 'unchanged'
		MERGE (x)-[e:EFFICACY {skin_type: row.skin_type}]->(c)
		SET e += row.props, e.hash = row.hash, e.load_id = $load_id
	}
	RETURN status, count(*) AS n`
)

// Known returns which of subjects the graph holds: canonical INCI keys when subjectType is
// graph.SubjectIngredient, product ids when it is graph.SubjectProduct.
func (s *Store) Known(ctx context.Context, subjectType string, subjects []string) (map[string]bool, error) {
	query, err := subjectQuery(subjectType,
		`UNWIND $keys AS k MATCH (i:Ingredient {inci: k}) WHERE `+visibility.CommittedIngredient+` RETURN i.inci AS k`,
		`UNWIND $keys AS k MATCH (p:Product {id: k}) WHERE `+visibility.CommittedProduct+` RETURN p.id AS k`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]bool, len(subjects))
	for _, b := range batches(subjects) {
		recs, err := s.read(ctx, query, map[string]any{"keys": b})
		if err != nil {
			return nil, fmt.Errorf("cypher: known %ss: %w", subjectType, err)
		}
		for _, r := range recs {
			out[str(r.Values[0])] = true
		}
	}
	return out, nil
}

// maxSuggestCandidates bounds the keys one suggestion compares against.
const maxSuggestCandidates = 20000

// SuggestSubjects returns, for each unknown subject, the closest key of that subject type in
// the graph ("" when nothing is close). Ingredients are compared with every INCI key (up to
// maxSuggestCandidates); products, whose ids may run to millions, with up to
// maxSuggestCandidates ids that share the unknown one's first character and are close to it
// in length.
func (s *Store) SuggestSubjects(ctx context.Context, subjectType string, unknown []string) (map[string]string, error) {
	query, err := subjectQuery(subjectType,
		`MATCH (i:Ingredient) WHERE `+visibility.CommittedIngredient+` RETURN i.inci LIMIT $limit`,
		`MATCH (p:Product) WHERE p.id STARTS WITH $prefix AND abs(size(p.id) - $size) <= $slack AND `+visibility.CommittedProduct+` RETURN p.id LIMIT $limit`)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(unknown))
	cache := map[string][]string{} // prefix and size -> candidates
	for _, u := range unknown {
		prefix, size := "", len(u)
		if subjectType == graph.SubjectProduct && u != "" {
			prefix = string([]rune(u)[:1])
		}
		ck := fmt.Sprint(prefix, "|", size)
		if subjectType == graph.SubjectIngredient {
			ck = ""
		}
		cands, ok := cache[ck]
		if !ok {
			recs, err := s.read(ctx, query, map[string]any{"prefix": prefix, "size": size, "slack": max(2, size/3), "limit": maxSuggestCandidates})
			if err != nil {
				return nil, fmt.Errorf("cypher: suggest %ss: %w", subjectType, err)
			}
			for _, r := range recs {
				cands = append(cands, str(r.Values[0]))
			}
			cache[ck] = cands
		}
		out[u] = graph.Closest(u, cands)
	}
	return out, nil
}

func subjectQuery(subjectType, ingredient, product string) (string, error) {
	switch subjectType {
	case graph.SubjectIngredient:
		return ingredient, nil
	case graph.SubjectProduct:
		return product, nil
	}
	return "", fmt.Errorf("cypher: %w: unknown subject type %q", graph.ErrInvalid, subjectType)
}
