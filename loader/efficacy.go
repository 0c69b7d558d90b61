package loader

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/skingraph/skingraph/graph"
	"github.com/skingraph/skingraph/graph/inci"
)

// Efficacy file formats.
const (
	FormatCSV  = "csv"
	FormatJSON = "json" // a JSON array of objects, or JSON Lines
)

// efficacyColumns are the fields of an efficacy row, in the documented order.
var efficacyColumns = []string{
	"subject_type", "subject", "concern", "skin_type", "effect_size", "sample_size", "evidence", "source", "date",
}

// Subjects looks up the subjects of efficacy claims in the graph. cypher.Store implements it.
type Subjects interface {
	// Known returns which of subjects (canonical INCI keys or product ids, by subjectType)
	// the graph holds; graph.ErrUnavailable when Neo4j cannot be reached.
	Known(ctx context.Context, subjectType string, subjects []string) (map[string]bool, error)
	// SuggestSubjects returns, for each unknown subject, the closest one the graph holds ("" or
	// absent when nothing is close).
	SuggestSubjects(ctx context.Context, subjectType string, unknown []string) (map[string]string, error)
}

// efficacyRecord is one row of an efficacy file in JSON. Numbers are kept as written so that
// CSV and JSON rows are validated by the same code.
type efficacyRecord struct {
	SubjectType string      `json:"subject_type"`
	Subject     string      `json:"subject"`
	Concern     string      `json:"concern"`
	SkinType    string      `json:"skin_type"`
	EffectSize  json.Number `json:"effect_size"`
	SampleSize  json.Number `json:"sample_size"`
	Evidence    string      `json:"evidence"`
	Source      string      `json:"source"`
	Date        string      `json:"date"`
}

// ReadEfficacy reads and validates an efficacy file (see datasets/EFFICACY.md) in format
// FormatCSV or FormatJSON, sniffed from the first bytes when format is "". Subjects are
// normalised (INCI keys via inci.Default) and, when subjects is not nil, looked up in the
// graph. Every bad row is reported, in row order, in a *graph.ValidationError (wrapping
// graph.ErrInvalid); rows are CSV or JSON Lines line numbers (the CSV header is line 1) or
// 1-based positions in a JSON array. Rows repeated with identical values are read once.
func ReadEfficacy(ctx context.Context, r io.Reader, file, format string, subjects Subjects) ([]graph.EfficacyClaim, error) {
	verr := &graph.ValidationError{File: file}
	br := bufio.NewReader(r)
	if format == "" {
		format = sniffFormat(br)
	}
	v := &efficacyValidator{verr: verr, norm: inci.Default(), keyRow: map[string]int{}}
	var err error
	switch format {
	case FormatCSV:
		err = readEfficacyCSV(br, verr, v)
	case FormatJSON:
		err = readEfficacyJSON(br, verr, v)
	default:
		return nil, fmt.Errorf("loader: %s: %w: unknown format %q (want %q or %q)", file, graph.ErrInvalid, format, FormatCSV, FormatJSON)
	}
	if err != nil {
		return nil, fmt.Errorf("loader: %s: %w", file, err)
	}
	if v.rows == 0 && len(verr.Fields) == 0 {
		verr.Add(0, "", "no efficacy rows: the file holds no data")
	}
	if subjects != nil && len(verr.Fields) < maxErrors {
		if err := v.checkSubjects(ctx, subjects); err != nil {
			return nil, fmt.Errorf("loader: %s: look up subjects: %w", file, err)
		}
	}
	sort.SliceStable(verr.Fields, func(i, j int) bool { return verr.Fields[i].Row < verr.Fields[j].Row })
	if err := verr.Err(); err != nil {
		return nil, err
	}
	return v.claims, nil
}

// sniffFormat guesses the format from the first non-blank byte: '[' or '{' is JSON.
func sniffFormat(br *bufio.Reader) string {
	head, _ := br.Peek(512)
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(head) > 0 && (head[0] == '[' || head[0] == '{') {
		return FormatJSON
	}
	return FormatCSV
}

