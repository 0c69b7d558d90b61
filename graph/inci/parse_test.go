package inci

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// ent is an expected entry; list numbers the entries it is given.
func ent(key, name string) Entry { return Entry{Key: key, Name: name} }

// may marks an expected entry as may-contain.
func may(e Entry) Entry { e.MayContain = true; return e }

// pct gives an expected entry a concentration.
func pct(e Entry, c string) Entry { e.Concentration = c; return e }

// list builds an expected list, numbering its entries from 1.
func list(heading string, es ...Entry) List {
	for i := range es {
		es[i].Position = i + 1
	}
	return List{Heading: heading, Ingredients: es}
}

// parseTest is one case of a Parse table.
type parseTest struct {
	name string
	raw  string
	want []List
}

// runParseTests runs a Parse table with the default Normalizer.
func runParseTests(t *testing.T, tests []parseTest) {
	t.Helper()
	n := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := n.Parse(tt.raw)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}

func TestParse(t *testing.T) {
	runParseTests(t, []parseTest{
		{"empty", "", nil},
		{"only separators", " , ;; • \n", nil},
		{
			"commas",
			"Water, Glycerin, Niacinamide",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"), ent("niacinamide", "Niacinamide"))},
		},
		{
			"other separators",
			"Aqua; Glycerin • Squalane · Tocopherol\nParfum | Limonene",
			[]List{list("",
				ent("water", "Aqua"), ent("glycerin", "Glycerin"), ent("squalane", "Squalane"),
				ent("tocopherol", "Tocopherol"), ent("fragrance", "Parfum"), ent("limonene", "Limonene"))},
		},
		{
			"comma between digits is part of a name",
			"Water, 1,2-Hexanediol, 4,4'-Dimethoxy Benzophenone, 3a,4,5,6,7,7a-Hexahydro-4,7-Methano-Inden-6-Yl Acetate",
			[]List{list("",
				ent("water", "Water"), ent("1,2-hexanediol", "1,2-Hexanediol"),
				ent("4,4'-dimethoxy benzophenone", "4,4'-Dimethoxy Benzophenone"),
				ent("3a,4,5,6,7,7a-hexahydro-4,7-methano-inden-6-yl acetate", "3a,4,5,6,7,7a-Hexahydro-4,7-Methano-Inden-6-Yl Acetate"))},
		},
		{
			"misprinted locants",
			"Water, 1, 2-Hexanediol",
			[]List{list("", ent("water", "Water"), ent("1,2-hexanediol", "1, 2-Hexanediol"))},
		},
		{
			"commas inside brackets",
			"Aqua (Water, Eau), Iron Oxides (CI 77491, CI 77492), Glycerin",
			[]List{list("",
				ent("water", "Aqua (Water, Eau)"), ent("iron oxides", "Iron Oxides (CI 77491, CI 77492)"),
				ent("glycerin", "Glycerin"))},
		},
		{
			"empty items and duplicates",
			"Water,, Glycerin, , Aqua, Glycerin*, Water/Aqua/Eau",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"names keep what is printed",
			"  Butyrospermum Parkii (Shea) Butter* , Alcohol Denat., Tocopherol.",
			[]List{list("",
				ent("butyrospermum parkii butter", "Butyrospermum Parkii (Shea) Butter*"),
				ent("alcohol denat", "Alcohol Denat."), ent("tocopherol", "Tocopherol"))},
		},
		{
			"concentrations",
			"Water, Niacinamide 10%, Zinc PCA (1%), Retinol 0.3 %",
			[]List{list("",
				ent("water", "Water"), pct(ent("niacinamide", "Niacinamide 10%"), "10%"),
				pct(ent("zinc pca", "Zinc PCA (1%)"), "1%"), pct(ent("retinol", "Retinol 0.3 %"), "0.3%"))},
		},
		{
			"ingredients label",
			"Ingredients: Water, Glycerin.",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"label with a dash",
			"INGREDIENTS - WATER, GLYCERIN",
			[]List{list("", ent("water", "WATER"), ent("glycerin", "GLYCERIN"))},
		},
		{
			"label on its own line",
			"Ingredients\nWater, Glycerin",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"accented label",
			"Ingrédients : Aqua, Glycerin",
			[]List{list("", ent("water", "Aqua"), ent("glycerin", "Glycerin"))},
		},
		{
			"active and inactive ingredients share the numbering",
			"Active Ingredients: Zinc Oxide 20%. Inactive Ingredients: Water, Caprylic/Capric Triglyceride.",
			[]List{list("",
				pct(ent("zinc oxide", "Zinc Oxide 20%"), "20%"), ent("water", "Water"),
				ent("caprylic/capric triglyceride", "Caprylic/Capric Triglyceride"))},
		},
		{
			"inactive label in the middle of an item",
			"Active Ingredients: Avobenzone 3%, Octocrylene 10% Inactive Ingredients: Water",
			[]List{list("",
				pct(ent("butyl methoxydibenzoylmethane", "Avobenzone 3%"), "3%"),
				pct(ent("octocrylene", "Octocrylene 10%"), "10%"), ent("water", "Water"))},
		},
		{
			"other ingredients",
			"Other ingredients: Water, Glycerin",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"may contain with plus-minus in brackets",
			"Mica, Silica. May Contain (+/-): CI 77491, CI 77492",
			[]List{list("",
				ent("mica", "Mica"), ent("silica", "Silica"),
				may(ent("ci 77491", "CI 77491")), may(ent("ci 77492", "CI 77492")))},
		},
		{
			"plus-minus marker",
			"Talc, Mica, +/- CI 77891, CI 77491",
			[]List{list("",
				ent("talc", "Talc"), ent("mica", "Mica"),
				may(ent("ci 77891", "CI 77891")), may(ent("ci 77491", "CI 77491")))},
		},
		{
			"may-contain bracket closes its section",
			"Talc, [+/- Mica, CI 77491], Zinc Stearate",
			[]List{list("",
				ent("talc", "Talc"), may(ent("mica", "Mica")), may(ent("ci 77491", "CI 77491")),
				ent("zinc stearate", "Zinc Stearate"))},
		},
		{
			"may contain without full stop",
			"Caprylyl Glycol, Ethylhexylglycerin May Contain/Peut Contenir: CI 77499 (Iron Oxides).",
			[]List{list("",
				ent("caprylyl glycol", "Caprylyl Glycol"), ent("ethylhexylglycerin", "Ethylhexylglycerin"),
				may(ent("ci 77499", "CI 77499 (Iron Oxides)")))},
		},
		{
			"plus-minus sign",
			"Talc ± Mica, Titanium Dioxide (CI 77891)",
			[]List{list("",
				ent("talc", "Talc"), may(ent("mica", "Mica")),
				may(ent("titanium dioxide", "Titanium Dioxide (CI 77891)")))},
		},
		{
			"may contain already in the list",
			"Mica, Talc [+/- Mica, CI 77491]",
			[]List{list("", ent("mica", "Mica"), ent("talc", "Talc"), may(ent("ci 77491", "CI 77491")))},
		},
		{
			"unclosed may-contain bracket",
			"Talc, Aframomum Angustifolium Seed Extract [May Contain: Ci 77491, Ci 77492",
			[]List{list("",
				ent("talc", "Talc"), ent("aframomum angustifolium seed extract", "Aframomum Angustifolium Seed Extract"),
				may(ent("ci 77491", "Ci 77491")), may(ent("ci 77492", "Ci 77492")))},
		},
		{
			"headings",
			"Cleanser: Water, Glycerin. Moisturizer: Water, Squalane.",
			[]List{
				list("Cleanser", ent("water", "Water"), ent("glycerin", "Glycerin")),
				list("Moisturizer", ent("water", "Water"), ent("squalane", "Squalane")),
			},
		},
		{
			"headings with product names and dashes",
			"Capri Eau de Parfum: Alcohol Denat., Water, Fragrance.\n-Mini Retinol Serum: Water, Retinol 0.3%",
			[]List{
				list("Capri Eau de Parfum", ent("alcohol denat", "Alcohol Denat."), ent("water", "Water"), ent("fragrance", "Fragrance")),
				list("Mini Retinol Serum", ent("water", "Water"), pct(ent("retinol", "Retinol 0.3%"), "0.3%")),
			},
		},
		{
			"heading on its own line",
			"Step 1:\nWater, Glycolic Acid\nStep 2:\nWater, Sodium Bicarbonate",
			[]List{
				list("Step 1", ent("water", "Water"), ent("glycolic acid", "Glycolic Acid")),
				list("Step 2", ent("water", "Water"), ent("sodium bicarbonate", "Sodium Bicarbonate")),
			},
		},
		{
			"consecutive headings are joined",
			"Daily Peel Kit: Step 1: Water, Salicylic Acid",
			[]List{list("Daily Peel Kit - Step 1", ent("water", "Water"), ent("salicylic acid", "Salicylic Acid"))},
		},
		{
			"heading with an ingredients suffix",
			"Cleanser Ingredients: Water, Glycerin",
			[]List{list("Cleanser", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"heading then label",
			"Night Cream: Ingredients: Water, Shea Butter",
			[]List{list("Night Cream", ent("water", "Water"), ent("butyrospermum parkii butter", "Shea Butter"))},
		},
		{
			"heading ends the may-contain section",
			"Blush: Talc, May Contain: CI 77491. Bronzer: Mica",
			[]List{
				list("Blush", ent("talc", "Talc"), may(ent("ci 77491", "CI 77491"))),
				list("Bronzer", ent("mica", "Mica")),
			},
		},
		{
			"a ratio is not a heading",
			"Burdock 4:1 Root Extract, Water",
			[]List{list("", ent("burdock 4:1 root extract", "Burdock 4:1 Root Extract"), ent("water", "Water"))},
		},
	})
}

func TestKeys(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		want []string
	}{
		{"empty", "", nil},
		{"one list", "Aqua, Glycerin, Water", []string{"water", "glycerin"}},
		{
			"several lists, first-seen order",
			"Cleanser: Water, Glycerin. Toner: Aqua, Witch Hazel, Glycerin.",
			[]string{"water", "glycerin", "witch hazel"},
		},
	}
	n := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, n.Keys(tt.raw)); diff != "" {
				t.Errorf("Keys(%q) mismatch (-want +got):\n%s", tt.raw, diff)
			}
		})
	}
}
