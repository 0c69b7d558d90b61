// Package gen writes synthetic catalogues and reviews in the project's own JSON Lines formats
// (datasets/README.md), deterministic for a seed and shaped like the public Sephora data
// (DefaultShape, datasets/GENERATOR.md). It streams: memory grows by a few bytes per product
// (popularity, quality and preferred skin type, kept to draw reviews) and one bit per
// reviewer, never with the records written.
package gen

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/skingraph/skingraph/graph"
)

// The files Generate writes into a folder.
const (
	ProductsFile = "products.jsonl"
	ReviewsFile  = "reviews.jsonl"
)

// Config says what to generate.
type Config struct {
	Products int
	Reviews  int
	Seed     uint64
	// Ingredients is the knowledge base whose ingredients labels are drawn from (their
	// display names are printed on labels).
	Ingredients []graph.Ingredient
	// Shape defaults to DefaultShape when zero.
	Shape *Shape
	// Progress, when set, is called now and then with the records written so far.
	Progress func(done int)
}

// Stats counts what Generate wrote. Relationships counts those a load creates: CONTAINS,
// CLAIMS, SUITS, REVIEWED and the reviewers' HAS edges.
type Stats struct {
	Products, Reviews, Reviewers            int
	Contains, Claims, Suits, Has            int
	Relationships                           int
	ProductBytes, ReviewBytes               int64
	IngredientEntries, KnowledgeBaseEntries int
}

// WriteDir generates into dir (created when missing) the files ProductsFile and ReviewsFile.
func WriteDir(ctx context.Context, cfg Config, dir string) (Stats, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return Stats{}, fmt.Errorf("gen: %w", err)
	}
	pf, err := os.Create(filepath.Join(dir, ProductsFile))
	if err != nil {
		return Stats{}, fmt.Errorf("gen: %w", err)
	}
	defer pf.Close()
	rf, err := os.Create(filepath.Join(dir, ReviewsFile))
	if err != nil {
		return Stats{}, fmt.Errorf("gen: %w", err)
	}
	defer rf.Close()
	st, err := Generate(ctx, cfg, pf, rf)
	if err != nil {
		return st, err
	}
	if err := pf.Close(); err != nil {
		return st, fmt.Errorf("gen: %w", err)
	}
	if err := rf.Close(); err != nil {
		return st, fmt.Errorf("gen: %w", err)
	}
	return st, nil
}

