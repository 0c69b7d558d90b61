package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/loader"
)

// minPseudonymKeyLen is the shortest SKINGRAPH_PSEUDONYM_KEY accepted, in characters.
const minPseudonymKeyLen = 32

// pseudonymKeyFile is where a local deployment keeps the key it generated, in its data dir.
const pseudonymKeyFile = "pseudonym.key"

// feedbackEnv reads the feedback settings from the environment.
func feedbackEnv(getenv func(string) string, c *Config) []error {
	var errs []error
	dur := func(dst *time.Duration, name, example string) {
		if v := getenv("SKINGRAPH_" + name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("SKINGRAPH_%s: %q is not a duration such as %s", name, v, example))
			}
			*dst = d
		}
	}
	dur(&c.OutcomeRefreshInterval, "OUTCOME_REFRESH_INTERVAL", "5s")
	dur(&c.EventsFlushInterval, "EVENTS_FLUSH_INTERVAL", "2ms")
	if v := getenv("SKINGRAPH_EVENTS_FLUSH_EVENTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_EVENTS_FLUSH_EVENTS: %q is not a whole number", v))
		}
		c.EventsFlushEvents = n
	}
	return errs
}

func (c *Config) validateFeedback() []error {
	var errs []error
	if c.PseudonymKey != "" && len(c.PseudonymKey) < minPseudonymKeyLen {
		// The message never shows the key, not even its length.
		errs = append(errs, fmt.Errorf("SKINGRAPH_PSEUDONYM_KEY is too short: use at least %d characters, e.g. the output of 'openssl rand -hex 32'", minPseudonymKeyLen))
	}
	if c.OutcomeRefreshInterval <= 0 {
		errs = append(errs, errors.New("outcome refresh interval must be positive"))
	}
	if c.EventsFlushInterval < 0 {
		errs = append(errs, errors.New("events flush interval must not be negative"))
	}
	if c.EventsFlushEvents <= 0 {
		errs = append(errs, errors.New("events flush size must be positive"))
	}
	return errs
}

func mask(secret string) string {
	if secret == "" {
		return ""
	}
	return "****"
}

// pseudonymizer returns the Pseudonymizer of this deployment:
//   - keyed by SKINGRAPH_PSEUDONYM_KEY when it is set;
//   - otherwise, with a local Neo4j (no SKINGRAPH_NEO4J_URI), keyed by the random key in
//     <data dir>/pseudonym.key, generated (32 random bytes, hex, mode 0600) at the first
//     start, so that pseudonyms stay stable across restarts of one local deployment;
//   - otherwise nil: against an existing Neo4j every replica must share one key, so none is
//     made up, and profiles stay disabled until the key is configured.
//
// The key itself is never logged or printed.
func pseudonymizer(cfg *Config, log zerolog.Logger) (*graph.Pseudonymizer, error) {
	if cfg.PseudonymKey != "" {
		log.Info().Str("source", "SKINGRAPH_PSEUDONYM_KEY").Msg("pseudonym key configured")
		return graph.NewPseudonymizer([]byte(cfg.PseudonymKey))
	}
	if cfg.Neo4jURI != "" {
		log.Warn().Msg("no SKINGRAPH_PSEUDONYM_KEY: profiles and profile events are disabled (set it to the same secret on every replica)")
		return nil, nil
	}
	path := filepath.Join(cfg.DataDir, pseudonymKeyFile)
	key, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		buf := make([]byte, 32)
		if _, err := rand.Read(buf); err != nil {
			return nil, fmt.Errorf("generate a pseudonym key: %w", err)
		}
		key = []byte(hex.EncodeToString(buf))
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return nil, fmt.Errorf("pseudonym key: %w", err)
		}
		// O_EXCL: two processes starting at once do not overwrite each other's key.
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("pseudonym key: %w", err)
		}
		_, werr := f.Write(append(key, '\n'))
		if err := errors.Join(werr, f.Close()); err != nil {
			return nil, fmt.Errorf("pseudonym key: write %s: %w", path, err)
		}
		log.Info().Str("file", path).Msg("generated a pseudonym key for this local deployment (keep the file; losing it unlinks stored profiles)")
	case err != nil:
		return nil, fmt.Errorf("pseudonym key: read %s: %w", path, err)
	default:
		log.Info().Str("file", path).Msg("pseudonym key read from the data dir")
	}
	k := strings.TrimSpace(string(key))
	if len(k) < minPseudonymKeyLen {
		return nil, fmt.Errorf("pseudonym key: %s holds fewer than %d characters", path, minPseudonymKeyLen)
	}
	return graph.NewPseudonymizer([]byte(k))
}

// demoKeyFingerprint is the fingerprint of the Sephora importer's demo key, under which every
// Sephora load before configurable keys was made.
func demoKeyFingerprint() string {
	p, err := graph.NewPseudonymizer([]byte(loader.DemoPseudonymKey))
	if err != nil {
		panic(err) // a program constant
	}
	return p.Fingerprint()
}
