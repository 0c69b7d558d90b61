package txn

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/skingraph/skingraph/graph"
)

// Translate maps a driver error to the graph sentinel errors, keeping the original message.
// Errors that already carry a sentinel pass through unchanged.
func Translate(err error) error {
	if err == nil {
		return nil
	}
	for _, sentinel := range []error{graph.ErrNotFound, graph.ErrInvalid, graph.ErrConflict, graph.ErrStale, graph.ErrUnavailable, graph.ErrForbidden, graph.ErrGone} {
		if errors.Is(err, sentinel) {
			return err
		}
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return fmt.Errorf("%w: %w", graph.ErrUnavailable, err)
	}
	var nerr *neo4j.Neo4jError
	if errors.As(err, &nerr) {
		code := nerr.Code
		switch {
		case strings.Contains(code, "Schema.ConstraintValidationFailed"):
			return fmt.Errorf("%w: %s", graph.ErrConflict, nerr.Msg)
		case strings.Contains(code, "Statement.AccessMode"),
			strings.Contains(code, "Security.Forbidden"),
			strings.Contains(code, "Procedure.ProcedureNotFound") && strings.Contains(nerr.Msg, "dbms."):
			return fmt.Errorf("%w: %s", graph.ErrForbidden, nerr.Msg)
		case strings.Contains(code, "Security.Unauthorized"), strings.Contains(code, "Security.AuthenticationRateLimit"):
			return fmt.Errorf("%w: neo4j refused the credentials: %s", graph.ErrUnavailable, nerr.Msg)
		case strings.HasPrefix(code, "Neo.ClientError.Statement"), strings.HasPrefix(code, "Neo.ClientError.Procedure"):
			return fmt.Errorf("%w: %s", graph.ErrInvalid, nerr.Msg)
		case strings.Contains(code, "TransactionTimedOut"), strings.Contains(code, "TransactionTimedOutClientConfiguration"):
			return fmt.Errorf("%w: %w: %s", graph.ErrUnavailable, graph.ErrTimeout, nerr.Msg)
		case strings.Contains(code, "Transaction.Terminated"),
			strings.HasPrefix(code, "Neo.TransientError"), strings.HasPrefix(code, "Neo.DatabaseError"):
			return fmt.Errorf("%w: %s", graph.ErrUnavailable, nerr.Msg)
		}
		return fmt.Errorf("neo4j %s: %s", code, nerr.Msg)
	}
	if neo4j.IsConnectivityError(err) || neo4j.IsUsageError(err) && strings.Contains(err.Error(), "closed") {
		return fmt.Errorf("%w: %w", graph.ErrUnavailable, err)
	}
	var tErr *neo4j.TransactionExecutionLimit
	if errors.As(err, &tErr) {
		return fmt.Errorf("%w: %w", graph.ErrUnavailable, err)
	}
	return err
}

// IsAuthError reports whether Neo4j refused the credentials (retrying will not help).
func IsAuthError(err error) bool {
	var nerr *neo4j.Neo4jError
	return errors.As(err, &nerr) && strings.Contains(nerr.Code, "Security.Unauthorized")
}
