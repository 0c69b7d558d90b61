package inci

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseSephora(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []List
	}{
		{"empty list", "[]", nil},
		{"empty text", "", nil},
		{
			"one list",
			"['Water, Glycerin, Niacinamide.']",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"), ent("niacinamide", "Niacinamide"))},
		},
		{
			"heading-only elements label the next element",
			"['Cleanser:', 'Water, Glycerin', 'Moisturizer:', 'Water, Squalane']",
			[]List{
				list("Cleanser", ent("water", "Water"), ent("glycerin", "Glycerin")),
				list("Moisturizer", ent("water", "Water"), ent("squalane", "Squalane")),
			},
		},
		{
			"heading with a comma",
			"['Hey, Honey:', 'Mica, Talc.', 'Bondi Bae:', 'Silica.']",
			[]List{
				list("Hey, Honey", ent("mica", "Mica"), ent("talc", "Talc")),
				list("Bondi Bae", ent("silica", "Silica")),
			},
		},
		{
			"heading that looks like prose",
			"['Please Me:', 'Mica, Dimethicone.']",
			[]List{list("Please Me", ent("mica", "Mica"), ent("dimethicone", "Dimethicone"))},
		},
		{
			"consecutive headings are joined",
			"['Alpha Beta Daily Peel:', 'Step 1:', 'Water, Salicylic Acid*. *Exfoliant.', 'Step 2:', 'Water, Retinol.']",
			[]List{
				list("Alpha Beta Daily Peel - Step 1", ent("water", "Water"), ent("salicylic acid", "Salicylic Acid*")),
				list("Step 2", ent("water", "Water"), ent("retinol", "Retinol")),
			},
		},
		{
			"inline headings",
			"['Bela: Zinc Stearate, Mica. May Contain: Iron Oxides (Ci 77491).', 'Lady Like: Silica, Mica.']",
			[]List{
				list("Bela", ent("zinc stearate", "Zinc Stearate"), ent("mica", "Mica"), may(ent("iron oxides", "Iron Oxides (Ci 77491)"))),
				list("Lady Like", ent("silica", "Silica"), ent("mica", "Mica")),
			},
		},
		{
			"list cut after a comma continues",
			"['Dimethicone, Kaolin, Glycine Soja (Soybean) Seed Extract,', 'Glycyrrhiza Glabra (Licorice) Leaf Extract, Silica.']",
			[]List{list("",
				ent("dimethicone", "Dimethicone"), ent("kaolin", "Kaolin"),
				ent("glycine soja seed extract", "Glycine Soja (Soybean) Seed Extract"),
				ent("glycyrrhiza glabra leaf extract", "Glycyrrhiza Glabra (Licorice) Leaf Extract"),
				ent("silica", "Silica"))},
		},
		{
			"list cut inside names",
			"['Water, Pentylene', 'Glycol, Pentaerythrityl Tetra-Di-', 'T-Butyl Hydroxyhydrocinnamate, Pisum Sativum (Pea)', 'Extract.']",
			[]List{list("",
				ent("water", "Water"), ent("pentylene glycol", "Pentylene Glycol"),
				ent("pentaerythrityl tetra-di-t-butyl hydroxyhydrocinnamate", "Pentaerythrityl Tetra-Di-T-Butyl Hydroxyhydrocinnamate"),
				ent("pisum sativum extract", "Pisum Sativum (Pea) Extract"))},
		},
		{
			"list cut after a marker",
			"['Talc, Mica, +/-', 'CI 77891, CI 77491.']",
			[]List{list("",
				ent("talc", "Talc"), ent("mica", "Mica"),
				may(ent("ci 77891", "CI 77891")), may(ent("ci 77491", "CI 77491")))},
		},
		{
			"list cut inside a locant",
			"['Water, Aqua, 1,', '2-Hexanediol.']",
			[]List{list("", ent("water", "Water"), ent("1,2-hexanediol", "1,2-Hexanediol"))},
		},
		{
			"may-contain element belongs to the list before",
			"['Isododecane, Synthetic Wax.', 'May Contain: Blue 1 Lake (Ci 42090), Red 7 (Ci 15850).']",
			[]List{list("",
				ent("isododecane", "Isododecane"), ent("synthetic wax", "Synthetic Wax"),
				may(ent("blue 1 lake", "Blue 1 Lake (Ci 42090)")), may(ent("red 7", "Red 7 (Ci 15850)")))},
		},
		{
			"marker-only element",
			"['Talc, Mica.', '+/-', 'CI 77891, CI 77491']",
			[]List{list("",
				ent("talc", "Talc"), ent("mica", "Mica"),
				may(ent("ci 77891", "CI 77891")), may(ent("ci 77491", "CI 77491")))},
		},
		{
			"footnote element is dropped",
			"['Water, Aloe Barbadensis Leaf Juice*.', '*Certified Organic']",
			[]List{list("", ent("water", "Water"), ent("aloe barbadensis leaf juice", "Aloe Barbadensis Leaf Juice*"))},
		},
		{
			"lower-case elements are one list",
			"['capric triglyceride', 'cetyl alcohol', 'glycerin', 'sodium hyaluronate']",
			[]List{list("",
				ent("capric triglyceride", "capric triglyceride"), ent("cetyl alcohol", "cetyl alcohol"),
				ent("glycerin", "glycerin"), ent("sodium hyaluronate", "sodium hyaluronate"))},
		},
		{
			"separate unheaded lists",
			"['Water, Glycerin.', 'Talc, Mica.']",
			[]List{
				list("", ent("water", "Water"), ent("glycerin", "Glycerin")),
				list("", ent("talc", "Talc"), ent("mica", "Mica")),
			},
		},
		{
			"label-only element is skipped",
			"['Ingredients:', 'Water, Glycerin']",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"heading without a list",
			"['Extra Volume Shampoo:']",
			nil,
		},
		{
			"not a python list is parsed as text",
			"Water, Glycerin",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"escaped backslashes",
			`['Water\\Aqua\\Eau, Alcohol Denat.']`,
			[]List{list("", ent("water", `Water\Aqua\Eau`), ent("alcohol denat", "Alcohol Denat"))},
		},
	}
	n := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := n.ParseSephora(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseSephora(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
