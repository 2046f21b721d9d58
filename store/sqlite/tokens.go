package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// PutToken stores a one-time token for ttl. Expired tokens are swept here,
// so the table stays as small as the number of live tokens.
func (s *Store) PutToken(ctx context.Context, token string, t store.Token, ttl time.Duration) error {
	now := time.Now()
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM tokens WHERE expires_at <= ?`, now.UnixNano()); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT OR REPLACE INTO tokens (token, record_id, format, expires_at)
			VALUES (?, ?, ?, ?)`, token, t.RecordID, t.Format, now.Add(ttl).UnixNano())
		return err
	})
	if err != nil {
		// The token itself is a credential: keep it out of the message.
		return fmt.Errorf("sqlite: put token for recording %s: %w", t.RecordID, err)
	}
	return nil
}

// ConsumeToken deletes a token and returns it if it had not expired. The
// delete is one statement, so of concurrent consumers only one gets the row.
func (s *Store) ConsumeToken(ctx context.Context, token string) (store.Token, error) {
	var t store.Token
	var expires int64
	err := s.writer.QueryRowContext(ctx, `DELETE FROM tokens WHERE token = ? RETURNING record_id, format, expires_at`,
		token).Scan(&t.RecordID, &t.Format, &expires)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && expires <= time.Now().UnixNano()) {
		return store.Token{}, fmt.Errorf("sqlite: consume token: %w", store.ErrNotFound)
	}
	if err != nil {
		return store.Token{}, fmt.Errorf("sqlite: consume token: %w", err)
	}
	return t, nil
}

// AcquireLease takes the lease if it is free or expired, or renews it if
// holder has it, in one upsert.
func (s *Store) AcquireLease(ctx context.Context, name, holder string, ttl time.Duration) (bool, error) {
	now := time.Now()
	res, err := s.writer.ExecContext(ctx, `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
		WHERE leases.holder = excluded.holder OR leases.expires_at <= ?`,
		name, holder, now.Add(ttl).UnixNano(), now.UnixNano())
	if err != nil {
		return false, fmt.Errorf("sqlite: acquire lease %s: %w", name, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("sqlite: acquire lease %s: %w", name, err)
	}
	return n == 1, nil
}

// ReleaseLease frees the lease if holder holds it.
func (s *Store) ReleaseLease(ctx context.Context, name, holder string) error {
	_, err := s.writer.ExecContext(ctx, `DELETE FROM leases WHERE name = ? AND holder = ?`, name, holder)
	if err != nil {
		return fmt.Errorf("sqlite: release lease %s: %w", name, err)
	}
	return nil
}

// LoadOrStoreValue returns the value of key, storing value first if the key
// has none.
func (s *Store) LoadOrStoreValue(ctx context.Context, key, value string) (string, error) {
	var stored string
	err := s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT value FROM kv WHERE key = ?`, key).Scan(&stored)
	})
	if err != nil {
		return "", fmt.Errorf("sqlite: load or store value %s: %w", key, err)
	}
	return stored, nil
}
