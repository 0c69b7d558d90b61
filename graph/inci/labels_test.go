package inci

import (
	"strings"
	"testing"
)

// TestParseLabels reads whole labels of the kinds found in shops' data.
func TestParseLabels(t *testing.T) {
	runParseTests(t, []parseTest{
		{
			"realistic serum",
			"Ingredients: Aqua (Water), Niacinamide, Pentylene Glycol, Zinc PCA, Dimethyl Isosorbide, " +
				"Tamarindus Indica Seed Gum, Xanthan Gum, Isoceteth-20, Ethoxydiglycol, Phenoxyethanol, " +
				"Chlorphenesin. Please be aware that ingredient lists may change or vary from time to time.",
			[]List{list("",
				ent("water", "Aqua (Water)"), ent("niacinamide", "Niacinamide"), ent("pentylene glycol", "Pentylene Glycol"),
				ent("zinc pca", "Zinc PCA"), ent("dimethyl isosorbide", "Dimethyl Isosorbide"),
				ent("tamarindus indica seed gum", "Tamarindus Indica Seed Gum"), ent("xanthan gum", "Xanthan Gum"),
				ent("isoceteth-20", "Isoceteth-20"), ent("ethoxydiglycol", "Ethoxydiglycol"),
				ent("phenoxyethanol", "Phenoxyethanol"), ent("chlorphenesin", "Chlorphenesin"))},
		},
		{
			"realistic sunscreen",
			"Active Ingredients: Zinc Oxide 9.5%, Titanium Dioxide 5.5%\nInactive Ingredients: Water, " +
				"Cyclopentasiloxane, Butyloctyl Salicylate, Glycerin, Acrylates/C10-30 Alkyl Acrylate Crosspolymer, " +
				"Tocopheryl Acetate, Sodium Hyaluronate, Parfum/Fragrance.",
			[]List{list("",
				pct(ent("zinc oxide", "Zinc Oxide 9.5%"), "9.5%"), pct(ent("titanium dioxide", "Titanium Dioxide 5.5%"), "5.5%"),
				ent("water", "Water"), ent("cyclopentasiloxane", "Cyclopentasiloxane"),
				ent("butyloctyl salicylate", "Butyloctyl Salicylate"), ent("glycerin", "Glycerin"),
				ent("acrylates/c10-30 alkyl acrylate crosspolymer", "Acrylates/C10-30 Alkyl Acrylate Crosspolymer"),
				ent("tocopheryl acetate", "Tocopheryl Acetate"), ent("sodium hyaluronate", "Sodium Hyaluronate"),
				ent("fragrance", "Parfum/Fragrance"))},
		},
		{
			"realistic eyeshadow palette",
			"Shade 1: Talc, Mica, Dimethicone, Zinc Stearate. May Contain (+/-): Titanium Dioxide (CI 77891), " +
				"Iron Oxides (CI 77491, CI 77492, CI 77499).\nShade 2: Mica, Synthetic Fluorphlogopite, " +
				"Calcium Sodium Borosilicate, Tin Oxide [+/- Carmine (CI 75470), Ultramarines (CI 77007)].",
			[]List{
				list("Shade 1",
					ent("talc", "Talc"), ent("mica", "Mica"), ent("dimethicone", "Dimethicone"), ent("zinc stearate", "Zinc Stearate"),
					may(ent("titanium dioxide", "Titanium Dioxide (CI 77891)")),
					may(ent("iron oxides", "Iron Oxides (CI 77491, CI 77492, CI 77499)"))),
				list("Shade 2",
					ent("mica", "Mica"), ent("synthetic fluorphlogopite", "Synthetic Fluorphlogopite"),
					ent("calcium sodium borosilicate", "Calcium Sodium Borosilicate"), ent("tin oxide", "Tin Oxide"),
					may(ent("carmine", "Carmine (CI 75470)")), may(ent("ultramarines", "Ultramarines (CI 77007)"))),
			},
		},
		{
			"realistic organic balm",
			"Butyrospermum Parkii (Shea) Butter*, Cocos Nucifera (Coconut) Oil*, Cera Alba/Beeswax/Cire d'abeille*, " +
				"Simmondsia Chinensis (Jojoba) Seed Oil*, Tocopherol, Lavandula Angustifolia (Lavender) Oil*, Linalool**. " +
				"*Ingredients from Organic Farming. **Natural component of essential oils.",
			[]List{list("",
				ent("butyrospermum parkii butter", "Butyrospermum Parkii (Shea) Butter*"),
				ent("cocos nucifera oil", "Cocos Nucifera (Coconut) Oil*"),
				ent("cera alba", "Cera Alba/Beeswax/Cire d'abeille*"),
				ent("simmondsia chinensis seed oil", "Simmondsia Chinensis (Jojoba) Seed Oil*"),
				ent("tocopherol", "Tocopherol"),
				ent("lavandula angustifolia oil", "Lavandula Angustifolia (Lavender) Oil*"),
				ent("linalool", "Linalool**"))},
		},
	})
}

// TestParseLinear checks that pathological labels stay fast: each is about 300 kB.
func TestParseLinear(t *testing.T) {
	inputs := map[string]string{
		"brackets":    strings.Repeat("(", 150000) + strings.Repeat(")", 150000),
		"headings":    strings.Repeat("a:", 150000),
		"markers":     strings.Repeat("+/- ", 75000),
		"open marks":  strings.Repeat("[+/- (", 60000),
		"stars":       "x" + strings.Repeat(" *", 150000),
		"one item":    strings.Repeat("Glycerin ", 33000),
		"sentences":   strings.Repeat("A. ", 100000),
		"labels":      strings.Repeat("Inactive Ingredients: ", 13500) + "+/-",
		"nested may":  strings.Repeat("[+/- x ", 40000) + strings.Repeat("]", 40000),
		"elements":    "[" + strings.Repeat("'a,', ", 50000) + "]",
		"headings el": "[" + strings.Repeat("'Kit:', ", 40000) + "]",
	}
	n := Default()
	for name, in := range inputs {
		t.Run(name, func(t *testing.T) {
			n.Parse(in) // the test binary's timeout catches quadratic work
			n.ParseSephora(in)
			n.Key(in)
		})
	}
	for name, in := range map[string]string{
		"colour indexes": "x" + strings.Repeat(" ci 12345", 30000),
		"slashes":        strings.Repeat("ab cd/", 50000),
		"percents":       strings.Repeat("1 % ", 75000),
		"nested":         strings.Repeat("a(b[", 75000) + strings.Repeat("]c)", 75000),
	} {
		t.Run(name, func(t *testing.T) { n.Key(in) })
	}
}
