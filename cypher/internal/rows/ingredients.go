package rows

import "github.com/skingraph/skingraph/graph"

// Ingredient is one knowledge-base ingredient as the load statements write it: the node's
// key and properties, its TREATS and AGGRAVATES edges, and the content hash of all of them
// and of its conflicts (a changed conflict rewrites the ingredient's edges).
type Ingredient struct {
	INCI       string
	Props      IngredientProps
	Treats     []Treats
	Aggravates []Aggravates
	Hash       string
}

// IngredientProps are the properties of a curated Ingredient node.
type IngredientProps struct {
	Name               string
	Aliases, Functions []string // never nil
	Source             string
	Comedogenic        *int64 // nil when unknown (stored as null)
}

// Treats is one TREATS edge of an ingredient.
type Treats struct {
	Concern  string
	Efficacy float64
	Evidence string
	Source   string
}

// Aggravates is one AGGRAVATES edge of an ingredient: its target is a skin type, a concern
// or a sensitivity, by Kind.
type Aggravates struct {
	Kind, Target string
	Severity     float64
	Reason       string
	Source       string
}

// Conflict is one CONFLICTS_WITH edge, stored once per pair from the smaller key A to the
// larger B.
type Conflict struct {
	A, B     string
	Severity float64
	Reason   string
	Source   string
}

// Ingredients converts knowledge-base ingredients into their rows and the rows of their
// conflicts, each pair once (as the first ingredient naming it states it).
func Ingredients(ings []graph.Ingredient) (rows []Ingredient, conflicts []Conflict) {
	seenPair := map[[2]string]bool{}
	for _, ing := range ings {
		r := Ingredient{INCI: ing.INCI, Props: IngredientProps{Name: ing.Name, Aliases: NonNil(ing.Aliases),
			Functions: NonNil(ing.Functions), Source: ing.Source}}
		if ing.Comedogenic != nil {
			c := int64(*ing.Comedogenic)
			r.Props.Comedogenic = &c
		}
		r.Treats = make([]Treats, 0, len(ing.Treats))
		for _, t := range ing.Treats {
			r.Treats = append(r.Treats, Treats{Concern: t.Concern, Efficacy: t.Efficacy, Evidence: t.Evidence, Source: t.Source})
		}
		r.Aggravates = make([]Aggravates, 0, len(ing.Aggravates))
		for _, a := range ing.Aggravates {
			r.Aggravates = append(r.Aggravates, Aggravates{Kind: a.Kind, Target: a.Target, Severity: a.Severity, Reason: a.Reason, Source: a.Source})
		}
		var conf []any // as hashed: [other INCI, severity, reason] per conflict, null when none
		for _, c := range ing.Conflicts {
			a, b := ing.INCI, c.INCI
			if b < a {
				a, b = b, a
			}
			conf = append(conf, []any{c.INCI, c.Severity, c.Reason})
			if seenPair[[2]string{a, b}] {
				continue
			}
			seenPair[[2]string{a, b}] = true
			conflicts = append(conflicts, Conflict{A: a, B: b, Severity: c.Severity, Reason: c.Reason, Source: c.Source})
		}
		// Conflicts are part of the hash: a changed conflict re-writes the ingredient's edges.
		r.Hash = Hash([]any{r.content(), conf})
		rows = append(rows, r)
	}
	return rows, conflicts
}

// Param is the node's properties as the driver stores them.
func (p IngredientProps) Param() map[string]any {
	m := map[string]any{
		"name":        p.Name,
		"aliases":     p.Aliases,
		"functions":   p.Functions,
		"source":      p.Source,
		"curated":     true,
		"comedogenic": nil,
	}
	if p.Comedogenic != nil {
		m["comedogenic"] = *p.Comedogenic
	}
	return m
}

// Param is the TREATS edge as the upsert statement reads it.
func (t Treats) Param() map[string]any {
	return map[string]any{"concern": t.Concern, "efficacy": t.Efficacy, "evidence": t.Evidence, "source": t.Source}
}

// Param is the AGGRAVATES edge as the upsert statement reads it.
func (a Aggravates) Param() map[string]any {
	return map[string]any{"kind": a.Kind, "target": a.Target, "severity": a.Severity, "reason": a.Reason, "source": a.Source}
}

// Param is the conflict as the statement merging conflicts reads it.
func (c Conflict) Param() map[string]any {
	return map[string]any{"a": c.A, "b": c.B, "severity": c.Severity, "reason": c.Reason, "source": c.Source}
}

// content is the row as the statements get it, without the hash (which is computed from it).
func (r Ingredient) content() map[string]any {
	treats := make([]any, len(r.Treats))
	for i, t := range r.Treats {
		treats[i] = t.Param()
	}
	aggr := make([]any, len(r.Aggravates))
	for i, a := range r.Aggravates {
		aggr[i] = a.Param()
	}
	return map[string]any{"inci": r.INCI, "props": r.Props.Param(), "treats": treats, "aggravates": aggr}
}

// Param is the row as the ingredient upsert statement reads it.
func (r Ingredient) Param() map[string]any {
	m := r.content()
	m["hash"] = r.Hash
	return m
}
