package api

import (
	"net/http"
	"strings"

	"github.com/klauspost/compress/gzhttp"
)

// compressMinSize is the smallest body worth compressing; smaller ones go out as they are.
const compressMinSize = 1024

// gzipETagSuffix marks the ETag of a gzipped body ("v1-…" becomes "v1-…-gzip"); etagMatches
// accepts either form, as the representations differ only in their coding.
const gzipETagSuffix = "-gzip"

// compress gzips responses for clients that send Accept-Encoding: gzip, from
// compressMinSize bytes on, except event streams (text/event-stream must reach the client as
// each event is flushed) and already compressed media.
func compress(h http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(
		gzhttp.MinSize(compressMinSize),
		gzhttp.EnableZstd(false),
		gzhttp.SuffixETag(gzipETagSuffix), // a compressed body is another representation
		gzhttp.ContentTypeFilter(func(ct string) bool {
			return !strings.HasPrefix(strings.ToLower(strings.TrimSpace(ct)), "text/event-stream") &&
				gzhttp.DefaultContentTypeFilter(ct)
		}),
	)
	if err != nil { // the options above are constants; an error is a programming error
		panic("api: gzip middleware: " + err.Error())
	}
	return wrap(h)
}
