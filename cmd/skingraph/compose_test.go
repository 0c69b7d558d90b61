package main

import (
	"context"
	"flag"
	"io"
	"sort"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
)

// TestComposeFileIsValidAndUsesKnownSettings loads docker-compose.yaml as Docker Compose
// would (compose-go, the library of docker compose itself) and checks that every SKINGRAPH_*
// variable it gives the API is one the configuration reads, and that the Neo4j service gets
// the settings of docs/SECURITY.md (no file URLs for LOAD CSV, an empty import folder, a
// per-transaction memory limit).
func TestComposeFileIsValidAndUsesKnownSettings(t *testing.T) {
	ctx := context.Background()
	opts, err := cli.NewProjectOptions([]string{"../../docker-compose.yaml"},
		cli.WithName("skingraph"),
		cli.WithEnv([]string{"SKINGRAPH_NEO4J_PASSWORD=compose-test-password"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(ctx)
	if err != nil {
		t.Fatalf("docker-compose.yaml does not load: %v", err)
	}

	known := map[string]bool{}
	fs := flag.NewFlagSet("compose-test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if _, err := loadConfig(func(name string) string { known[name] = true; return "" }, fs); err != nil {
		t.Fatal(err)
	}

	api, err := project.GetService("api")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for name := range api.Environment {
		if strings.HasPrefix(name, "SKINGRAPH_") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("the api service sets no SKINGRAPH_* variable")
	}
	for _, name := range names {
		if !known[name] {
			t.Errorf("docker-compose.yaml sets %s, which the configuration (config.go) does not read", name)
		}
	}

	neo4j, err := project.GetService("neo4j")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"NEO4J_dbms_security_allow__csv__import__from__file__urls": "false",
		"NEO4J_server_directories_import":                          "/var/lib/neo4j/import",
		"NEO4J_db_memory_transaction_max":                          "256m",
	} {
		got := neo4j.Environment[name]
		if got == nil || *got != want {
			t.Errorf("neo4j service: %s = %v, want %q", name, got, want)
		}
	}
	for _, v := range neo4j.Volumes {
		if strings.HasPrefix(v.Target, "/var/lib/neo4j/import") || v.Target == "/import" {
			t.Errorf("neo4j service mounts %s on its import folder, which must stay empty", v.Source)
		}
	}
}
