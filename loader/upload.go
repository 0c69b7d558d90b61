package loader

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// ReadProductUpload reads products uploaded by a merchandiser: format "csv" takes the
// products CSV format, "json" a JSON array of product records or JSON Lines (rows are
// numbered from 1 either way), "" sniffs JSON.
// Each record is the products-file format of datasets/README.md, validated as ReadProducts
// does: every bad row is named in a *graph.ValidationError.
//
// The file is first checked against DefaultUploadLimits (CheckUpload).
func ReadProductUpload(r io.Reader, file, format string, norm *inci.Normalizer) ([]graph.Product, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("loader: %s: read: %w", file, err)
	}
	if err := CheckUpload(data, file, format, DefaultUploadLimits); err != nil {
		return nil, err
	}
	r = bytes.NewReader(data)
	switch format {
	case "", "json", "jsonl":
	case "csv":
		return ReadProductsCSV(r, file, norm)
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

// UploadLimits bound the work an uploaded file may ask for (a dry run does the same work as
// a real load, so the same bounds apply). They are checked on the raw rows before anything is
// parsed, validated or sent to Neo4j, so that a file over them costs one scan.
type UploadLimits struct {
	MaxRows             int // data rows (CSV rows, JSON array elements or JSON lines)
	MaxRowBytes         int // bytes of one row
	MaxCellBytes        int // bytes of one cell (a string value), ingredient lists aside
	MaxIngredientsBytes int // bytes of one product's ingredient text
	MaxIngredients      int // entries of one product's ingredient text
	MaxTotalIngredients int // ingredient entries of the whole file
}

// DefaultUploadLimits are well above real catalogues (the Sephora catalogue: 8,500 products
// of at most a few hundred ingredients, 2 KiB of ingredient text on average).
var DefaultUploadLimits = UploadLimits{
	MaxRows: 50_000, MaxRowBytes: 256 << 10, MaxCellBytes: 16 << 10,
	MaxIngredientsBytes: 64 << 10, MaxIngredients: 500, MaxTotalIngredients: 1_000_000,
}

// CheckUpload scans an uploaded file (format "csv", "json" or "" to sniff) against lim and
// reports every row over a bound (at most maxErrors) in a *graph.ValidationError. A file it
// cannot scan (malformed CSV or JSON) passes: the reader that follows names the error.
func CheckUpload(data []byte, file, format string, lim UploadLimits) error {
	verr := &graph.ValidationError{File: file}
	total := 0
	check := func(row int, field, value string) {
		if len(verr.Fields) >= maxErrors {
			return
		}
		if field == "ingredients" {
			n := strings.Count(value, ",") + strings.Count(value, ";") + 1
			total += n
			switch {
			case len(value) > lim.MaxIngredientsBytes:
				verr.Add(row, field, fmt.Sprintf("holds %d bytes; an ingredient list may hold at most %d", len(value), lim.MaxIngredientsBytes))
			case n > lim.MaxIngredients:
				verr.Add(row, field, fmt.Sprintf("lists about %d ingredients; a product may list at most %d", n, lim.MaxIngredients))
			}
			return
		}
		if len(value) > lim.MaxCellBytes {
			verr.Add(row, field, fmt.Sprintf("holds %d bytes; a value may hold at most %d", len(value), lim.MaxCellBytes))
		}
	}
	rows := 0
	tooMany := func(row int) bool {
		rows++
		if rows > lim.MaxRows {
			verr.Add(row, "", fmt.Sprintf("the file holds more than %d rows; split it into several uploads", lim.MaxRows))
			return true
		}
		return false
	}
	if format == "" {
		if c, err := firstByte(bufio.NewReader(bytes.NewReader(data))); err == nil && (c == '[' || c == '{') {
			format = "json"
		} else {
			format = "csv"
		}
	}
	if format == "csv" {
		cr := csv.NewReader(bytes.NewReader(data))
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		cr.ReuseRecord = true
		header, err := cr.Read()
		if err != nil {
			return nil
		}
		header = slices.Clone(header)
		for line := 2; len(verr.Fields) < maxErrors; line++ {
			rec, err := cr.Read()
			if err != nil {
				break
			}
			if tooMany(line) {
				break
			}
			for i, v := range rec {
				name := ""
				if i < len(header) {
					name = strings.TrimSpace(strings.TrimPrefix(header[i], "\ufeff"))
				}
				check(line, name, v)
			}
		}
	} else {
		each := func(row int, raw []byte) {
			if len(raw) > lim.MaxRowBytes {
				verr.Add(row, "", fmt.Sprintf("the row holds %d bytes; a row may hold at most %d", len(raw), lim.MaxRowBytes))
				return
			}
			var rec map[string]json.RawMessage
			if json.Unmarshal(raw, &rec) != nil {
				return
			}
			for k, v := range rec {
				var s string
				if json.Unmarshal(v, &s) == nil {
					check(row, k, s)
				} else if len(v) > lim.MaxCellBytes {
					check(row, k, string(v))
				}
			}
		}
		br := bufio.NewReader(bytes.NewReader(data))
		if c, err := firstByte(br); err == nil && c == '[' {
			dec := json.NewDecoder(br)
			if _, err := dec.Token(); err != nil {
				return nil
			}
			for n := 1; dec.More() && len(verr.Fields) < maxErrors; n++ {
				var raw json.RawMessage
				if dec.Decode(&raw) != nil || tooMany(n) {
					break
				}
				each(n, raw)
			}
		} else {
			for n, line := range bytes.Split(data, []byte("\n")) {
				if len(bytes.TrimSpace(line)) == 0 {
					continue
				}
				if tooMany(n+1) || len(verr.Fields) >= maxErrors {
					break
				}
				each(n+1, line)
			}
		}
	}
	if total > lim.MaxTotalIngredients && len(verr.Fields) < maxErrors {
		verr.Add(0, "ingredients", fmt.Sprintf("the file lists about %d ingredients in all; an upload may list at most %d", total, lim.MaxTotalIngredients))
	}
	return verr.Err()
}
