package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestPageCacheFor: auto gives the store's size plus a quarter, at least 512 MiB, at most a
// quarter of the machine's memory.
func TestPageCacheFor(t *testing.T) {
	const mib, gib = 1 << 20, 1 << 30
	tests := []struct {
		name         string
		store, memry uint64
		want         string
	}{
		{"empty store", 0, 24 * gib, "512m"},
		{"small store", 100 * mib, 24 * gib, "512m"},
		{"the 100k catalogue", 2100 * mib, 24 * gib, "2625m"},
		{"capped by memory", 20 * gib, 24 * gib, "6144m"},
		{"memory unknown", 2 * gib, 0, "2560m"},
		{"little memory still gets the floor", 2 * gib, 1 * gib, "512m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pageCacheFor(tt.store, tt.memry); got != tt.want {
				t.Errorf("pageCacheFor(%d, %d) = %q, want %q", tt.store, tt.memry, got, tt.want)
			}
		})
	}
}

// TestResolvePageCache: a configured size is kept; auto sizes from the files under the data
// folder (none yet on a first start).
func TestResolvePageCache(t *testing.T) {
	dir := t.TempDir()
	if got, err := resolvePageCache("2g", dir); err != nil || got != "2g" {
		t.Errorf("configured 2g: %q, %v", got, err)
	}
	if got, err := resolvePageCache(autoPageCache, filepath.Join(dir, "not-yet")); err != nil || got != "512m" {
		t.Errorf("auto on a first start: %q, %v; want 512m", got, err)
	}
	// A sparse store file of 1.6 GiB: no disk is written.
	store := filepath.Join(dir, "data", "databases", "neo4j")
	if err := os.MkdirAll(store, 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(filepath.Join(store, "neostore.relationshipstore.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1600 << 20); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, err := resolvePageCache(autoPageCache, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got != pageCacheFor(1600<<20, memTotal()) {
		t.Errorf("auto for a 1.6 GiB store = %q, want %q", got, pageCacheFor(1600<<20, memTotal()))
	}
}
