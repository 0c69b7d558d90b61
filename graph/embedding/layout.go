package embedding

import "github.com/skingraph/skingraph/graph"

// attrKinds lists the skin attribute kinds in row order.
var attrKinds = [...]graph.AttrKind{graph.AttrSkinType, graph.AttrSkinTone, graph.AttrConcern, graph.AttrSensitivity}

// attrIndex maps an attribute kind to the index of its first attribute among all attributes;
// attrCount is the number of attributes of all kinds.
var attrIndex, attrCount = func() (idx [graph.AttrSensitivity + 1]int, n int) {
	for _, k := range attrKinds {
		idx[k] = n
		n += len(k.Vocabulary().Names())
	}
	return idx, n
}()

// layout numbers the rows of the embedding matrix: the products (by dense id), then the
// ingredients, then the favourable node of every attribute, then the adverse node of every
// attribute.
type layout struct {
	products, ingredients int
}

func newLayout(p *graph.Projection) layout {
	return layout{products: len(p.Products), ingredients: len(p.Ingredients)}
}

// rows returns the number of rows.
func (l layout) rows() int { return l.products + l.ingredients + 2*attrCount }

// ingredient returns the row of ingredient i.
func (l layout) ingredient(i int32) int { return l.products + int(i) }

// firstAttr returns the first attribute row; every row from there on is an attribute node.
func (l layout) firstAttr() int { return l.products + l.ingredients }

// attr returns the row of the favourable or adverse node of a, or -1 when a is not an
// attribute of a known kind.
func (l layout) attr(a graph.Attr, adverse bool) int {
	if a.Kind < graph.AttrSkinType || a.Kind > graph.AttrSensitivity || a.ID < 0 {
		return -1
	}
	i := attrIndex[a.Kind] + int(a.ID)
	if next := attrEnd(a.Kind); i >= next {
		return -1
	}
	if adverse {
		i += attrCount
	}
	return l.firstAttr() + i
}

// attrEnd returns the index after the last attribute of kind k.
func attrEnd(k graph.AttrKind) int {
	if k == graph.AttrSensitivity {
		return attrCount
	}
	return attrIndex[k+1]
}
