package ranker

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/skingraph/skingraph/graph"
)

// explain lists the paths behind product x's score, family by family in the order the score
// sums them, each with the contribution it adds. Paths that contribute exactly 0 are left out.
// With full, every entry also carries its path, the Cypher that returns it, and evidence.
func (pl *plan) explain(x int32, full bool) []Why {
	var whys []Why
	add := func(w Why) {
		if w.Contribution == 0 {
			return
		}
		if !full {
			w.Path, w.Cypher, w.Evidence = Path{}, "", nil
		}
		whys = append(whys, w)
	}
	p := pl.proj
	prod := &p.Products[x]
	productNode := NodeRef{Label: "Product", Key: "id", Value: prod.ID, Name: prod.Name}

	if pl.concernIng != nil && pl.params.Weights.ConcernFit != 0 {
		for _, u := range p.Uses(x) {
			if u.MayContain || pl.concernIng[u.Ingredient] == 0 {
				continue
			}
			ing := &p.Ingredients[u.Ingredient]
			for _, t := range p.Treats(u.Ingredient) {
				if pl.claimMask&(1<<uint(t.Concern)) == 0 {
					continue
				}
				concern := graph.Attr{Kind: graph.AttrConcern, ID: t.Concern}.Name()
				evidence := graph.EvidenceName(t.Evidence)
				add(Why{
					Kind:         KindConcernFit,
					Contribution: pl.concernTerm(t, u.Position),
					Text: "Contains " + ing.Name + " (" + ordinal(int(u.Position)) + " ingredient), which targets " + concern +
						" - " + strings.ReplaceAll(evidence, "-", " ") + " evidence (efficacy " + fixed(t.Efficacy, 2) + ")",
					Path: Path{
						Nodes: []NodeRef{productNode, ingredientNode(ing), {Label: "Concern", Key: "name", Value: concern, Name: concern}},
						Rels: []RelRef{{Type: "CONTAINS", Forward: true, Props: map[string]any{"position": int(u.Position)}},
							{Type: "TREATS", Forward: true, Props: map[string]any{"efficacy": t.Efficacy, "evidence": evidence}}},
					},
					Cypher: "MATCH path = (x:Product {id: " + quote(prod.ID) + "})-[:CONTAINS]->(i:Ingredient {inci: " + quote(ing.INCI) +
						"})-[:TREATS]->(c:Concern {name: " + quote(concern) + "}) RETURN path",
					Evidence: map[string]any{"efficacy": t.Efficacy, "evidence": evidence, "confidence": pl.params.Evidence[evidence],
						"position": int(u.Position), "position_weight": positionWeight(u.Position), "source": t.Source},
				})
			}
		}
	}

	if pl.claimMask != 0 && pl.params.Weights.Claim != 0 {
		for _, c := range prod.Claims {
			if pl.claimMask&(1<<uint(c)) == 0 {
				continue
			}
			concern := graph.Attr{Kind: graph.AttrConcern, ID: c}.Name()
			add(Why{
				Kind: KindClaim, Contribution: pl.params.Weights.Claim,
				Text: "The brand says it targets " + concern,
				Path: Path{Nodes: []NodeRef{productNode, {Label: "Concern", Key: "name", Value: concern, Name: concern}},
					Rels: []RelRef{{Type: "CLAIMS", Forward: true}}},
				Cypher:   "MATCH path = (x:Product {id: " + quote(prod.ID) + "})-[:CLAIMS]->(c:Concern {name: " + quote(concern) + "}) RETURN path",
				Evidence: map[string]any{"claimed_by": "brand"},
			})
		}
	}

	if w := pl.params.Weights; w.PeerRating != 0 || w.PeerEffects != 0 || w.PeerVolume != 0 {
		for _, pa := range pl.peers {
			o, ok := p.Outcome(x, pa.attr)
			if !ok {
				continue
			}
			st := pl.peerTerm(o, pa.weight)
			label, name := attrLabel(pa.attr.Kind), pa.attr.Name()
			n := float64(o.Count)
			share := func(i int) float64 { return float64(o.Effects[i]) / n }
			why := Why{
				Kind: KindPeer, Contribution: st.total,
				Text: plural(int(o.Count), "reviewer") + " " + attrPhrase(pa.attr) + " rated it " + fixed(o.MeanRating, 1) +
					" on average; " + percent(share(effImproved)) + " reported improvement, " + percent(share(effBreakout)) +
					" breakouts, " + percent(share(effIrritation)) + " irritation",
				Path: Path{
					Nodes: []NodeRef{productNode, {Label: "Outcome", Key: "key", Value: prod.ID + "|" + pa.attr.Kind.String() + ":" + name},
						{Label: label, Key: "name", Value: name, Name: name}},
					Rels: []RelRef{{Type: "HAS_OUTCOME", Forward: true}, {Type: "FOR", Forward: true}},
				},
				Cypher: "MATCH path = (x:Product {id: " + quote(prod.ID) + "})-[:HAS_OUTCOME]->(o:Outcome)-[:FOR]->(a:" + label +
					" {name: " + quote(name) + "}) RETURN path",
				Evidence: map[string]any{"reviews": o.Count, "mean_rating": o.MeanRating, "recommend_rate": o.RecommendRate,
					"improved": o.Effects[effImproved], "hydration": o.Effects[effHydration], "breakout": o.Effects[effBreakout],
					"irritation": o.Effects[effIrritation], "smoothed_rating": st.rating, "catalogue_mean_rating": p.MeanRating,
					"smoothed_good_share": st.good, "smoothed_bad_share": st.bad, "attribute_weight": pa.weight},
			}
			if pl.params.Weights.PeerVolume != 0 {
				why.Evidence["volume"] = st.volume // ln(1 + reviews), only when it counts
			}
			add(why)
		}
	}

	if pl.safetyIng != nil && pl.params.Weights.Safety != 0 {
		for _, u := range p.Uses(x) {
			if pl.safetyIng[u.Ingredient] == 0 {
				continue
			}
			ing := &p.Ingredients[u.Ingredient]
			for _, a := range p.Aggravations(u.Ingredient) {
				if !containsAttr(pl.harmTargets, a.Attr) {
					continue
				}
				label, name := attrLabel(a.Attr.Kind), a.Attr.Name()
				reason := ""
				if a.Reason != "" {
					reason = ": " + a.Reason
				}
				add(Why{
					Kind: KindSafety, Contribution: pl.safetyTerm(a, u.Position),
					Text: "Contains " + ing.Name + " (" + ordinal(int(u.Position)) + " ingredient), which can aggravate " +
						attrPhrase(a.Attr) + reason + " (severity " + fixed(a.Severity, 2) + ")",
					Path: Path{
						Nodes: []NodeRef{productNode, ingredientNode(ing), {Label: label, Key: "name", Value: name, Name: name}},
						Rels: []RelRef{{Type: "CONTAINS", Forward: true, Props: map[string]any{"position": int(u.Position)}},
							{Type: "AGGRAVATES", Forward: true, Props: map[string]any{"severity": a.Severity}}},
					},
					Cypher: "MATCH path = (x:Product {id: " + quote(prod.ID) + "})-[:CONTAINS]->(i:Ingredient {inci: " + quote(ing.INCI) +
						"})-[:AGGRAVATES]->(a:" + label + " {name: " + quote(name) + "}) RETURN path",
					Evidence: map[string]any{"severity": a.Severity, "reason": a.Reason, "position": int(u.Position),
						"position_weight": positionWeight(u.Position)},
				})
			}
		}
	}

	if pl.skinType != nil && pl.adverseOn() {
		if a := pl.adverseRates(x, *pl.skinType); pl.adverseTerm(a) != 0 {
			add(pl.adverseWhy(x, *pl.skinType, a, productNode))
		}
	}

	if len(pl.liked) > 0 && pl.vecs != nil && pl.params.Weights.Affinity != 0 {
		for _, l := range pl.liked {
			add(pl.affinityWhy(x, l, productNode))
		}
	}

	if pl.params.Weights.CoReview != 0 {
		pl.coReviewWhys(x, productNode, add)
	}
	pl.itemItemWhys(x, productNode, add)

	if pl.params.Weights.Prior != 0 {
		shrunk, pop := pl.priorParts(x)
		add(Why{
			Kind: KindPrior, Contribution: pl.population * pl.prior(x),
			Text: "Rated " + fixed(prod.Rating, 1) + " from " + plural(prod.ReviewCount, "review") + " overall (" + fixed(shrunk, 2) +
				" after shrinking towards the catalogue mean " + fixed(p.MeanRating, 2) + ")",
			Path:     Path{Nodes: []NodeRef{productNode}},
			Cypher:   "MATCH path = (x:Product {id: " + quote(prod.ID) + "}) RETURN path",
			Evidence: map[string]any{"rating": prod.Rating, "review_count": prod.ReviewCount, "shrunk_rating": shrunk, "popularity": pop},
		})
	}
	if (pl.params.Weights.Recent != 0 || pl.params.Weights.RecentLinear != 0) && pl.priors != nil && len(pl.recentAges(x)) > 0 {
		add(pl.recentWhy(x, productNode))
	}
	pl.recencyWhys(x, productNode, add)
	pl.trendWhy(x, productNode, add)
	return whys
}

