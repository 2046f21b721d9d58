package postgres

import (
	"context"
	"embed"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/caddy-bbb/caddy-bbb/store/internal/schema"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrateLockKey names the advisory lock Migrate holds; advisory locks are
// per database, so it only has to be unique among this project's locks.
const migrateLockKey int64 = 0x6262625f72656331 // "bbb_rec1"

// migrations returns the embedded migrations in version order.
func migrations() ([]schema.Step, error) {
	return schema.Read(migrationFiles, "migrations")
}

// Migrate applies the migrations this database has not seen yet. Several
// nodes may call it at once: the whole run is one transaction holding an
// advisory lock, so the others wait and then find nothing left to do, and a
// failed step leaves the schema as it was.
func (s *Store) Migrate(ctx context.Context) error {
	steps, err := migrations()
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", migrateLockKey); err != nil {
			return fmt.Errorf("lock: %w", err)
		}
		// Created under the lock: concurrent CREATE TABLE IF NOT EXISTS
		// can otherwise fail on the catalog's unique index.
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS bbb_schema_migrations (
			version    integer PRIMARY KEY,
			name       text NOT NULL,
			applied_at timestamptz NOT NULL DEFAULT now()
		)`); err != nil {
			return fmt.Errorf("create version table: %w", err)
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM bbb_schema_migrations").Scan(&current); err != nil {
			return fmt.Errorf("read schema version: %w", err)
		}
		if latest := steps[len(steps)-1].Version; current > latest {
			return fmt.Errorf("schema version %d is newer than this build knows (%d): upgrade caddy-bbb", current, latest)
		}
		for _, m := range steps {
			if m.Version <= current {
				continue
			}
			// Simple protocol: a migration may hold several statements.
			if _, err := tx.Exec(ctx, m.SQL, pgx.QueryExecModeSimpleProtocol); err != nil {
				return fmt.Errorf("apply %s: %w", m.Name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO bbb_schema_migrations (version, name) VALUES ($1, $2)", m.Version, m.Name); err != nil {
				return fmt.Errorf("record %s: %w", m.Name, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("postgres: migrate: %w", err)
	}
	return nil
}
