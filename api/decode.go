package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/skingraph/skingraph/graph"
)

// maxBody bounds JSON request bodies.
const maxBody = 1 << 20

// decodeJSON reads one JSON object into v, rejecting unknown fields by name, trailing data and
// bodies over maxBody.
func decodeJSON(c *gin.Context, v any) error {
	if ct := c.ContentType(); ct != "" && ct != "application/json" {
		return &Problem{Status: http.StatusUnsupportedMediaType, Title: "Unsupported media type",
			Detail: fmt.Sprintf("send application/json, not %s", ct)}
	}
	body := http.MaxBytesReader(c.Writer, c.Request.Body, maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonProblem(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return &Problem{Status: http.StatusBadRequest, Title: "Malformed JSON", Detail: "the body holds more than one JSON value"}
	}
	return nil
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
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &graph.FieldError{Field: field, Message: "unknown field"}
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
