package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	goredis "github.com/redis/go-redis/v9"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// Tenants returns every tenant, ordered by name: the name index, then the
// tenants in one pipeline.
func (s *Store) Tenants(ctx context.Context) ([]store.Tenant, error) {
	out, err := s.tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("redis: list tenants: %w", err)
	}
	return out, nil
}

func (s *Store) tenants(ctx context.Context) ([]store.Tenant, error) {
	names, err := s.rdb.HGetAll(ctx, s.key("tenant-names")).Result()
	if err != nil || len(names) == 0 {
		return nil, err
	}
	pipe := s.rdb.Pipeline()
	cmds := make([]*goredis.MapStringStringCmd, 0, len(names))
	for _, id := range names {
		cmds = append(cmds, pipe.HGetAll(ctx, s.key("tenant:", id)))
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, err
	}
	out := make([]store.Tenant, 0, len(cmds))
	for _, cmd := range cmds {
		h := cmd.Val()
		if len(h) == 0 {
			continue // deleted since the names were read
		}
		t, err := decodeTenant(h)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b store.Tenant) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// Tenant returns a tenant by id or store.ErrNotFound.
func (s *Store) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	h, err := s.rdb.HGetAll(ctx, s.key("tenant:", id)).Result()
	if err == nil && len(h) == 0 {
		err = store.ErrNotFound
	}
	var t store.Tenant
	if err == nil {
		t, err = decodeTenant(h)
	}
	if err != nil {
		return store.Tenant{}, fmt.Errorf("redis: tenant %s: %w", id, err)
	}
	return t, nil
}

// TenantByName returns a tenant by name, in one script call, or
// store.ErrNotFound.
func (s *Store) TenantByName(ctx context.Context, name string) (store.Tenant, error) {
	v, err := tenantByNameScript.Run(ctx, s.rdb, nil, s.prefix, name).Result()
	var h map[string]string
	if err == nil {
		h, err = hashFromReply(v)
	}
	if err == nil && len(h) == 0 {
		err = store.ErrNotFound
	}
	var t store.Tenant
	if err == nil {
		t, err = decodeTenant(h)
	}
	if err != nil {
		return store.Tenant{}, fmt.Errorf("redis: tenant named %q: %w", name, err)
	}
	return t, nil
}

// AddTenant stores a new tenant; store.ErrConflict if its id or name is
// taken.
func (s *Store) AddTenant(ctx context.Context, t store.Tenant) error {
	secrets, err := encodeSecrets(t.Secrets)
	if err != nil {
		return fmt.Errorf("redis: add tenant %s: %w", t.ID, err)
	}
	n, err := addTenantScript.Run(ctx, s.rdb, nil, s.prefix, t.ID, t.Name, secrets).Int()
	if err == nil && n == 0 {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("redis: add tenant %s: %w", t.ID, err)
	}
	return nil
}

// UpdateTenant replaces a tenant's name and secrets; store.ErrNotFound, or
// store.ErrConflict if the new name is taken by another tenant.
func (s *Store) UpdateTenant(ctx context.Context, t store.Tenant) error {
	secrets, err := encodeSecrets(t.Secrets)
	if err != nil {
		return fmt.Errorf("redis: update tenant %s: %w", t.ID, err)
	}
	n, err := updateTenantScript.Run(ctx, s.rdb, nil, s.prefix, t.ID, t.Name, secrets).Int()
	if err == nil {
		switch n {
		case 0:
			err = store.ErrConflict
		case -1:
			err = store.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("redis: update tenant %s: %w", t.ID, err)
	}
	return nil
}

// DeleteTenant removes a tenant and its settings; store.ErrNotFound for an
// unknown tenant.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	n, err := deleteTenantScript.Run(ctx, s.rdb, nil, s.prefix, id).Int()
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("redis: delete tenant %s: %w", id, err)
	}
	return nil
}

// TenantSettings returns a tenant's settings, ordered by param.
func (s *Store) TenantSettings(ctx context.Context, tenantID string) ([]store.TenantSetting, error) {
	h, err := s.rdb.HGetAll(ctx, s.key("tenant-settings:", tenantID)).Result()
	if err != nil {
		return nil, fmt.Errorf("redis: settings of tenant %s: %w", tenantID, err)
	}
	out := make([]store.TenantSetting, 0, len(h))
	for param, v := range h {
		ts, err := decodeSetting(param, v)
		if err != nil {
			return nil, fmt.Errorf("redis: settings of tenant %s: %w", tenantID, err)
		}
		out = append(out, ts)
	}
	slices.SortFunc(out, func(a, b store.TenantSetting) int { return strings.Compare(a.Param, b.Param) })
	return out, nil
}

// SetTenantSettings replaces all of a tenant's settings in one script; of
// settings with the same param the last wins. store.ErrNotFound for an
// unknown tenant.
func (s *Store) SetTenantSettings(ctx context.Context, tenantID string, settings []store.TenantSetting) error {
	args := make([]any, 0, 2+2*len(settings))
	args = append(args, s.prefix, tenantID)
	for _, ts := range settings {
		args = append(args, ts.Param, encodeSetting(ts))
	}
	n, err := setTenantSettingsScript.Run(ctx, s.rdb, nil, args...).Int()
	if err == nil && n == 0 {
		err = store.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("redis: set settings of tenant %s: %w", tenantID, err)
	}
	return nil
}

func decodeTenant(h map[string]string) (store.Tenant, error) {
	t := store.Tenant{ID: h["id"], Name: h["name"]}
	if v := h["secrets"]; v != "" {
		if err := json.Unmarshal([]byte(v), &t.Secrets); err != nil {
			// Not the value: it holds secrets.
			return store.Tenant{}, fmt.Errorf("tenant %s: undecodable secrets list", t.ID)
		}
	}
	return t, nil
}

func encodeSecrets(secrets []string) (string, error) {
	if secrets == nil {
		secrets = []string{}
	}
	b, err := json.Marshal(secrets)
	if err != nil {
		return "", fmt.Errorf("encode secrets: %w", err)
	}
	return string(b), nil
}

// A setting's hash value is "1:" (override) or "0:" (default) and the value.
func encodeSetting(ts store.TenantSetting) string {
	return boolString(ts.Override) + ":" + ts.Value
}

func decodeSetting(param, v string) (store.TenantSetting, error) {
	flag, value, ok := strings.Cut(v, ":")
	if !ok || (flag != "0" && flag != "1") {
		return store.TenantSetting{}, fmt.Errorf("setting %s: malformed stored value", param)
	}
	return store.TenantSetting{Param: param, Value: value, Override: flag == "1"}, nil
}
