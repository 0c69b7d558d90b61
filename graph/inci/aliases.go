package inci

// builtinAliases maps names that labels use interchangeably to one canonical key. Only true
// synonyms belong here: the same substance under a common, Latin, French or marketing name.
// Related but different substances (squalene and squalane, hyaluronic acid and sodium
// hyaluronate, tocopherol and tocopheryl acetate) keep their own keys, and so do colour index
// numbers ("ci 77891"). Keys and values are cleaned by New, so "Alcohol Denat." and
// "alcohol denat" are the same entry.
var builtinAliases = map[string]string{
	// Water and fragrance.
	"aqua":                "water",
	"eau":                 "water",
	"agua":                "water",
	"purified water":      "water",
	"deionized water":     "water",
	"demineralized water": "water",
	"distilled water":     "water",
	"parfum":              "fragrance",
	"perfume":             "fragrance",
	"aroma":               "fragrance",

	// Vitamins.
	"nicotinamide":    "niacinamide",
	"vitamin b3":      "niacinamide",
	"vitamin e":       "tocopherol",
	"vitamin c":       "ascorbic acid",
	"l-ascorbic acid": "ascorbic acid",
	"provitamin b5":   "panthenol",
	"pro-vitamin b5":  "panthenol",
	"d-panthenol":     "panthenol",
	"dexpanthenol":    "panthenol",
	"hyaluronan":      "hyaluronic acid",

	// Alcohol.
	"alcohol denat.":    "alcohol denat",
	"denatured alcohol": "alcohol denat",
	"sd alcohol 40":     "alcohol denat",
	"sd alcohol 40-b":   "alcohol denat",
	"sd alcohol 40b":    "alcohol denat",
	"sd alcohol 40-2":   "alcohol denat",
	"ethanol":           "alcohol",

	// Glycerin and mineral oil.
	"glycerine":           "glycerin",
	"glycerol":            "glycerin",
	"paraffinum liquidum": "mineral oil",

	// Plant oils, butters and juices under their common names.
	"shea butter":          "butyrospermum parkii butter",
	"butyrospermum parkii": "butyrospermum parkii butter",
	"jojoba oil":           "simmondsia chinensis seed oil",
	"aloe vera":            "aloe barbadensis leaf juice",
	"aloe vera leaf juice": "aloe barbadensis leaf juice",
	"tea tree oil":         "melaleuca alternifolia leaf oil",
	"coconut oil":          "cocos nucifera oil",
	"sweet almond oil":     "prunus amygdalus dulcis oil",
	"argan oil":            "argania spinosa kernel oil",
	"castor oil":           "ricinus communis seed oil",
	"sunflower seed oil":   "helianthus annuus seed oil",
	"sunflower oil":        "helianthus annuus seed oil",
	"olive oil":            "olea europaea fruit oil",

	// Sunscreen filters under their US drug names.
	"avobenzone":  "butyl methoxydibenzoylmethane",
	"octinoxate":  "ethylhexyl methoxycinnamate",
	"octisalate":  "ethylhexyl salicylate",
	"oxybenzone":  "benzophenone-3",
	"ensulizole":  "phenylbenzimidazole sulfonic acid",
	"octocrilene": "octocrylene",

	// Yeast, honey and silk under their EU (Latin), US and French names.
	"faex":              "yeast extract",
	"faex extract":      "yeast extract",
	"extrait de levure": "yeast extract",
	"mel":               "honey",
	"miel":              "honey",
	"mel extract":       "honey extract",
	"extrait de miel":   "honey extract",
	"serica":            "silk powder",
	"poudre de soie":    "silk powder",
	"olus":              "vegetable oil",
	"olus oil":          "vegetable oil",
	"huile vegetale":    "vegetable oil",
	"1,2 hexanediol":    "1,2-hexanediol",

	// Waxes under their EU (Latin), US and French names.
	"beeswax":                  "cera alba",
	"cire d'abeille":           "cera alba",
	"carnauba wax":             "copernicia cerifera wax",
	"cera carnauba":            "copernicia cerifera wax",
	"copernicia cerifera cera": "copernicia cerifera wax",
	"cire de carnauba":         "copernicia cerifera wax",
	"cera microcristallina":    "microcrystalline wax",
	"cire microcristalline":    "microcrystalline wax",
	"candelilla wax":           "euphorbia cerifera wax",
	"candelilla cera":          "euphorbia cerifera wax",
	"euphorbia cerifera cera":  "euphorbia cerifera wax",
}
