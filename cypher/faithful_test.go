package cypher_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/skingraph/skingraph/cypher"
	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/ranker"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// loadDemo loads the bundled demo data into a clean graph and returns its projection.
func loadDemo(t *testing.T) (*cypher.Store, *graph.Projection) {
	t.Helper()
	store := neo4jtest.Demo(t) // shared by the tests that only read it
	ctx := context.Background()
	proj, err := store.Project(ctx)
	if err != nil {
		t.Fatalf("project: %v", err)
	}
	return store, proj
}

// TestProjectionMatchesGraph checks the projection against counts read from Neo4j.
func TestProjectionMatchesGraph(t *testing.T) {
	store, proj := loadDemo(t)
	st, err := store.Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(proj.Products)) != st.Products || int64(len(proj.Ingredients)) != st.Ingredients {
		t.Errorf("projection has %d products and %d ingredients; graph %+v", len(proj.Products), len(proj.Ingredients), st)
	}
	v, _ := store.DataVersion(context.Background())
	if proj.Version != v {
		t.Errorf("projection version %+v, graph %+v", proj.Version, v)
	}
	nodes, edges := proj.Size()
	if nodes == 0 || edges == 0 || proj.MeanRating < 3 || proj.MeanRating > 5 {
		t.Errorf("size %d/%d, mean rating %v", nodes, edges, proj.MeanRating)
	}
}

// TestEveryWhyCypherReturnsItsPath is the faithfulness invariant: for random profiles on the
// demo data, the Cypher of every reason, run on the live graph, returns exactly the nodes (by
// label and key) and relationships (by type) of that reason's path. Each reason is checked;
// the texts run through the explorer (whyRunner): each shape of text once as written, its
// other instances with their plain string literals as parameters.
func TestEveryWhyCypherReturnsItsPath(t *testing.T) {
	store, proj := loadDemo(t)
	params := ranker.DefaultParams()
	params.Weights.Affinity = 0.5 // off by default; its reasons must be faithful all the same
	params.HistoryWeights.Affinity = 0.5
	// the multi-scale recent volumes are off by default; their reasons must be faithful too
	params.Weights.RecentScales = [ranker.NumRecentScales]float64{0.5, 0.5, 0.5, 0.5, 0.5}
	params.Weights.PeerRecentScales = [ranker.NumRecentScales]float64{0.5, 0.5, 0.5, 0.5, 0.5}
	params.HistoryWeights.RecentScales = params.Weights.RecentScales
	params.HistoryWeights.PeerRecentScales = params.Weights.PeerRecentScales
	params.HistoryWeights.ItemItem = 1                           // the item-item family is off by default; its reasons too
	params.Weights.AdverseExcess = 0.5                           // and the harm demotion
	params.Weights.Trend, params.HistoryWeights.Trend = 0.5, 0.5 // and the trend family
	// at half-lives other than the defaults (ranker.Params.TrendShortHalfLifeDays etc.)
	params.TrendShortHalfLifeDays, params.TrendLongHalfLifeDays = 2, 45
	params.HistoryTrendShortHalfLifeDays, params.HistoryTrendLongHalfLifeDays = 5, 20
	r, err := ranker.New(params)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 11))
	pick := func(names []string) string { return names[rng.IntN(len(names))] }
	vecs := fakeVectors{}
	runner := newWhyRunner(store)
	checked := map[string]int{}
	for i := range 12 {
		prof := ranker.Profile{
			SkinType: pick(graph.SkinTypes.Names()), SkinTone: pick(graph.SkinTones.Names()),
			Concerns:      []string{pick(graph.Concerns.Names()), pick(graph.Concerns.Names())},
			LikedProducts: []string{proj.Products[rng.IntN(len(proj.Products))].ID},
		}
		res, err := r.Rank(context.Background(), proj, vecs, ranker.Request{Profile: ranker.Canonical(ranker.Request{Profile: prof}).Profile, Limit: 5, Explain: ranker.ExplainFull})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range res.Items {
			for _, w := range it.Why {
				checked[w.Kind]++
				if w.Evidence["model"] == "EASE^R" {
					checked["item_item"]++
				}
				if _, ok := w.Evidence["trend"]; ok {
					checked["trend"]++
				}
				if err := pathMatches(runner, w); err != nil {
					t.Errorf("profile %d, %s, %s reason %q: %v\ncypher: %s", i, it.Product.ID, w.Kind, w.Text, err, w.Cypher)
				}
			}
		}
	}
	for _, kind := range []string{ranker.KindConcernFit, ranker.KindPeer, ranker.KindSafety, ranker.KindPrior, ranker.KindAffinity, ranker.KindCoReview, "item_item", "trend"} {
		if checked[kind] == 0 {
			t.Errorf("no %s reason was checked (%v)", kind, checked)
		}
	}
	t.Logf("reasons checked by kind: %v; %d texts run as written, %d with their literals as parameters",
		checked, runner.asWritten, runner.parameterised)
	if runner.asWritten == 0 || runner.parameterised == 0 {
		t.Errorf("%d texts ran as written and %d with parameters: both must be exercised", runner.asWritten, runner.parameterised)
	}
}

