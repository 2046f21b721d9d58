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

	"github.com/caddy-bbb/caddy-bbb/balancer"
	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
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

	// What the calls use, copied from the app at provision time (or set by
	// wire in tests). live is nil while the app has no live store; the calls
	// that need it then answer internalError.
	live       store.Live
	recordings store.Recordings
	client     *bbb.Client
	balancer   *balancer.Balancer
	verifier   bbb.Verifier
	// relay posts analytics callbacks on to the front-ends.
	relay *http.Client
	// playback keeps the cookie secret and the not-found page.
	playback playbackState
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
	h.wire(app.Live(), app.RecordingStore(), app.Client())
	if h.live == nil {
		h.logger.Error("the bbb app has no live store: BBB API calls will answer internalError")
	}
	return nil
}

// wire sets up what the calls need from the stores and the BBB client, on
// h.settings. Provision calls it with the app's; tests call it directly.
func (h *Handler) wire(live store.Live, recordings store.Recordings, client *bbb.Client) {
	h.live, h.recordings, h.client = live, recordings, client
	h.verifier = bbb.Verifier{Allowed: h.settings.ChecksumAlgorithms}
	if live != nil {
		h.balancer = balancer.New(live, client, balancer.Config{
			LoadMinUserCount:  h.settings.LoadMinUserCount,
			VoiceBridgeLength: h.settings.VoiceBridgeLength,
			Multitenancy:      h.settings.Multitenancy != "",
		})
	}
	connect, response := h.timeouts()
	h.relay = &http.Client{
		Timeout: connect + response,
		// The front-end's answer is what counts, not where it points.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// ServeHTTP answers BBB API requests and passes everything else on.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request, next caddyhttp.Handler) error {
	if r.URL.Path == healthPath {
		return h.serveHealth(w, r)
	}
	if r.URL.Path == fsapiPath {
		return h.serveFSAPI(w, r)
	}
	if done, err := h.servePlayback(w, r, next); done {
		return err
	}
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
