package pool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// TenantUpdate changes a tenant's name or secrets; nil fields are kept.
type TenantUpdate struct {
	Name    *string
	Secrets []string // nil keeps the secrets; non-nil replaces them
}

// Tenants returns every tenant, ordered by name.
func (p *Pool) Tenants(ctx context.Context) ([]store.Tenant, error) {
	tenants, err := p.live.Tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("list tenants: %w", err)
	}
	return tenants, nil
}

// Tenant returns one tenant by id.
func (p *Pool) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	t, err := p.live.Tenant(ctx, id)
	if err != nil {
		return store.Tenant{}, notFoundAs(err, noTenant(id), "get tenant "+id)
	}
	return t, nil
}

// AddTenant adds a tenant with a new random id, which is what create puts in
// meta_tenant-id. The name must be free.
func (p *Pool) AddTenant(ctx context.Context, name string, secrets []string) (store.Tenant, error) {
	if err := checkTenantName(name); err != nil {
		return store.Tenant{}, err
	}
	if err := checkTenantSecrets(secrets); err != nil {
		return store.Tenant{}, err
	}
	t := store.Tenant{ID: newUUID(), Name: name, Secrets: slices.Clone(secrets)}
	if err := p.live.AddTenant(ctx, t); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Tenant{}, fmt.Errorf("a tenant named %q already exists: %w", name, store.ErrConflict)
		}
		return store.Tenant{}, fmt.Errorf("add tenant %s: %w", name, err)
	}
	p.log.Info("tenant added", zap.String("tenant", t.ID), zap.String("name", name))
	return t, nil
}

// UpdateTenant renames a tenant or replaces its secrets.
func (p *Pool) UpdateTenant(ctx context.Context, id string, up TenantUpdate) (store.Tenant, error) {
	if up.Name != nil {
		if err := checkTenantName(*up.Name); err != nil {
			return store.Tenant{}, err
		}
	}
	if up.Secrets != nil {
		if err := checkTenantSecrets(up.Secrets); err != nil {
			return store.Tenant{}, err
		}
	}
	t, err := p.Tenant(ctx, id)
	if err != nil {
		return store.Tenant{}, err
	}
	if up.Name != nil {
		t.Name = *up.Name
	}
	if up.Secrets != nil {
		t.Secrets = slices.Clone(up.Secrets)
	}
	if err := p.live.UpdateTenant(ctx, t); err != nil {
		switch {
		case errors.Is(err, store.ErrConflict):
			return store.Tenant{}, fmt.Errorf("a tenant named %q already exists: %w", t.Name, store.ErrConflict)
		case errors.Is(err, store.ErrNotFound):
			return store.Tenant{}, noTenant(id)
		}
		return store.Tenant{}, fmt.Errorf("update tenant %s: %w", id, err)
	}
	p.log.Info("tenant updated", zap.String("tenant", id), zap.String("name", t.Name))
	return t, nil
}

// DeleteTenant removes a tenant and its settings. Its live meetings go on
// until they end; its recordings stay, tagged with its id.
func (p *Pool) DeleteTenant(ctx context.Context, id string) error {
	if _, err := p.Tenant(ctx, id); err != nil {
		return err
	}
	if err := p.live.DeleteTenant(ctx, id); err != nil {
		return notFoundAs(err, noTenant(id), "delete tenant "+id)
	}
	p.log.Info("tenant removed", zap.String("tenant", id))
	return nil
}

// TenantSettings returns a tenant's settings, ordered by param.
func (p *Pool) TenantSettings(ctx context.Context, id string) ([]store.TenantSetting, error) {
	if _, err := p.Tenant(ctx, id); err != nil {
		return nil, err
	}
	settings, err := p.live.TenantSettings(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get settings of tenant %s: %w", id, err)
	}
	if settings == nil {
		settings = []store.TenantSetting{}
	}
	return settings, nil
}

// SetTenantSettings replaces all of a tenant's settings. Each param is a
// create or join parameter named once; checksum cannot be set.
func (p *Pool) SetTenantSettings(ctx context.Context, id string, settings []store.TenantSetting) ([]store.TenantSetting, error) {
	seen := make(map[string]bool, len(settings))
	for _, s := range settings {
		if err := checkParamName(s.Param); err != nil {
			return nil, err
		}
		if seen[s.Param] {
			return nil, invalidf("parameter %q is set twice", s.Param)
		}
		seen[s.Param] = true
	}
	if _, err := p.Tenant(ctx, id); err != nil {
		return nil, err
	}
	sorted := slices.Clone(settings)
	slices.SortFunc(sorted, func(a, b store.TenantSetting) int { return strings.Compare(a.Param, b.Param) })
	if err := p.live.SetTenantSettings(ctx, id, sorted); err != nil {
		return nil, notFoundAs(err, noTenant(id), "set settings of tenant "+id)
	}
	p.log.Info("tenant settings replaced", zap.String("tenant", id), zap.Int("settings", len(sorted)))
	if sorted == nil {
		sorted = []store.TenantSetting{}
	}
	return sorted, nil
}

// DeleteTenantSettings removes all of a tenant's settings.
func (p *Pool) DeleteTenantSettings(ctx context.Context, id string) error {
	_, err := p.SetTenantSettings(ctx, id, nil)
	return err
}
