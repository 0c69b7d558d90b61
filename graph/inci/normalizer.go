package inci

import (
	"maps"
	"slices"
	"strings"
	"sync"
)

// Normalizer turns ingredient names into canonical keys. It holds an alias table (the built-in
// one plus any extra entries given to New) and is immutable, so one value can be shared by any
// number of goroutines. The zero value and a nil *Normalizer behave like Default().
type Normalizer struct {
	aliases map[string]string // cleaned alias -> canonical key; every value is a fixed point of Key
}

// New returns a Normalizer using the built-in alias table plus aliases (alias -> canonical
// key), which win over built-in entries with the same alias. Both sides are normalised on the
// way in, chains (a -> b, b -> c) are resolved to their end, a cycle is broken at its
// alphabetically first member, and entries whose alias or canonical side normalises to ""
// are ignored.
func New(aliases map[string]string) *Normalizer {
	raw := make(map[string]string, len(builtinAliases)+len(aliases))
	add := func(from, to string) {
		f, _ := clean(from)
		t, _ := clean(to)
		if f != "" && t != "" {
			raw[f] = t
		}
	}
	for from, to := range builtinAliases {
		add(from, to)
	}
	// Sorted so that two extra aliases cleaning to the same text resolve the same way each run.
	for _, from := range slices.Sorted(maps.Keys(aliases)) {
		add(from, aliases[from])
	}
	table := make(map[string]string, len(raw))
	for from := range raw {
		if to := resolve(raw, from); to != from {
			table[from] = to
		}
	}
	n := &Normalizer{aliases: table}
	n.settle()
	return n
}

var defaultNormalizer = sync.OnceValue(func() *Normalizer { return New(nil) })

// Default returns the Normalizer with the built-in alias table only. It is built once and is
// safe for concurrent use.
func Default() *Normalizer { return defaultNormalizer() }

// Key returns the canonical key of one ingredient name, or "" when nothing is left of it (an
// empty name, punctuation, a bare concentration). The rules are described in the package
// documentation; Key(Key(x)) == Key(x) for every x.
func (n *Normalizer) Key(name string) string {
	k, _ := n.key(name)
	return k
}

// key returns the canonical key of name and the concentration written in it, if any.
func (n *Normalizer) key(name string) (key, conc string) {
	s, conc := clean(name)
	if s == "" {
		return "", conc
	}
	return canonical(n.table(), s), conc
}

// table returns the alias table, falling back to the default one for a nil or zero Normalizer.
func (n *Normalizer) table() map[string]string {
	if n == nil || n.aliases == nil {
		return Default().aliases
	}
	return n.aliases
}

// canonical maps a cleaned name to its key: through the alias table t, or through slash
// alternatives (see slashKey).
func canonical(t map[string]string, s string) string {
	if v, ok := t[s]; ok {
		return v
	}
	if strings.Contains(s, "/") {
		return slashKey(t, s)
	}
	return s
}

// resolve follows alias chains from "from" to their end. In a cycle every member resolves to
// the alphabetically first member of the cycle.
func resolve(raw map[string]string, from string) string {
	seen := map[string]int{from: 0}
	path := []string{from}
	cur := from
	for {
		next, ok := raw[cur]
		if !ok || next == cur {
			return cur
		}
		if i, loop := seen[next]; loop {
			return slices.Min(path[i:])
		}
		seen[next] = len(path)
		path = append(path, next)
		cur = next
	}
}

// settle makes every canonical key a fixed point of Key, so that Key stays idempotent even when
// an extra alias points at a name that Key would rewrite (such as "Aqua/Water"). Entries that do
// not settle within a few rounds are dropped.
func (n *Normalizer) settle() {
	for round := 0; round < 4; round++ {
		changed := false
		for from, to := range n.aliases {
			if k := canonical(n.aliases, to); k != to {
				n.aliases[from] = k
				changed = true
			}
		}
		if !changed {
			return
		}
	}
	for dropped := true; dropped; {
		dropped = false
		for from, to := range n.aliases {
			if canonical(n.aliases, to) != to || from == to {
				delete(n.aliases, from)
				dropped = true
			}
		}
	}
}
