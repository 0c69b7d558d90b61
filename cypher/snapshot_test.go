package cypher_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/testcontainers/neo4jtest"
)

// TestRestoreSnapshotIsAllOrNothing restores damaged copies of the demo graph's snapshot into
// an empty graph: each is refused and leaves the graph empty; the intact one restores to a
// graph whose snapshot equals it.
func TestRestoreSnapshotIsAllOrNothing(t *testing.T) {
	store, _ := loadDemo(t)
	ctx := context.Background()
	snap, err := store.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Products) == 0 || len(snap.Reviews) == 0 || len(snap.Outcomes) == 0 || snap.Version.N == 0 {
		t.Fatalf("snapshot of the demo graph holds %d products, %d reviews, %d outcomes at version %d",
			len(snap.Products), len(snap.Reviews), len(snap.Outcomes), snap.Version.N)
	}
	if err := store.Wipe(ctx); err != nil {
		t.Fatal(err)
	}
	empty, err := store.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		damage func(s *graph.Snapshot)
		want   string
	}{
		{"an outcome that does not follow from the reviews", func(s *graph.Snapshot) {
			s.Outcomes = append([]graph.Outcome(nil), s.Outcomes...)
			s.Outcomes[0].Count++
		}, "recomputed outcome aggregates differ"},
		{"a review of a product not in the snapshot", func(s *graph.Snapshot) {
			s.Reviews = append([]graph.SnapshotReview(nil), s.Reviews...)
			s.Reviews[0].ProductID = "no-such-product"
		}, "differ from the snapshot's"}, // its outcomes are missing, so the check fails first
		{"a census that does not match", func(s *graph.Snapshot) {
			s.NodeCounts = map[string]int64{"Product": int64(len(s.Products)) + 1}
		}, "nodes Product"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bad := snap
			tt.damage(&bad)
			err := store.RestoreSnapshot(ctx, bad)
			if !errors.Is(err, graph.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("RestoreSnapshot = %v, want ErrInvalid with %q", err, tt.want)
			}
			after, err := store.ReadSnapshot(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(empty, after, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("a refused restore left something behind (-empty +after):\n%s", diff)
			}
		})
	}
	if err := store.RestoreSnapshot(ctx, snap); err != nil {
		t.Fatal(err)
	}
	again, err := store.ReadSnapshot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(snap, again, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("snapshot of the restored graph (-exported +restored):\n%s", diff)
	}
	if err := store.RestoreSnapshot(ctx, snap); !errors.Is(err, graph.ErrConflict) {
		t.Errorf("restore into a graph that is not empty = %v, want ErrConflict", err)
	}
}

// TestReadSnapshotRefusesWhatItCannotCarry: a node label the snapshot format does not cover
// fails the export rather than being left out of it.
func TestReadSnapshotRefusesWhatItCannotCarry(t *testing.T) {
	store := neo4jtest.Store(t)
	ctx := context.Background()
	db := neo4jtest.Server(t)
	driver, err := neo4j.NewDriverWithContext(db.URI, neo4j.BasicAuth(db.Username, db.Password, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer driver.Close(ctx)
	if _, err := neo4j.ExecuteQuery(ctx, driver, "CREATE (:Wishlist {id: 'w1'})", nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
	_, err = store.ReadSnapshot(ctx)
	if !errors.Is(err, graph.ErrInvalid) || !strings.Contains(err.Error(), ":Wishlist nodes") {
		t.Errorf("ReadSnapshot of a graph with :Wishlist nodes = %v, want ErrInvalid naming them", err)
	}
}
