package main

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// Limits are the admission bounds of the API (docs/SECURITY.md explains each).
type Limits struct {
	MaxConns      int           // SKINGRAPH_MAX_CONNS: connections held open; the oldest idle one goes to make room
	KeyShare      int           // SKINGRAPH_KEY_SHARE: in-flight slots one key may hold (0 = half of SKINGRAPH_MAX_INFLIGHT)
	BodyTimeout   time.Duration // SKINGRAPH_BODY_TIMEOUT: a request body must arrive within it
	BodiesPerKey  int           // SKINGRAPH_BODIES_PER_KEY: request bodies one key may send at once
	BodyMemoryMB  int           // SKINGRAPH_BODY_MEMORY_MB: request bodies held in memory at once, all callers
	StreamsPerKey int           // SKINGRAPH_STREAMS_PER_KEY: update streams one key may hold open
	MaxStreams    int           // SKINGRAPH_MAX_STREAMS: update streams open at once
	KeysWatch     time.Duration // SKINGRAPH_KEYS_WATCH: how often the keys file is checked for changes
}

func defaultLimits() Limits {
	return Limits{MaxConns: 1024, BodyTimeout: 10 * time.Second, BodiesPerKey: 8, BodyMemoryMB: 256,
		StreamsPerKey: 4, MaxStreams: 256, KeysWatch: 2 * time.Second}
}

// securityEnv applies the SKINGRAPH_ variables of the limits.
func securityEnv(getenv func(string) string, l *Limits) []error {
	var errs []error
	num := func(dst *int, name string) {
		if v := getenv("SKINGRAPH_" + name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("SKINGRAPH_%s: %q is not a whole number", name, v))
			}
			*dst = n
		}
	}
	dur := func(dst *time.Duration, name, example string) {
		if v := getenv("SKINGRAPH_" + name); v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				errs = append(errs, fmt.Errorf("SKINGRAPH_%s: %q is not a duration such as %s", name, v, example))
			}
			*dst = d
		}
	}
	num(&l.MaxConns, "MAX_CONNS")
	num(&l.KeyShare, "KEY_SHARE")
	dur(&l.BodyTimeout, "BODY_TIMEOUT", "10s")
	num(&l.BodiesPerKey, "BODIES_PER_KEY")
	num(&l.BodyMemoryMB, "BODY_MEMORY_MB")
	num(&l.StreamsPerKey, "STREAMS_PER_KEY")
	num(&l.MaxStreams, "MAX_STREAMS")
	dur(&l.KeysWatch, "KEYS_WATCH", "2s")
	return errs
}

func (l Limits) validate() []error {
	var errs []error
	for _, v := range []struct {
		name string
		n    int
		min  int
	}{
		{"SKINGRAPH_MAX_CONNS", l.MaxConns, 1}, {"SKINGRAPH_KEY_SHARE", l.KeyShare, 0},
		{"SKINGRAPH_BODIES_PER_KEY", l.BodiesPerKey, 1}, {"SKINGRAPH_BODY_MEMORY_MB", l.BodyMemoryMB, 1},
		{"SKINGRAPH_STREAMS_PER_KEY", l.StreamsPerKey, 1}, {"SKINGRAPH_MAX_STREAMS", l.MaxStreams, 1},
	} {
		if v.n < v.min {
			errs = append(errs, fmt.Errorf("%s is %d: want at least %d", v.name, v.n, v.min))
		}
	}
	if l.BodyTimeout <= 0 {
		errs = append(errs, errors.New("SKINGRAPH_BODY_TIMEOUT must be positive"))
	}
	if l.KeysWatch <= 0 {
		errs = append(errs, errors.New("SKINGRAPH_KEYS_WATCH must be positive"))
	}
	return errs
}
