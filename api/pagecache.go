package api

import (
	"strconv"
	"strings"

	"github.com/dgraph-io/ristretto/v2"
)

// pageCache keeps the encoded JSON of recommendation pages, so that a page the engine
// answers from its result cache is not encoded again: encoding a page with its explanations
// took about two thirds of the server's time on cached requests (docs/PERFORMANCE.md). A page
// is a pure function of its key (data version, canonical request, offset, explain level,
// fields, degraded), so an entry never goes stale; entries of old data versions age out.
type pageCache struct {
	c *ristretto.Cache[string, []byte]
}

// newPageCache returns a cache bounded to maxBytes of encoded pages.
func newPageCache(maxBytes int64) *pageCache {
	c, err := ristretto.NewCache(&ristretto.Config[string, []byte]{
		NumCounters: 100_000, MaxCost: maxBytes, BufferItems: 64,
	})
	if err != nil { // only for invalid constants
		panic("api: page cache: " + err.Error())
	}
	return &pageCache{c: c}
}

func pageKey(version int64, key string, offset int, explain int, fields []string, degraded bool) string {
	var b strings.Builder
	b.Grow(len(key) + 48)
	b.WriteString(strconv.FormatInt(version, 10))
	b.WriteByte(':')
	b.WriteString(key)
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(offset))
	b.WriteByte(':')
	b.WriteString(strconv.Itoa(explain))
	b.WriteByte(':')
	b.WriteString(strings.Join(fields, ","))
	if degraded {
		b.WriteString(":d")
	}
	return b.String()
}

func (p *pageCache) get(k string) ([]byte, bool) { return p.c.Get(k) }

func (p *pageCache) set(k string, body []byte) { p.c.Set(k, body, int64(len(body))+int64(len(k))+64) }
