package cypher

import (
	"strings"
	"time"

	"github.com/skingraph/skingraph/cypher/internal/rows"
	"github.com/skingraph/skingraph/graph"
)

// The typed rows of a restore (restoreSteps): each wraps what the snapshot holds and turns it
// into the row its statement reads, with the stored properties verbatim (keys, hashes,
// times), in its Param method.

// ingredientNode is an Ingredient node; only curated ones carry the knowledge base's fields.
type ingredientNode struct{ graph.SnapshotIngredient }

func (r ingredientNode) Param() map[string]any {
	props := map[string]any{"name": r.Name}
	if r.Curated {
		props["aliases"], props["functions"], props["source"], props["curated"] = rows.NonNil(r.Aliases), rows.NonNil(r.Functions), r.Source, true
	}
	if r.Comedogenic != nil {
		props["comedogenic"] = int64(*r.Comedogenic)
	}
	if r.Hash != "" {
		props["hash"] = r.Hash
	}
	return map[string]any{"inci": r.INCI, "props": props}
}

// treatsEdge is a knowledge-base TREATS edge of the ingredient INCI.
type treatsEdge struct {
	INCI string
	graph.Treatment
}

func (r treatsEdge) Param() map[string]any {
	return map[string]any{"a": r.INCI, "b": r.Concern,
		"props": map[string]any{"efficacy": r.Efficacy, "evidence": r.Evidence, "source": r.Source}}
}

// claimEdge is an efficacy claim: a TREATS edge of an ingredient (for every skin type) or,
// when efficacy, an EFFICACY edge.
type claimEdge struct {
	graph.SnapshotClaim
	efficacy bool
}

func (r claimEdge) Param() map[string]any {
	props := map[string]any{
		"efficacy": r.EffectSize, "evidence": r.Evidence, "source": r.Source, "sample_size": int64(r.SampleSize),
		"date": r.Date.Format(time.DateOnly), "load_id": r.LoadID, "hash": r.Hash,
	}
	if r.efficacy {
		props["skin_type"] = r.SkinType
	}
	return map[string]any{"subject_type": r.SubjectType, "a": r.Subject, "b": r.Concern, "props": props}
}

// aggravatesEdge is an AGGRAVATES edge of the ingredient INCI.
type aggravatesEdge struct {
	INCI string
	graph.Aggravation
}

func (r aggravatesEdge) Param() map[string]any {
	return map[string]any{"a": r.INCI, "kind": r.Kind, "b": r.Target,
		"props": map[string]any{"severity": r.Severity, "reason": r.Reason, "source": r.Source}}
}

// conflictEdge is a CONFLICTS_WITH edge from the ingredient INCI.
type conflictEdge struct {
	INCI string
	graph.Conflict
}

func (r conflictEdge) Param() map[string]any {
	return map[string]any{"a": r.INCI, "b": r.Conflict.INCI,
		"props": map[string]any{"severity": r.Severity, "reason": r.Reason, "source": r.Source}}
}

// productNode is a Product node with its feedback counters and its stale-outcomes mark.
type productNode struct{ graph.SnapshotProduct }

func (r productNode) Param() map[string]any {
	props := map[string]any{
		"name": r.Name, "brand": r.Brand, "category": r.Category, "subcategory": r.Subcategory,
		"price": r.Price, "in_stock": !r.OutOfStock, "size": r.Size, "rating": r.Rating, "review_count": int64(r.ReviewCount),
		"highlights": rows.NonNil(r.Highlights), "ingredients_text": r.IngredientsText, "hash": r.Hash,
	}
	for t, n := range r.EventCounts {
		props["events_"+t] = n
	}
	return map[string]any{"id": r.ID, "props": props, "stale": r.OutcomesStale}
}

// containsEdge is a CONTAINS edge of the product ProductID.
type containsEdge struct {
	ProductID string
	graph.ProductIngredient
}

func (r containsEdge) Param() map[string]any {
	return map[string]any{"a": r.ProductID, "b": r.INCI, "props": map[string]any{
		"position": int64(r.Position), "concentration": r.Concentration, "may_contain": r.MayContain,
		"list": r.List, "label": r.Name}}
}

// namedEdge is an edge without properties to a vocabulary node found by name (CLAIMS, SUITS).
type namedEdge struct{ From, To string }

func (r namedEdge) Param() map[string]any { return map[string]any{"a": r.From, "b": r.To} }

// reviewerNode is a Reviewer node.
type reviewerNode struct{ ID string }

func (r reviewerNode) Param() map[string]any { return map[string]any{"id": r.ID} }

// hasEdge is a HAS edge from the reviewer Reviewer to a skin attribute.
type hasEdge struct {
	Reviewer string
	graph.Attribute
}

func (r hasEdge) Param() map[string]any {
	return map[string]any{"a": r.Reviewer, "kind": r.Kind, "b": r.Name}
}

