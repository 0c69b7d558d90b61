package reviewtext

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/skingraph/skingraph/graph"
)

func TestEffects(t *testing.T) {
	tests := []struct {
		text string
		want []string
	}{
		// Breakouts, and their negations.
		{"This broke me out so badly.", []string{"breakout"}},
		{"Broke my skin out terribly", []string{"breakout"}},
		{"Made me breakout on my chin", []string{"breakout"}},
		{"Gave me tiny bumps all over my forehead", []string{"breakout"}},
		{"Clogged my pores within a week.", []string{"breakout"}},
		{"It caused whiteheads and pimples.", []string{"breakout"}},
		{"It didn't break me out at all.", nil},
		{"It doesn’t break me out.", nil},
		{"Never broke out once.", nil},
		{"I haven't had a single breakout.", nil},
		{"Finally a cleanser that doesn't clog my pores or make me break out.", nil},
		{"No redness, irritation or breakouts.", nil},
		{"Breakout-free for a month.", nil},
		{"I was worried it would break me out, but it didn't.", nil},
		// Concerns and fears are not outcomes.
		{"I'm prone to breakouts and this is great.", nil},
		{"Great for redness.", nil},
		{"Not sure why, but I broke out.", []string{"breakout"}},
		// Reductions are improvements.
		{"Fewer breakouts since I started.", []string{"improved"}},
		{"My breakouts are gone!", []string{"improved"}},
		{"I don't break out anymore.", []string{"improved"}},
		{"I no longer break out.", []string{"improved"}},
		{"Helped clear my pimples.", []string{"improved"}},
		{"It calmed my redness.", []string{"improved"}},
		{"It didn't help my breakouts.", []string{"no-change"}},
		// Irritation.
		{"Burned my face.", []string{"irritation"}},
		{"It stings a little.", []string{"irritation"}},
		{"My skin got itchy and red.", []string{"irritation"}},
		{"I got a rash on my cheeks.", []string{"irritation"}},
		{"I had an allergic reaction.", []string{"irritation"}},
		{"No irritation whatsoever.", nil},
		{"Non-irritating formula.", nil},
		{"Irritation-free and gentle.", nil},
		{"It doesn't tingle or sting.", nil},
		{"Doesn't strip my skin or irritate it.", nil},
		// Purging.
		{"My skin purged for two weeks, then cleared up.", []string{"improved", "purging"}},
		{"No purging at all.", nil},
		// Hydration.
		{"So hydrating!", []string{"hydration"}},
		{"My skin feels moisturized all day.", []string{"hydration"}},
		{"Plump and dewy skin in the morning.", []string{"hydration"}},
		{"My skin is no longer dry.", []string{"hydration"}},
		{"Not moisturizing enough for my dry skin.", nil},
		{"I use this moisturizer every morning.", nil},
		{"Not only is it hydrating, it smells great.", []string{"hydration"}},
		// Improvement and no change.
		{"My dark spots faded.", []string{"improved"}},
		{"Skin is smoother and brighter.", []string{"improved"}},
		{"I saw a huge difference.", []string{"improved"}},
		{"My skin has never been clearer", []string{"improved"}},
		{"This seems to improve my texture.", []string{"improved"}},
		{"I'm hoping to see results.", nil},
		{"I can't wait to see results!", nil},
		{"I didn't notice any difference.", []string{"no-change"}},
		{"No difference at all.", []string{"no-change"}},
		{"Didn't do anything for me.", []string{"no-change"}},
		{"It did nothing.", []string{"no-change"}},
		{"Nothing changed after a month.", []string{"no-change"}},
		{"It just didn't work.", []string{"no-change"}},
		{"No results after six weeks.", []string{"no-change"}},
		{"I saw no visible change.", []string{"no-change"}},
		// Several effects, and none.
		{"Very hydrating, but it broke me out and burned.", []string{"breakout", "hydration", "irritation"}},
		{"I love the packaging.", nil},
		{"", nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Effects(tt.text)); diff != "" {
			t.Errorf("Effects(%q) (-want +got):\n%s", tt.text, diff)
		}
	}
	// Every name is a canonical effect.
	for _, name := range effectNames {
		if c, ok := graph.Effects.Canonical(name); !ok || c != name {
			t.Errorf("effect %q is not a canonical graph.Effects name", name)
		}
	}
}
