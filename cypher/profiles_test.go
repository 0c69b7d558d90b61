package cypher_test

import (
	"context"
	"errors"
	"testing"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestUsePseudonymKey runs the steps in order on one graph: the first key of a namespace is
// recorded, the same key is accepted again, another is refused; a graph holding Sephora
// reviewers without a record is taken to be under the legacy key.
func TestUsePseudonymKey(t *testing.T) {
	ctx := context.Background()
	const legacy = "1111111111111111"
	fresh := neo4jtest.Store(t)
	steps := []struct {
		name, ns, key string
		wantErr       error
	}{
		{"first profile key is recorded", "profile", "aaaaaaaaaaaaaaaa", nil},
		{"same key again", "profile", "aaaaaaaaaaaaaaaa", nil},
		{"another key", "profile", "bbbbbbbbbbbbbbbb", graph.ErrConflict},
		{"namespaces are apart", "sephora", "bbbbbbbbbbbbbbbb", nil},
	}
	for _, s := range steps {
		if err := fresh.UsePseudonymKey(ctx, s.ns, s.key, legacy); !errors.Is(err, s.wantErr) {
			t.Errorf("%s: UsePseudonymKey(%s, %s) = %v, want %v", s.name, s.ns, s.key, err, s.wantErr)
		}
	}

	old := neo4jtest.Store(t)
	load := fixtureLoad("load-1")
	load.Reviews[0].Reviewer = "sephora-0123456789abcdef0123456789abcdef"
	if _, err := old.WriteLoad(ctx, load); err != nil {
		t.Fatal(err)
	}
	if err := old.UsePseudonymKey(ctx, "sephora", "cccccccccccccccc", legacy); !errors.Is(err, graph.ErrConflict) {
		t.Errorf("a new key on a graph loaded under the legacy key: %v, want ErrConflict", err)
	}
	if err := old.UsePseudonymKey(ctx, "sephora", legacy, legacy); err != nil {
		t.Errorf("the legacy key on its graph: %v", err)
	}
	if err := old.UsePseudonymKey(ctx, "profile", "cccccccccccccccc", ""); err != nil {
		t.Errorf("profiles of a legacy graph: %v", err)
	}
}
