package api

import (
	"bytes"
	"encoding/binary"
	"hash/crc32"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/dgraph-io/ristretto/v2"
	"github.com/klauspost/compress/flate"
)

// pageCache keeps the encoded JSON of recommendation pages, so that a page the engine
// answers from its result cache is not encoded again: encoding a page with its explanations
// took about two thirds of the server's time on cached requests (docs/PERFORMANCE.md). A page
// is a pure function of its key (data version, canonical request, offset, explain level,
// fields, degraded), so an entry never goes stale; entries of old data versions age out.
type pageCache struct {
	c            *ristretto.Cache[string, *page]
	hits, misses atomic.Uint64 // lookups, for /v1/status and /metrics
}

// page is one encoded recommendation page without its generated_at, the one field that
// changes on every answer and is added per answer. Plain answers put it in front
// (`{"generated_at":"…",` and the body after its opening brace): the small head joins the
// response headers in the connection's buffer, and the body goes out in as few writes as its
// size allows. Gzipped answers put it at the end, so the compressed body can be kept: the gzip
// form (made once, on the first request that accepts it; compressing a 20 KB page took ten
// times as long as answering it from the cache) is the compressed body without its closing
// brace, and each answer appends `,"generated_at":"…"}` as a final stored block (gzipTail).
//
// The first gzip form is made fast (level 2, for a page that may be asked only once); when the
// page is asked again from the cache, it is compressed again at the best level in the
// background and swapped in (a Sephora page of 160 KB: 9.8 KB at level 2, 6.1 KB at level 9),
// so the pages asked often go out smallest.
type page struct {
	body []byte // the encoded JSON object

	gzipOnce sync.Once
	gz       atomic.Pointer[gzipForm]
}

// gzipForm is a page's gzip prefix: the gzip header and the deflate stream of the body
// without its "}", sync-flushed (byte-aligned, not final).
type gzipForm struct {
	prefix []byte
	crc    uint32 // CRC-32 of the body without its "}"
	best   bool   // compressed at bestCompression
}

func newPage(body []byte) *page { return &page{body: body} }

// open is the body without its closing brace, the start of the gzipped form.
func (p *page) open() []byte { return p.body[:len(p.body)-1] }

// gzipped returns the page's gzip form, making the fast one on the first call.
func (p *page) gzipped() *gzipForm {
	p.gzipOnce.Do(func() { p.gz.Store(p.compress(fastWriters)) })
	return p.gz.Load()
}

// improve compresses the page again at the best level, in the background, when its gzip form
// is the fast one. One page is recompressed at a time; a page skipped because another one was
// being recompressed is taken at its next hit.
func (p *page) improve() {
	if f := p.gz.Load(); f == nil || f.best {
		return
	}
	select {
	case recompressing <- struct{}{}:
	default:
		return
	}
	go func() {
		defer func() { <-recompressing }()
		if f := p.gz.Load(); f != nil && !f.best {
			p.gz.Store(p.compress(bestWriters))
		}
	}()
}

var recompressing = make(chan struct{}, 1)

func (p *page) compress(writers *sync.Pool) *gzipForm {
	var buf bytes.Buffer
	buf.Grow(len(p.body)/4 + 64)
	// RFC 1952 member header: magic, deflate, no flags, no mtime, no extra flags, OS unknown.
	buf.Write([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 255})
	fw := writers.Get().(*flate.Writer)
	fw.Reset(&buf)
	_, _ = fw.Write(p.open()) // a bytes.Buffer does not fail
	_ = fw.Flush()            // sync flush: byte-aligned, not final
	writers.Put(fw)
	return &gzipForm{prefix: buf.Bytes(), crc: crc32.ChecksumIEEE(p.open()), best: writers == bestWriters}
}

// fastCompression is klauspost's level 2: on a page with full explanations it took a third of
// the time of the default level (58 against 178 us for 68 KB) for a body 2% larger.
// bestCompression is spent once on the pages asked again. Writers are pooled: making one
// costs ten times as much as compressing a page with it.
const (
	fastCompression = 2
	bestCompression = flate.BestCompression
)

var (
	fastWriters = writerPool(fastCompression)
	bestWriters = writerPool(bestCompression)
)

func writerPool(level int) *sync.Pool {
	return &sync.Pool{New: func() any {
		fw, _ := flate.NewWriter(nil, level) // only fails for a bad level
		return fw
	}}
}

// gzipTail ends a gzip stream started by gzipped: tail as one final stored deflate block,
// then the CRC-32 and length of the whole uncompressed body (open() + tail).
func (p *page) gzipTail(dst, tail []byte, crc uint32) []byte {
	n := len(tail) // under 100 bytes, far below a stored block's 65,535
	dst = append(dst, 1, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
	dst = append(dst, tail...)
	dst = binary.LittleEndian.AppendUint32(dst, crc32.Update(crc, crc32.IEEETable, tail))
	return binary.LittleEndian.AppendUint32(dst, uint32(len(p.open())+len(tail)))
}

// newPageCache returns a cache bounded to maxBytes of encoded pages.
func newPageCache(maxBytes int64) *pageCache {
	c, err := ristretto.NewCache(&ristretto.Config[string, *page]{
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

func (p *pageCache) get(k string) (*page, bool) {
	pg, ok := p.c.Get(k)
	if ok {
		p.hits.Add(1)
	} else {
		p.misses.Add(1)
	}
	return pg, ok
}

// counts returns the lookups that found a page and those that did not.
func (p *pageCache) counts() (hits, misses uint64) { return p.hits.Load(), p.misses.Load() }

// set keeps pg; its cost is the JSON, a quarter more for the gzip form it may gain (a sixth of
// the JSON on Sephora pages) and the key.
func (p *pageCache) set(k string, pg *page) {
	p.c.Set(k, pg, int64(len(pg.body))+int64(len(pg.body))/4+int64(len(k))+128)
}

// acceptsGzip reports whether an Accept-Encoding header accepts gzip: listed by name with a
// q-value above zero, or, when not named, through "*" (RFC 9110, section 12.5.3).
func acceptsGzip(header string) bool {
	gzipQ, starQ := -1.0, -1.0
	for header != "" {
		var item string
		item, header, _ = strings.Cut(header, ",")
		coding, params, _ := strings.Cut(item, ";")
		coding = strings.TrimSpace(coding)
		q := 1.0
		for params != "" {
			var param string
			param, params, _ = strings.Cut(params, ";")
			name, value, _ := strings.Cut(strings.TrimSpace(param), "=")
			if strings.EqualFold(strings.TrimSpace(name), "q") {
				v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
				if err != nil {
					v = 0
				}
				q = v
			}
		}
		switch {
		case strings.EqualFold(coding, "gzip"):
			gzipQ = q
		case coding == "*":
			starQ = q
		}
	}
	if gzipQ >= 0 {
		return gzipQ > 0
	}
	return starQ > 0
}
