// Package caddyrun builds the Caddy configs the benchmarks run, and loads
// one in the benchmark's own process when it measures Caddy in-process.
package caddyrun

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-bbb/caddy-bbb/module"
)

// AdminOff is the admin block of a config whose endpoint is not needed.
var AdminOff = map[string]any{"disabled": true}

// Admin is the admin block of an endpoint on addr.
func Admin(addr string) map[string]any { return map[string]any{"listen": addr} }

// Config returns the JSON of a benchmark's Caddy config: the admin block,
// Caddy's storage under dir (never the user's home), only errors logged,
// and apps.
func Config(dir string, admin, apps map[string]any) ([]byte, error) {
	b, err := json.Marshal(map[string]any{
		"admin":   admin,
		"storage": map[string]any{"module": "file_system", "root": filepath.Join(dir, "caddy")},
		"logging": map[string]any{"logs": map[string]any{"default": map[string]any{"level": "ERROR"}}},
		"apps":    apps,
	})
	if err != nil {
		return nil, fmt.Errorf("encode caddy config: %w", err)
	}
	return b, nil
}

// Server is an HTTP server of the http app: plain HTTP on addr with routes.
func Server(addr string, routes ...any) map[string]any {
	return map[string]any{
		"listen":          []string{addr},
		"automatic_https": map[string]any{"disable": true},
		"routes":          routes,
	}
}

// Handle is a route that runs one handler: name, with its fields.
func Handle(name string, fields map[string]any) map[string]any {
	h := map[string]any{"handler": name}
	for k, v := range fields {
		h[k] = v
	}
	return map[string]any{"handle": []any{h}}
}

// LoadBBB runs cfg in this process, replacing any config running, and
// returns its bbb app, which must have a live store.
func LoadBBB(cfg []byte) (*module.App, error) {
	if err := caddy.Load(cfg, true); err != nil {
		return nil, fmt.Errorf("load caddy config: %w", err)
	}
	v, err := caddy.ActiveContext().App("bbb")
	if err != nil {
		return nil, fmt.Errorf("bbb app: %w", err)
	}
	app, ok := v.(*module.App)
	if !ok || app.Live() == nil {
		return nil, fmt.Errorf("bbb app is %T without a live store", v)
	}
	return app, nil
}