// whyRunner runs reasons' Cypher through the explorer on a graph that does not change
// meanwhile, with fewer distinct texts for Neo4j to parse and plan (most of its CPU in this
// test went to compiling hundreds of texts that differ only in a product id or a name):
//   - a text seen before is answered from its first run (the same read on the same graph);
//   - a text is reduced to its shape: every single-quoted literal replaced by a parameter.
//     The first text of each shape runs exactly as written, so the literal form of every
//     kind of path is parsed and checked by Neo4j; later texts of that shape run as the
//     shape with their literals as parameters, which Neo4j compiles once.
//   - a text with anything that would make the reduction less than exact (a backslash,
//     another kind of quote, a comment, a parameter of its own) always runs as written.
//
// A plain literal 'abc' (no backslash) in Cypher is the string abc, so $p with p = "abc" is
// the same value: the check per reason is unchanged.
type whyRunner struct {
	store         *cypher.Store
	results       map[string]cypher.Table // by the text as written
	shapes        map[string]bool         // shapes whose first text ran as written
	asWritten     int                     // texts run as written
	parameterised int                     // texts run as their shape with parameters
}

func newWhyRunner(store *cypher.Store) *whyRunner {
	return &whyRunner{store: store, results: map[string]cypher.Table{}, shapes: map[string]bool{}}
}

func (r *whyRunner) run(text string) (cypher.Table, error) {
	if tab, ok := r.results[text]; ok {
		return tab, nil
	}
	q := cypher.Query{Text: text, Limit: 5}
	if shape, params, ok := cypherShape(text); ok && r.shapes[shape] {
		q = cypher.Query{Text: shape, Params: params, Limit: 5}
		r.parameterised++
	} else {
		if ok {
			r.shapes[shape] = true
		}
		r.asWritten++
	}
	tab, err := r.store.Explore(context.Background(), q)
	if err != nil {
		return tab, err
	}
	r.results[text] = tab
	return tab, nil
}

// cypherShape replaces each single-quoted string literal of text by a parameter ($lit0,
// $lit1, ...) and returns the shape and the parameters; ok is false (text must run as
// written) when text holds a backslash, a double quote or backtick, two quotes in a row, a
// comment, a $ of its own or an unclosed quote.
func cypherShape(text string) (shape string, params map[string]any, ok bool) {
	if strings.ContainsAny(text, "\\\"`$") || strings.Contains(text, "''") ||
		strings.Contains(text, "//") || strings.Contains(text, "/*") {
		return "", nil, false
	}
	parts := strings.Split(text, "'")
	if len(parts)%2 == 0 { // an odd number of quotes
		return "", nil, false
	}
	var b strings.Builder
	params = map[string]any{}
	for i, part := range parts {
		if i%2 == 0 {
			b.WriteString(part)
			continue
		}
		name := fmt.Sprintf("lit%d", len(params))
		params[name] = part
		b.WriteString("$" + name)
	}
	return b.String(), params, true
}

// fakeVectors gives every product the same direction plus a small id-dependent part, enough
// for the affinity family to produce reasons.
type fakeVectors struct{}

func (fakeVectors) Product(x int32) []float32 {
	return []float32{1, float32(x%7) / 10, float32(x%3) / 10}
}

func pathMatches(runner *whyRunner, w ranker.Why) error {
	tab, err := runner.run(w.Cypher)
	if err != nil {
		return err
	}
	if len(tab.Rows) != 1 {
		return fmt.Errorf("the query returned %d rows, want exactly 1", len(tab.Rows))
	}
	var nodes, rels []any
	switch v := tab.Rows[0][0].(type) {
	case map[string]any:
		nodes, _ = v["nodes"].([]any)
		rels, _ = v["relationships"].([]any)
	case []any:
		nodes = v
	default:
		return fmt.Errorf("the query returned %T, want a path", v)
	}
	if len(nodes) != len(w.Path.Nodes) || len(rels) != len(w.Path.Rels) {
		return fmt.Errorf("the query returned %d nodes and %d relationships, the reason has %d and %d",
			len(nodes), len(rels), len(w.Path.Nodes), len(w.Path.Rels))
	}
	for i, want := range w.Path.Nodes {
		n, _ := nodes[i].(map[string]any)
		labels, _ := n["labels"].([]string)
		props, _ := n["properties"].(map[string]any)
		if !slices.Contains(labels, want.Label) || props[want.Key] != want.Value {
			return fmt.Errorf("node %d is %v %v, want %s {%s: %q}", i, labels, props[want.Key], want.Label, want.Key, want.Value)
		}
	}
	for i, want := range w.Path.Rels {
		rel, _ := rels[i].(map[string]any)
		if rel["type"] != want.Type {
			return fmt.Errorf("relationship %d is %v, want %s", i, rel["type"], want.Type)
		}
	}
	return nil
}

// TestCypherShape checks the reduction whyRunner relies on: plain literals become
// parameters with their exact values, and anything it cannot reduce exactly is left as written.
func TestCypherShape(t *testing.T) {
	shape, params, ok := cypherShape(`MATCH path = (x:Product {id: 'demo-0138'})-[:FOR]->(a:SkinType {name: 'normal'}) RETURN path`)
	if !ok || shape != `MATCH path = (x:Product {id: $lit0})-[:FOR]->(a:SkinType {name: $lit1}) RETURN path` ||
		len(params) != 2 || params["lit0"] != "demo-0138" || params["lit1"] != "normal" {
		t.Errorf("cypherShape = %q, %v, %v", shape, params, ok)
	}
	for _, text := range []string{
		`MATCH (x {id: 'it\'s'}) RETURN x`, // an escape
		`MATCH (x {id: "demo"}) RETURN x`,  // another quote
		"MATCH (x {id: `demo`}) RETURN x",
		`MATCH (x {id: 'a''b'}) RETURN x`,
		`MATCH (x {id: $id}) RETURN x`, // a parameter of its own
		`MATCH (x {id: 'demo'}) // a comment
RETURN x`,
		`MATCH (x {id: 'demo}) RETURN x`, // unclosed
	} {
		if _, _, ok := cypherShape(text); ok {
			t.Errorf("cypherShape(%q) reduced it; want it run as written", text)
		}
	}
}
