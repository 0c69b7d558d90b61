package loader

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/skingraph/skingraph/graph"
)

// The CSV layer every importer reads through (project formats, Sephora, cosmetics.csv,
// CosIng, efficacy). It reads a header row and then data rows by column name, and turns every
// problem with the file into a graph.FieldError naming the row (the line on which the record
// starts; the header is line 1) and, where there is one, the field:
//
//   - an empty file (or one of blank lines only) and a file that is not CSV (binary bytes, a
//     JSON document, a header with none of the expected columns) are refused at row 1 or 0;
//   - missing required columns, duplicate column names and, for formats that list their
//     columns, unknown columns are named;
//   - broken quoting is reported at the record where it starts and stops the reading;
//   - a row with more or fewer fields than the header is reported;
//   - blank lines and rows whose fields are all empty are skipped (row numbers still count
//     them, so they match an editor's);
//   - encodings: UTF-8, with or without a byte-order mark, with LF or CRLF line ends. A file
//     whose first 64 KiB are not valid UTF-8 is read as Windows-1252 (cp1252) when none of
//     the five bytes that code page leaves undefined occurs in it; otherwise it is refused.
//     A cell that is not valid UTF-8 in a file that started as UTF-8, or that holds a byte
//     undefined in Windows-1252 in a file read as such, is reported with its row and field:
//     mixed encodings are never guessed at.

// sniffSize is how much of a file decides its encoding.
const sniffSize = 64 << 10

// csvFormat describes a CSV file an importer expects.
type csvFormat struct {
	what     string   // "Sephora products", names the file kind in messages
	required []string // columns that must be present
	known    []string // every column the format has; nil accepts (and ignores) any other
}

// csvRow is one data row of a CSV file, read by column name.
type csvRow struct {
	rec  []string
	cols map[string]int
}

// get returns the value of a column, "" when the file has no such column.
func (r csvRow) get(col string) string {
	if i, ok := r.cols[col]; ok {
		return r.rec[i]
	}
	return ""
}

// has says whether the file has the column.
func (r csvRow) has(col string) bool {
	_, ok := r.cols[col]
	return ok
}

// readCSV reads a CSV file whose required columns are given; other columns are ignored.
func readCSV(r io.Reader, verr *graph.ValidationError, what string, required []string, fn func(line int, row csvRow)) error {
	return readCSVFormat(r, verr, csvFormat{what: what, required: required}, fn)
}

// readCSVFormat reads a CSV file with a header row, calling fn for every data row that is not
// blank with the line on which it starts. Problems with the file are recorded in verr (see
// the comment at the top of this file); reading stops early once verr holds maxErrors entries.
// The returned error is for failures to read at all.
func readCSVFormat(r io.Reader, verr *graph.ValidationError, f csvFormat, fn func(line int, row csvRow)) error {
	text, cp1252, ok, err := decodeText(r, verr, f.what)
	if err != nil || !ok {
		return err
	}
	cr := csv.NewReader(text)
	cr.FieldsPerRecord = -1 // checked here, with a clearer message
	cr.ReuseRecord = false
	header, err := cr.Read()
	switch {
	case errors.Is(err, io.EOF):
		verr.Add(0, "", "empty file: a "+f.what+" file starts with a header row")
		return nil
	case err != nil:
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			verr.Add(1, "", fmt.Sprintf("not a %s CSV file: the header row cannot be read (%v)", f.what, pe.Err))
			return nil
		}
		return fmt.Errorf("read: %w", err)
	}
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	cols := make(map[string]int, len(header))
	for i, h := range header {
		if !utf8.ValidString(h) || strings.ContainsRune(h, 0) || strings.ContainsRune(h, utf8.RuneError) {
			verr.Add(1, "", fmt.Sprintf("not a %s CSV file: the header row is not text", f.what))
			return nil
		}
		h = strings.TrimSpace(h)
		if _, dup := cols[h]; dup && h != "" {
			verr.Add(1, h, fmt.Sprintf("column %d has the name of column %d", i+1, cols[h]+1))
			continue
		}
		cols[h] = i
	}
	var missing []string
	for _, c := range f.required {
		if _, ok := cols[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) == len(f.required) && len(f.required) > 0 {
		verr.Add(1, "", fmt.Sprintf("not a %s CSV file: the header row has none of the columns %s", f.what, strings.Join(f.required, ", ")))
		return nil
	}
	for _, c := range missing {
		verr.Add(1, c, "required column is missing")
	}
	if f.known != nil {
		for i, h := range header {
			h = strings.TrimSpace(h)
			if !contains(f.known, h) {
				verr.Add(1, h, fmt.Sprintf("unknown column %d (the columns are %s)", i+1, strings.Join(f.known, ", ")))
			}
		}
	}
	if len(verr.Fields) > 0 {
		return nil
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				verr.Add(pe.StartLine, "", fmt.Sprintf("broken quoting: %v (line %d, column %d); the rest of the file was not read", pe.Err, pe.Line, pe.Column))
				return nil
			}
			return fmt.Errorf("read: %w", err)
		}
		line, _ := cr.FieldPos(0)
		switch {
		case rowIsBlank(rec):
		case len(rec) != len(header):
			verr.Add(line, "", fmt.Sprintf("has %d fields, the header has %d", len(rec), len(header)))
		case !checkEncoding(verr, line, header, rec, cp1252):
		default:
			fn(line, csvRow{rec: rec, cols: cols})
		}
		if len(verr.Fields) >= maxErrors {
			return nil
		}
	}
}

