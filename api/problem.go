package api

import (
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	"github.com/rs/zerolog"

	"github.com/skingraph/skingraph/graph"
)

// Problem is an RFC 9457 problem details document.
type Problem struct {
	Type     string       `json:"type"`
	Title    string       `json:"title"`
	Status   int          `json:"status"`
	Detail   string       `json:"detail,omitempty"`
	Instance string       `json:"instance,omitempty"`
	Errors   []FieldIssue `json:"errors,omitempty"`
}

// FieldIssue names one bad value of a request or an uploaded file.
type FieldIssue struct {
	File    string `json:"file,omitempty"`
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field"`
	Message string `json:"message"`
}

func (p *Problem) Error() string { return p.Title + ": " + p.Detail }

func notFound(detail string) *Problem {
	return &Problem{Status: http.StatusNotFound, Title: "Not found", Detail: detail}
}

// statusOf is the one table from domain errors to HTTP statuses.
var statusOf = []struct {
	err    error
	status int
	title  string
}{
	{graph.ErrNotFound, http.StatusNotFound, "Not found"},
	{graph.ErrInvalid, http.StatusUnprocessableEntity, "Invalid input"},
	{graph.ErrConflict, http.StatusConflict, "Conflict"},
	{graph.ErrForbidden, http.StatusForbidden, "Forbidden"},
	{graph.ErrLimit, http.StatusUnprocessableEntity, "Limit exceeded"},
	{graph.ErrBusy, http.StatusTooManyRequests, "Too many requests"},
	{graph.ErrTimeout, http.StatusGatewayTimeout, "Timed out"},
	{graph.ErrUnavailable, http.StatusServiceUnavailable, "Service unavailable"},
}

// publicDetail is what a client is told about a domain error without fields: one sentence
// per status, never the error's chain (which names packages, queries and internal ids).
var publicDetail = map[int]string{
	http.StatusNotFound:            "there is no such resource",
	http.StatusUnprocessableEntity: "the input is invalid",
	http.StatusConflict:            "the request conflicts with the current state of the resource",
	http.StatusForbidden:           "this key may not do this",
}

// toProblem maps an error to the problem document sent to the client. Details of domain
// errors are not sent: a client sees the fields of a validation error, or a fixed sentence
// for its status; the cause stays in the logs with the request id.
func toProblem(err error) *Problem {
	var p *Problem
	if errors.As(err, &p) {
		return p
	}
	for _, s := range statusOf {
		if !errors.Is(err, s.err) {
			continue
		}
		p = &Problem{Status: s.status, Title: s.title, Detail: publicDetail[s.status]}
		var verr *graph.ValidationError
		var ferr *graph.FieldError
		var reason *graph.Reason
		switch {
		case errors.As(err, &reason) && s.status < 500:
			p.Detail = reason.Text // written for the client
		case errors.As(err, &verr):
			p.Detail = "the input has invalid fields; see errors"
			for _, f := range verr.Fields {
				p.Errors = append(p.Errors, FieldIssue(f))
			}
		case errors.As(err, &ferr):
			p.Detail = ferr.Error() // the field and its message, without the chain
			p.Errors = []FieldIssue{FieldIssue(*ferr)}
		}
		switch {
		case s.status == http.StatusGatewayTimeout:
			p.Detail = "the operation was stopped at its time limit"
		case s.status >= 500:
			p.Detail = "a dependency is unavailable; retry later"
		}
		return p
	}
	return &Problem{Status: http.StatusInternalServerError, Title: "Internal error",
		Detail: "the server failed to answer; the request id identifies it in the logs"}
}

// handle adapts a handler that returns an error: the error becomes problem+json, and 5xx
// causes are logged (once, here) with the request id.
func handle(log zerolog.Logger, fn func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		err := fn(c)
		if err == nil {
			return
		}
		writeProblem(c, log, err)
	}
}

func writeProblem(c *gin.Context, log zerolog.Logger, err error) {
	p := toProblem(err)
	if p.Type == "" {
		p.Type = "about:blank"
	}
	p.Instance = c.Request.URL.Path
	if p.Status >= 500 {
		log.Error().Err(err).Str("request_id", c.GetString(requestIDKey)).Str("route", c.FullPath()).Msg("request failed")
	}
	if p.Status == http.StatusServiceUnavailable && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", "5") // the circuit breaker probes Neo4j again within seconds
	}
	if p.Status == http.StatusTooManyRequests && c.Writer.Header().Get("Retry-After") == "" {
		c.Header("Retry-After", "1") // a busy slot (graph.ErrBusy) frees within a query's time
	}
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	closeUnread(c)
	c.AbortWithStatusJSON(p.Status, p)
}
