package main

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/caddyrun"
	"github.com/caddy-bbb/caddy-bbb/bench/internal/recgen"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// The secrets of the run: the front-ends' without multitenancy, and each
// tenant's with it.
const lbSecret = "bench-recordings-secret"

// tenantDomain is the multitenancy base domain; tenant i is
// tenantName(i).tenantDomain.
const tenantDomain = "bench.test"

func tenantName(i int) string   { return "t" + strconv.Itoa(i) }
func tenantSecret(i int) string { return "bench-tenant-" + strconv.Itoa(i) + "-secret" }

// caddyConfig returns the JSON config of the Caddy under test: admin off,
// Caddy's storage, the bbb app's recording dirs and its SQLite files under
// dir, no poll during the run, and one HTTP server on addr with the bbb
// handler. With multitenancy set the tenant comes from the Host.
func caddyConfig(dir, addr string, storeConfig map[string]any, multitenancy string) ([]byte, error) {
	app := map[string]any{
		"secrets":       []string{lbSecret},
		"store":         storeConfig,
		"poll_interval": "1h",
		// The importer runs as in production, on an empty spool of its own.
		"recordings": map[string]any{
			"spool_dir":     filepath.Join(dir, "spool"),
			"work_dir":      filepath.Join(dir, "work"),
			"publish_dir":   filepath.Join(dir, "published"),
			"unpublish_dir": filepath.Join(dir, "unpublished"),
		},
	}
	if multitenancy != "" {
		app["multitenancy"] = multitenancy
	}
	return caddyrun.Config(dir, caddyrun.AdminOff, map[string]any{
		"bbb": app,
		"http": map[string]any{
			"servers": map[string]any{"api": caddyrun.Server(addr, caddyrun.Handle("bbb", nil))},
		},
	})
}

// loadCaddy runs a config in this process, replacing the one running, and
// returns the bbb app.
func loadCaddy(cfg []byte) (*module.App, error) {
	app, err := caddyrun.LoadBBB(cfg)
	if err != nil {
		return nil, err
	}
	if app.RecordingStore() == nil {
		return nil, fmt.Errorf("bbb app without a recordings store")
	}
	return app, nil
}

// addTenants registers the data set's tenants, with the ids its recordings
// carry in tenant-id, as an operator would have before they were recorded.
func addTenants(ctx context.Context, live store.Live) error {
	for i := 1; i <= recgen.TenantCount; i++ {
		t := store.Tenant{ID: recgen.TenantID(i), Name: tenantName(i), Secrets: []string{tenantSecret(i)}}
		if err := live.AddTenant(ctx, t); err != nil {
			return fmt.Errorf("add tenant %s: %w", t.Name, err)
		}
	}
	return nil
}