// checkEncoding reports the cells of a row that are not valid text; it says whether the row
// is fine.
func checkEncoding(verr *graph.ValidationError, line int, header, rec []string, cp1252 bool) bool {
	ok := true
	for i, v := range rec {
		field := strings.TrimSpace(header[i])
		switch {
		case cp1252 && strings.ContainsRune(v, utf8.RuneError):
			verr.Add(line, field, "has a byte that Windows-1252 leaves undefined: the file is neither UTF-8 nor Windows-1252; save it as UTF-8")
			ok = false
		case !cp1252 && !utf8.ValidString(v):
			verr.Add(line, field, "is not valid UTF-8 although the file starts as UTF-8 (mixed encodings); save the file as UTF-8")
			ok = false
		case strings.ContainsRune(v, 0):
			verr.Add(line, field, "holds a NUL byte: not a text file")
			ok = false
		}
	}
	return ok
}

// windows1252Undefined are the bytes Windows-1252 assigns no character.
var windows1252Undefined = []byte{0x81, 0x8d, 0x8f, 0x90, 0x9d}

// decodeText decides the encoding of r from its first sniffSize bytes and returns the text as
// UTF-8 (a byte-order mark removed), and whether it was read as Windows-1252. ok is false when
// the file was refused (the reason is in verr).
func decodeText(r io.Reader, verr *graph.ValidationError, what string) (text io.Reader, cp1252, ok bool, err error) {
	br := bufio.NewReaderSize(r, sniffSize)
	head, err := br.Peek(sniffSize)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, false, false, fmt.Errorf("read: %w", err)
	}
	if len(bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")))) == 0 {
		verr.Add(0, "", "empty file: a "+what+" file starts with a header row")
		return nil, false, false, nil
	}
	if t := bytes.TrimSpace(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))); t[0] == '{' || t[0] == '[' {
		verr.Add(1, "", fmt.Sprintf("not a %s CSV file: it looks like JSON (JSON Lines files end in .jsonl)", what))
		return nil, false, false, nil
	}
	if i := bytes.IndexByte(head, 0); i >= 0 {
		verr.Add(lineAt(head, i), "", fmt.Sprintf("not a %s CSV file: it holds binary data (a NUL byte at offset %d)", what, i))
		return nil, false, false, nil
	}
	if bytes.HasPrefix(head, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
		return br, false, true, nil
	}
	valid := head
	if len(head) == sniffSize { // the last rune may be cut at the end of the window
		for k := 0; k < utf8.UTFMax && len(valid) > 0 && !utf8.Valid(valid); k++ {
			valid = valid[:len(valid)-1]
		}
	}
	if utf8.Valid(valid) {
		return br, false, true, nil
	}
	for _, b := range windows1252Undefined {
		if i := bytes.IndexByte(head, b); i >= 0 {
			bad := firstInvalidUTF8(head)
			verr.Add(lineAt(head, i), "", fmt.Sprintf("byte 0x%02x is undefined in Windows-1252 and the file is not UTF-8 either (invalid byte 0x%02x on line %d): save the file as UTF-8", b, head[bad], lineAt(head, bad)))
			return nil, false, false, nil
		}
	}
	return charmap.Windows1252.NewDecoder().Reader(br), true, true, nil
}

// lineAt is the 1-based line of byte offset i.
func lineAt(b []byte, i int) int { return 1 + bytes.Count(b[:i], []byte("\n")) }

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return 0
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
