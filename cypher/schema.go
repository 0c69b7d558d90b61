package cypher

import (
	"context"
	"fmt"

	"github.com/skingraph/skingraph/graph"
)

// schemaVersion is recorded in the graph once Migrate has applied every statement below.
const schemaVersion = 4

// schemaStatements are idempotent: constraints and indexes use IF NOT EXISTS.
var schemaStatements = []string{
	"CREATE CONSTRAINT product_id IF NOT EXISTS FOR (n:Product) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT ingredient_inci IF NOT EXISTS FOR (n:Ingredient) REQUIRE n.inci IS UNIQUE",
	"CREATE CONSTRAINT skin_type_name IF NOT EXISTS FOR (n:SkinType) REQUIRE n.name IS UNIQUE",
	"CREATE CONSTRAINT skin_tone_name IF NOT EXISTS FOR (n:SkinTone) REQUIRE n.name IS UNIQUE",
	"CREATE CONSTRAINT concern_name IF NOT EXISTS FOR (n:Concern) REQUIRE n.name IS UNIQUE",
	"CREATE CONSTRAINT sensitivity_name IF NOT EXISTS FOR (n:Sensitivity) REQUIRE n.name IS UNIQUE",
	"CREATE CONSTRAINT reviewer_id IF NOT EXISTS FOR (n:Reviewer) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT source_id IF NOT EXISTS FOR (n:Source) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT outcome_key IF NOT EXISTS FOR (n:Outcome) REQUIRE n.key IS UNIQUE",
	"CREATE CONSTRAINT data_version_id IF NOT EXISTS FOR (n:DataVersion) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT schema_migration_version IF NOT EXISTS FOR (n:SchemaMigration) REQUIRE n.version IS UNIQUE",
	"CREATE CONSTRAINT event_id IF NOT EXISTS FOR (n:Event) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT profile_id IF NOT EXISTS FOR (n:Profile) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT pseudonym_key_id IF NOT EXISTS FOR (n:PseudonymKey) REQUIRE n.id IS UNIQUE",
	// Experiments and their figures (experiments.go, attribution.go).
	"CREATE CONSTRAINT experiment_id IF NOT EXISTS FOR (n:Experiment) REQUIRE n.id IS UNIQUE",
	"CREATE CONSTRAINT attribution_key IF NOT EXISTS FOR (n:Attribution) REQUIRE n.key IS UNIQUE",
	"CREATE CONSTRAINT experiment_day_id IF NOT EXISTS FOR (n:ExperimentDay) REQUIRE n.id IS UNIQUE",
	"CREATE INDEX experiment_day_experiment IF NOT EXISTS FOR (n:ExperimentDay) ON (n.experiment)",
	"CREATE INDEX attribution_experiment IF NOT EXISTS FOR (n:Attribution) ON (n.experiment)",
	"CREATE CONSTRAINT change_n IF NOT EXISTS FOR (n:Change) REQUIRE n.n IS UNIQUE",
	"CREATE INDEX change_at IF NOT EXISTS FOR (n:Change) ON (n.at)",
	"CREATE INDEX product_category IF NOT EXISTS FOR (n:Product) ON (n.category)",
	"CREATE INDEX product_price IF NOT EXISTS FOR (n:Product) ON (n.price)",
	"CREATE INDEX product_brand IF NOT EXISTS FOR (n:Product) ON (n.brand)",
	"CREATE INDEX reviewed_id IF NOT EXISTS FOR ()-[r:REVIEWED]-() ON (r.id)",
	// Sealed personal data (privacy.go): a profile's events, a product's evidence, and the
	// records a key rotation re-seals.
	"CREATE INDEX event_owner IF NOT EXISTS FOR (n:Event) ON (n.owner)",
	"CREATE INDEX event_subject IF NOT EXISTS FOR (n:Event) ON (n.subject)",
	"CREATE INDEX event_key IF NOT EXISTS FOR (n:Event) ON (n.key)",
	"CREATE INDEX profile_key IF NOT EXISTS FOR (n:Profile) ON (n.key)",
	// The old edges of reviews and products a staged load changed, deleted once it committed
	// (package staging).
	"CREATE INDEX reviewed_superseded IF NOT EXISTS FOR ()-[r:REVIEWED]-() ON (r._superseded)",
	"CREATE INDEX contains_superseded IF NOT EXISTS FOR ()-[r:CONTAINS]-() ON (r._superseded)",
	"CREATE INDEX claims_superseded IF NOT EXISTS FOR ()-[r:CLAIMS]-() ON (r._superseded)",
	"CREATE INDEX suits_superseded IF NOT EXISTS FOR ()-[r:SUITS]-() ON (r._superseded)",
	"CREATE FULLTEXT INDEX catalogue_text IF NOT EXISTS FOR (n:Product|Ingredient) ON EACH [n.name, n.brand, n.inci]",
}

// Migrate applies the schema (constraints, indexes, the full-text index), creates the
// DataVersion node and the closed vocabularies' nodes, and waits for the indexes to come
// online. It is idempotent and safe to run at every start.
func (s *Store) Migrate(ctx context.Context) error {
	for _, stmt := range schemaStatements {
		if _, err := s.write(ctx, stmt, nil); err != nil {
			return fmt.Errorf("cypher: migrate %q: %w", stmt, err)
		}
	}
	if _, err := s.write(ctx, "CALL db.awaitIndexes(120)", nil); err != nil {
		return fmt.Errorf("cypher: migrate: wait for indexes: %w", err)
	}
	vocab := map[string]any{
		"skin_types":    graph.SkinTypes.Names(),
		"skin_tones":    graph.SkinTones.Names(),
		"concerns":      graph.Concerns.Names(),
		"sensitivities": graph.Sensitivities.Names(),
		"version":       schemaVersion,
	}
	const seed = `
		MERGE (v:DataVersion {id: 'current'}) ON CREATE SET v.n = 0, v.at = datetime()
		FOREACH (name IN $skin_types | MERGE (:SkinType {name: name}))
		FOREACH (name IN $skin_tones | MERGE (:SkinTone {name: name}))
		FOREACH (name IN $concerns | MERGE (:Concern {name: name}))
		FOREACH (name IN $sensitivities | MERGE (:Sensitivity {name: name}))
		MERGE (m:SchemaMigration {version: $version}) ON CREATE SET m.applied_at = datetime()`
	if _, err := s.write(ctx, seed, vocab); err != nil {
		return fmt.Errorf("cypher: migrate: seed vocabularies: %w", err)
	}
	s.migrated.Store(true)
	return nil
}

// SchemaReady reports whether the schema of this build has been applied to the graph.
func (s *Store) SchemaReady(ctx context.Context) (bool, error) {
	recs, err := s.read(ctx, "OPTIONAL MATCH (m:SchemaMigration {version: $version}) RETURN m IS NOT NULL AS ok",
		map[string]any{"version": schemaVersion})
	if err != nil {
		return false, fmt.Errorf("cypher: schema ready: %w", err)
	}
	ok, _ := recs[0].Get("ok")
	return ok == true, nil
}
