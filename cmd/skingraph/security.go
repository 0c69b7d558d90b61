package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"

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
		log.Warn().Msg("no api keys configured (SKINGRAPH_API_KEYS_FILE): serving on loopback only, without authentication; only loopback Host names are answered and cross-site writes are refused")
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

// liveKeys holds the keys in force; watch replaces them when the keys file changes or a
// reload is asked for (SIGHUP). A file that fails to parse, or holds no key, leaves the
// keys in force as they were (and the error is logged): a typo must not lock every
// client out, nor let anyone in.
type liveKeys struct {
	path string
	ring atomic.Pointer[auth.Ring]
	seen fileStamp
}

// fileStamp is what tells a changed file: its modification time, size and inode change.
type fileStamp struct {
	mod  time.Time
	size int64
	ino  uint64
}

func stampOf(path string) (fileStamp, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{}, err
	}
	st := fileStamp{mod: fi.ModTime(), size: fi.Size()}
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
		st.ino = sys.Ino
	}
	return st, nil
}

func newLiveKeys(path string, ring *auth.Ring) *liveKeys {
	k := &liveKeys{path: path}
	k.ring.Store(ring)
	k.seen, _ = stampOf(path)
	return k
}

// Current is the ring in force.
func (k *liveKeys) Current() *auth.Ring { return k.ring.Load() }

// reload reads the file again; changed says whether the ring was replaced.
func (k *liveKeys) reload(force bool) (changed bool, err error) {
	st, err := stampOf(k.path)
	if err != nil {
		return false, fmt.Errorf("api keys: %w", err)
	}
	if !force && st == k.seen {
		return false, nil
	}
	k.seen = st
	ring, err := loadKeys(k.path)
	if err != nil {
		return false, err
	}
	k.ring.Store(ring)
	return true, nil
}

// watch reloads the keys every interval when the file changed, and at once on reload,
// until ctx ends.
func (k *liveKeys) watch(ctx context.Context, every time.Duration, reload <-chan struct{}, log zerolog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		force := false
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-reload:
			force = true
		}
		changed, err := k.reload(force)
		switch {
		case err != nil:
			log.Error().Err(err).Msg("api keys not reloaded: the keys in force stay")
		case changed:
			log.Info().Int("api_keys", k.Current().Len()).Msg("api keys reloaded")
		}
	}
}
