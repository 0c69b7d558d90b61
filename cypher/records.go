package cypher

import (
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Readers of driver records into typed values.

// recordString reads the string column key of rec; null reads as "".
func recordString(rec *neo4j.Record, key string) (string, error) {
	v, _, err := neo4j.GetRecordValue[string](rec, key)
	return v, err
}

// recordStrings reads the string columns of rec named by keys, in order.
func recordStrings(rec *neo4j.Record, keys ...string) ([]string, error) {
	out := make([]string, len(keys))
	for i, k := range keys {
		v, err := recordString(rec, k)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// elementIDs reads the (key, eid) records of a statement that returns element ids by key.
func elementIDs(recs []*neo4j.Record, key string) (map[string]string, error) {
	out := make(map[string]string, len(recs))
	for _, rec := range recs {
		v, err := recordStrings(rec, key, "eid")
		if err != nil {
			return nil, fmt.Errorf("element ids: %w", err)
		}
		out[v[0]] = v[1]
	}
	return out, nil
}
