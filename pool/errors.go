package pool

import (
	"errors"
	"fmt"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// InvalidError is a request the pool refuses because it is malformed or
// breaks a rule (a bad URL, a missing secret, an unknown key). The admin API
// answers it with 400.
type InvalidError struct {
	Err error
}

// Error returns the reason the request was refused.
func (e *InvalidError) Error() string { return e.Err.Error() }

// Unwrap returns the reason.
func (e *InvalidError) Unwrap() error { return e.Err }

// invalidf returns an *InvalidError with a formatted reason.
func invalidf(format string, args ...any) error {
	return &InvalidError{Err: fmt.Errorf(format, args...)}
}

// IsInvalid reports whether err is, or wraps, an *InvalidError.
func IsInvalid(err error) bool {
	var inv *InvalidError
	return errors.As(err, &inv)
}

// noServer is the error for an unknown server id. It names the id but keeps
// store.ErrNotFound for callers that test with errors.Is.
func noServer(id string) error {
	return fmt.Errorf("no server with id %q: %w", id, store.ErrNotFound)
}

// noTenant is the error for an unknown tenant.
func noTenant(ref string) error {
	return fmt.Errorf("no tenant %q: %w", ref, store.ErrNotFound)
}

// notFoundAs replaces a store's not-found error with want, and wraps any
// other error with context.
func notFoundAs(err error, want error, context string) error {
	if errors.Is(err, store.ErrNotFound) {
		return want
	}
	return fmt.Errorf("%s: %w", context, err)
}
