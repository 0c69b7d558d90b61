package inci

import "strings"

// slashKey picks the key of a cleaned name that contains slashes. Labels use the slash for two
// different things:
//
//   - alternatives, the same ingredient in several languages or nomenclatures:
//     "water/aqua/eau", "parfum/fragrance", "ci 77891/titanium dioxide",
//     "faex extract/yeast extract/extrait de levure";
//   - one INCI name built from fragments: "acrylates/c10-30 alkyl acrylate crosspolymer",
//     "caprylic/capric triglyceride", "tropaeolum majus flower/leaf/stem extract",
//     "peg/ppg-17/18 dimethicone", "butylene glycol dicaprylate/dicaprate".
//
// The heuristic: when any part is in the alias table, the first such part's canonical key wins.
// Otherwise, when a part is a colour index number ("carmine/ci 75470", "ci 77891/titanium
// dioxide"), the parts are alternatives and the first one is the key. Otherwise the name is
// kept whole when it names a polymer (its last word contains "polymer",
// as in copolymer and crosspolymer), when a part is a known polymer fragment such as
// "acrylates" or "vp", when a part is empty, or when a part is a single word (a fragment such
// as "caprylic" or "leaf" cannot stand alone). Only when every part has at least two words is
// the name read as alternatives, and the first part is the key.
func slashKey(aliases map[string]string, s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i], _ = clean(p) // "ci 77891/..." parts are names in their own right
	}
	for _, p := range parts {
		if v, ok := aliases[p]; ok {
			return v
		}
	}
	if keepWhole(s, parts) {
		return s
	}
	return parts[0]
}

// keepWhole reports whether the slashes in s join fragments of one INCI name.
func keepWhole(s string, parts []string) bool {
	words := strings.Fields(s)
	if strings.Contains(words[len(words)-1], "polymer") {
		return true
	}
	for _, p := range parts {
		if _, ok := colourIndex(p); ok {
			return false // "carmine/ci 75470": a colour index number is never a fragment
		}
	}
	for _, p := range parts {
		if p == "" || polymerFragments[p] || !strings.Contains(p, " ") {
			return true
		}
	}
	return false
}

// polymerFragments are multi-word monomer names that appear before or after a slash in
// copolymer INCI names whose last word is not "copolymer", such as "Sodium Acrylates/C10-30
// Alkyl Acrylate" blends. Single words are fragments anyway.
var polymerFragments = map[string]bool{
	"sodium acrylates":                 true,
	"sodium acrylate":                  true,
	"ammonium acrylates":               true,
	"hydroxyethyl acrylate":            true,
	"c10-30 alkyl acrylate":            true,
	"sodium acryloyldimethyl taurate":  true,
	"ammonium acryloyldimethyltaurate": true,
	"vinyl dimethicone":                true,
	"vinyl isodecanoate":               true,
	"methyl methacrylate":              true,
	"butyl methacrylate":               true,
	"vinyl acetate":                    true,
	"maleic anhydride":                 true,
}
