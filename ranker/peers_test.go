package ranker

import (
	"context"
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"

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
		pl := compile(p, nil, r.params, req, buf, r.ingredientsFor(p))
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

// TestIngredientBuffersStayClean: pooled ingredient arrays are zero again after every request
// (compile writes only the entries of ingredients with edges, putBuffers clears those), and
// ranking with the per-projection ingredient index gives what a scan of every ingredient
// gives.
func TestIngredientBuffersStayClean(t *testing.T) {
	p := syntheticProjection(t, 2000, 9)
	r, err := New(DefaultParams())
	if err != nil {
		t.Fatal(err)
	}
	reqs := []Request{
		{Profile: Profile{SkinType: "dry", Concerns: []string{"aging", "dryness"}, Sensitivities: []string{"fragrance"}}, Limit: 20, Explain: ExplainFull},
		{Profile: Profile{SkinType: "oily", Concerns: []string{"acne"}}, Limit: 20, Explain: ExplainSummary},
	}
	for _, req := range reqs {
		if err := req.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, idx := range []*ingIndex{r.ingredientsFor(p), nil} {
			buf := getBuffers(len(p.Products), len(p.Ingredients))
			pl := compile(p, nil, r.params, req, buf, idx)
			if len(pl.treating) == 0 || len(pl.aggravating) == 0 {
				t.Fatalf("request %+v: nothing treats or aggravates", req.Profile)
			}
			putBuffers(buf)
			for i := range buf.ingFit[:cap(buf.ingFit)] {
				if buf.ingFit[:cap(buf.ingFit)][i] != 0 || buf.ingHarm[:cap(buf.ingHarm)][i] != 0 {
					t.Fatalf("ingredient %d left dirty (index %v)", i, idx != nil)
				}
			}
		}
		got, err := r.Rank(context.Background(), p, nil, req)
		if err != nil {
			t.Fatal(err)
		}
		r2, _ := New(DefaultParams())
		r2.ingCache.Store(&ingIndex{proj: nil}) // never p's: compile scans every ingredient
		want, err := r2.Rank(context.Background(), p, nil, req)
		if err != nil {
			t.Fatal(err)
		}
		got.Elapsed, want.Elapsed = 0, 0
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("ranking with the index differs (-scan +index):\n%s", d)
		}
	}
}