// affinityWhy explains the similarity of x to one liked product through the ingredient they
// share highest on both labels.
func (pl *plan) affinityWhy(x, liked int32, productNode NodeRef) Why {
	p := pl.proj
	lp := &p.Products[liked]
	likedNode := NodeRef{Label: "Product", Key: "id", Value: lp.ID, Name: lp.Name}
	sim := cosine(pl.vecs.Product(x), pl.vecs.Product(liked))
	best, bestRank := int32(-1), math.MaxInt
	posInLiked := map[int32]int16{}
	for _, u := range p.Uses(liked) {
		posInLiked[u.Ingredient] = u.Position
	}
	shared := 0
	for _, u := range p.Uses(x) {
		if lpos, ok := posInLiked[u.Ingredient]; ok {
			shared++
			if r := int(max(u.Position, lpos)); r < bestRank || (r == bestRank && u.Ingredient < best) {
				best, bestRank = u.Ingredient, r
			}
		}
	}
	w := Why{Kind: KindAffinity, Contribution: pl.affinityTerm(x, liked),
		Evidence: map[string]any{"liked_product": lp.ID, "cosine": sim, "shared_ingredients": shared}}
	if best < 0 {
		w.Text = fmt.Sprintf("Close to %s, which you liked (embedding similarity %.2f)", lp.Name, sim)
		w.Path = Path{Nodes: []NodeRef{likedNode, productNode}}
		w.Cypher = fmt.Sprintf("MATCH (l:Product {id: %s}), (x:Product {id: %s}) RETURN [l, x] AS path", quote(lp.ID), quote(p.Products[x].ID))
		return w
	}
	ing := &p.Ingredients[best]
	w.Text = fmt.Sprintf("Close to %s, which you liked (embedding similarity %.2f); %s in common, e.g. %s",
		lp.Name, sim, plural(shared, "ingredient"), ing.Name)
	w.Path = Path{Nodes: []NodeRef{likedNode, ingredientNode(ing), productNode},
		Rels: []RelRef{{Type: "CONTAINS", Forward: true}, {Type: "CONTAINS", Forward: false}}}
	w.Cypher = fmt.Sprintf("MATCH path = (l:Product {id: %s})-[:CONTAINS]->(i:Ingredient {inci: %s})<-[:CONTAINS]-(x:Product {id: %s}) RETURN path",
		quote(lp.ID), quote(ing.INCI), quote(p.Products[x].ID))
	return w
}

