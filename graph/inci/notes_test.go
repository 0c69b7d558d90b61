package inci

import "testing"

func TestParseNotes(t *testing.T) {
	runParseTests(t, []parseTest{
		{
			"footnotes after the list",
			"Water, Aloe Barbadensis Leaf Juice*, Glycerin**. *Certified Organic. **From natural origin.",
			[]List{list("",
				ent("water", "Water"), ent("aloe barbadensis leaf juice", "Aloe Barbadensis Leaf Juice*"),
				ent("glycerin", "Glycerin**"))},
		},
		{
			"footnote with commas",
			"Water, Glycerin*. *Certified Organic, **Fair Trade",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin*"))},
		},
		{
			"footnote glued to the last name",
			"Water, Tocopherol *Organic",
			[]List{list("", ent("water", "Water"), ent("tocopherol", "Tocopherol"))},
		},
		{
			"short footnote item",
			"Water, Aloe*, *Organic",
			[]List{list("", ent("water", "Water"), ent("aloe", "Aloe*"))},
		},
		{
			"starred ingredient in the middle stays",
			"Water, *Tocopherol, *Squalane.",
			[]List{list("", ent("water", "Water"), ent("tocopherol", "*Tocopherol"), ent("squalane", "*Squalane"))},
		},
		{
			"disclaimer",
			"Water, Glycerin. Please be aware that ingredient lists may change or vary from time to time, please refer to the product packaging for the most up-to-date list.",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"disclaimer without full stop before",
			"Water, Glycerin\nIngredient lists may change, so check the packaging",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"prose sentence",
			"Water, Glycerin. This product is not tested on animals, ever",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"free-of statement",
			"Water, Glycerin. Free of: Parabens, Sulfates, Phthalates.",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"))},
		},
		{
			"organic in a name stays",
			"Nu-Mag Certified Organic Rice Extract, Water",
			[]List{list("", ent("nu-mag certified organic rice extract", "Nu-Mag Certified Organic Rice Extract"), ent("water", "Water"))},
		},
		{
			"lot codes",
			"Water, Glycerin, Parfum/Fragrance, (F.I.L. B260371/2). B218007/1",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"), ent("fragrance", "Parfum/Fragrance"))},
		},
		{
			"html entities",
			"Water &bull; Glycerin &amp; Aloe, Fragrance &#40;Parfum&#41;",
			[]List{list("", ent("water", "Water"), ent("glycerin & aloe", "Glycerin & Aloe"), ent("fragrance", "Fragrance (Parfum)"))},
		},
		{
			"and before the last item",
			"Water, Glycerin, and Squalane",
			[]List{list("", ent("water", "Water"), ent("glycerin", "Glycerin"), ent("squalane", "Squalane"))},
		},
		{
			"abbreviation does not end a sentence",
			"Hypericum Perforatum (St. John's Wort) Extract, Rosa Canina var. Dumalis Oil, Water",
			[]List{list("",
				ent("hypericum perforatum extract", "Hypericum Perforatum (St. John's Wort) Extract"),
				ent("rosa canina var. dumalis oil", "Rosa Canina var. Dumalis Oil"), ent("water", "Water"))},
		},
	})
}
