package loader

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// ReadProductUpload reads products uploaded by a merchandiser: format "csv" takes the
// products CSV format, "json" a JSON array of product records or JSON Lines (rows are
// numbered from 1 either way), "" sniffs JSON.
// Each record is the products-file format of datasets/README.md, validated as ReadProducts
// does: every bad row is named in a *graph.ValidationError.
func ReadProductUpload(r io.Reader, file, format string, norm *inci.Normalizer) ([]graph.Product, error) {
	switch format {
	case "", "json", "jsonl":
	case "csv":
		return readProductsCSV(r, file, norm)
	default:
		return nil, fmt.Errorf("loader: %s: %w", file, &graph.FieldError{File: file, Field: "format",
			Message: fmt.Sprintf("products are uploaded as CSV or JSON (an array or JSON Lines), not %s", format)})
	}
	br := bufio.NewReader(r)
	if first, err := firstByte(br); err == nil && first == '[' {
		lines, err := arrayToLines(br, file)
		if err != nil {
			return nil, err
		}
		return ReadProducts(lines, file, norm)
	}
	return ReadProducts(br, file, norm)
}

// firstByte peeks at the first byte that is not white space or a byte-order mark.
func firstByte(br *bufio.Reader) (byte, error) {
	for i := 1; ; i++ {
		b, err := br.Peek(i)
		if err != nil {
			return 0, err
		}
		c := b[i-1]
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xef || c == 0xbb || c == 0xbf {
			continue
		}
		return c, nil
	}
}

// arrayToLines rewrites a JSON array as JSON Lines, one element a line, so that an element's
// row number is its position in the array.
func arrayToLines(r io.Reader, file string) (io.Reader, error) {
	dec := json.NewDecoder(r)
	if _, err := dec.Token(); err != nil {
		return nil, invalidJSON(file, 1, err)
	}
	var out bytes.Buffer
	for n := 1; dec.More(); n++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, invalidJSON(file, n, err)
		}
		if err := json.Compact(&out, raw); err != nil {
			return nil, invalidJSON(file, n, err)
		}
		out.WriteByte('\n')
	}
	if _, err := dec.Token(); err != nil {
		return nil, invalidJSON(file, 0, err)
	}
	return &out, nil
}

func invalidJSON(file string, row int, err error) error {
	verr := &graph.ValidationError{File: file}
	verr.Add(row, "", "not valid JSON: "+err.Error())
	return verr.Err()
}
