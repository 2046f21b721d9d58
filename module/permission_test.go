package module

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig"
	_ "github.com/caddyserver/caddy/v2/caddyconfig/httpcaddyfile" // the caddyfile adapter
	"github.com/caddyserver/caddy/v2/modules/caddytls"
	_ "github.com/caddyserver/caddy/v2/modules/filestorage" // the file_system storage the tests configure

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

// tenantStore returns a migrated SQLite live store holding the given
// tenants; with closed set it is closed again, so every lookup fails.
func tenantStore(t *testing.T, closed bool, names ...string) store.Live {
	t.Helper()
	st, err := sqlite.Open(filepath.Join(t.TempDir(), "bbb.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate store: %v", err)
	}
	for _, name := range names {
		if err := st.AddTenant(t.Context(), store.Tenant{ID: "id-" + name, Name: name, Secrets: []string{"secret-" + name}}); err != nil {
			t.Fatalf("add tenant %s: %v", name, err)
		}
	}
	if closed {
		if err := st.Close(); err != nil {
			t.Fatalf("close store: %v", err)
		}
	}
	return st
}

// provisionPermission provisions the module against a real config holding a
// bbb app with the given JSON.
func provisionPermission(t *testing.T, appJSON string) (*Permission, error) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	ctx, err := caddy.ProvisionContext(&caddy.Config{
		AppsRaw: caddy.ModuleMap{"bbb": json.RawMessage(appJSON)},
		// Caddy's default storage path was fixed when its package loaded.
		StorageRaw: json.RawMessage(fmt.Sprintf(`{"module": "file_system", "root": %q}`, t.TempDir())),
	})
	if err != nil {
		t.Fatalf("ProvisionContext: %v", err)
	}
	p := new(Permission)
	return p, p.Provision(ctx)
}

func TestCertificateAllowed(t *testing.T) {
	const (
		allowed = iota
		denied  // wraps caddytls.ErrPermissionDenied
		failed  // an error that is not a plain denial
	)
	tests := []struct {
		name    string
		tenants []string // nil: no live store at all
		closed  bool     // the store fails every lookup
		domain  string
		want    int
	}{
		{"tenant", []string{"room1"}, false, "room1.bbb.example.com", allowed},
		{"tenant mixed case, trailing dot", []string{"room1"}, false, "ROOM1.bbb.Example.com.", allowed},
		{"tenant with port", []string{"room1"}, false, "room1.bbb.example.com:443", allowed},
		{"unknown tenant", []string{"room1"}, false, "room2.bbb.example.com", denied},
		{"base domain", []string{}, false, "bbb.example.com", allowed},
		{"base domain without store", nil, false, "bbb.example.com", allowed},
		{"label in front of a tenant", []string{"room1"}, false, "x.room1.bbb.example.com", denied},
		{"parent domain", []string{"bbb"}, false, "example.com", denied},
		{"foreign domain", []string{"room1"}, false, "room1.evil.net", denied},
		{"tenant name that is no DNS label", []string{"a_b"}, false, "a_b.bbb.example.com", denied},
		{"no store yet", nil, false, "room1.bbb.example.com", failed},
		{"store failing", []string{"room1"}, true, "room1.bbb.example.com", failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := provisionPermission(t, `{"multitenancy": "BBB.example.com."}`)
			if err != nil {
				t.Fatalf("Provision: %v", err)
			}
			if tt.tenants != nil {
				p.app.live = tenantStore(t, tt.closed, tt.tenants...)
			}
			err = p.CertificateAllowed(t.Context(), tt.domain)
			switch tt.want {
			case allowed:
				if err != nil {
					t.Errorf("CertificateAllowed(%q) = %v, want allowed", tt.domain, err)
				}
			case denied:
				if !errors.Is(err, caddytls.ErrPermissionDenied) {
					t.Errorf("CertificateAllowed(%q) = %v, want a permission denial", tt.domain, err)
				}
			case failed:
				if err == nil || errors.Is(err, caddytls.ErrPermissionDenied) {
					t.Errorf("CertificateAllowed(%q) = %v, want an error that is not a plain denial", tt.domain, err)
				}
			}
		})
	}
}

func TestPermissionProvisionNeedsMultitenancy(t *testing.T) {
	_, err := provisionPermission(t, `{}`)
	if err == nil || !strings.Contains(err.Error(), "multitenancy") {
		t.Fatalf("Provision without multitenancy = %v, want an error naming multitenancy", err)
	}
}

func TestPermissionCaddyfile(t *testing.T) {
	site := `
https://example.com {
	tls {
		on_demand
	}
	respond "ok"
}`
	tests := []struct {
		name    string
		global  string
		wantErr bool
	}{
		{"plain", "permission bbb", false},
		{"with argument", "permission bbb extra", true},
		{"with block", "permission bbb {\n\t\t\tbase example.com\n\t\t}", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			input := "{\n\ton_demand_tls {\n\t\t" + tt.global + "\n\t}\n}\n" + site
			adapted, _, err := caddyconfig.GetAdapter("caddyfile").Adapt([]byte(input), map[string]any{"filename": "Caddyfile"})
			if tt.wantErr {
				if err == nil {
					t.Fatalf("adapt succeeded, want an error; got %s", adapted)
				}
				return
			}
			if err != nil {
				t.Fatalf("adapt: %v", err)
			}
			var cfg struct {
				Apps struct {
					TLS struct {
						Automation struct {
							OnDemand struct {
								Permission json.RawMessage `json:"permission"`
							} `json:"on_demand"`
						} `json:"automation"`
					} `json:"tls"`
				} `json:"apps"`
			}
			if err := json.Unmarshal(adapted, &cfg); err != nil {
				t.Fatalf("decode adapted config: %v", err)
			}
			if got, want := string(cfg.Apps.TLS.Automation.OnDemand.Permission), `{"module":"bbb"}`; got != want {
				t.Errorf("on_demand permission = %s, want %s (config %s)", got, want, adapted)
			}
		})
	}
}