// Generate writes cfg.Products products to products and cfg.Reviews reviews to reviews, both
// in JSON Lines. The same Config writes the same bytes.
func Generate(ctx context.Context, cfg Config, products, reviews io.Writer) (Stats, error) {
	if cfg.Products <= 0 {
		return Stats{}, fmt.Errorf("gen: %w: products must be at least 1, got %d", graph.ErrInvalid, cfg.Products)
	}
	if cfg.Reviews < 0 {
		return Stats{}, fmt.Errorf("gen: %w: reviews must not be negative, got %d", graph.ErrInvalid, cfg.Reviews)
	}
	if len(cfg.Ingredients) == 0 {
		return Stats{}, fmt.Errorf("gen: %w: no knowledge-base ingredients to draw from", graph.ErrInvalid)
	}
	shape := DefaultShape
	if cfg.Shape != nil {
		shape = *cfg.Shape
	}
	g := newGenerator(cfg, shape)
	st := Stats{}
	pw := &countingWriter{w: bufio.NewWriterSize(products, 1<<20)}
	if err := g.writeProducts(ctx, pw, &st); err != nil {
		return st, err
	}
	rw := &countingWriter{w: bufio.NewWriterSize(reviews, 1<<20)}
	if err := g.writeReviews(ctx, rw, &st); err != nil {
		return st, err
	}
	for _, w := range []*countingWriter{pw, rw} {
		if err := w.w.(*bufio.Writer).Flush(); err != nil {
			return st, fmt.Errorf("gen: write: %w", err)
		}
	}
	st.ProductBytes, st.ReviewBytes = pw.n, rw.n
	st.Relationships = st.Contains + st.Claims + st.Suits + st.Reviews + st.Has
	return st, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// generator holds the drawing tables and the per-product state reviews need.
type generator struct {
	cfg   Config
	shape Shape
	water string   // the label name of water
	kb    []string // knowledge-base label names by rank, water left out
	kbCDF []float64
	tail  int // size of the tail vocabulary
	tCDF  []float64
	cats  *table
	types *table
	tones *table
	brand []string
	bCDF  []float64
	// per product
	weight  []float64 // popularity
	quality []float32
	best    []int8 // index into graph.SkinTypes.Names() of the type the product suits best
	// rating model: u = quality + fit*match + noise, standardised with uMean, uSD
	uMean, uSD float64
	ratingCut  []float64 // cumulative rating shares
}

// commonFirst orders the most frequent knowledge-base ingredients of the Sephora labels
// (ranks 2 to 15 after water, GENERATOR.md); the rest of the knowledge base follows in an
// order drawn from the seed.
var commonFirst = []string{
	"glycerin", "phenoxyethanol", "butylene glycol", "tocopherol", "citric acid",
	"sodium hyaluronate", "ethylhexylglycerin", "propanediol", "xanthan gum", "fragrance",
	"caprylyl glycol", "caprylic/capric triglyceride", "sodium benzoate", "potassium sorbate",
}

const fit = 0.6 // rating bonus, in noise standard deviations, when the reviewer's type is the product's best

func newGenerator(cfg Config, s Shape) *generator {
	g := &generator{cfg: cfg, shape: s}
	r := rand.New(rand.NewPCG(cfg.Seed, 0x5eed))
	byKey := map[string]string{}
	var rest []string
	for _, in := range cfg.Ingredients {
		byKey[in.INCI] = in.Name
		if in.INCI == "water" {
			continue
		}
		rest = append(rest, in.INCI)
	}
	g.water = byKey["water"]
	if g.water == "" {
		g.water = "Water"
	}
	sort.Strings(rest)
	r.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	seen := map[string]bool{}
	for _, k := range commonFirst {
		if n, ok := byKey[k]; ok {
			g.kb = append(g.kb, n)
			seen[k] = true
		}
	}
	for _, k := range rest {
		if !seen[k] {
			g.kb = append(g.kb, byKey[k])
		}
	}
	g.kbCDF = zipfCDF(len(g.kb), s.ZipfKB)
	g.tail = s.TailMin + int(s.TailPerProduct*float64(cfg.Products))
	if g.tail%1000003 == 0 {
		g.tail++
	}
	g.tCDF = zipfCDF(g.tail, s.ZipfTail)
	g.cats = newTable(s.Categories)
	g.types = newTable(s.SkinTypes)
	g.tones = newTable(s.SkinTones)
	nb := max(25, cfg.Products/17) // 2,420 Sephora skincare products come from about 140 brands
	g.brand = make([]string, nb)
	for i := range g.brand {
		g.brand[i] = brandName(i)
	}
	g.bCDF = zipfCDF(nb, 1.0)
	// The rating model's mean and spread: the best type is drawn with the reviewers' shares.
	stated, match := 0.0, 0.0
	for _, t := range s.SkinTypes {
		if t.Name != "" {
			stated += t.Weight
		}
	}
	total := g.types.total
	for _, t := range s.SkinTypes {
		if t.Name != "" {
			match += (t.Weight / total) * (t.Weight / stated)
		}
	}
	const qSD = 0.6
	g.uMean = fit * match
	g.uSD = math.Sqrt(qSD*qSD + fit*fit*match*(1-match) + 1)
	acc := 0.0
	sum := 0.0
	for _, x := range s.Ratings {
		sum += x
	}
	for _, x := range s.Ratings {
		acc += x / sum
		g.ratingCut = append(g.ratingCut, acc)
	}
	return g
}

// productRecord and reviewRecord are the JSON Lines records of datasets/README.md.
type productRecord struct {
	ID          string   `json:"id"`
	Name        string   `json:"name"`
	Brand       string   `json:"brand"`
	Category    string   `json:"category"`
	Subcategory string   `json:"subcategory,omitempty"`
	Price       float64  `json:"price"`
	Size        string   `json:"size,omitempty"`
	Ingredients string   `json:"ingredients"`
	Claims      []string `json:"claims,omitempty"`
	Suits       []string `json:"suits,omitempty"`
}

type reviewRecord struct {
	ID          string   `json:"id"`
	Reviewer    string   `json:"reviewer"`
	ProductID   string   `json:"product_id"`
	Rating      int      `json:"rating"`
	Recommended bool     `json:"recommended"`
	At          string   `json:"at"`
	SkinType    string   `json:"skin_type,omitempty"`
	SkinTone    string   `json:"skin_tone,omitempty"`
	Concerns    []string `json:"concerns,omitempty"`
	Effects     []string `json:"effects,omitempty"`
}

// ProductID and ReviewerID are the ids the generator gives.
func ProductID(i int) string  { return fmt.Sprintf("gen-p%07d", i+1) }
func reviewID(i int) string   { return fmt.Sprintf("gen-r%09d", i+1) }
func ReviewerID(i int) string { return fmt.Sprintf("gen-u%08d", i+1) }

const progressEvery = 50000

func (g *generator) writeProducts(ctx context.Context, w io.Writer, st *Stats) error {
	n := g.cfg.Products
	g.weight = make([]float64, n)
	g.quality = make([]float32, n)
	g.best = make([]int8, n)
	r := rand.New(rand.NewPCG(g.cfg.Seed, 1))
	types := graph.SkinTypes.Names()
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	var label []entry
	var text strings.Builder
	for i := 0; i < n; i++ {
		if i%progressEvery == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
			if g.cfg.Progress != nil && i > 0 {
				g.cfg.Progress(i)
			}
		}
		g.weight[i] = math.Exp(g.shape.LogReviewWeightSD * r.NormFloat64())
		g.quality[i] = float32(0.6 * r.NormFloat64())
		best := g.types.draw(r)
		for best == "" {
			best = g.types.draw(r)
		}
		for k, t := range types {
			if t == best {
				g.best[i] = int8(k)
			}
		}
		cat := g.cats.draw(r)
		brand := g.brand[searchCDF(g.bCDF, r.Float64())]
		p := productRecord{
			ID:          ProductID(i),
			Brand:       brand,
			Category:    cat,
			Subcategory: cat,
			Price:       math.Round(math.Exp(g.shape.LogPriceMean+g.shape.LogPriceSD*r.NormFloat64())*100) / 100,
			Size:        sizes[r.IntN(len(sizes))],
		}
		p.Name = brand + " " + adjectives[r.IntN(len(adjectives))] + " " + nouns[r.IntN(len(nouns))] + " " + categoryWord[cat]
		label = g.label(r, label[:0])
		text.Reset()
		for k, e := range label {
			if k > 0 {
				text.WriteString(", ")
			}
			text.WriteString(e.name)
			if e.kb {
				st.KnowledgeBaseEntries++
			}
		}
		p.Ingredients = text.String()
		st.Contains += len(label)
		st.IngredientEntries += len(label)
		nc := drawIndex(r, g.shape.ClaimCounts)
		concerns := graph.Concerns.Names()
		for _, k := range r.Perm(len(concerns))[:nc] {
			p.Claims = append(p.Claims, concerns[k])
		}
		sort.Strings(p.Claims)
		if r.Float64() < g.shape.SuitsShare {
			p.Suits = []string{best}
			for _, k := range r.Perm(len(types))[:1+r.IntN(3)] {
				if types[k] != best {
					p.Suits = append(p.Suits, types[k])
				}
			}
			sort.Strings(p.Suits)
		}
		st.Claims += len(p.Claims)
		st.Suits += len(p.Suits)
		if err := enc.Encode(&p); err != nil {
			return fmt.Errorf("gen: write products: %w", err)
		}
		st.Products++
	}
	return nil
}

