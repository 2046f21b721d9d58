package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store/internal/schema"
)

// migrationFiles holds the schema, one numbered file per version
// (NNNN_name.sql), applied in order and never edited once released.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrations returns the embedded migrations in version order.
func migrations() ([]schema.Step, error) {
	return schema.Read(migrationFiles, "migrations")
}

// Migrate creates the database file (mode 0600) and its directory (0700) if
// needed and brings the schema up to date. Each version is applied in its own IMMEDIATE
// transaction that first checks whether it is still missing, so processes
// migrating the same file at once apply every version exactly once.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := migrations()
	if err != nil {
		return fmt.Errorf("sqlite: %w", err)
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return fmt.Errorf("sqlite: create directory of %s: %w", s.path, err)
	}
	// The file holds server and tenant secrets: create it private before
	// SQLite does (its -wal and -shm files copy these permissions).
	f, err := os.OpenFile(s.path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("sqlite: create %s: %w", s.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("sqlite: create %s: %w", s.path, err)
	}
	err = s.writeRetryingBusy(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (
			version    INTEGER PRIMARY KEY,
			name       TEXT NOT NULL,
			applied_at INTEGER NOT NULL
		)`)
		return err
	})
	if err != nil {
		return fmt.Errorf("sqlite: migrate %s: create version table: %w", s.path, err)
	}
	for _, m := range ms {
		err := s.writeRetryingBusy(ctx, func(tx *sql.Tx) error {
			var current int
			if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&current); err != nil {
				return fmt.Errorf("read version: %w", err)
			}
			if current > len(ms) {
				return fmt.Errorf("database schema version %d is newer than this build knows (%d)", current, len(ms))
			}
			if current >= m.Version {
				return nil
			}
			if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)`,
				m.Version, m.Name, time.Now().UnixNano())
			return err
		})
		if err != nil {
			return fmt.Errorf("sqlite: migrate %s to version %d (%s): %w", s.path, m.Version, m.Name, err)
		}
	}
	return nil
}

// writeRetryingBusy runs a migration step in a write transaction and starts
// it again while SQLite reports the file busy. Processes opening a new file at
// once race to switch it to WAL; in that race SQLite can refuse BEGIN
// IMMEDIATE at once, without waiting out the busy timeout, to avoid a
// deadlock. Each step checks the schema version inside its transaction, so
// running it again is safe.
func (s *Store) writeRetryingBusy(ctx context.Context, fn func(tx *sql.Tx) error) error {
	deadline := time.Now().Add(busyTimeoutMS * time.Millisecond)
	wait := 5 * time.Millisecond
	for {
		err := s.write(ctx, fn)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (after %w)", ctx.Err(), err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 200*time.Millisecond)
	}
}

// schemaVersion returns the schema version of the database, 0 before Migrate.
func (s *Store) schemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read(ctx, func(tx *sql.Tx) error {
		var tables int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'`).Scan(&tables); err != nil || tables == 0 {
			return err
		}
		return tx.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM schema_version`).Scan(&v)
	})
	if err != nil {
		return 0, fmt.Errorf("sqlite: schema version: %w", err)
	}
	return v, nil
}
