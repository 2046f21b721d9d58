package module

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/caddyserver/caddy/v2"
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"
	"github.com/caddyserver/caddy/v2/modules/caddytls"

	"github.com/caddy-bbb/caddy-bbb/pool"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func init() {
	caddy.RegisterModule(new(Permission))
}

// tenantLookupTimeout bounds the store lookup: it runs during a TLS
// handshake, which the client will not wait on for long.
const tenantLookupTimeout = 5 * time.Second

// Permission is the tls.permission.bbb module: it lets on-demand TLS obtain a
// certificate for <tenant>.<base domain> when that tenant exists, and for the
// base domain itself. Everything else is denied, so a client cannot make
// Caddy request certificates for names of its choosing.
//
// The base domain itself is allowed because it is one fixed name, so it
// cannot be used to run up issuance, and it still has work to do under
// multitenancy: the health check and operators' requests reach it, although
// its API calls fail the checksum (Scalelite's behaviour, spec §11).
//
//	{
//		on_demand_tls {
//			permission bbb
//		}
//	}
type Permission struct {
	app *App
	// baseDomain is the app's multitenancy base domain, normalised.
	baseDomain string
}

// CaddyModule returns the Caddy module information.
func (*Permission) CaddyModule() caddy.ModuleInfo {
	return caddy.ModuleInfo{
		ID:  "tls.permission.bbb",
		New: func() caddy.Module { return new(Permission) },
	}
}

// UnmarshalCaddyfile parses `permission bbb`, which takes no arguments.
func (p *Permission) UnmarshalCaddyfile(d *caddyfile.Dispenser) error {
	d.Next() // the module name
	if d.NextArg() {
		return d.ArgErr()
	}
	if d.NextBlock(0) {
		return d.Errf("permission bbb takes no options, found %q", d.Val())
	}
	return nil
}

// Provision gets the bbb app, whose multitenancy base domain and tenants
// decide. Without multitenancy there is no tenant host to allow, so the
// config is rejected rather than denying every certificate at run time.
func (p *Permission) Provision(ctx caddy.Context) error {
	v, err := ctx.App("bbb")
	if err != nil {
		return fmt.Errorf("get bbb app: %w", err)
	}
	app, ok := v.(*App)
	if !ok {
		return fmt.Errorf("bbb app has unexpected type %T", v)
	}
	base := pool.NormalizeHost(app.Settings().Multitenancy)
	if base == "" {
		return errors.New("tls permission bbb needs multitenancy: set `multitenancy <base domain>` in the bbb global option")
	}
	p.app, p.baseDomain = app, base
	return nil
}

// CertificateAllowed allows the base domain and the host of every existing
// tenant. A denial wraps caddytls.ErrPermissionDenied; a failure to look the
// tenant up is returned unwrapped, so Caddy logs it as an error, not a
// routine denial, and still refuses the certificate.
func (p *Permission) CertificateAllowed(ctx context.Context, name string) error {
	if pool.NormalizeHost(name) == p.baseDomain {
		return nil
	}
	tenant, ok := pool.TenantNameFromHost(name, p.baseDomain)
	if !ok {
		return fmt.Errorf("%w: %q is not a tenant host under %s", caddytls.ErrPermissionDenied, name, p.baseDomain)
	}
	live := p.app.Live()
	if live == nil {
		return fmt.Errorf("check tenant %q: the bbb live store is not available", tenant)
	}
	ctx, cancel := context.WithTimeout(ctx, tenantLookupTimeout)
	defer cancel()
	_, err := live.TenantByName(ctx, tenant)
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("%w: no tenant named %q", caddytls.ErrPermissionDenied, tenant)
	}
	if err != nil {
		return fmt.Errorf("check tenant %q: %w", tenant, err)
	}
	return nil
}

var (
	_ caddy.Provisioner           = (*Permission)(nil)
	_ caddyfile.Unmarshaler       = (*Permission)(nil)
	_ caddytls.OnDemandPermission = (*Permission)(nil)
)
