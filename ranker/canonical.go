package ranker

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// Canonical returns the request with every list sorted and deduplicated and names trimmed, so
// that requests that mean the same thing compare (and cache) equal.
func Canonical(req Request) Request {
	c := req
	set := func(s []string) []string {
		out := make([]string, 0, len(s))
		for _, v := range s {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
		slices.Sort(out)
		return slices.Compact(out)
	}
	p := &c.Profile
	p.SkinType, p.SkinTone = strings.TrimSpace(p.SkinType), strings.TrimSpace(p.SkinTone)
	p.Concerns = set(p.Concerns)
	p.Sensitivities = set(p.Sensitivities)
	p.AvoidIngredients = set(p.AvoidIngredients)
	p.LikedProducts = set(p.LikedProducts)
	p.DislikedProducts = set(p.DislikedProducts)
	c.Filters.Categories = set(c.Filters.Categories)
	c.Filters.Brands = set(c.Filters.Brands)
	if c.Limit == 0 {
		c.Limit = 10
	}
	return c
}

// Key is a short stable hash of the canonical form of a request (budget excluded).
func Key(req Request) string {
	c := Canonical(req)
	c.Budget = 0
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:12])
}
