package main

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"regexp"

	"github.com/shirou/gopsutil/v4/mem"
)

// Page cache sizing of the local Neo4j (SKINGRAPH_NEO4J_PAGECACHE=auto, the default). Neo4j
// reads from disk whatever its page cache does not hold, so a store larger than the cache
// pays disk reads on every cold path: after a restart at 100k products (a 2.1 GB store) the
// first refresh of a much-reviewed product took 2.5 s with a 1 GB cache. Neo4j's own advice
// (neo4j-admin server memory-recommendation) is a page cache the size of the store plus
// room to grow; auto follows it within bounds.
const (
	autoPageCache    = "auto"
	minPageCacheByte = 512 << 20 // the size before auto, enough for the demo and Sephora graphs
	pageCacheGrowth  = 1.25      // the store's size times this: room for loads after the start
)

// byteSizeRE is a size as Neo4j's memory settings read it: a number with an optional unit.
var byteSizeRE = regexp.MustCompile(`^[0-9]+[kKmMgG]?$`)

// pageCacheFor is the page cache for a store of storeBytes on a machine with memBytes of
// memory (0: unknown): storeBytes × 1.25, at least 512 MiB, and at most a quarter of the
// memory (the JVM heap, the API process and the OS need the rest), in MiB as Neo4j reads it.
func pageCacheFor(storeBytes, memBytes uint64) string {
	want := uint64(float64(storeBytes) * pageCacheGrowth)
	if memBytes > 0 {
		want = min(want, memBytes/4)
	}
	want = max(want, minPageCacheByte)
	return fmt.Sprintf("%dm", (want+(1<<20)-1)>>20)
}

// resolvePageCache returns the page cache to start the local Neo4j with: the configured size,
// or for auto the size pageCacheFor gives for the store in dataDir (empty on first start).
func resolvePageCache(configured, dataDir string) (string, error) {
	if configured != autoPageCache {
		return configured, nil
	}
	store, err := folderBytes(dataDir)
	if err != nil {
		return "", fmt.Errorf("size the neo4j page cache: %w", err)
	}
	return pageCacheFor(store, memTotal()), nil
}

// memTotal is the machine's memory in bytes, 0 when it cannot be read.
func memTotal() uint64 {
	vm, err := mem.VirtualMemory()
	if err != nil {
		return 0
	}
	return vm.Total
}

// folderBytes is the size of the regular files under dir; 0 when dir does not exist yet.
func folderBytes(dir string) (uint64, error) {
	var n uint64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			if d == nil && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if d.Type().IsRegular() {
			info, err := d.Info()
			if err != nil {
				return err
			}
			n += uint64(info.Size())
		}
		return nil
	})
	return n, err
}
