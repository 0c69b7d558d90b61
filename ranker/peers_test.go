package ranker

import (
	"math"
	"testing"

	"github.com/skingraph/skingraph/graph"
)

// TestPeerListsMatchPeerTerms: the per-projection peer lists give, once scaled by the
// request, exactly (to the bit) the contribution peerTerm computes per outcome, for cold-start
// and history requests (whose weights and population differ), so scores still equal the sum
// of their explained reasons.
func TestPeerListsMatchPeerTerms(t *testing.T) {
	p := syntheticProjection(t, 3000, 5)
	r, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	for _, liked := range [][]string{nil, {"prod-0000007"}} {
		req := Request{Profile: Profile{SkinType: "oily", SkinTone: "medium", Concerns: []string{"acne", "aging"}, LikedProducts: liked}, Limit: 10}
		buf := getBuffers(len(p.Products), len(p.Ingredients))
		pl := compile(p, nil, r.params, req, buf)
		pl.priors = r.priorsFor(pl)
		checked := 0
		for _, pa := range pl.peers {
			refs := p.OutcomesFor(pa.attr)
			l := pl.priors.peerList(pa.attr)
			if len(refs) == 0 {
				if l != nil {
					t.Errorf("%v: a list without outcomes", pa.attr)
				}
				continue
			}
			if l == nil || len(l.products) != len(refs) {
				t.Fatalf("%v: list %v for %d outcomes", pa.attr, l, len(refs))
			}
			scale := pl.population * pa.weight
			for k, ref := range refs {
				want := pl.peerTerm(*ref.Stats, pa.weight).total
				if got := scale * l.base[k]; l.products[k] != ref.Product || got != want {
					t.Fatalf("%v outcome %d: product %d, term %v; want product %d, term %v", pa.attr, k, l.products[k], got, ref.Product, want)
				}
				checked++
			}
		}
		putBuffers(buf)
		if checked == 0 || (liked != nil) != pl.history {
			t.Errorf("liked %v: %d terms checked, history %v", liked, checked, pl.history)
		}
	}
	if _, ok := graph.AttrOf(graph.AttrSkinTone, "medium"); !ok {
		t.Fatal("the test's skin tone is not in the vocabulary")
	}
}

// TestPositionWeightTable: the table gives what the formula gives, to the bit.
func TestPositionWeightTable(t *testing.T) {
	for pos := int16(-3); pos < 400; pos++ {
		want := 1 / math.Sqrt(float64(max(pos, 1)))
		if got := positionWeight(pos); got != want {
			t.Fatalf("positionWeight(%d) = %v, want %v", pos, got, want)
		}
	}
}
