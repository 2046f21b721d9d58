// Package admin is the admin.api.bbb module: the routes under /bbb/ on
// Caddy's admin endpoint, through which operators and the `caddy bbb` CLI
// manage the pool.
package admin

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/caddyserver/caddy/v2"
	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/module"
)

func init() {
	caddy.RegisterModule(new(Admin))
}

// Admin is the admin.api.bbb module. Caddy creates it without configuration
// on every config load, including loads without a bbb app, and provisions it
// before any app; so it never holds on to the app and looks it up per request.
type Admin struct {
	logger *zap.Logger
}

// CaddyModule returns the Caddy module information.
func (*Admin) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "admin.api.bbb",
		New: func() caddy.Module { return new(Admin) },
	}
}

// Provision keeps the logger. It never fails: an error here would fail every
// config load, even one that does not use bbb.
func (a *Admin) Provision(ctx caddy.Context) error {
	// The root context has no module ancestry, so name the logger explicitly.
	a.logger = ctx.Logger(a)
	return nil
}

// Routes returns the admin routes of DESIGN §5. Patterns are Go
// http.ServeMux patterns; the /bbb/ prefix catches every path and method no
// more specific route claims.
func (a *Admin) Routes() []caddy.AdminRoute {
	routes := []struct {
		pattern string
		handler caddy.AdminHandler
	}{
		{"GET /bbb/servers", a.withPool(listServers)},
		{"POST /bbb/servers", a.withPool(addServer)},
		{"PUT /bbb/servers", a.withPool(syncServers)},
		{"GET /bbb/servers/{id}", a.withPool(getServer)},
		{"PATCH /bbb/servers/{id}", a.withPool(updateServer)},
		{"DELETE /bbb/servers/{id}", a.withPool(deleteServer)},
		{"POST /bbb/servers/{id}/enable", a.withPool(enableServer)},
		{"POST /bbb/servers/{id}/cordon", a.withPool(cordonServer)},
		{"POST /bbb/servers/{id}/disable", a.withPool(disableServer)},
		{"POST /bbb/servers/{id}/panic", a.withPool(panicServer)},
		{"POST /bbb/poll", a.withApp(pollNow)},
		{"GET /bbb/status", a.withPool(getStatus)},
		{"GET /bbb/meetings", a.withPool(listMeetings)},
		{"GET /bbb/meetings/{id}", a.withPool(getMeeting)},
		{"DELETE /bbb/meetings/{id}", a.withPool(endMeeting)},
		{"GET /bbb/tenants", a.withPool(listTenants)},
		{"POST /bbb/tenants", a.withPool(addTenant)},
		{"GET /bbb/tenants/{id}", a.withPool(getTenant)},
		{"PATCH /bbb/tenants/{id}", a.withPool(updateTenant)},
		{"DELETE /bbb/tenants/{id}", a.withPool(deleteTenant)},
		{"GET /bbb/tenants/{id}/settings", a.withPool(getTenantSettings)},
		{"PUT /bbb/tenants/{id}/settings", a.withPool(putTenantSettings)},
		{"DELETE /bbb/tenants/{id}/settings", a.withPool(deleteTenantSettings)},
		{"POST /bbb/recordings/import", a.withApp(importNow)},
		{"POST /bbb/recordings/assign-tenant", a.withApp(a.assignTenant)},
		{"/bbb/", a.withApp(a.notFound)},
	}
	out := make([]caddy.AdminRoute, len(routes))
	for i, rt := range routes {
		out[i] = caddy.AdminRoute{Pattern: rt.pattern, Handler: rt.handler}
	}
	return out
}

// appHandler is an admin route that needs the running bbb app.
type appHandler func(w http.ResponseWriter, r *http.Request, app *module.App) error

// withApp resolves the bbb app of the running config for each request. The
// admin router outlives failed reloads and is built before the apps, so a
// pointer kept from Provision could be stale or missing.
func (a *Admin) withApp(next appHandler) caddy.AdminHandler {
	return caddy.AdminHandlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		app, err := runningApp()
		if err != nil {
			return err
		}
		return next(w, r, app)
	})
}

// runningApp returns the bbb app of the running config, or a 503 error when
// that config has none.
func runningApp() (*module.App, error) {
	v, err := caddy.ActiveContext().AppIfConfigured("bbb")
	if errors.Is(err, caddy.ErrNotConfigured) {
		return nil, apiErrorf(http.StatusServiceUnavailable, "the bbb app is not configured: add a bbb global option or a site with the bbb directive")
	}
	if err != nil {
		return nil, apiError(http.StatusServiceUnavailable, fmt.Errorf("bbb app: %w", err))
	}
	app, ok := v.(*module.App)
	if !ok {
		return nil, apiErrorf(http.StatusInternalServerError, "bbb app has unexpected type %T", v)
	}
	return app, nil
}

// notFound answers paths under /bbb/ that no route serves.
func (a *Admin) notFound(_ http.ResponseWriter, r *http.Request, _ *module.App) error {
	return apiErrorf(http.StatusNotFound, "no admin route %s %s", r.Method, r.URL.Path)
}

var (
	_ caddy.AdminRouter = (*Admin)(nil)
	_ caddy.Provisioner = (*Admin)(nil)
)
