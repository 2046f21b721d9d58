package admin

import (
	"fmt"

	"github.com/caddyserver/caddy/v2"
)

// apiError returns an error that Caddy's admin endpoint answers with status
// and the JSON body {"error": "<err>"}. Routes return it unwrapped: Caddy
// recognises a caddy.APIError only by type assertion, anything else is a 500.
func apiError(status int, err error) error {
	return caddy.APIError{HTTPStatus: status, Err: err}
}

// apiErrorf is apiError with a formatted message.
func apiErrorf(status int, format string, args ...any) error {
	return apiError(status, fmt.Errorf(format, args...))
}
