package main

import (
	"flag"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestNeo4jSettingsSetting: SKINGRAPH_NEO4J_SETTINGS is read as space-separated name=value
// pairs, and a pair without a name or "=" is refused, named by its place.
func TestNeo4jSettingsSetting(t *testing.T) {
	tests := []struct {
		name    string
		value   string
		want    map[string]string
		wantErr string // substring of the error; "" = valid
	}{
		{"unset", "", nil, ""},
		{"two pairs", "db.transaction.timeout=30s  internal.dbms.bolt.netty_server_shutdown_quiet_period=0",
			map[string]string{"db.transaction.timeout": "30s", "internal.dbms.bolt.netty_server_shutdown_quiet_period": "0"}, ""},
		{"an empty value is a value", "db.logs.query.enabled=", map[string]string{"db.logs.query.enabled": ""}, ""},
		{"no =", "db.transaction.timeout=30s verbose", nil, `SKINGRAPH_NEO4J_SETTINGS: pair 2 "verbose" is not name=value`},
		{"no name", "=30s", nil, `pair 1 "=30s" is not name=value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cfg, err := loadConfig(func(k string) string {
				if k == "SKINGRAPH_NEO4J_SETTINGS" {
					return tt.value
				}
				return ""
			}, fs)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("loadConfig: %v, want an error naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, cfg.Neo4jSettings); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
		})
	}
}
