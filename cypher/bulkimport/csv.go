package bulkimport

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// ArrayDelimiter separates the elements of an array field (--array-delimiter): the unit
// separator, which no catalogue text holds (a value with one is refused, by record and field).
const ArrayDelimiter = '\x1f'

// csvFile is one input file of the importer: a header line, then one line per node or
// relationship. Hand-written rather than encoding/csv: the importer tells a null (an empty
// unquoted field) from an empty string (a quoted "") only by quoting, which encoding/csv
// decides by itself.
type csvFile struct {
	path string
	f    *os.File
	w    *bufio.Writer
	rows int
	// multiline is set once a field holds a line break: the importer must then be told
	// (--multiline-fields), which slows its parsing, so it is asked only when needed.
	multiline bool
	line      []byte
}

func createCSV(dir, name string, header ...string) (*csvFile, error) {
	path := dir + string(os.PathSeparator) + name
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("bulk import: %w", err)
	}
	c := &csvFile{path: path, f: f, w: bufio.NewWriterSize(f, 1<<20)}
	if _, err := c.w.WriteString(strings.Join(header, ",") + "\n"); err != nil {
		f.Close()
		return nil, fmt.Errorf("bulk import: %s: %w", name, err)
	}
	return c, nil
}

// first starts a line with its first field, a quoted string (every line starts with a key);
// the other field methods append to it and end writes it.
func (c *csvFile) first(s string) {
	c.line = c.line[:0]
	c.quoted(s)
}

// str appends a string field, always quoted: an empty string stays an empty string.
func (c *csvFile) str(s string) {
	c.line = append(c.line, ',')
	c.quoted(s)
}

func (c *csvFile) quoted(s string) {
	if strings.ContainsAny(s, "\n\r") {
		c.multiline = true
	}
	c.line = append(c.line, '"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' {
			c.line = append(c.line, '"')
		}
		c.line = append(c.line, s[i])
	}
	c.line = append(c.line, '"')
}

// mark appends the `_load` mark of a staged load's rows: the load's id, or null for a load
// written as one transaction (no mark).
func (c *csvFile) mark(loadID string) {
	if loadID == "" {
		c.line = append(c.line, ',')
		return
	}
	c.str(loadID)
}

func (c *csvFile) float(v float64) {
	c.line = append(c.line, ',')
	c.line = strconv.AppendFloat(c.line, v, 'g', -1, 64) // shortest text that reads back to the same bits
}

func (c *csvFile) int(v int64) {
	c.line = append(c.line, ',')
	c.line = strconv.AppendInt(c.line, v, 10)
}

func (c *csvFile) bool(v bool) {
	c.line = append(c.line, ',')
	c.line = strconv.AppendBool(c.line, v)
}

// time appends a datetime in UTC with the zone id UTC, as the driver stores a time.Time
// whose location is UTC.
func (c *csvFile) time(t time.Time) {
	c.line = append(c.line, ',')
	c.line = t.UTC().AppendFormat(c.line, "2006-01-02T15:04:05.999999999Z")
	c.line = append(c.line, "[UTC]"...)
}

// list appends an array of strings; an empty one is written as null (the importer has no
// empty array) and set to [] by Store.FinishBulk. An element holding the array delimiter,
// or empty, cannot be written: the error names it, and what names the record adds.
func (c *csvFile) list(field string, vs []string) error {
	c.line = append(c.line, ',')
	if len(vs) == 0 {
		return nil
	}
	for _, v := range vs {
		if v == "" || strings.ContainsRune(v, ArrayDelimiter) {
			return fmt.Errorf("field %s: element %q cannot be bulk imported (empty, or holds the control character U+001F); use `skingraph load dir` without --bulk", field, v)
		}
	}
	c.quoted(strings.Join(vs, string(ArrayDelimiter)))
	return nil
}

// end writes the line.
func (c *csvFile) end() error {
	c.line = append(c.line, '\n')
	c.rows++
	if _, err := c.w.Write(c.line); err != nil {
		return fmt.Errorf("bulk import: %s: %w", c.path, err)
	}
	return nil
}

func (c *csvFile) close() error {
	if c == nil || c.f == nil {
		return nil
	}
	err := c.w.Flush()
	if cerr := c.f.Close(); err == nil {
		err = cerr
	}
	c.f = nil
	if err != nil {
		return fmt.Errorf("bulk import: %s: %w", c.path, err)
	}
	return nil
}
