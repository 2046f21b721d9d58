package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/caddy-bbb/caddy-bbb/store"
)

func scanTenant(row scanner) (store.Tenant, error) {
	var t store.Tenant
	var secrets string
	if err := row.Scan(&t.ID, &t.Name, &secrets); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return store.Tenant{}, store.ErrNotFound
		}
		return store.Tenant{}, err
	}
	if err := json.Unmarshal([]byte(secrets), &t.Secrets); err != nil {
		return store.Tenant{}, fmt.Errorf("decode secrets of tenant %s: %w", t.ID, err)
	}
	return t, nil
}

func encodeSecrets(secrets []string) (string, error) {
	if secrets == nil {
		secrets = []string{}
	}
	b, err := json.Marshal(secrets)
	return string(b), err
}

// Tenants returns every tenant, ordered by name.
func (s *Store) Tenants(ctx context.Context) ([]store.Tenant, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT id, name, secrets FROM tenants ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list tenants: %w", err)
	}
	defer rows.Close()
	var out []store.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, fmt.Errorf("sqlite: list tenants: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list tenants: %w", err)
	}
	return out, nil
}

// Tenant returns a tenant by id or store.ErrNotFound.
func (s *Store) Tenant(ctx context.Context, id string) (store.Tenant, error) {
	t, err := scanTenant(s.reader.QueryRowContext(ctx, `SELECT id, name, secrets FROM tenants WHERE id = ?`, id))
	if err != nil {
		return store.Tenant{}, fmt.Errorf("sqlite: tenant %s: %w", id, err)
	}
	return t, nil
}

// TenantByName returns a tenant by name or store.ErrNotFound.
func (s *Store) TenantByName(ctx context.Context, name string) (store.Tenant, error) {
	row, err := s.readStmts.queryRow(ctx, `SELECT id, name, secrets FROM tenants WHERE name = ?`, name)
	var t store.Tenant
	if err == nil {
		t, err = scanTenant(row)
	}
	if err != nil {
		return store.Tenant{}, fmt.Errorf("sqlite: tenant named %q: %w", name, err)
	}
	return t, nil
}

// AddTenant stores a new tenant; store.ErrConflict if its id or name is taken.
func (s *Store) AddTenant(ctx context.Context, t store.Tenant) error {
	secrets, err := encodeSecrets(t.Secrets)
	if err != nil {
		return fmt.Errorf("sqlite: add tenant %s: %w", t.ID, err)
	}
	_, err = s.writer.ExecContext(ctx, `INSERT INTO tenants (id, name, secrets) VALUES (?, ?, ?)`, t.ID, t.Name, secrets)
	if isUnique(err) {
		err = store.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("sqlite: add tenant %s: %w", t.ID, err)
	}
	return nil
}

// UpdateTenant replaces a tenant's name and secrets.
func (s *Store) UpdateTenant(ctx context.Context, t store.Tenant) error {
	secrets, err := encodeSecrets(t.Secrets)
	if err != nil {
		return fmt.Errorf("sqlite: update tenant %s: %w", t.ID, err)
	}
	res, err := s.writer.ExecContext(ctx, `UPDATE tenants SET name = ?, secrets = ? WHERE id = ?`, t.Name, secrets, t.ID)
	if isUnique(err) {
		err = store.ErrConflict
	}
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = store.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("sqlite: update tenant %s: %w", t.ID, err)
	}
	return nil
}

// DeleteTenant removes a tenant; its settings go with it (foreign key
// cascade). It returns store.ErrNotFound for an unknown tenant.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	res, err := s.writer.ExecContext(ctx, `DELETE FROM tenants WHERE id = ?`, id)
	if err == nil {
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = store.ErrNotFound
		}
	}
	if err != nil {
		return fmt.Errorf("sqlite: delete tenant %s: %w", id, err)
	}
	return nil
}

// TenantSettings returns a tenant's settings, ordered by param.
func (s *Store) TenantSettings(ctx context.Context, tenantID string) ([]store.TenantSetting, error) {
	rows, err := s.reader.QueryContext(ctx, `SELECT param, value, override FROM tenant_settings
		WHERE tenant_id = ? ORDER BY param`, tenantID)
	if err != nil {
		return nil, fmt.Errorf("sqlite: settings of tenant %s: %w", tenantID, err)
	}
	defer rows.Close()
	var out []store.TenantSetting
	for rows.Next() {
		var ts store.TenantSetting
		if err := rows.Scan(&ts.Param, &ts.Value, &ts.Override); err != nil {
			return nil, fmt.Errorf("sqlite: settings of tenant %s: %w", tenantID, err)
		}
		out = append(out, ts)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: settings of tenant %s: %w", tenantID, err)
	}
	return out, nil
}

// SetTenantSettings replaces all of a tenant's settings; of settings with
// the same param the last wins. store.ErrNotFound for an unknown tenant.
func (s *Store) SetTenantSettings(ctx context.Context, tenantID string, settings []store.TenantSetting) error {
	err := s.write(ctx, func(tx *sql.Tx) error {
		var exists int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM tenants WHERE id = ?`, tenantID).Scan(&exists); err != nil {
			return err
		}
		if exists == 0 {
			return store.ErrNotFound
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tenant_settings WHERE tenant_id = ?`, tenantID); err != nil {
			return err
		}
		for _, ts := range settings {
			_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO tenant_settings (tenant_id, param, value, override)
				VALUES (?, ?, ?, ?)`, tenantID, ts.Param, ts.Value, boolInt(ts.Override))
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("sqlite: set settings of tenant %s: %w", tenantID, err)
	}
	return nil
}