// reviewEdge is a REVIEWED edge.
type reviewEdge struct{ graph.SnapshotReview }

func (r reviewEdge) Param() map[string]any {
	return map[string]any{"a": r.Reviewer, "b": r.ProductID, "props": map[string]any{
		"id": r.ID, "rating": int64(r.Rating), "recommended": r.Recommended, "at": r.At.UTC(),
		"skin_type": r.SkinType, "skin_tone": r.SkinTone, "concerns": rows.SortedCopy(r.Concerns),
		"effects": rows.SortedCopy(r.Effects), "hash": r.Hash}}
}

// sealedRecord is a Profile or Event node's sealed payload under the key Key, with a new
// revision (restore, re-sealing).
type sealedRecord struct {
	ID, Sealed, Key string
	Rev             int64
}

func (r sealedRecord) Param() map[string]any {
	return map[string]any{"id": r.ID, "sealed": r.Sealed, "key": r.Key, "rev": r.Rev}
}

// sourceNode is the Source node of a committed load.
type sourceNode struct{ graph.Source }

func (r sourceNode) Param() map[string]any {
	return map[string]any{"id": r.ID, "props": map[string]any{
		"kind": r.Kind, "citation": r.Citation, "loaded_at": r.LoadedAt.UTC(), "counts": r.Counts}}
}

// pseudonymKeyNode is a PseudonymKey node.
type pseudonymKeyNode struct{ graph.PseudonymKey }

func (r pseudonymKeyNode) Param() map[string]any {
	return map[string]any{"id": r.Namespace, "fingerprint": r.Fingerprint, "at": r.At.UTC()}
}

// ruleNode is a Rule node with its revision and audit fields.
type ruleNode struct{ graph.Rule }

func (r ruleNode) Param() map[string]any {
	props := ruleProps(r.Rule)
	props["revision"], props["created_by"], props["updated_by"] = r.Revision, r.CreatedBy, r.UpdatedBy
	props["created_at"], props["updated_at"] = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return map[string]any{"id": r.ID, "props": props}
}

// experimentNode is an Experiment node with its revision and audit fields; props are those
// of experimentProps (which can fail, so restoreSteps computes them).
type experimentNode struct {
	graph.Experiment
	props map[string]any
}

func (r experimentNode) Param() map[string]any {
	props := map[string]any{}
	for k, v := range r.props {
		props[k] = v
	}
	props["revision"], props["created_by"], props["updated_by"] = r.Revision, r.CreatedBy, r.UpdatedBy
	props["created_at"], props["updated_at"] = r.CreatedAt.UTC(), r.UpdatedAt.UTC()
	return map[string]any{"id": r.ID, "props": props}
}

// experimentDayNode is the ExperimentDay node of an experiment's figures for one variant
// and day.
type experimentDayNode struct{ graph.SnapshotExperimentDay }

func (r experimentDayNode) Param() map[string]any {
	day := r.Day.UTC().Format(time.DateOnly)
	return map[string]any{"id": r.Experiment + "|" + r.Variant + "|" + day, "props": map[string]any{
		"experiment": r.Experiment, "variant": r.Variant, "day": day, "impressions": r.Impressions, "views": r.Views,
		"clicks": r.Clicks, "add_to_carts": r.AddToCarts, "purchases": r.Purchases}}
}

// attributionNode is an Attribution node: an action not seen is absent, as the counting
// statement leaves it.
type attributionNode struct{ graph.SnapshotAttribution }

func (r attributionNode) Param() map[string]any {
	props := map[string]any{"experiment": r.Experiment, "variant": r.Variant, "day": r.Day}
	for k, seen := range map[string]bool{"view": r.View, "click": r.Click, "add_to_cart": r.AddToCart, "purchase": r.Purchase} {
		if seen {
			props[k] = true
		}
	}
	return map[string]any{"key": r.Key, "props": props}
}

// outcomeNode is an Outcome node, its properties as stored (for the products whose outcomes
// wait for a refresh).
type outcomeNode struct{ graph.Outcome }

func (r outcomeNode) Param() map[string]any {
	row := map[string]any{"key": outcomeKey(r.Outcome), "product_id": r.ProductID, "kind": r.Kind, "attribute": r.Attribute,
		"count": int64(r.Count), "mean_rating": r.MeanRating, "recommend_rate": r.RecommendRate}
	for _, e := range graph.Effects.Names() {
		row[strings.ReplaceAll(e, "-", "_")] = int64(r.Effects[e])
	}
	return row
}

// exactOutcome is the mean rating and recommend rate of an outcome, with the snapshot's bits.
type exactOutcome struct{ graph.Outcome }

func (r exactOutcome) Param() map[string]any {
	return map[string]any{"key": outcomeKey(r.Outcome), "mean_rating": r.MeanRating, "recommend_rate": r.RecommendRate}
}
