package rows

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// Param is a row that turns itself into the driver's parameter value.
type Param interface{ Param() map[string]any }

// Params turns typed rows into the list parameter of an UNWIND statement.
func Params[T Param](rows []T) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = r.Param()
	}
	return out
}

// Chunks splits rows into consecutive chunks of at most n rows (the last one shorter).
func Chunks[T any](rows []T, n int) [][]T {
	return slices.Collect(slices.Chunk(rows, n))
}

// Hash is a stable hash of a row's content (json.Marshal sorts map keys).
func Hash(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("cypher: hash of unmarshalable row: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// NonNil is s, or an empty list when s is nil (Neo4j stores no null in a list property).
func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// SortedCopy is a sorted copy of s (never nil).
func SortedCopy(s []string) []string {
	out := append([]string{}, s...)
	sort.Strings(out)
	return out
}