func ingredientNode(ing *graph.ProjectedIngredient) NodeRef {
	return NodeRef{Label: "Ingredient", Key: "inci", Value: ing.INCI, Name: ing.Name}
}

// attrLabel is the Neo4j label of an attribute kind.
func attrLabel(k graph.AttrKind) string {
	switch k {
	case graph.AttrSkinType:
		return "SkinType"
	case graph.AttrSkinTone:
		return "SkinTone"
	case graph.AttrConcern:
		return "Concern"
	default:
		return "Sensitivity"
	}
}

// attrPhrase names an attribute in a sentence: "with oily skin", "with a medium skin tone".
func attrPhrase(a graph.Attr) string {
	switch a.Kind {
	case graph.AttrSkinType:
		return "with " + a.Name() + " skin"
	case graph.AttrSkinTone:
		return "with a " + a.Name() + " skin tone"
	case graph.AttrConcern:
		return "concerned with " + a.Name()
	default:
		return "sensitive to " + a.Name()
	}
}

func ordinal(n int) string {
	suffix := "th"
	if n%100 < 11 || n%100 > 13 {
		switch n % 10 {
		case 1:
			suffix = "st"
		case 2:
			suffix = "nd"
		case 3:
			suffix = "rd"
		}
	}
	return strconv.Itoa(n) + suffix
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// fixed formats x with n decimals, as %.nf does, without fmt's reflection and allocations.
func fixed(x float64, n int) string { return strconv.FormatFloat(x, 'f', n, 64) }

func percent(x float64) string { return strconv.Itoa(int(math.Round(x*100))) + "%" }

// quote writes s as a Cypher string literal.
func quote(s string) string {
	plain := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '\\' || c == '\'' {
			plain = false
			break
		}
	}
	if plain && utf8.ValidString(s) { // nearly every id and name: one allocation
		return "'" + s + "'"
	}
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '\'':
			b.WriteString(`\'`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('\'')
	return b.String()
}
