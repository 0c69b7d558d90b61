package api

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
)

// productJSON is the API shape of a product with its ingredients and outcomes.
type productJSON struct {
	ID          string           `json:"id"`
	Name        string           `json:"name"`
	Brand       string           `json:"brand"`
	Category    string           `json:"category"`
	Subcategory string           `json:"subcategory,omitempty"`
	Price       float64          `json:"price"`
	Size        string           `json:"size,omitempty"`
	Rating      float64          `json:"rating"`
	ReviewCount int              `json:"review_count"`
	Highlights  []string         `json:"highlights"`
	Claims      []string         `json:"claims"`
	Suits       []string         `json:"suits"`
	Ingredients []ingredientJSON `json:"ingredients"`
	Outcomes    []outcomeJSON    `json:"outcomes"`
}

type ingredientJSON struct {
	INCI          string   `json:"inci"`
	Name          string   `json:"name"`
	Position      int      `json:"position"`
	Concentration string   `json:"concentration,omitempty"`
	MayContain    bool     `json:"may_contain,omitempty"`
	List          string   `json:"list,omitempty"`
	Functions     []string `json:"functions"`
	Comedogenic   *int     `json:"comedogenic"`
}

type outcomeJSON struct {
	Kind          string         `json:"kind"`
	Attribute     string         `json:"attribute"`
	Count         int            `json:"count"`
	MeanRating    float64        `json:"mean_rating"`
	RecommendRate float64        `json:"recommend_rate"`
	Effects       map[string]int `json:"effects"`
}

func toProductJSON(d graph.ProductDetail) productJSON {
	p := productJSON{
		ID: d.ID, Name: d.Name, Brand: d.Brand, Category: d.Category, Subcategory: d.Subcategory,
		Price: d.Price, Size: d.Size, Rating: d.Rating, ReviewCount: d.ReviewCount,
		Highlights: nonNil(d.Highlights), Claims: nonNil(d.Claims), Suits: nonNil(d.Suits),
		Ingredients: make([]ingredientJSON, 0, len(d.Ingredients)),
		Outcomes:    make([]outcomeJSON, 0, len(d.Outcomes)),
	}
	for _, in := range d.Ingredients {
		p.Ingredients = append(p.Ingredients, ingredientJSON{
			INCI: in.INCI, Name: in.Name, Position: in.Position, Concentration: in.Concentration,
			MayContain: in.MayContain, List: in.List, Functions: nonNil(in.Functions), Comedogenic: in.Comedogenic,
		})
	}
	for _, o := range d.Outcomes {
		p.Outcomes = append(p.Outcomes, outcomeJSON{
			Kind: o.Kind, Attribute: o.Attribute, Count: o.Count, MeanRating: o.MeanRating,
			RecommendRate: o.RecommendRate, Effects: o.Effects,
		})
	}
	return p
}

// product answers GET /v1/products/{id}.
func (h *handlers) product(c *gin.Context) error {
	id := strings.TrimSpace(c.Param("id"))
	if err := graph.CheckProductID(id); err != nil {
		return &Problem{Status: http.StatusBadRequest, Title: "Invalid product id",
			Errors: []FieldIssue{{Field: "id", Message: err.Error()}}}
	}
	d, err := h.d.Catalogue.Product(c.Request.Context(), id)
	if err != nil {
		return err
	}
	privateCache(c, 60)
	c.JSON(http.StatusOK, toProductJSON(d))
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
