package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"sort"
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
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Problem{Status: http.StatusBadRequest, Title: "Malformed JSON", Detail: "the body holds more than one JSON value"}
	}
	// Unknown fields are rejected by their full path ("profile.skin_typ"), all at once.
	var raw any
	if err := json.Unmarshal(data, &raw); err == nil {
		verr := &graph.ValidationError{}
		unknownFields(raw, reflect.TypeOf(v), "", verr)
		if err := verr.Err(); err != nil {
			return err
		}
	}
	return nil
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
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			fields[name] = f.Type
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
			if !ok {
				verr.Add(0, p, "unknown field")
				continue
			}
			unknownFields(v[k], ft, p, verr)
		}
	case []any:
		if t.Kind() != reflect.Slice && t.Kind() != reflect.Array {
			return
		}
		for i, e := range v {
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
