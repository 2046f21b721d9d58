// Package handlers is the Caddy HTTP handler "bbb": the BBB API, the recording
// guard, the FreeSWITCH endpoint and the health check. It is thin glue over
// the core packages.
package handlers

import (
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/modules/caddyhttp"
	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/module"
)

func init() {
	caddy.RegisterModule(new(Handler))
}

// Handler is the http.handlers.bbb module. It answers the paths of the BBB API
// and passes every other request to the next handler. Its settings live in the
// "bbb" app; the handler itself has no configuration.
type Handler struct {
	app *module.App
	// settings is the app's effective configuration of this config load.
	settings module.Settings
	logger   *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (*Handler) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "http.handlers.bbb",
		New: func() caddy.Module { return new(Handler) },
	}
}

// Provision gets the bbb app. It uses ctx.App rather than AppIfConfigured so
// that a site with the `bbb` directive works on defaults without a global
// `bbb` block: every app setting has a usable default.
func (h *Handler) Provision(ctx caddy.Context) error {
	h.logger = ctx.Logger()
	v, err := ctx.App("bbb")
	if err != nil {
		return fmt.Errorf("get bbb app: %w", err)
	}
	app, ok := v.(*module.App)
	if !ok {
		return fmt.Errorf("bbb app has unexpected type %T", v)
	}
	h.app, h.settings = app, app.Settings()
	return nil
}

// ServeHTTP answers BBB API requests and passes everything else on.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	call, ok := apiCall(r.URL.Path)
	if !ok {
		return next.ServeHTTP(w, r)
	}
	return h.serveAPI(w, r, call)
}

var (
	_ caddy.Provisioner           = (*Handler)(nil)
	_ caddyhttp.MiddlewareHandler = (*Handler)(nil)
)
