package main

import (
	"context"
	"flag"
	"io"
	"os"
	"os/exec"
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

// TestComposeRunsReplicasBehindHAProxy checks the scaled shape of docker-compose.yaml: at
// least two API replicas (the "api" service and the scaled "api-replica"), each configured
// with settings the configuration accepts (validated as `skingraph serve` would) and the same
// shared state; Redis when that is the shared state; and HAProxy with the repository's
// configuration, which checks /readyz and balances over both services.
func TestComposeRunsReplicasBehindHAProxy(t *testing.T) {
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
	replicas, shared := 0, map[string]bool{}
	for _, name := range []string{"api", "api-replica"} {
		svc, err := project.GetService(name)
		if err != nil {
			t.Fatal(err)
		}
		if svc.Build == nil {
			t.Errorf("service %s is not built from the repository", name)
		}
		n := 1
		if svc.Deploy != nil && svc.Deploy.Replicas != nil {
			n = *svc.Deploy.Replicas
		}
		replicas += n
		env := func(k string) string {
			if v := svc.Environment[k]; v != nil {
				return *v
			}
			return ""
		}
		fs := flag.NewFlagSet(name, flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		cfg, err := loadConfig(env, fs)
		if err != nil {
			t.Fatalf("service %s: %v", name, err)
		}
		if err := cfg.validate(); err != nil {
			t.Errorf("service %s: the configuration refuses its settings: %v", name, err)
		}
		kind := cfg.sharedStateKind()
		shared[kind] = true
		if kind == sharedMemory {
			t.Errorf("service %s keeps idempotency keys and rate limits in memory; replicas must share them", name)
		}
		if kind == sharedRedis {
			if _, err := project.GetService("redis"); err != nil {
				t.Errorf("service %s uses Redis, but there is no redis service: %v", name, err)
			}
		}
	}
	if replicas < 2 {
		t.Errorf("%d API replicas, want at least 2", replicas)
	}
	if len(shared) != 1 {
		t.Errorf("the replicas disagree on their shared state: %v", shared)
	}

	lb, err := project.GetService("haproxy")
	if err != nil {
		t.Fatal(err)
	}
	var cfgFile string
	for _, v := range lb.Volumes {
		if v.Target == "/usr/local/etc/haproxy/haproxy.cfg" {
			cfgFile = v.Source
		}
	}
	if cfgFile == "" {
		t.Fatal("the haproxy service mounts no configuration at /usr/local/etc/haproxy/haproxy.cfg")
	}
	b, err := os.ReadFile(cfgFile)
	if err != nil {
		t.Fatalf("haproxy configuration: %v", err)
	}
	for _, want := range []string{"balance roundrobin", "option httpchk GET /readyz", "option forwardfor", "server api api:8080 check", "api-replica:8080 check"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q", cfgFile, want)
		}
	}
	// HAProxy itself checks the file (Debian's, as make test installs it); names it cannot
	// resolve outside Compose are warnings, not errors.
	bin := "/usr/sbin/haproxy"
	if p, err := exec.LookPath("haproxy"); err == nil {
		bin = p
	}
	if out, err := exec.Command(bin, "-c", "-f", cfgFile).CombinedOutput(); err != nil {
		t.Errorf("haproxy -c -f %s: %v\n%s", cfgFile, err, out)
	}
	published := false
	for _, p := range lb.Ports {
		published = published || p.Target == 8080
	}
	if !published {
		t.Error("the haproxy service publishes no port 8080")
	}
}
