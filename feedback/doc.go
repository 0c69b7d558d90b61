// Package feedback records what people do with products (feedback events) and the skin
// profiles they consent to store. It sits between the API and the graph store: it checks
// input (graph.ValidateEvents, graph.ValidateProfile), turns clients' ids into pseudonyms
// within the caller's tenant (graph.Pseudonymizer.TenantPseudonym) and stamps events with
// their tenant and source key before anything is stored (the store seals them), coalesces concurrent event requests into
// one Neo4j transaction (Batcher, a group commit), and refreshes outcome aggregates when rating
// and effect events are committed, at a bounded rate (RefreshOutcomes, woken through a Signal). It depends on package graph only.
package feedback
