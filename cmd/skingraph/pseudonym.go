package main

import (
	"bufio"
	"bytes"
	"context"
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

	"github.com/skingraph/skingraph/cypher"
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
	dur(&c.OutcomeRefreshInterval, "OUTCOME_REFRESH_INTERVAL", "1s")
	dur(&c.EventsFlushInterval, "EVENTS_FLUSH_INTERVAL", "2ms")
	dur(&c.EvidencePeriod, "EVIDENCE_PERIOD", "24h")
	if v := getenv("SKINGRAPH_EVIDENCE_PER_KEY"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_EVIDENCE_PER_KEY: %q is not a whole number", v))
		}
		c.EvidencePerKey = n
	}
	if v := getenv("SKINGRAPH_KEY_DIR"); v != "" {
		c.KeyDir = v
	}
	if v := getenv("SKINGRAPH_DATA_KEYS"); v != "" {
		c.DataKeys = v
	}
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
	if c.EvidencePeriod < 0 || c.EvidencePerKey < 0 {
		errs = append(errs, errors.New("SKINGRAPH_EVIDENCE_PERIOD and SKINGRAPH_EVIDENCE_PER_KEY must not be negative (0 takes the default)"))
	}
	if c.DataKeys != "" {
		if _, err := parseDataKeys(c.DataKeys); err != nil {
			errs = append(errs, fmt.Errorf("SKINGRAPH_DATA_KEYS: %w", err))
		}
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
//     <key dir>/pseudonym.key, generated (32 random bytes, hex, mode 0600, folder 0700) at
//     the first start, so that pseudonyms stay stable across restarts of one local
//     deployment. The key dir (SKINGRAPH_KEY_DIR, default <data dir>-keys) is beside the
//     Neo4j data folder, never in it;
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
	dir := keyDir(cfg)
	path := filepath.Join(dir, pseudonymKeyFile)
	if err := moveLegacyKey(cfg, path, log); err != nil {
		return nil, err
	}
	key, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		buf := make([]byte, 32)
		if _, err := rand.Read(buf); err != nil {
			return nil, fmt.Errorf("generate a pseudonym key: %w", err)
		}
		key = []byte(hex.EncodeToString(buf))
		if err := os.MkdirAll(dir, 0o700); err != nil {
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
		log.Info().Str("file", path).Msg("pseudonym key read from the key dir")
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

// dataKeysFile is where a local deployment keeps its data keys, in the key dir: one key a
// line, "id hex64"; the last line seals. Rotate by appending a line.
const dataKeysFile = "data.keys"

// derivedDataKeyID is the id of the data key derived from the pseudonym key: the oldest key of
// every ring, the one that seals when no other is configured.
const derivedDataKeyID = "p0"

// keyDir is where generated keys live: SKINGRAPH_KEY_DIR, or a folder beside the local
// Neo4j's data folder (never inside it, where Neo4j's own files are).
func keyDir(cfg *Config) string {
	if cfg.KeyDir != "" {
		return cfg.KeyDir
	}
	return filepath.Clean(cfg.DataDir) + "-keys"
}

// moveLegacyKey moves a pseudonym key that older builds kept inside the Neo4j data folder to
// the key dir.
func moveLegacyKey(cfg *Config, path string, log zerolog.Logger) error {
	old := filepath.Join(cfg.DataDir, pseudonymKeyFile)
	if _, err := os.Stat(old); err != nil {
		return nil
	}
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("pseudonym key: both %s and %s exist: keep the one the graph was made with, remove the other", old, path)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("pseudonym key: %w", err)
	}
	if err := os.Rename(old, path); err != nil {
		return fmt.Errorf("pseudonym key: move it out of the Neo4j data folder: %w", err)
	}
	log.Info().Str("from", old).Str("to", path).Msg("moved the pseudonym key out of the Neo4j data folder")
	return nil
}

// parseDataKeys reads "id:hex64,id:hex64" (or the lines of a data keys file, "id hex64",
// with # comments).
func parseDataKeys(s string) ([]graph.DataKey, error) {
	var keys []graph.DataKey
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		for _, part := range strings.Split(line, ",") {
			id, secret, ok := strings.Cut(strings.Join(strings.Fields(strings.Replace(part, ":", " ", 1)), " "), " ")
			b, err := hex.DecodeString(secret)
			if !ok || err != nil || len(b) != graph.DataKeySize {
				// The message never shows the secret.
				return nil, fmt.Errorf("key %d: want id:hex with %d hex digits (e.g. k2:$(openssl rand -hex 32))", len(keys)+1, 2*graph.DataKeySize)
			}
			keys = append(keys, graph.DataKey{ID: id, Secret: b})
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("no key")
	}
	return keys, nil
}

// dataKeyRing is the ring sealing personal data: the key derived from the pseudonym key
// (p0), then SKINGRAPH_DATA_KEYS, or with a local Neo4j the keys of <key dir>/data.keys
// (generated with one random key, mode 0600, at the first start). The last key seals; every
// key opens. The secrets are never logged: only their ids are.
func dataKeyRing(cfg *Config, pseudo *graph.Pseudonymizer, log zerolog.Logger) (*graph.KeyRing, error) {
	keys := []graph.DataKey{{ID: derivedDataKeyID, Secret: pseudo.DeriveKey("data key " + derivedDataKeyID)}}
	switch {
	case cfg.DataKeys != "":
		more, err := parseDataKeys(cfg.DataKeys)
		if err != nil {
			return nil, fmt.Errorf("SKINGRAPH_DATA_KEYS: %w", err)
		}
		keys = append(keys, more...)
	case cfg.Neo4jURI == "":
		path := filepath.Join(keyDir(cfg), dataKeysFile)
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			buf := make([]byte, graph.DataKeySize)
			if _, err := rand.Read(buf); err != nil {
				return nil, fmt.Errorf("generate a data key: %w", err)
			}
			b = []byte("# data keys: id hex; the last line seals, every line opens. Rotate by appending a line.\nk1 " + hex.EncodeToString(buf) + "\n")
			if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
				return nil, fmt.Errorf("data keys: %w", err)
			}
			f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return nil, fmt.Errorf("data keys: %w", err)
			}
			_, werr := f.Write(b)
			if err := errors.Join(werr, f.Close()); err != nil {
				return nil, fmt.Errorf("data keys: write %s: %w", path, err)
			}
			log.Info().Str("file", path).Msg("generated a data key for this local deployment (keep the file; losing it loses stored profiles and events)")
		} else if err != nil {
			return nil, fmt.Errorf("data keys: read %s: %w", path, err)
		}
		more, err := parseDataKeys(string(bytes.TrimSpace(b)))
		if err != nil {
			return nil, fmt.Errorf("data keys: %s: %w", path, err)
		}
		keys = append(keys, more...)
	}
	ring, err := graph.NewKeyRing(keys)
	if err != nil {
		return nil, err
	}
	log.Info().Strs("data_keys", ring.IDs()).Str("sealing_key", ring.Current()).Msg("data keys configured")
	return ring, nil
}

