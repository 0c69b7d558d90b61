package cypher

import (
	"context"

	"github.com/skingraph/skingraph/cypher/staging"
)

// SetSpill makes staged loads of s hold at most n changed records in memory and report, at
// commit, the most they held and how many there were.
func SetSpill(s *Store, n int, stats func(peakHeld, changed int)) {
	opts := s.staged.Options()
	opts.SpillAfter, opts.OnCommit = n, stats
	s.staged = staging.New(s.db, stagingStore{s}, opts)
}

// WriteCypher runs a write statement against s, for tests that set up states no public
// method writes (such as what a process that died at a given step leaves behind).
func WriteCypher(ctx context.Context, s *Store, query string, params map[string]any) error {
	_, err := s.write(ctx, query, params)
	return err
}

// Bookmarks returns the bookmarks s holds: those of the last transactions it ran, which its
// next sessions pass on.
func Bookmarks(ctx context.Context, s *Store) ([]string, error) {
	return s.db.Bookmarks.GetBookmarks(ctx)
}

// DropBookmarks makes s pass no bookmarks on (as before the Store kept them), for the
// benchmark that measures what they cost.
func DropBookmarks(s *Store) { s.db.Bookmarks = nil }
