package ranker

import "fmt"

// warn adds routine-conflict warnings to items: when an ingredient of one recommended product
// conflicts with an ingredient of another, both carry a warning naming the other.
func (pl *plan) warn(items []Item, ranked []scored) {
	p := pl.proj
	sets := make([]map[int32]bool, len(ranked))
	for k, c := range ranked {
		sets[k] = map[int32]bool{}
		for _, u := range p.Uses(c.x) {
			sets[k][u.Ingredient] = true
		}
	}
	for a := range ranked {
		for b := a + 1; b < len(ranked); b++ {
			for _, u := range p.Uses(ranked[a].x) {
				for _, c := range p.Conflicts(u.Ingredient) {
					if !sets[b][c.Other] {
						continue
					}
					ia, ib := &p.Ingredients[u.Ingredient], &p.Ingredients[c.Other]
					pa, pb := &items[a].Product, &items[b].Product
					text := func(mine, theirs string, other string) string {
						return fmt.Sprintf("%s here and %s in %s should not be used in the same routine: %s", mine, theirs, other, c.Reason)
					}
					items[a].Warnings = append(items[a].Warnings, Warning{Kind: "routine_conflict", With: pb.ID,
						Ingredients: [2]string{ia.INCI, ib.INCI}, Severity: c.Severity, Text: text(ia.Name, ib.Name, pb.Name)})
					items[b].Warnings = append(items[b].Warnings, Warning{Kind: "routine_conflict", With: pa.ID,
						Ingredients: [2]string{ib.INCI, ia.INCI}, Severity: c.Severity, Text: text(ib.Name, ia.Name, pa.Name)})
				}
			}
		}
	}
}