// entry is one ingredient of a label being drawn.
type entry struct {
	name string
	kb   bool
	key  float64 // sort key: smaller comes earlier on the label
}

// label draws one product's ingredient list.
func (g *generator) label(r *rand.Rand, out []entry) []entry {
	s := g.shape
	n := int(math.Round(s.LenMean + s.LenSD*r.NormFloat64()))
	n = min(max(n, 1), s.MaxIngredients)
	water := r.Float64() < s.WaterOnLabel
	waterFirst := water && r.Float64() < s.WaterFirst/s.WaterOnLabel
	if water {
		key := math.Inf(-1)
		if !waterFirst {
			key = 1 + math.Abs(r.NormFloat64())
		}
		out = append(out, entry{name: g.water, kb: true, key: key})
	}
	used := map[int]bool{}
	for len(out) < n {
		fromKB := r.Float64() < s.KnowledgeBaseShare
		e, ok := entry{}, false
		// draw within the chosen part until an ingredient not yet on the label comes up
		for tries := 0; tries < 50 && !ok; tries++ {
			var id int
			if fromKB {
				k := searchCDF(g.kbCDF, r.Float64())
				id = k
				e = entry{name: g.kb[k], kb: true, key: math.Log1p(float64(k)) + 1.5*r.NormFloat64()}
			} else {
				k := searchCDF(g.tCDF, r.Float64())
				id = len(g.kb) + k
				e = entry{name: tailName(g.scatter(k)), key: math.Log1p(float64(len(g.kb)+k)) + 1.5*r.NormFloat64()}
			}
			ok = !used[id]
			used[id] = true
		}
		if !ok {
			break
		}
		out = append(out, e)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

func (g *generator) writeReviews(ctx context.Context, w io.Writer, st *Stats) error {
	m, n := g.cfg.Reviews, g.cfg.Products
	if m == 0 {
		return nil
	}
	reviewers := max(1, int(float64(m)/g.shape.ReviewsPerReviewer))
	seen := make([]uint64, (reviewers+63)/64)
	total := 0.0
	for _, x := range g.weight {
		total += x
	}
	r := rand.New(rand.NewPCG(g.cfg.Seed, 2))
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	types := graph.SkinTypes.Names()
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := time.Date(2023, 3, 1, 0, 0, 0, 0, time.UTC).Unix() - start
	acc, done := 0.0, 0
	for i := 0; i < n; i++ {
		acc += g.weight[i]
		// systematic allocation: the first i+1 products get round(m * cumulative share) reviews
		upto := int(math.Round(float64(m) * acc / total))
		if i == n-1 {
			upto = m
		}
		for ; done < upto; done++ {
			if done%progressEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
				if g.cfg.Progress != nil {
					g.cfg.Progress(n + done)
				}
			}
			u := r.IntN(reviewers)
			who := g.reviewer(u)
			if seen[u/64]&(1<<(u%64)) == 0 {
				seen[u/64] |= 1 << (u % 64)
				st.Reviewers++
				st.Has += len(who.concerns)
				if who.skinType != "" {
					st.Has++
				}
				if who.skinTone != "" {
					st.Has++
				}
			}
			z := float64(g.quality[i]) + r.NormFloat64() - g.uMean
			if who.skinType != "" && types[g.best[i]] == who.skinType {
				z += fit
			}
			rating := 1 + searchCDF(g.ratingCut, phi(z/g.uSD))
			rv := reviewRecord{
				ID: reviewID(done), Reviewer: ReviewerID(u), ProductID: ProductID(i), Rating: rating,
				Recommended: r.Float64() < g.shape.RecommendedGiven[rating-1],
				At:          time.Unix(start+r.Int64N(span), 0).UTC().Format(time.RFC3339),
				SkinType:    who.skinType, SkinTone: who.skinTone, Concerns: who.concerns,
			}
			for _, e := range g.shape.Effects {
				if r.Float64() < e.Weight*effectTilt(e.Name, rating) {
					rv.Effects = append(rv.Effects, e.Name)
				}
			}
			if err := enc.Encode(&rv); err != nil {
				return fmt.Errorf("gen: write reviews: %w", err)
			}
			st.Reviews++
		}
	}
	return nil
}

// effectTilt makes good effects likelier in good reviews and bad ones in bad reviews; with
// DefaultShape's rating shares each tilt averages to about 1, keeping the effect shares.
func effectTilt(effect string, rating int) float64 {
	switch effect {
	case "hydration", "improved":
		return [...]float64{0.1, 0.3, 0.7, 1.1, 1.17}[rating-1]
	case "breakout", "irritation", "no-change":
		return [...]float64{4, 3.5, 2.5, 0.8, 0.45}[rating-1]
	}
	return 1
}

type reviewer struct {
	skinType, skinTone string
	concerns           []string
}

// reviewer draws reviewer u's attributes from its own stream, so that they are the same in
// every review and need no memory.
func (g *generator) reviewer(u int) reviewer {
	r := rand.New(rand.NewPCG(g.cfg.Seed^0x9e3779b97f4a7c15, uint64(u)))
	who := reviewer{skinType: g.types.draw(r), skinTone: g.tones.draw(r)}
	k := drawIndex(r, g.shape.ReviewerConcerns)
	concerns := graph.Concerns.Names()
	for _, c := range r.Perm(len(concerns))[:k] {
		who.concerns = append(who.concerns, concerns[c])
	}
	sort.Strings(who.concerns)
	return who
}

// scatter maps tail rank k to a name index by a bijection of [0, tail), so that ranks next to
// each other do not get names next to each other ("Babaia Alba Leaf Extract", "Babaia Alba
// Seed Oil").
func (g *generator) scatter(k int) int {
	const p = 1000003 // a prime; newGenerator makes the tail size no multiple of it
	return int(uint64(k) * p % uint64(g.tail))
}

// phi is the standard normal distribution function.
func phi(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }

// table draws names by weight.
type table struct {
	names []string
	cdf   []float64
	total float64
}

func newTable(ws []Weighted) *table {
	t := &table{}
	for _, w := range ws {
		t.total += w.Weight
	}
	acc := 0.0
	for _, w := range ws {
		acc += w.Weight / t.total
		t.names = append(t.names, w.Name)
		t.cdf = append(t.cdf, acc)
	}
	return t
}

func (t *table) draw(r *rand.Rand) string { return t.names[searchCDF(t.cdf, r.Float64())] }

func drawIndex(r *rand.Rand, weights []float64) int {
	total := 0.0
	for _, w := range weights {
		total += w
	}
	x := r.Float64() * total
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// zipfCDF is the cumulative distribution of ranks 1..n with P(k) proportional to k^-s.
func zipfCDF(n int, s float64) []float64 {
	cdf := make([]float64, n)
	acc := 0.0
	for k := range n {
		acc += math.Pow(float64(k+1), -s)
		cdf[k] = acc
	}
	for k := range cdf {
		cdf[k] /= acc
	}
	return cdf
}

// searchCDF returns the first index whose cumulative share exceeds x.
func searchCDF(cdf []float64, x float64) int {
	i := sort.SearchFloat64s(cdf, x)
	if i < len(cdf) && cdf[i] == x {
		i++
	}
	return min(i, len(cdf)-1)
}