// useVault gives the store the keys of personal data when a pseudonym key is configured
// (otherwise profiles and events stay disabled). It writes nothing: the server checks the
// graph's record of the pseudonym key when it starts (startFeedback), and an import restores
// the record of the graph it came from.
func useVault(ctx context.Context, cfg *Config, log zerolog.Logger, store *cypher.Store) error {
	pseudo, err := pseudonymizer(cfg, log)
	if err != nil || pseudo == nil {
		return err
	}
	ring, err := dataKeyRing(cfg, pseudo, log)
	if err != nil {
		return err
	}
	store.SetVault(&graph.Vault{Tags: pseudo, Keys: ring,
		Caps: graph.EvidenceCaps{Period: cfg.EvidencePeriod, PerSource: cfg.EvidencePerKey}.WithDefaults()})
	return nil
}

// resealInBackground re-seals, in batches, the profiles and events sealed under an older data
// key (a rotation), and logs what it did.
func resealInBackground(ctx context.Context, store *cypher.Store, log zerolog.Logger) {
	if store.Vault() == nil {
		return
	}
	if n, err := store.UnsealedPersonalData(ctx); err == nil && n > 0 {
		log.Warn().Int64("records", n).Msg("the graph holds profiles or events written before sealing, in plaintext: an analyst's query can read them; remove them (docs/PRIVACY.md, Upgrading)")
	}
	start := time.Now()
	n, err := store.ResealPersonalData(ctx, 500)
	switch {
	case err != nil && ctx.Err() == nil:
		log.Error().Err(err).Int("resealed", n).Msg("re-sealing personal data under the current data key failed; retried at the next start")
	case n > 0:
		log.Info().Int("resealed", n).Str("sealing_key", store.Vault().Keys.Current()).Dur("duration", time.Since(start)).
			Msg("re-sealed personal data under the current data key")
	}
}
