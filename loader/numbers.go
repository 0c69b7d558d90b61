package loader

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/skingraph/skingraph/graph"
)

// The number fields of every CSV format: each bad value is recorded in a
// graph.ValidationError with its line and field, and reading goes on.

// csvFloat reads a number in [lo, hi]; empty is 0. Bad values are recorded in verr.
func csvFloat(verr *graph.ValidationError, line int, field, s string, lo, hi float64) float64 {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	x, err := strconv.ParseFloat(s, 64)
	switch {
	case err != nil || math.IsNaN(x) || math.IsInf(x, 0):
		verr.Add(line, field, fmt.Sprintf("must be a number, got %q", s))
		return 0
	case x < lo && lo == 0 && math.IsInf(hi, 1):
		verr.Add(line, field, fmt.Sprintf("must not be negative, got %s", s))
	case x < lo || x > hi:
		verr.Add(line, field, fmt.Sprintf("must be between %g and %g, got %s", lo, hi, s))
	}
	return x
}

// csvCount reads a count (a whole number, possibly written "12.0"); empty is 0. Bad values are
// recorded in verr.
func csvCount(verr *graph.ValidationError, line int, field, s string) int {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0
	}
	n, ok := parseCount(s)
	switch {
	case !ok:
		verr.Add(line, field, fmt.Sprintf("must be a whole number, got %q", s))
	case n < 0:
		verr.Add(line, field, fmt.Sprintf("must not be negative, got %s", s))
	}
	return n
}

// parseCount reads a whole number, accepting "12" and "12.0" (pandas writes counts as floats).
func parseCount(s string) (int, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, true
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || x != math.Trunc(x) || math.Abs(x) > 1<<53 {
		return 0, false
	}
	return int(x), true
}
