// Package handlers is the Caddy HTTP handler "bbb": the BBB API, the recording
// guard, the FreeSWITCH endpoint and the health check. It is thin glue over
// the core packages.
package handlers

import (
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
)

func init() {
	caddy.RegisterModule(new(Handler))
}

// Handler is the http.handlers.bbb module.
type Handler struct{}

// CaddyModule returns the Caddy module information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.bbb",
		New: func() caddy.Module { return new(Handler) },
	}
}

// ServeHTTP passes every request on (placeholder until the routes land).
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	return next.ServeHTTP(w, r)
}

var _ caddyhttp.MiddlewareHandler = (*Handler)(nil)
