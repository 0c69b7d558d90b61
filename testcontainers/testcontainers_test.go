package testcontainers

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/skingraph/skingraph/testcontainers/launcher"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestStartUsesAnExistingServerFromTheEnvironment(t *testing.T) {
	db, err := Start(context.Background(), Options{Getenv: envOf(map[string]string{
		"SKINGRAPH_NEO4J_URI": "neo4j+s://example.invalid:7687", "SKINGRAPH_NEO4J_PASSWORD": "pw",
	})})
	if err != nil {
		t.Fatal(err)
	}
	if db.Provider != ProviderExisting || db.URI != "neo4j+s://example.invalid:7687" || db.Username != "neo4j" || db.Password != "pw" {
		t.Errorf("db = %+v", db)
	}
	if err := db.Stop(context.Background()); err != nil {
		t.Errorf("stopping a server someone else runs: %v", err)
	}
}

func TestStartRejectsAnUnknownProvider(t *testing.T) {
	_, err := Start(context.Background(), Options{Getenv: envOf(map[string]string{"SKINGRAPH_NEO4J_PROVIDER": "kubernetes"})})
	if err == nil || !strings.Contains(err.Error(), `unknown provider "kubernetes"`) {
		t.Errorf("err = %v", err)
	}
}

func TestLocalProviderNamesTheMissingTool(t *testing.T) {
	t.Setenv("PATH", t.TempDir()) // neither java nor mvn
	_, err := Start(context.Background(), Options{Provider: ProviderLocal, Getenv: envOf(nil)})
	if !errors.Is(err, launcher.ErrMissingTool) || !strings.Contains(err.Error(), "java") {
		t.Errorf("err = %v, want launcher.ErrMissingTool naming java", err)
	}
}

// TestLocalProviderStartsAndStopsCleanly starts a real local Neo4j with the test servers'
// flags, settings and class-data sharing, checks Bolt answers and the extra settings reached
// Neo4j's configuration, stops it and checks that the process and the temporary data folder
// are gone. A second server then starts with -Xshare:on, which fails unless the JVM maps the
// class archive the first one used or wrote at its stop.
func TestLocalProviderStartsAndStopsCleanly(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db, err := Start(ctx, Options{Provider: ProviderLocal, HeapMB: 512, PageCache: "64m", Getenv: envOf(nil),
		JVMFlags: TestJVMFlags, Settings: TestSettings, ClassDataSharing: true})
	if err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(db.URI, "bolt://")
	conn, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatalf("bolt at %s does not answer: %v", host, err)
	}
	conn.Close()
	if _, err := os.Stat(db.DataDir); err != nil {
		t.Fatalf("data folder: %v", err)
	}
	conf, err := os.ReadFile(filepath.Join(db.DataDir, "skingraph-neo4j.conf"))
	if err != nil {
		t.Fatalf("neo4j configuration: %v", err)
	}
	for k, v := range TestSettings {
		if !strings.Contains(string(conf), "\n"+k+"="+v+"\n") {
			t.Errorf("neo4j configuration lacks %s=%s:\n%s", k, v, conf)
		}
	}
	if err := db.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if c, err := net.DialTimeout("tcp", host, time.Second); err == nil {
		c.Close()
		t.Errorf("bolt at %s still answers after Stop", host)
	}
	if _, err := os.Stat(db.DataDir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary data folder %s survives Stop (%v)", db.DataDir, err)
	}

	shared, err := Start(ctx, Options{Provider: ProviderLocal, HeapMB: 512, PageCache: "64m", Getenv: envOf(nil),
		JVMFlags: append([]string{"-Xshare:on"}, TestJVMFlags...), Settings: TestSettings, ClassDataSharing: true})
	if err != nil {
		t.Fatalf("start with -Xshare:on (the class archive must map): %v", err)
	}
	if err := shared.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
}

// TestLocalProviderRefusesToChangeTheLaunchersSettings: an extra setting may not override
// what the launcher sets (here the loopback listen address); the start fails saying which.
func TestLocalProviderRefusesToChangeTheLaunchersSettings(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	db, err := Start(ctx, Options{Provider: ProviderLocal, Getenv: envOf(nil), JVMFlags: TestJVMFlags,
		Settings: map[string]string{"server.bolt.listen_address": "0.0.0.0:7687"}})
	if err == nil {
		db.Stop(ctx)
		t.Fatal("started with the listen address changed")
	}
	if want := "--setting may not change server.bolt.listen_address"; !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to say %q", err, want)
	}
}

func TestStartServiceRefusesBadOptionsBeforeStartingAnything(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		opts ServiceOptions
		want string
	}{
		{"missing folder", ServiceOptions{Dir: dir + "/none"}, `Dir "` + dir + `/none": not a folder`},
		{"efficacy is a folder", ServiceOptions{Efficacy: []string{dir}}, `Efficacy[0] "` + dir + `": not a file`},
		{"key without a name", ServiceOptions{Keys: []KeySpec{{Role: "app"}}}, `Keys[0].Name "": want one word`},
		{"key named twice", ServiceOptions{Keys: []KeySpec{{Name: "a", Role: "app"}, {Name: "a", Role: "admin"}}}, `Keys[1].Name "a": given twice`},
		{"unknown role", ServiceOptions{Keys: []KeySpec{{Name: "a", Role: "root"}}}, `Keys[0].Role "root": want app, merchandiser, analyst or admin`},
		{"not a setting", ServiceOptions{Env: map[string]string{"PATH": "/"}}, `Env["PATH"]: only SKINGRAPH_* settings`},
		{"unknown provider", ServiceOptions{Provider: "cloud"}, `provider "cloud": want auto, docker or local`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, err := StartService(context.Background(), tc.opts)
			if err == nil {
				svc.Stop(context.Background())
				t.Fatal("started")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want it to say %q", err, tc.want)
			}
		})
	}
}

func TestParseNewKeyReadsTheProgramsOutput(t *testing.T) {
	out := "key (give it to the client; it is not stored anywhere):\n  sk_abc\nline for the keys file (SKINGRAPH_API_KEYS_FILE):\n  app shop sha256:00\n"
	key, line, err := parseNewKey([]byte(out))
	if err != nil || key != "sk_abc" || line != "app shop sha256:00" {
		t.Errorf("parseNewKey = %q, %q, %v", key, line, err)
	}
	if _, _, err := parseNewKey([]byte("usage: ...\n")); err == nil {
		t.Error("parseNewKey of a usage line: no error")
	}
}
