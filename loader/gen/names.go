package gen

import "strings"

// Generated names are built from syllables in a mixed radix of the index, so that every index
// has its own name and the same index always the same name.

var (
	onsets  = []string{"b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "z", "ch", "th"}
	vowels  = []string{"a", "e", "i", "o", "u", "ae", "ia", "ou"}
	endings = []string{"ia", "um", "us", "a", "is", "ella", "ana", "ora"}
	species = []string{
		"Alba", "Montana", "Officinalis", "Sinensis", "Vulgaris", "Japonica", "Orientalis", "Maritima",
		"Indica", "Sylvestris", "Grandiflora", "Minor", "Borealis", "Australis", "Lutea", "Rubra",
	}
	parts = []string{
		"Leaf Extract", "Root Extract", "Seed Oil", "Flower Extract", "Fruit Extract", "Bark Extract",
		"Callus Culture Extract", "Stem Cell Extract", "Kernel Oil", "Peel Extract",
	}
	chemistry = []string{
		"Glucoside", "Esters", "Ferment Filtrate", "Polyglyceryl-4 Esters", "Peptide", "Crosspolymer",
	}
)

// syllables writes a capitalised made-up word for i (at least two syllables).
func syllables(i int) string {
	var b strings.Builder
	for k := 0; k < 2 || i > 0; k++ {
		b.WriteString(onsets[i%len(onsets)])
		i /= len(onsets)
		b.WriteString(vowels[i%len(vowels)])
		i /= len(vowels)
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

// tailName is the INCI name of the k-th ingredient of the long tail: a made-up botanical
// ("Mavelia Montana Leaf Extract") or a made-up derivative ("Tousa Glucoside").
func tailName(k int) string {
	if k%5 == 4 { // one in five is a derivative
		k /= 5
		return syllables(k/len(chemistry)) + "yl " + chemistry[k%len(chemistry)]
	}
	k = k - k/5
	p := parts[k%len(parts)]
	k /= len(parts)
	sp := species[k%len(species)]
	k /= len(species)
	return syllables(k) + endings[k%len(endings)] + " " + sp + " " + p
}

// brandName is the name of brand i.
func brandName(i int) string { return syllables(i+7) + " " + brandSuffix[i%len(brandSuffix)] }

var brandSuffix = []string{"Skin", "Lab", "Botanics", "Derm", "Beauty", "Skincare", "Atelier", "Naturals"}

var (
	adjectives = []string{
		"Hydrating", "Calming", "Brightening", "Renewing", "Balancing", "Clarifying", "Nourishing",
		"Firming", "Gentle", "Daily", "Intense", "Barrier", "Overnight", "Dewy", "Pure", "Smoothing",
	}
	nouns = []string{
		"Rose", "Cica", "Rice", "Peptide", "Ceramide", "Vitamin C", "Green Tea", "Niacinamide",
		"Retinal", "Squalane", "Honey", "Bamboo", "Aloe", "Mushroom", "Oat", "Clay",
	}
	categoryWord = map[string]string{
		"cleanser": "Cleanser", "toner": "Toner", "serum": "Serum", "moisturizer": "Cream",
		"sunscreen": "Sunscreen SPF 30", "eye-care": "Eye Cream", "mask": "Mask", "exfoliant": "Peel",
		"treatment": "Spot Treatment", "face-oil": "Face Oil", "lip-care": "Lip Balm", "mist": "Face Mist",
	}
	sizes = []string{"1 oz / 30 mL", "1.7 oz / 50 mL", "5 oz / 150 mL", "0.5 oz / 15 mL", "3.4 oz / 100 mL", "2 oz / 60 mL"}
)
