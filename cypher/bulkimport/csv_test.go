package bulkimport

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestCSVFields checks the text of each field kind as the importer reads it: strings always
// quoted (an empty one stays a string; a null is an empty unquoted field), quotes doubled,
// floats in their shortest exact form, datetimes in UTC with the zone id, arrays joined by
// U+001F and null when empty, and a line break flagged for --multiline-fields.
func TestCSVFields(t *testing.T) {
	at := time.Date(2023, 1, 2, 3, 4, 5, 120_000_000, time.FixedZone("CET", 3600))
	tests := []struct {
		name      string
		write     func(c *csvFile) error
		want      string
		multiline bool
		err       string
	}{
		{"strings", func(c *csvFile) error { c.first(`a "b"`); c.str(""); c.mark(""); c.mark("load-1"); return nil },
			`"a ""b""","",,"load-1"`, false, ""},
		{"numbers", func(c *csvFile) error {
			c.first("k")
			c.float(0.1)
			c.float(1e300)
			c.int(-7)
			c.bool(true)
			return nil
		},
			`"k",0.1,1e+300,-7,true`, false, ""},
		{"time", func(c *csvFile) error { c.first("k"); c.time(at); return nil },
			`"k",2023-01-02T02:04:05.12Z[UTC]`, false, ""},
		{"lists", func(c *csvFile) error {
			c.first("k")
			if err := c.list("a", []string{"x", "y;z"}); err != nil {
				return err
			}
			return c.list("b", nil)
		}, "\"k\",\"x\x1fy;z\",", false, ""},
		{"line break", func(c *csvFile) error { c.first("k"); c.str("two\nlines"); return nil },
			"\"k\",\"two\nlines\"", true, ""},
		{"delimiter in a list", func(c *csvFile) error { c.first("k"); return c.list("highlights", []string{"a\x1fb"}) },
			"", false, "field highlights"},
		{"empty element", func(c *csvFile) error { c.first("k"); return c.list("concerns", []string{""}) },
			"", false, "field concerns"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			c, err := createCSV(dir, "f.csv", "h")
			if err != nil {
				t.Fatal(err)
			}
			err = tc.write(c)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one naming %q", err, tc.err)
				}
				c.close()
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := c.end(); err != nil {
				t.Fatal(err)
			}
			if err := c.close(); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(dir, "f.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff("h\n"+tc.want+"\n", string(b)); diff != "" {
				t.Errorf("file (-want +got):\n%s", diff)
			}
			if c.multiline != tc.multiline {
				t.Errorf("multiline %v, want %v", c.multiline, tc.multiline)
			}
		})
	}
}
