package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
)

func TestListenAddrKeepsAnUnauthenticatedServerOnLoopback(t *testing.T) {
	_, line, err := auth.New(auth.RoleApp, "shop")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := auth.Parse(strings.NewReader(line))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, addr string
		ring       *auth.Ring
		want       string
		logs       string
	}{
		{"no keys, loopback", "127.0.0.1:8080", nil, "127.0.0.1:8080", "loopback only"},
		{"no keys, localhost", "localhost:8080", nil, "localhost:8080", "loopback only"},
		{"no keys, ipv6 loopback", "[::1]:8080", nil, "[::1]:8080", "loopback only"},
		{"no keys, every interface", "0.0.0.0:8080", nil, "127.0.0.1:8080", "refusing to serve beyond this machine"},
		{"no keys, empty host", ":9000", nil, "127.0.0.1:9000", "refusing to serve beyond this machine"},
		{"no keys, public ip", "192.0.2.10:8080", nil, "127.0.0.1:8080", "refusing to serve beyond this machine"},
		{"keys, every interface", "0.0.0.0:8080", ring, "0.0.0.0:8080", "api keys configured"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			got, err := listenAddr(tc.addr, tc.ring, zerolog.New(&buf))
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("listenAddr(%q) = %q, want %q", tc.addr, got, tc.want)
			}
			if !strings.Contains(buf.String(), tc.logs) {
				t.Fatalf("log %q does not say %q", buf.String(), tc.logs)
			}
		})
	}
}

func TestKeysNewPrintsAKeyTheServerAccepts(t *testing.T) {
	var out bytes.Buffer
	if err := keysCommand([]string{"new", "--role", "analyst", "--name", "lab"}, &out, &out); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 {
		t.Fatalf("output %q: want 4 lines", out.String())
	}
	token, line := strings.TrimSpace(lines[1]), strings.TrimSpace(lines[3])
	path := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(path, []byte(line+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ring, err := loadKeys(path)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ring.Verify(token)
	if err != nil || k.Role != auth.RoleAnalyst || k.Name != "lab" {
		t.Fatalf("Verify = %+v, %v", k, err)
	}
	if err := keysCommand([]string{"new", "--role", "root", "--name", "x"}, &out, &out); err == nil {
		t.Fatal("keys new accepted an unknown role")
	}
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, []byte("# nothing yet\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadKeys(empty); err == nil || !strings.Contains(err.Error(), "holds no key") {
		t.Fatalf("loadKeys(empty file) = %v", err)
	}
}
