package graph

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The sentinel errors of the domain. Adapters translate their own failures into these (wrapped
// with the operation that failed) and the API maps each to exactly one HTTP status.
var (
	// ErrNotFound means the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid means the input was malformed or broke a rule of the domain.
	ErrInvalid = errors.New("invalid input")
	// ErrConflict means the input contradicts data already stored (or itself).
	ErrConflict = errors.New("conflict")
	// ErrUnavailable means a dependency (Neo4j) could not be reached or timed out; retrying may help.
	ErrUnavailable = errors.New("unavailable")
	// ErrForbidden means the operation is not allowed, such as a write in a read-only session.
	ErrForbidden = errors.New("forbidden")
	// ErrTimeout means an operation was stopped at its time limit; it is reported together
	// with ErrUnavailable.
	ErrTimeout = errors.New("timed out")
	// ErrLimit means the request went past a bound the service sets on one request (such as
	// the memory one analyst query may use); the same request will fail again.
	ErrLimit = errors.New("limit exceeded")
	// ErrBusy means too many requests of this kind run at once; retrying shortly may succeed.
	ErrBusy = errors.New("busy")
	// ErrGone means what was asked for existed but is no longer kept, such as the changes of
	// a data version older than the change feed's retention (the reader rebuilds in full).
	// It does not reach HTTP.
	ErrGone = errors.New("gone")
)

// FieldError names one bad value in an input: where it is (row, when the input has rows, and
// field) and what is wrong with it. It wraps ErrInvalid.
type FieldError struct {
	File    string // the file or upload, when known
	Row     int    // 1-based data row (line); 0 when the input has no rows
	Field   string // the field, column or JSON path
	Message string // what is wrong, in words
}

func (e *FieldError) Error() string {
	var where []string
	if e.File != "" {
		where = append(where, e.File)
	}
	if e.Row > 0 {
		where = append(where, "row "+strconv.Itoa(e.Row))
	}
	if e.Field != "" {
		where = append(where, e.Field)
	}
	if len(where) == 0 {
		return e.Message
	}
	return strings.Join(where, ", ") + ": " + e.Message
}

// Unwrap makes errors.Is(err, ErrInvalid) true for every FieldError.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// ValidationError gathers every FieldError found in one input, so that a caller can report all
// of them at once instead of the first only. It wraps ErrInvalid.
type ValidationError struct {
	File   string // set on every FieldError that Add records
	Fields []FieldError
}

func (e *ValidationError) Error() string {
	switch len(e.Fields) {
	case 0:
		return "invalid input"
	case 1:
		return "invalid input: " + e.Fields[0].Error()
	default:
		return "invalid input: " + e.Fields[0].Error() + " (and " + strconv.Itoa(len(e.Fields)-1) + " more)"
	}
}

// Unwrap makes errors.Is(err, ErrInvalid) true for every ValidationError.
func (e *ValidationError) Unwrap() error { return ErrInvalid }

// Add records one more bad field.
func (e *ValidationError) Add(row int, field, message string) {
	e.Fields = append(e.Fields, FieldError{File: e.File, Row: row, Field: field, Message: message})
}

// Err returns e when it holds at least one field error, nil otherwise.
func (e *ValidationError) Err() error {
	if e == nil || len(e.Fields) == 0 {
		return nil
	}
	return e
}

// Reason is a refusal whose text is written for the client: why the request was refused, in
// words safe to send (no error chain, no internal names), such as why the Cypher explorer will
// not run an analyst's query. It unwraps to Kind, one of the sentinel errors above, which sets
// the status; the API sends Text as the detail.
type Reason struct {
	Kind error
	Text string
}

func (r *Reason) Error() string { return r.Kind.Error() + ": " + r.Text }

// Unwrap returns the sentinel the reason is of.
func (r *Reason) Unwrap() error { return r.Kind }

// Refuse returns a *Reason of kind with its text formatted as fmt.Sprintf does.
func Refuse(kind error, format string, args ...any) error {
	return &Reason{Kind: kind, Text: fmt.Sprintf(format, args...)}
}
