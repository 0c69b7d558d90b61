package inci

import (
	"strings"
)

// labels introduce a list without naming a product: "Ingredients:", "INGREDIENTS -", "Active
// Ingredients:", "Other ingredients:". Longer phrases come first so that they win.
var labels = []string{
	"full ingredients list", "full ingredient list", "full ingredients", "ingredients list",
	"ingredient list", "inactive ingredients", "inactive ingredient", "active ingredients",
	"active ingredient", "other ingredients", "other ingredient", "all shades contain",
	"ingredients", "ingredient", "ingredientes", "ingredienti", "inhaltsstoffe", "inci list",
	"inci", "composition", "contains", "active", "inactive",
}

// sectionLabels are the labels that may also appear in the middle of an item, right after the
// last ingredient of the previous section: "Zinc Oxide 20% Inactive Ingredients: Water".
var sectionLabels = []string{
	"inactive ingredients", "inactive ingredient", "active ingredients", "active ingredient",
	"other ingredients", "other ingredient",
}

// exclusionLabels introduce what a product does not contain ("Free of: Parabens, Sulfates"),
// which is dropped with the rest of its sentence.
var exclusionLabels = []string{
	"free of", "free from", "formulated without", "does not contain", "made without", "without",
}

// matchLabel matches one of phrases at f[i:] followed by an optional "(s)" and by a colon,
// a dash or the end of the item; labels ending in "ingredient(s)" may also be followed by a
// plain space ("Ingredients Water, ..."). It returns the index after the label and its
// punctuation.
func matchLabel(f string, i int, phrases []string) (int, bool) {
	for _, p := range phrases {
		end, ok := matchPhrase(f, i, p)
		if !ok {
			continue
		}
		if e, ok := matchPhrase(f, end, "(s)"); ok {
			end = e
		}
		j := skipSpace(f, end)
		switch {
		case j == len(f):
			return j, true
		case f[j] == ':' || f[j] == '-':
			return skipSpace(f, j+1), true
		case j > end && strings.HasSuffix(p, "ingredient"), j > end && strings.HasSuffix(p, "ingredients"):
			return j, true
		}
	}
	return 0, false
}

// mayPhrases open the "may contain" part of a list, usually the shades' colourants.
var mayPhrases = []string{
	"may also contain", "may contain", "peut contenir", "puede contener", "kann enthalten",
	"+/-", "+ / -", "+/ -", "+ /-", "+-", "+/", string(rune(plusMin)),
}

// matchMay matches a may-contain marker at f[i:], including the combinations labels use: "May
// Contain (+/-):", "May Contain/Peut Contenir:", "[+/-]", "+/- (May Contain):". It returns the
// index after the marker and an optional colon.
func matchMay(f string, i int) (int, bool) {
	end, ok := matchMayGroup(f, i, true)
	if !ok {
		return 0, false
	}
	if j := skipSpace(f, end); j < len(f) && f[j] == ':' {
		end = j + 1
	}
	return end, true
}

// matchMayGroup matches marker phrases joined by slashes, commas or spaces, each optionally in
// brackets when brackets is true (one level only, so the work stays linear).
func matchMayGroup(f string, i int, brackets bool) (int, bool) {
	end, found := 0, false
	for j := i; ; {
		if found {
			j = skipSpace(f, end)
			if j < len(f) && (f[j] == '/' || f[j] == ',') {
				j = skipSpace(f, j+1)
			}
		}
		e, ok := matchAny(f, j, mayPhrases)
		if !ok && brackets && j < len(f) && (f[j] == '(' || f[j] == '[') {
			if e2, ok2 := matchMayGroup(f, skipSpace(f, j+1), false); ok2 {
				if k := skipSpace(f, e2); k < len(f) && (f[k] == ')' || f[k] == ']') {
					e, ok = k+1, true
				}
			}
		}
		if !ok {
			return end, found
		}
		end, found = e, true
	}
}

// findMay returns where the first may-contain marker outside brackets starts in f at or after
// i, and where it ends; ok is false when there is none.
func findMay(f string, i int) (start, end int, ok bool) {
	depth := 0
	for k := i; k < len(f); k++ {
		switch c := f[k]; {
		case (c == '(' || c == '[') && depth > 0:
			depth++
		case c == '(' || c == '[':
			if e, ok := matchMay(f, k); ok {
				return k, e, true
			}
			if e, ok := matchMay(f, skipSpace(f, k+1)); ok {
				return k, e, true // "[May Contain: CI 77491" with the bracket never closed
			}
			depth++
		case c == ')' || c == ']':
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case (c == 'm' || c == 'p' || c == 'k') && wordStart(f, k) || c == '+' || c == plusMin:
			if e, ok := matchMay(f, k); ok {
				return k, e, true
			}
		}
	}
	return 0, 0, false
}

// findSectionLabel returns where the first section label outside brackets starts in f at or
// after i, and where it and its colon end. Only labels followed by a colon count here.
func findSectionLabel(f string, i int) (start, end int, ok bool) {
	depth := 0
	for k := i; k < len(f); k++ {
		switch c := f[k]; {
		case c == '(' || c == '[':
			depth++
		case c == ')' || c == ']':
			if depth > 0 {
				depth--
			}
		case depth > 0:
		case (c == 'a' || c == 'i' || c == 'o') && wordStart(f, k):
			for _, p := range sectionLabels {
				e, ok := matchPhrase(f, k, p)
				if !ok {
					continue
				}
				if j := skipSpace(f, e); j < len(f) && f[j] == ':' {
					return k, skipSpace(f, j+1), true
				}
			}
		}
	}
	return 0, 0, false
}
