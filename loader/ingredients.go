package loader

import (
	"fmt"
	"io"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// ingredientRecord is one line of the ingredient knowledge base (datasets/ingredients.jsonl).
type ingredientRecord struct {
	INCI        string   `json:"inci"`
	Name        string   `json:"name"`
	Aliases     []string `json:"aliases"`
	Functions   []string `json:"functions"`
	Comedogenic *int     `json:"comedogenic"`
	Treats      []struct {
		Concern  string  `json:"concern"`
		Efficacy float64 `json:"efficacy"`
		Evidence string  `json:"evidence"`
		Source   string  `json:"source"`
	} `json:"treats"`
	Aggravates []struct {
		Kind     string  `json:"kind"`
		Target   string  `json:"target"`
		Severity float64 `json:"severity"`
		Reason   string  `json:"reason"`
		Source   string  `json:"source"`
	} `json:"aggravates"`
	Conflicts []struct {
		INCI     string  `json:"inci"`
		Severity float64 `json:"severity"`
		Reason   string  `json:"reason"`
		Source   string  `json:"source"`
	} `json:"conflicts"`
	Source string `json:"source"`
}

// ReadIngredients reads and validates an ingredient knowledge base in JSON Lines. Every bad
// line is reported (file, line, field, reason) in a *graph.ValidationError.
func ReadIngredients(r io.Reader, file string) ([]graph.Ingredient, error) {
	v := newIngredientValidator(file)
	err := decodeJSONL(r, v.verr, v.add)
	return v.result(err)
}

// ingredientValidator checks ingredient records, whatever their format, and keeps the good
// ones.
type ingredientValidator struct {
	verr   *graph.ValidationError
	lineOf keyLines
	norm   *inci.Normalizer
	out    []graph.Ingredient
}

func newIngredientValidator(file string) *ingredientValidator {
	return &ingredientValidator{verr: &graph.ValidationError{File: file}, lineOf: keyLines{}, norm: inci.Default()}
}

// add validates one record read from line.
func (v *ingredientValidator) add(line int, rec *ingredientRecord) {
	verr, lineOf, norm := v.verr, v.lineOf, v.norm
	{
		ing := graph.Ingredient{
			INCI: rec.INCI, Name: rec.Name, Aliases: rec.Aliases, Functions: rec.Functions,
			Comedogenic: rec.Comedogenic, Source: rec.Source,
		}
		if rec.INCI != "" && norm.Key(rec.INCI) != rec.INCI {
			verr.Add(line, "inci", fmt.Sprintf("%q is not a canonical key (want %q)", rec.INCI, norm.Key(rec.INCI)))
		} else {
			lineOf.claim(verr, line, "inci", rec.INCI)
		}
		if rec.Name == "" {
			verr.Add(line, "name", "required")
		}
		if c := rec.Comedogenic; c != nil && (*c < 0 || *c > 5) {
			verr.Add(line, "comedogenic", fmt.Sprintf("must be 0 to 5, got %d", *c))
		}
		for i, t := range rec.Treats {
			f := fmt.Sprintf("treats[%d]", i)
			concern := checkVocab(verr, line, f+".concern", graph.Concerns, t.Concern)
			evidence := checkVocab(verr, line, f+".evidence", graph.Evidence, t.Evidence)
			checkUnit(verr, line, f+".efficacy", t.Efficacy)
			ing.Treats = append(ing.Treats, graph.Treatment{Concern: concern, Efficacy: t.Efficacy, Evidence: evidence, Source: t.Source})
		}
		for i, a := range rec.Aggravates {
			f := fmt.Sprintf("aggravates[%d]", i)
			var target string
			switch a.Kind {
			case graph.KindSkinType:
				target = checkVocab(verr, line, f+".target", graph.SkinTypes, a.Target)
			case graph.KindConcern:
				target = checkVocab(verr, line, f+".target", graph.Concerns, a.Target)
			case graph.KindSensitivity:
				target = checkVocab(verr, line, f+".target", graph.Sensitivities, a.Target)
			default:
				verr.Add(line, f+".kind", fmt.Sprintf("must be skin_type, concern or sensitivity, got %q", a.Kind))
			}
			checkUnit(verr, line, f+".severity", a.Severity)
			ing.Aggravates = append(ing.Aggravates, graph.Aggravation{Kind: a.Kind, Target: target, Severity: a.Severity, Reason: a.Reason, Source: a.Source})
		}
		for i, c := range rec.Conflicts {
			checkUnit(verr, line, fmt.Sprintf("conflicts[%d].severity", i), c.Severity)
			ing.Conflicts = append(ing.Conflicts, graph.Conflict{INCI: c.INCI, Severity: c.Severity, Reason: c.Reason, Source: c.Source})
		}
		v.out = append(v.out, ing)
	}
}

// result checks what needs every record (conflicts name ingredients of the same base).
func (v *ingredientValidator) result(err error) ([]graph.Ingredient, error) {
	verr, lineOf, out := v.verr, v.lineOf, v.out
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", verr.File, err)
	}
	// Conflicts must name ingredients of the same knowledge base.
	for _, ing := range out {
		for i, c := range ing.Conflicts {
			if lineOf[c.INCI] == 0 {
				verr.Add(lineOf[ing.INCI], fmt.Sprintf("conflicts[%d].inci", i), fmt.Sprintf("unknown ingredient %q", c.INCI))
			}
		}
	}
	if err := verr.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Aliases returns the alias table of a knowledge base (alias -> canonical key), for an INCI
// normaliser that knows the same synonyms.
func Aliases(ings []graph.Ingredient) map[string]string {
	m := map[string]string{}
	for _, ing := range ings {
		for _, a := range ing.Aliases {
			m[a] = ing.INCI
		}
	}
	return m
}
