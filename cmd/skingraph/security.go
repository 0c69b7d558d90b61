package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/api/auth"
)

// loadKeys reads the API keys file; "" means no keys (nil ring).
func loadKeys(path string) (*auth.Ring, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("api keys: %w", err)
	}
	defer f.Close()
	ring, err := auth.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("api keys %s: %w", path, err)
	}
	if ring.Len() == 0 {
		return nil, fmt.Errorf("api keys %s: the file holds no key; add one with 'skingraph keys new --role app --name NAME' or unset SKINGRAPH_API_KEYS_FILE", path)
	}
	return ring, nil
}

// listenAddr returns the address to listen on. Without keys the API has no authentication,
// so it listens on loopback only: a wildcard or external host is replaced by 127.0.0.1, and
// the log says so.
func listenAddr(addr string, ring *auth.Ring, log zerolog.Logger) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("http address %q: %w", addr, err)
	}
	if ring != nil {
		log.Info().Int("api_keys", ring.Len()).Msg("api keys configured: every route but health checks needs a key")
		return addr, nil
	}
	if isLoopback(host) {
		log.Warn().Msg("no api keys configured (SKINGRAPH_API_KEYS_FILE): serving on loopback only, without authentication")
		return addr, nil
	}
	local := net.JoinHostPort("127.0.0.1", port)
	log.Warn().Str("asked", addr).Str("addr", local).
		Msg("no api keys configured (SKINGRAPH_API_KEYS_FILE): refusing to serve beyond this machine; listening on loopback only")
	return local, nil
}

// keysCommand runs 'skingraph keys new --role R --name N': it prints the key (once) and the
// line to add to the keys file, which holds only the key's hash.
func keysCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "new" {
		return fmt.Errorf("usage: skingraph keys new --role app|merchandiser|analyst|admin --name NAME [--tenant TENANT]")
	}
	fs := flag.NewFlagSet("skingraph keys new", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", "app", "app, merchandiser, analyst or admin")
	name := fs.String("name", "", "who holds the key (one word, shown in logs)")
	tenant := fs.String("tenant", "", "the tenant whose profiles and events the key works on (default: the key is its own tenant)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	r, err := auth.ParseRole(*role)
	if err != nil {
		return err
	}
	token, line, err := auth.NewInTenant(r, *name, *tenant)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "key (give it to the client; it is not stored anywhere):\n  %s\nline for the keys file (SKINGRAPH_API_KEYS_FILE):\n  %s\n", token, line)
	return nil
}
