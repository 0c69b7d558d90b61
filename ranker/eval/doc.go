// Package eval measures the ranker offline on held-out reviews and compares it with simple
// baselines on the same queries (issue 6, docs/EVALUATION.md).
//
// The protocol, in short: the graph holds the catalogue, the ingredient knowledge base and the
// train reviews only; queries are derived from the test reviews.
//
//   - profile task (cold start): one query per (test author, category) with a positive test
//     review (rating >= 4) of a product of that category; the profile is the author's skin
//     type and tone, the filter that category; the relevant items are the author's positive
//     test items in it.
//   - history task: one query per author with positive train reviews and positive test
//     reviews; the train positives are the liked products, every product the author reviewed
//     in train is left out of the ranking, and the relevant items are the test positives.
//
// Metrics are at a cut-off of 10 (NDCG, recall, hit rate, MRR, catalogue coverage and harm,
// the share of recommended products that a test reviewer of the same skin type reported a
// breakout or irritation with), overall and per skin type, with the number of queries.
//
// The package depends on graph and ranker only: the command line (cmd/skingraph eval) reads
// the files, loads Neo4j and builds the projection; everything here is pure and deterministic.
package eval
