package api

import (
	"context"
	"io"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// The decorators below time every call the handlers make to Neo4j-backed dependencies, for
// the skingraph_neo4j_query_duration_seconds histogram and the neo4j entry of Server-Timing.
// New wraps the Deps it is given; a dependency that is not Neo4j (the ranking engine) is not
// wrapped.

type timedCatalogue struct {
	next Catalogue
	m    *Metrics
}

func (t timedCatalogue) Product(ctx context.Context, id string) (graph.ProductDetail, error) {
	start := time.Now()
	p, err := t.next.Product(ctx, id)
	t.m.ObserveNeo4j(ctx, "product", time.Since(start), err)
	return p, err
}

func (t timedCatalogue) Ingredient(ctx context.Context, inci string) (graph.IngredientDetail, error) {
	start := time.Now()
	i, err := t.next.Ingredient(ctx, inci)
	t.m.ObserveNeo4j(ctx, "ingredient", time.Since(start), err)
	return i, err
}

func (t timedCatalogue) Search(ctx context.Context, q string, limit int) ([]graph.SearchHit, error) {
	start := time.Now()
	h, err := t.next.Search(ctx, q, limit)
	t.m.ObserveNeo4j(ctx, "search", time.Since(start), err)
	return h, err
}

type timedHealth struct {
	next Health
	m    *Metrics
}

func (t timedHealth) Ping(ctx context.Context) error {
	start := time.Now()
	err := t.next.Ping(ctx)
	t.m.ObserveNeo4j(ctx, "ping", time.Since(start), err)
	return err
}

// BreakerState passes the circuit breaker's state through ("" when the health has none).
func (t timedHealth) BreakerState() string {
	if b, ok := t.next.(breaker); ok {
		return b.BreakerState()
	}
	return ""
}

func (t timedHealth) SchemaReady(ctx context.Context) (bool, error) {
	start := time.Now()
	ok, err := t.next.SchemaReady(ctx)
	t.m.ObserveNeo4j(ctx, "schema_ready", time.Since(start), err)
	return ok, err
}

type timedExplorer struct {
	next Explorer
	m    *Metrics
}

func (t timedExplorer) Explore(ctx context.Context, query string, params map[string]any, limit int, timeout time.Duration) ([]string, [][]any, bool, error) {
	start := time.Now()
	cols, rows, trunc, err := t.next.Explore(ctx, query, params, limit, timeout)
	t.m.ObserveNeo4j(ctx, "explore", time.Since(start), err)
	return cols, rows, trunc, err
}

type timedEfficacy struct {
	next EfficacyLoader
	m    *Metrics
}

func (t timedEfficacy) LoadEfficacy(ctx context.Context, body io.Reader, format string, dryRun bool) (graph.LoadResult, error) {
	start := time.Now()
	res, err := t.next.LoadEfficacy(ctx, body, format, dryRun)
	t.m.ObserveNeo4j(ctx, "load_efficacy", time.Since(start), err)
	return res, err
}

// instrument wraps the Neo4j-backed dependencies of d with the timing decorators.
func instrument(d Deps, m *Metrics) Deps {
	if d.Catalogue != nil {
		d.Catalogue = timedCatalogue{d.Catalogue, m}
	}
	if d.Health != nil {
		d.Health = timedHealth{d.Health, m}
	}
	if d.Explorer != nil {
		d.Explorer = timedExplorer{d.Explorer, m}
	}
	if d.EfficacyLoader != nil {
		d.EfficacyLoader = timedEfficacy{d.EfficacyLoader, m}
	}
	return d
}
