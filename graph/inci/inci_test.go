package inci

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestKey(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		// Folding.
		{"lower-case", "GLYCERIN", "glycerin"},
		{"spaces", "  Sodium   Hyaluronate\t", "sodium hyaluronate"},
		{"accents", "Eau de rosé", "eau de rose"},
		{"nfkc ligature", "Undaria Pinnatiﬁda Extract", "undaria pinnatifida extract"},
		{"typographic apostrophe", "Cire d’abeille", "cera alba"},
		{"greek letter", "β-Glucan", "beta-glucan"},
		{"trademark sign", "Matrixyl® 3000", "matrixyl 3000"},
		{"zero-width space", "Gly\u200bcerin", "glycerin"},
		{"invalid bytes", "Glyc\xffer\xfein", "glycerin"},
		{"empty", "", ""},
		{"only punctuation", " .,;* ", ""},

		// Brackets.
		{"common name in brackets", "Butyrospermum Parkii (Shea) Butter", "butyrospermum parkii butter"},
		{"grape seed oil", "Vitis Vinifera (Grape) Seed Oil", "vitis vinifera seed oil"},
		{"colour index keeps its own key", "CI 77891 (Titanium Dioxide)", "ci 77891"},
		{"pigment name first", "Titanium Dioxide (CI 77891)", "titanium dioxide"},
		{"square brackets", "Mica [Nano]", "mica"},
		{"angle-bracket code", "Limonene <ILN40259>", "limonene"},
		{"nested brackets", "Candelilla Cera (Euphorbia Cerifera (Candelilla) Wax)", "euphorbia cerifera wax"},
		{"bracket glued in a chemical name", "Tetrahydro-Methyl-(Methylpropyl)-Pyran-4-Ol", "tetrahydro-methyl-methylpropyl-pyran-4-ol"},
		{"comment after a hyphen is removed", "Tetrahydro-4-Methyl-(Lily Of The Valley Note)", "tetrahydro-4-methyl"},
		{"stray closing bracket", "Vigna Radiata) Sprout Extract", "vigna radiata sprout extract"},
		{"unclosed bracket", "Helianthus Annuus (Sunflower Seed Oil", "helianthus annuus sunflower seed oil"},
		{"all in brackets", "(Shea Butter)", "butyrospermum parkii butter"},
		{"leading bracket", "(Sunflower) Helianthus Annuus Seed Oil*", "helianthus annuus seed oil"},

		// Concentrations.
		{"percent glued", "Niacinamide 10%", "niacinamide"},
		{"percent in brackets", "Niacinamide (10%)", "niacinamide"},
		{"decimal percent", "Retinol 0.3%", "retinol"},
		{"percent with space", "Zinc PCA 1 %", "zinc pca"},
		{"decimal comma", "Salicylic Acid 0,5%", "salicylic acid"},
		{"w/w", "Minoxidil 5% w/w", "minoxidil"},
		{"bare concentration", "10%", ""},

		// Slashes.
		{"water alternatives", "Water/Aqua/Eau", "water"},
		{"backslash alternatives", `Water\Aqua\Eau`, "water"},
		{"fraction slash", "Water⁄Aqua⁄Eau", "water"},
		{"fragrance alternatives", "Parfum/Fragrance", "fragrance"},
		{"spaced alternatives", "Parfum / Fragrance", "fragrance"},
		{"water in brackets", "Aqua (Water)", "water"},
		{"water first", "Water (Aqua/Eau)", "water"},
		{"crosspolymer stays whole", "Acrylates/C10-30 Alkyl Acrylate Crosspolymer", "acrylates/c10-30 alkyl acrylate crosspolymer"},
		{"copolymer with spaces around slash", "Hydroxyethyl Acrylate/ Sodium Acryloyldimethyl Taurate Copolymer", "hydroxyethyl acrylate/sodium acryloyldimethyl taurate copolymer"},
		{"fragment before slash", "Caprylic/Capric Triglyceride", "caprylic/capric triglyceride"},
		{"fragments in the middle", "Tropaeolum Majus Flower/Leaf/Stem Extract", "tropaeolum majus flower/leaf/stem extract"},
		{"peg/ppg", "PEG/PPG-17/18 Dimethicone", "peg/ppg-17/18 dimethicone"},
		{"polymer fragment without polymer word", "Sodium Acrylates/C10-30 Alkyl Acrylate", "sodium acrylates/c10-30 alkyl acrylate"},
		{"multi-word alternatives", "Faex Extract/Yeast Extract/Extrait De Levure", "yeast extract"},
		{"unaliased alternatives take the first", "Ammonium Polyacryldimethyltauramide/Ammonium Polyacryloyldimethyl Taurate", "ammonium polyacryldimethyltauramide"},
		{"colour index alternative", "Ci 77891/Titanium Dioxide", "ci 77891"},
		{"pigment then colour index", "Carmine/CI 75470", "carmine"},
		{"wax alternatives", "Cera Alba/Beeswax/Cire d'abeille", "cera alba"},
		{"sea water is not water", "Maris Aqua/Sea Water/Eau de Mer", "maris aqua"},

		// Hyphens, digits and commas.
		{"peg", "PEG-100 Stearate", "peg-100 stearate"},
		{"carbon range", "C12-15 Alkyl Benzoate", "c12-15 alkyl benzoate"},
		{"locants", "1,2-Hexanediol", "1,2-hexanediol"},
		{"locants with a space", "1, 2-Hexanediol", "1,2-hexanediol"},
		{"hexanediol without hyphen", "1,2 Hexanediol", "1,2-hexanediol"},
		{"polysorbate", "Polysorbate 20", "polysorbate 20"},

		// Footnotes and punctuation.
		{"star", "Glycerin*", "glycerin"},
		{"two stars", "Aloe Barbadensis Leaf Juice**", "aloe barbadensis leaf juice"},
		{"full stop", "Tocopherol.", "tocopherol"},
		{"dagger", "Rosa Canina Fruit Oil†", "rosa canina fruit oil"},
		{"superscript footnote", "Squalane¹", "squalane"},
		{"psi marker", "Ψ Hydrolyzed Quinoa", "hydrolyzed quinoa"},

		// Colours.
		{"colour index without space", "CI77491", "ci 77491"},
		{"colour index with dots", "C.I. 77491", "ci 77491"},
		{"bare colour index", "77499", "ci 77499"},
		{"colour index lake", "CI 15850:1", "ci 15850:1"},
		{"colour index misprint", "Cl 77891", "ci 77891"},
		{"trailing colour index", "Titanium Dioxide CI 77891", "titanium dioxide"},
		{"fd&c", "FD&C Red No. 40", "red 40"},
		{"d&c with colour index", "D&C Violet No. 2 (CI 60730)", "violet 2"},
		{"n degree", "FD&C Yellow N°5", "yellow 5"},
		{"lake", "Red 7 Lake (CI 15850)", "red 7 lake"},
		{"number sign glued", "Yellow No.5", "yellow 5"},
		{"hash sign", "Violet #2 (CI 60730)", "violet 2"},
		{"ext. prefix", "Ext. Violet 2", "violet 2"},
		{"colour word in a plant name", "Black Currant Seed Oil", "black currant seed oil"},
		{"ext. before a non-colour", "Ext. Gold", "ext. gold"},

		// Aliases.
		{"aqua", "Aqua", "water"},
		{"eau", "EAU", "water"},
		{"parfum", "Parfum", "fragrance"},
		{"aroma", "Aroma", "fragrance"},
		{"perfume", "Perfume", "fragrance"},
		{"nicotinamide", "Nicotinamide", "niacinamide"},
		{"vitamin b3", "Vitamin B3", "niacinamide"},
		{"vitamin e", "Vitamin E", "tocopherol"},
		{"vitamin c", "Vitamin C", "ascorbic acid"},
		{"l-ascorbic acid", "L-Ascorbic Acid", "ascorbic acid"},
		{"hyaluronic acid is its own key", "Hyaluronic Acid", "hyaluronic acid"},
		{"sodium hyaluronate is its own key", "Sodium Hyaluronate", "sodium hyaluronate"},
		{"shea butter", "Shea Butter", "butyrospermum parkii butter"},
		{"jojoba oil", "Jojoba Oil", "simmondsia chinensis seed oil"},
		{"squalene is not squalane", "Squalene", "squalene"},
		{"squalane", "Squalane", "squalane"},
		{"alcohol denat", "Alcohol Denat.", "alcohol denat"},
		{"sd alcohol 40", "SD Alcohol 40", "alcohol denat"},
		{"sd alcohol 40-b", "SD Alcohol 40-B", "alcohol denat"},
		{"alcohol denat with sd alcohol", "Alcohol Denat. (SD Alcohol 40-B)", "alcohol denat"},
		{"provitamin b5", "Provitamin B5", "panthenol"},
		{"d-panthenol", "D-Panthenol", "panthenol"},
		{"dexpanthenol", "Dexpanthenol", "panthenol"},
		{"retinyl palmitate stays", "Retinyl Palmitate", "retinyl palmitate"},
		{"aloe vera", "Aloe Vera", "aloe barbadensis leaf juice"},
		{"tea tree oil", "Tea Tree Oil", "melaleuca alternifolia leaf oil"},
		{"coconut oil", "Coconut Oil", "cocos nucifera oil"},
		{"coconut oil inci", "Cocos Nucifera (Coconut) Oil", "cocos nucifera oil"},
		{"sweet almond oil", "Sweet Almond Oil", "prunus amygdalus dulcis oil"},
		{"sweet almond oil inci", "Prunus Amygdalus Dulcis (Sweet Almond) Oil", "prunus amygdalus dulcis oil"},
		{"titanium dioxide is not its colour index", "Titanium Dioxide", "titanium dioxide"},
		{"sunscreen drug name", "Avobenzone", "butyl methoxydibenzoylmethane"},
	}
	n := Default()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := n.Key(tt.in)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Key(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
			if again := n.Key(got); again != got {
				t.Errorf("Key(Key(%q)) = %q, want %q", tt.in, again, got)
			}
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		aliases map[string]string
		in      []string
		want    []string
	}{
		{
			name:    "nil is the built-in table",
			aliases: nil,
			in:      []string{"Aqua", "Bakuchiol"},
			want:    []string{"water", "bakuchiol"},
		},
		{
			name:    "extra aliases are normalised on the way in",
			aliases: map[string]string{"  BAKUCHI Extract ": "Bakuchiol (Psoralea Corylifolia)", "Vit. A": "Retinol."},
			in:      []string{"Bakuchi extract", "VIT. A", "Bakuchiol"},
			want:    []string{"bakuchiol", "retinol", "bakuchiol"},
		},
		{
			name:    "extra aliases win over built-in ones",
			aliases: map[string]string{"aroma": "flavor"},
			in:      []string{"Aroma", "Parfum"},
			want:    []string{"flavor", "fragrance"},
		},
		{
			name:    "chains are resolved",
			aliases: map[string]string{"a1": "b2", "b2": "c3", "vitamin e": "vit e", "vit e": "d-alpha tocopherol"},
			in:      []string{"a1", "b2", "Vitamin E"},
			want:    []string{"c3", "c3", "d-alpha tocopherol"},
		},
		{
			name:    "cycles end at the first member",
			aliases: map[string]string{"x1": "y1", "y1": "z1", "z1": "x1"},
			in:      []string{"x1", "y1", "z1"},
			want:    []string{"x1", "x1", "x1"},
		},
		{
			name:    "canonical side is keyed too",
			aliases: map[string]string{"hydrosol": "Aqua/Water"},
			in:      []string{"Hydrosol"},
			want:    []string{"water"},
		},
		{
			name:    "empty sides are ignored",
			aliases: map[string]string{"": "water", "glycerol ester": "  ", "***": "x"},
			in:      []string{"Glycerol Ester"},
			want:    []string{"glycerol ester"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := New(tt.aliases)
			var got []string
			for _, s := range tt.in {
				k := n.Key(s)
				got = append(got, k)
				if again := n.Key(k); again != k {
					t.Errorf("Key(Key(%q)) = %q, want %q", s, again, k)
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("keys mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestZeroNormalizer(t *testing.T) {
	var zero Normalizer
	var nilN *Normalizer
	for _, n := range []*Normalizer{&zero, nilN} {
		if got := n.Key("Aqua"); got != "water" {
			t.Errorf("Key(Aqua) on %v = %q, want water", n, got)
		}
		if got := n.Keys("Aqua, Glycerin"); !cmp.Equal(got, []string{"water", "glycerin"}) {
			t.Errorf("Keys on %v = %q", n, got)
		}
	}
}

func TestDefaultConcurrent(t *testing.T) {
	done := make(chan []string)
	for range 8 {
		go func() { done <- Default().Keys("Water/Aqua/Eau, Niacinamide 10%, Parfum") }()
	}
	want := []string{"water", "niacinamide", "fragrance"}
	for range 8 {
		if diff := cmp.Diff(want, <-done); diff != "" {
			t.Errorf("Keys mismatch (-want +got):\n%s", diff)
		}
	}
}