func readEfficacyCSV(r io.Reader, verr *graph.ValidationError, v *efficacyValidator) error {
	required := make([]string, 0, len(efficacyColumns))
	for _, c := range efficacyColumns {
		if c != "skin_type" {
			required = append(required, c)
		}
	}
	first := true
	return readCSV(r, verr, "skingraph efficacy", required, func(line int, row csvRow) {
		if first {
			first = false
			var unknown []string
			for c := range row.cols {
				if !isEfficacyColumn(c) {
					unknown = append(unknown, c)
				}
			}
			sort.Strings(unknown)
			for _, c := range unknown {
				verr.Add(1, c, "unknown column (the columns are "+strings.Join(efficacyColumns, ", ")+")")
			}
		}
		if rowIsBlank(row.rec) {
			return
		}
		v.add(line, efficacyRecord{
			SubjectType: row.get("subject_type"), Subject: row.get("subject"), Concern: row.get("concern"),
			SkinType: row.get("skin_type"), EffectSize: json.Number(strings.TrimSpace(row.get("effect_size"))),
			SampleSize: json.Number(strings.TrimSpace(row.get("sample_size"))), Evidence: row.get("evidence"),
			Source: row.get("source"), Date: row.get("date"),
		})
	})
}

func isEfficacyColumn(c string) bool {
	for _, k := range efficacyColumns {
		if c == k {
			return true
		}
	}
	return false
}

func rowIsBlank(rec []string) bool {
	for _, f := range rec {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}

// readEfficacyJSON reads a JSON array of row objects (streamed) or JSON Lines.
func readEfficacyJSON(br *bufio.Reader, verr *graph.ValidationError, v *efficacyValidator) error {
	defer numberMessages(verr)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	head, _ := br.Peek(512)
	if head = bytes.TrimLeft(head, " \t\r\n"); len(head) == 0 || head[0] != '[' {
		return decodeJSONL(br, verr, func(line int, rec *efficacyRecord) { v.add(line, *rec) })
	}
	dec := json.NewDecoder(br)
	if _, err := dec.Token(); err != nil { // the opening bracket, peeked above
		return fmt.Errorf("read: %w", err)
	}
	for row := 1; dec.More(); row++ {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			var se *json.SyntaxError
			if !errors.As(err, &se) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
				return fmt.Errorf("read: %w", err)
			}
			verr.Add(row, "", "not valid JSON: "+strings.TrimPrefix(err.Error(), "json: ")+"; the rest of the file was not read")
			return nil
		}
		var rec efficacyRecord
		d := json.NewDecoder(bytes.NewReader(raw))
		d.DisallowUnknownFields()
		if err := d.Decode(&rec); err != nil {
			verr.Add(row, jsonErrorField(err), jsonErrorMessage(err))
		} else {
			v.add(row, rec)
		}
		if len(verr.Fields) >= maxErrors {
			return nil
		}
	}
	if tok, err := dec.Token(); err != nil || tok != json.Delim(']') {
		verr.Add(0, "", "not valid JSON: the array is not closed")
	}
	return nil
}

// numberMessages fixes the type named in JSON type errors of the number fields, which are
// decoded as json.Number (a string type) so that CSV and JSON share one validation.
func numberMessages(verr *graph.ValidationError) {
	for i, f := range verr.Fields {
		if f.Field == "effect_size" || f.Field == "sample_size" {
			if rest, ok := strings.CutPrefix(f.Message, "must be a JSON string"); ok {
				verr.Fields[i].Message = "must be a JSON number" + rest
			}
		}
	}
}

// efficacyValidator checks rows one by one and keeps the good claims.
type efficacyValidator struct {
	verr   *graph.ValidationError
	norm   *inci.Normalizer
	rows   int
	claims []graph.EfficacyClaim
	rowOf  []int          // the row of each claim
	keyRow map[string]int // claim key -> index in claims
}

