package txn

import (
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Readers of driver records into typed values (neo4j.GetRecordValue with the conversions the
// driver leaves to its callers).

// String reads the string column key of rec; null reads as "".
func String(rec *neo4j.Record, key string) (string, error) {
	v, _, err := neo4j.GetRecordValue[string](rec, key)
	return v, err
}

// Strings reads the string columns of rec named by keys, in order.
func Strings(rec *neo4j.Record, keys ...string) ([]string, error) {
	out := make([]string, len(keys))
	for i, k := range keys {
		v, err := String(rec, k)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// StringList reads a list-of-strings column; null reads as nil.
func StringList(rec *neo4j.Record, key string) ([]string, error) {
	raw, isNil, err := neo4j.GetRecordValue[[]any](rec, key)
	if err != nil || isNil || len(raw) == 0 {
		return nil, err
	}
	out := make([]string, len(raw))
	for i, v := range raw {
		s, ok := v.(string)
		if !ok {
			return nil, fmt.Errorf("column %s: item %d is %T, not a string", key, i, v)
		}
		out[i] = s
	}
	return out, nil
}

// StringLists gathers the list-of-strings column key of every record of recs, in order.
func StringLists(recs []*neo4j.Record, key string) ([]string, error) {
	var out []string
	for _, rec := range recs {
		list, err := StringList(rec, key)
		if err != nil {
			return nil, err
		}
		out = append(out, list...)
	}
	return out, nil
}

// ElementIDs reads the (key, eid) records of a statement that returns element ids by key.
func ElementIDs(recs []*neo4j.Record, key string) (map[string]string, error) {
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		v, err := Strings(rec, key, "eid")
		if err != nil {
			return nil, fmt.Errorf("element ids: %w", err)
		}
		out[v[0]] = v[1]
	}
	return out, nil
}
