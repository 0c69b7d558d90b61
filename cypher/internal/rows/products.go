package rows

import "github.com/skingraph/skingraph/graph"

// Product is one product as the load statements write it: its key, node properties,
// CONTAINS rows, claims and suitable skin types, and the content hash of all of them.
type Product struct {
	ID       string
	Props    ProductProps
	Contains []Contains // one per INCI key, in label order
	Claims   []string   // sorted
	Suits    []string   // sorted
	Hash     string
}

// ProductProps are the properties of a Product node that a load writes.
type ProductProps struct {
	Name, Brand, Category, Subcategory string
	Price                              float64
	InStock                            bool
	Size                               string
	Rating                             float64
	ReviewCount                        int64
	Highlights                         []string // never nil
	IngredientsText                    string
}

// Contains is one ingredient of a product's label: a CONTAINS edge.
type Contains struct {
	INCI, Name    string
	Position      int64
	Concentration string
	MayContain    bool
	List          string
}

// ToProduct converts a product; a kit lists an ingredient in several lists: its first
// position is kept.
func ToProduct(p graph.Product) Product {
	r := Product{
		ID: p.ID,
		Props: ProductProps{Name: p.Name, Brand: p.Brand, Category: p.Category, Subcategory: p.Subcategory,
			Price: p.Price, InStock: !p.OutOfStock, Size: p.Size, Rating: p.Rating, ReviewCount: int64(p.ReviewCount),
			Highlights: NonNil(p.Highlights), IngredientsText: p.IngredientsText},
		Claims: SortedCopy(p.Claims), Suits: SortedCopy(p.Suits),
	}
	seen := map[string]bool{}
	for _, in := range p.Ingredients {
		if in.INCI == "" || seen[in.INCI] {
			continue
		}
		seen[in.INCI] = true
		r.Contains = append(r.Contains, Contains{INCI: in.INCI, Name: in.Name, Position: int64(in.Position),
			Concentration: in.Concentration, MayContain: in.MayContain, List: in.List})
	}
	r.Hash = Hash(r.content())
	return r
}

// ToProducts converts products.
func ToProducts(products []graph.Product) []Product {
	rows := make([]Product, len(products))
	for i, p := range products {
		rows[i] = ToProduct(p)
	}
	return rows
}

// Param is the node's properties as the driver stores them.
func (p ProductProps) Param() map[string]any {
	return map[string]any{
		"name": p.Name, "brand": p.Brand, "category": p.Category, "subcategory": p.Subcategory,
		"price": p.Price, "in_stock": p.InStock, "size": p.Size, "rating": p.Rating, "review_count": p.ReviewCount,
		"highlights": p.Highlights, "ingredients_text": p.IngredientsText,
	}
}

// Param is the CONTAINS row as the product upsert statement reads it.
func (c Contains) Param() map[string]any {
	return map[string]any{
		"inci": c.INCI, "name": c.Name, "position": c.Position,
		"concentration": c.Concentration, "may_contain": c.MayContain, "list": c.List,
	}
}

// EdgeProps are the properties of the CONTAINS edge itself (its ingredient is matched apart).
func (c Contains) EdgeProps() map[string]any {
	return map[string]any{
		"position": c.Position, "concentration": c.Concentration, "may_contain": c.MayContain,
		"list": c.List, "label": c.Name,
	}
}

// content is the row as the statements get it, without the hash (which is computed from it).
func (r Product) content() map[string]any {
	ings := make([]any, len(r.Contains))
	for i, c := range r.Contains {
		ings[i] = c.Param()
	}
	return map[string]any{"id": r.ID, "props": r.Props.Param(), "ingredients": ings, "claims": r.Claims, "suits": r.Suits}
}

// Param is the row as the product upsert statement reads it.
func (r Product) Param() map[string]any {
	m := r.content()
	m["hash"] = r.Hash
	return m
}
