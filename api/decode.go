package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
)

// maxBody bounds JSON request bodies.
const maxBody = 1 << 20

// decodeJSON reads one JSON object into v, rejecting unknown fields by their path, trailing
// data and bodies over maxBody.
func decodeJSON(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return &Problem{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type",
			Detail: fmt.Sprintf("send application/json, not %s", ct)}
	}
	data, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, maxBody))
	if err != nil {
		return jsonProblem(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Problem{Status: http.StatusBadRequest, Title: "Malformed JSON", Detail: "the body holds more than one JSON value"}
	}
	// Unknown fields are rejected by their full path ("profile.skin_typ"), all at once, and so
	// are nulls, missing required fields and empty strings where the document forbids them.
	if raw == nil {
		return &Problem{Status: http.StatusBadRequest, Title: "Malformed JSON", Detail: "the body must be a JSON object, not null"}
	}
	verr := &graph.ValidationError{}
	unknownFields(raw, reflect.TypeOf(v), "", verr)
	if err := verr.Err(); err != nil {
		return err
	}
	// A whole number written with a fraction or exponent (63.0, 1e2) is a JSON Schema
	// integer: it is decoded into Go ints as the number it is.
	if integralNumbers(raw) {
		if data, err = json.Marshal(raw); err != nil {
			return jsonProblem(err)
		}
	}
	if err := json.Unmarshal(data, v); err != nil {
		return jsonProblem(err)
	}
	return nil
}

// integralNumbers rewrites, in place, every number of raw that is a whole number written with
// a fraction or an exponent as a plain integer, and says whether it changed anything.
func integralNumbers(raw any) bool {
	changed := false
	switch v := raw.(type) {
	case map[string]any:
		for k, e := range v {
			if n, ok := e.(json.Number); ok {
				if w, ok := wholeNumber(n); ok {
					v[k], changed = w, true
				}
			} else if integralNumbers(e) {
				changed = true
			}
		}
	case []any:
		for i, e := range v {
			if n, ok := e.(json.Number); ok {
				if w, ok := wholeNumber(n); ok {
					v[i], changed = w, true
				}
			} else if integralNumbers(e) {
				changed = true
			}
		}
	}
	return changed
}

// wholeNumber returns n as a plain integer when it is one written otherwise (63.0, 6.3e1) and
// within the range where float64 is exact.
func wholeNumber(n json.Number) (json.Number, bool) {
	if !strings.ContainsAny(string(n), ".eE") {
		return n, false
	}
	f, err := n.Float64()
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return n, false
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64)), true
}

// unknownFields records every key of the JSON value raw that the Go type t has no field for.
func unknownFields(raw any, t reflect.Type, path string, verr *graph.ValidationError) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch v := raw.(type) {
	case map[string]any:
		if t.Kind() != reflect.Struct {
			return
		}
		fields := map[string]reflect.Type{}
		nonEmpty, nonZero := map[string]bool{}, map[string]bool{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			fields[name] = f.Type
			// api:"required": the key must be there; api:"nonempty": a string, when given, is not "".
			for _, rule := range strings.Split(f.Tag.Get("api"), ",") {
				switch rule {
				case "required":
					if _, ok := v[name]; !ok {
						verr.Add(0, joinPath(path, name), "required")
					}
				case "nonempty":
					nonEmpty[name] = true
				case "nonzero":
					nonZero[name] = true
				}
			}
		}
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			p := k
			if path != "" {
				p = path + "." + k
			}
			ft, ok := fields[k]
			switch {
			case !ok:
				verr.Add(0, p, "unknown field")
				continue
			case v[k] == nil:
				verr.Add(0, p, "must not be null; leave the field out instead")
				continue
			case nonEmpty[k] && v[k] == "":
				verr.Add(0, p, "must not be empty; leave the field out instead")
				continue
			case nonZero[k] && isZeroNumber(v[k]):
				verr.Add(0, p, "must not be 0; leave the field out for the default")
				continue
			}
			unknownFields(v[k], ft, p, verr)
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return
		}
		for i, e := range v {
			if e == nil {
				verr.Add(0, fmt.Sprintf("%s[%d]", path, i), "must not be null")
				continue
			}
			unknownFields(e, t.Elem(), fmt.Sprintf("%s[%d]", path, i), verr)
		}
	}
}

func jsonProblem(err error) error {
	var tErr *json.UnmarshalTypeError
	var sErr *json.SyntaxError
	var mErr *http.MaxBytesError
	switch {
	case errors.As(err, &mErr):
		return &Problem{Status: http.StatusRequestEntityTooLarge, Title: "Body too large", Detail: fmt.Sprintf("the body may hold at most %d bytes", maxBody)}
	case errors.As(err, &tErr):
		return &graph.FieldError{Field: tErr.Field, Message: fmt.Sprintf("must be a JSON %s", jsonType(tErr.Type.Kind().String()))}
	case errors.As(err, &sErr):
		return &Problem{Status: http.StatusBadRequest, Title: "Malformed JSON", Detail: fmt.Sprintf("syntax error at byte %d: %v", sErr.Offset, err)}
	case errors.Is(err, io.EOF):
		return &Problem{Status: http.StatusBadRequest, Title: "Malformed JSON", Detail: "the body is empty"}
	}
	return &Problem{Status: http.StatusBadRequest, Title: "Malformed JSON", Detail: err.Error()}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "string"
	case "slice", "array":
		return "array"
	case "struct", "map":
		return "object"
	case "bool":
		return "boolean"
	}
	return "number"
}

func joinPath(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func isZeroNumber(v any) bool {
	n, ok := v.(json.Number)
	if !ok {
		return false
	}
	f, err := n.Float64()
	return err == nil && f == 0
}