func (v *efficacyValidator) add(row int, rec efficacyRecord) {
	v.rows++
	before := len(v.verr.Fields)
	req := func(field, s string) string {
		s = strings.TrimSpace(s)
		if s == "" {
			v.verr.Add(row, field, "required")
		}
		return s
	}
	c := graph.EfficacyClaim{Source: req("source", rec.Source)}
	switch st := strings.ToLower(req("subject_type", rec.SubjectType)); st {
	case "":
	case graph.SubjectIngredient, graph.SubjectProduct:
		c.SubjectType = st
	default:
		v.verr.Add(row, "subject_type", fmt.Sprintf("must be %q or %q, got %q", graph.SubjectIngredient, graph.SubjectProduct, rec.SubjectType))
	}
	if s := req("subject", rec.Subject); s != "" {
		c.Subject = s
		if c.SubjectType == graph.SubjectIngredient {
			if c.Subject = v.norm.Key(s); c.Subject == "" {
				v.verr.Add(row, "subject", fmt.Sprintf("%q is not an INCI name", s))
			}
		}
	}
	if s := req("concern", rec.Concern); s != "" {
		c.Concern = checkVocab(v.verr, row, "concern", graph.Concerns, s)
	}
	if s := strings.TrimSpace(rec.SkinType); s != "" {
		c.SkinType = checkVocab(v.verr, row, "skin_type", graph.SkinTypes, s)
	}
	if s := req("effect_size", string(rec.EffectSize)); s != "" {
		x, err := strconv.ParseFloat(s, 64)
		switch {
		case err != nil || math.IsNaN(x) || math.IsInf(x, 0):
			v.verr.Add(row, "effect_size", fmt.Sprintf("must be a number, got %q", s))
		case x < 0 || x > 1:
			v.verr.Add(row, "effect_size", fmt.Sprintf("must be between 0 and 1, got %s", s))
		}
		c.EffectSize = x
	}
	if s := req("sample_size", string(rec.SampleSize)); s != "" {
		n, ok := parseCount(s)
		switch {
		case !ok:
			v.verr.Add(row, "sample_size", fmt.Sprintf("must be a whole number, got %q", s))
		case n < 1:
			v.verr.Add(row, "sample_size", fmt.Sprintf("must be at least 1, got %s", s))
		}
		c.SampleSize = n
	}
	if s := req("evidence", rec.Evidence); s != "" {
		c.Evidence = checkVocab(v.verr, row, "evidence", graph.Evidence, s)
	}
	if s := req("date", rec.Date); s != "" {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			v.verr.Add(row, "date", fmt.Sprintf("must be a date YYYY-MM-DD, got %q", s))
		}
		c.Date = d
	}
	if len(v.verr.Fields) > before {
		return
	}
	key := c.SubjectType + "\x00" + c.Subject + "\x00" + c.Concern + "\x00" + c.SkinType
	if i, ok := v.keyRow[key]; ok {
		if v.claims[i] != c {
			v.verr.Add(row, "", fmt.Sprintf("conflicts with row %d: same subject, concern and skin type with other values", v.rowOf[i]))
		}
		return
	}
	v.keyRow[key] = len(v.claims)
	v.claims = append(v.claims, c)
	v.rowOf = append(v.rowOf, row)
}

// checkSubjects records every row whose subject the graph does not hold, with a suggestion.
func (v *efficacyValidator) checkSubjects(ctx context.Context, subjects Subjects) error {
	for _, st := range []string{graph.SubjectIngredient, graph.SubjectProduct} {
		var list []string
		seen := map[string]bool{}
		for _, c := range v.claims {
			if c.SubjectType == st && !seen[c.Subject] {
				seen[c.Subject] = true
				list = append(list, c.Subject)
			}
		}
		if len(list) == 0 {
			continue
		}
		known, err := subjects.Known(ctx, st, list)
		if err != nil {
			return err
		}
		var unknown []string
		for _, s := range list {
			if !known[s] {
				unknown = append(unknown, s)
			}
		}
		if len(unknown) == 0 {
			continue
		}
		if len(unknown) > maxErrors {
			unknown = unknown[:maxErrors]
		}
		suggest, err := subjects.SuggestSubjects(ctx, st, unknown)
		if err != nil {
			return err
		}
		isUnknown := map[string]bool{}
		for _, s := range unknown {
			isUnknown[s] = true
		}
		for i, c := range v.claims {
			if c.SubjectType != st || !isUnknown[c.Subject] {
				continue
			}
			msg := fmt.Sprintf("unknown %s %q", st, c.Subject)
			if s := suggest[c.Subject]; s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			v.verr.Add(v.rowOf[i], "subject", msg)
		}
	}
	return nil
}
