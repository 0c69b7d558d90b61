package inci_test

import (
	"fmt"

	"github.com/skingraph/skingraph/graph/inci"
)

func ExampleNormalizer_Key() {
	n := inci.Default()
	for _, name := range []string{
		"Butyrospermum Parkii (Shea) Butter",
		"Water/Aqua/Eau",
		"Acrylates/C10-30 Alkyl Acrylate Crosspolymer",
		"Niacinamide 10%",
		"CI 77891 (Titanium Dioxide)",
	} {
		fmt.Println(n.Key(name))
	}
	// Output:
	// butyrospermum parkii butter
	// water
	// acrylates/c10-30 alkyl acrylate crosspolymer
	// niacinamide
	// ci 77891
}

func ExampleNormalizer_Parse() {
	raw := "Cleanser: Aqua (Water), Glycerin, Niacinamide 4%. Moisturizer: Water, Squalane, " +
		"Mica [+/- CI 77891]. *Certified organic."
	for _, l := range inci.Default().Parse(raw) {
		fmt.Println(l.Heading)
		for _, e := range l.Ingredients {
			fmt.Printf("  %d %s %q %s may=%v\n", e.Position, e.Key, e.Name, e.Concentration, e.MayContain)
		}
	}
	// Output:
	// Cleanser
	//   1 water "Aqua (Water)"  may=false
	//   2 glycerin "Glycerin"  may=false
	//   3 niacinamide "Niacinamide 4%" 4% may=false
	// Moisturizer
	//   1 water "Water"  may=false
	//   2 squalane "Squalane"  may=false
	//   3 mica "Mica"  may=false
	//   4 ci 77891 "CI 77891"  may=true
}

func ExampleParsePythonList() {
	elems, err := inci.ParsePythonList(`['Cleanser:', 'Water, Glycerin', "Cire d'abeille"]`)
	fmt.Println(len(elems), elems[2], err)
	// Output: 3 Cire d'abeille <nil>
}
