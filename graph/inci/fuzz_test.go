package inci

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// fuzzSeeds are varied labels for the seed corpus of FuzzParse and FuzzKey.
var fuzzSeeds = []string{
	"Water, Glycerin, Niacinamide 10%, 1,2-Hexanediol, Phenoxyethanol.",
	"Ingredients: Aqua (Water, Eau), Butyrospermum Parkii (Shea) Butter*, Tocopherol. *Certified Organic",
	"Active Ingredients: Zinc Oxide 20%. Inactive Ingredients: Water, Caprylic/Capric Triglyceride, Parfum/Fragrance.",
	"Talc, Mica. May Contain (+/-): Titanium Dioxide (CI 77891), Iron Oxides (CI 77491, CI 77492).",
	"Talc, Silica [+/- Mica, CI 77491, CI 77492], Zinc Stearate",
	"Cleanser: Water, Glycerin. Moisturizer: Water, Squalane.\n-Mini Retinol Serum: Water, Retinol 0.3%",
	"['Cleanser:', 'Water, Glycerin', 'Moisturizer:', 'Water, Squalane']",
	"['Water\\\\Aqua\\\\Eau, Alcohol Denat. (SD Alcohol 40-B), Fragrance <ILN40259>.']",
	"Acrylates/C10-30 Alkyl Acrylate Crosspolymer; PEG/PPG-17/18 Dimethicone • Cera Alba/Beeswax/Cire d’abeille",
	"Water, Glycerin. Please be aware that ingredient lists may change or vary from time to time.",
	"Eau de rosé, β-Glucan, Undaria Pinnatiﬁda, Ψ Hydrolyzed Quinoa, FD&C Yellow N°5 (CI 19140)",
	"Tetrahydro-Methyl-(Methylpropyl)-Pyran-4-Ol, 3a,4,5,6,7,7a-Hexahydro-4,7-Methano-1(3)-Inden-6-Yl Acetate",
	"((([[[+/- ]]])))::: ,,, ... *** %%% 10 % (10%) //// \\\\",
	"Glyc\xffer\xfein, \x00Water\u200b, Parfum (Fragrance) (F.I.L. B260371/2). &bull; &amp;",
	"Zinc Oxide 20% (Sunscreen) Octocrylene 10% Inactive Ingredients: Water May Contain/Peut Contenir: CI 77499",
	"Hey, Honey: Mica, and Talc, 1, 2-Hexanediol, Tocopherol *Organic, Free of: Parabens",
}

// FuzzParse checks that Parse and ParseSephora never panic and always return well-formed
// lists: every key is the key of its name, non-empty, lower-case and without brackets, keys
// are unique within a list, and positions run from 1.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	n := Default()
	f.Fuzz(func(t *testing.T, raw string) {
		checkLists(t, n, n.Parse(raw))
		checkLists(t, n, n.ParseSephora(raw))
		n.Keys(raw)
	})
}

func checkLists(t *testing.T, n *Normalizer, lists []List) {
	t.Helper()
	for _, l := range lists {
		if len(l.Ingredients) == 0 {
			t.Errorf("list %q has no ingredients", l.Heading)
		}
		if len(l.Heading) > 2*maxHeadingLen {
			t.Errorf("heading %q is longer than %d bytes", l.Heading, 2*maxHeadingLen)
		}
		seen := make(map[string]bool)
		for i, e := range l.Ingredients {
			if e.Position != i+1 {
				t.Errorf("entry %q has position %d, want %d", e.Name, e.Position, i+1)
			}
			if k := n.Key(e.Name); k != e.Key {
				t.Errorf("entry key %q != Key(%q) = %q", e.Key, e.Name, k)
			}
			checkKey(t, e.Key)
			if e.Key == "" {
				t.Errorf("entry %q has an empty key", e.Name)
			}
			if seen[e.Key] {
				t.Errorf("key %q twice in list %q", e.Key, l.Heading)
			}
			seen[e.Key] = true
			if e.Concentration != "" && !strings.HasSuffix(e.Concentration, "%") {
				t.Errorf("concentration %q of %q does not end with %%", e.Concentration, e.Name)
			}
		}
	}
}

// checkKey checks the form of a key: valid UTF-8, lower-case, no brackets, no space runs, no
// space at either end.
func checkKey(t *testing.T, k string) {
	t.Helper()
	if !utf8.ValidString(k) {
		t.Errorf("key %q is not valid UTF-8", k)
	}
	if strings.ContainsAny(k, "()[]{}") {
		t.Errorf("key %q holds a bracket", k)
	}
	if strings.Contains(k, "  ") || strings.TrimSpace(k) != k {
		t.Errorf("key %q has stray spaces", k)
	}
	for _, r := range k {
		if unicode.IsUpper(r) {
			t.Errorf("key %q is not lower-case", k)
			break
		}
	}
}

// FuzzKey checks that Key never panics, returns keys of the right form and is idempotent.
func FuzzKey(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
		for _, item := range strings.Split(s, ",") {
			f.Add(item)
		}
	}
	n := Default()
	f.Fuzz(func(t *testing.T, name string) {
		k := n.Key(name)
		checkKey(t, k)
		if again := n.Key(k); again != k {
			t.Errorf("Key(%q) = %q but Key(%q) = %q", name, k, k, again)
		}
	})
}
