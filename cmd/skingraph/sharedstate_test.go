package main

import (
	"flag"
	"io"
	"strings"
	"testing"
)

// TestSharedStateSettings: SKINGRAPH_SHARED_STATE and SKINGRAPH_REDIS_URL are read, defaulted
// and validated, and a Redis password never reaches the printed configuration.
func TestSharedStateSettings(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		wantKind string
		wantErr  string // substring of the validation error; "" = valid
	}{
		{"nothing set: memory", nil, sharedMemory, ""},
		{"a Redis URL: redis", map[string]string{"SKINGRAPH_REDIS_URL": "redis://cache:6379/0"}, sharedRedis, ""},
		{"neo4j", map[string]string{"SKINGRAPH_SHARED_STATE": "neo4j"}, sharedNeo4j, ""},
		{"memory despite a URL", map[string]string{"SKINGRAPH_SHARED_STATE": "memory", "SKINGRAPH_REDIS_URL": "redis://cache:6379"}, sharedMemory, ""},
		{"TLS", map[string]string{"SKINGRAPH_REDIS_URL": "rediss://u:secret-pw@cache:6380/1"}, sharedRedis, ""},
		{"redis without a URL", map[string]string{"SKINGRAPH_SHARED_STATE": "redis"}, sharedRedis, "needs SKINGRAPH_REDIS_URL"},
		{"unknown kind", map[string]string{"SKINGRAPH_SHARED_STATE": "etcd"}, "etcd", `SKINGRAPH_SHARED_STATE "etcd": want memory, neo4j or redis`},
		{"not a Redis URL", map[string]string{"SKINGRAPH_REDIS_URL": "http://u:secret-pw@cache:6379"}, sharedRedis, "SKINGRAPH_REDIS_URL"},
		{"no host", map[string]string{"SKINGRAPH_REDIS_URL": "redis://"}, sharedRedis, "SKINGRAPH_REDIS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := flag.NewFlagSet("test", flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			cfg, err := loadConfig(func(k string) string { return tt.env[k] }, fs)
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.sharedStateKind(); got != tt.wantKind {
				t.Errorf("kind %q, want %q", got, tt.wantKind)
			}
			err = cfg.validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("validate: %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("validate: %v, want an error naming %q", err, tt.wantErr)
			}
			for _, text := range []string{cfg.String(), errText(err)} {
				if strings.Contains(text, "secret-pw") {
					t.Errorf("the Redis password is printed: %s", text)
				}
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestTrustedProxiesSetting(t *testing.T) {
	for _, tt := range []struct {
		value string
		want  int // prefixes; -1 = refused
	}{{"", 0}, {"127.0.0.1", 1}, {"10.0.0.0/8, 172.16.0.0/12,::1", 3}, {"haproxy", -1}, {"10.0.0.0/40", -1}} {
		fs := flag.NewFlagSet("test", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, err := loadConfig(func(k string) string {
			if k == "SKINGRAPH_TRUSTED_PROXIES" {
				return tt.value
			}
			return ""
		}, fs)
		if err != nil {
			t.Fatal(err)
		}
		p, perr := cfg.trustedProxies()
		verr := cfg.validate()
		switch {
		case tt.want < 0 && (perr == nil || verr == nil || !strings.Contains(verr.Error(), "SKINGRAPH_TRUSTED_PROXIES")):
			t.Errorf("%q: accepted (%v, %v); want an error naming SKINGRAPH_TRUSTED_PROXIES", tt.value, perr, verr)
		case tt.want >= 0 && (perr != nil || verr != nil || len(p) != tt.want):
			t.Errorf("%q: %d prefixes, errors %v, %v; want %d", tt.value, len(p), perr, verr, tt.want)
		}
	}
}
