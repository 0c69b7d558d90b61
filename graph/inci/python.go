package inci

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/skingraph/skingraph/graph"
)

// ParsePythonList decodes a Python list literal of strings, the form in which the Sephora data
// set stores ingredients: "['Cleanser:', 'Water, Glycerin']". Strings may use single or double
// quotes, the u, r and b prefixes, adjacent-literal concatenation and Python's escapes (\\, \',
// \", \n, \t, \xhh, \uhhhh, \Uhhhhhhhh, octal, line continuation); unknown escapes are kept as
// written, as Python does. "[]" gives an empty, non-nil slice. Anything else, such as an
// unterminated string or a non-string element, is an error wrapping graph.ErrInvalid.
func ParsePythonList(s string) ([]string, error) {
	d := pyDecoder{s: s}
	out, err := d.list()
	if err != nil {
		return nil, fmt.Errorf("inci: python list: %w", err)
	}
	return out, nil
}

// pyDecoder reads a Python list literal from s.
type pyDecoder struct {
	s string
	i int
}

func (d *pyDecoder) fail(msg string) error {
	return fmt.Errorf("%s at byte %d: %w", msg, d.i, graph.ErrInvalid)
}

func (d *pyDecoder) space() {
	for d.i < len(d.s) && strings.IndexByte(" \t\r\n", d.s[d.i]) >= 0 {
		d.i++
	}
}

func (d *pyDecoder) list() ([]string, error) {
	d.space()
	if d.i >= len(d.s) || d.s[d.i] != '[' {
		return nil, d.fail("expected '['")
	}
	d.i++
	out := []string{}
	for {
		d.space()
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			break
		}
		str, err := d.strings()
		if err != nil {
			return nil, err
		}
		out = append(out, str)
		d.space()
		if d.i < len(d.s) && d.s[d.i] == ',' {
			d.i++
			continue
		}
		if d.i < len(d.s) && d.s[d.i] == ']' {
			d.i++
			break
		}
		return nil, d.fail("expected ',' or ']'")
	}
	d.space()
	if d.i != len(d.s) {
		return nil, d.fail("unexpected text after ']'")
	}
	return out, nil
}

// strings reads one or more adjacent string literals and joins them, as Python does.
func (d *pyDecoder) strings() (string, error) {
	var b strings.Builder
	for n := 0; ; n++ {
		d.space()
		if n > 0 && !d.atString() {
			return b.String(), nil
		}
		if err := d.literal(&b); err != nil {
			return "", err
		}
	}
}

// atString reports whether a string literal (with an optional prefix) starts at d.i.
func (d *pyDecoder) atString() bool {
	j := d.i
	for j < len(d.s) && j-d.i < 2 && strings.IndexByte("uUrRbB", d.s[j]) >= 0 {
		j++
	}
	return j < len(d.s) && (d.s[j] == '\'' || d.s[j] == '"')
}

// literal reads one string literal into b.
func (d *pyDecoder) literal(b *strings.Builder) error {
	if !d.atString() {
		return d.fail("expected a string")
	}
	raw := false
	for d.s[d.i] != '\'' && d.s[d.i] != '"' {
		raw = raw || d.s[d.i] == 'r' || d.s[d.i] == 'R'
		d.i++
	}
	quote := d.s[d.i]
	d.i++
	for d.i < len(d.s) {
		c := d.s[d.i]
		switch {
		case c == quote:
			d.i++
			return nil
		case c == '\n':
			return d.fail("line break in string")
		case c == '\\' && d.i+1 < len(d.s):
			if raw {
				b.WriteString(d.s[d.i : d.i+2])
				d.i += 2
				continue
			}
			d.escape(b)
		default:
			b.WriteByte(c)
			d.i++
		}
	}
	return d.fail("unterminated string")
}

// simpleEscapes maps the letter after a backslash to what it stands for.
var simpleEscapes = map[byte]string{
	'\\': `\`, '\'': `'`, '"': `"`, 'n': "\n", 't': "\t", 'r': "\r", 'a': "\a", 'b': "\b",
	'f': "\f", 'v': "\v", '\n': "",
}

// escape reads the escape sequence at d.i (a backslash and at least one more byte) into b.
func (d *pyDecoder) escape(b *strings.Builder) {
	c := d.s[d.i+1]
	if t, ok := simpleEscapes[c]; ok {
		b.WriteString(t)
		d.i += 2
		return
	}
	digits, base := 0, 16
	switch c {
	case 'x':
		digits = 2
	case 'u':
		digits = 4
	case 'U':
		digits = 8
	default:
		if c >= '0' && c <= '7' {
			j := d.i + 1
			for j < len(d.s) && j < d.i+4 && d.s[j] >= '0' && d.s[j] <= '7' {
				j++
			}
			v, _ := strconv.ParseUint(d.s[d.i+1:j], 8, 32)
			b.WriteRune(rune(v))
			d.i = j
			return
		}
	}
	if digits > 0 && d.i+2+digits <= len(d.s) {
		if v, err := strconv.ParseUint(d.s[d.i+2:d.i+2+digits], base, 32); err == nil {
			r := rune(v)
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
			b.WriteRune(r)
			d.i += 2 + digits
			return
		}
	}
	// Unknown or malformed escape: keep it as written.
	b.WriteString(d.s[d.i : d.i+2])
	d.i += 2
}
