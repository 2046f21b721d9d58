package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/recgen"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/postgres"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

// backend is a recordings store under test.
type backend struct {
	name string
	// prepare creates the recordings database, in dir where it is a file,
	// and loads d into it. It returns the bbb app's "store" config for it
	// and what removes it, beyond dir, once Caddy no longer uses it.
	prepare func(ctx context.Context, dir string, d *recgen.Dataset, workers int) (storeConfig map[string]any, cleanup func() error, err error)
}

// sqliteBackend keeps live state and recordings in one SQLite file, as a
// single-node installation does.
func sqliteBackend() backend {
	return backend{
		name: "sqlite",
		prepare: func(ctx context.Context, dir string, d *recgen.Dataset, workers int) (map[string]any, func() error, error) {
			// The file goes with dir.
			path := filepath.Join(dir, "bbb.db")
			s, err := sqlite.Open(path)
			if err != nil {
				return nil, nil, err
			}
			if err := loadAndClose(ctx, "sqlite", s, d, workers); err != nil {
				return nil, nil, err
			}
			return map[string]any{"sqlite": map[string]any{"path": path}}, func() error { return nil }, nil
		},
	}
}

// postgresBackend keeps recordings in a scratch database it creates on the
// server of adminDSN and drops at the end; live state stays in a SQLite
// file, which getRecordings only reads with multitenancy (the tenant).
func postgresBackend(adminDSN string) backend {
	return backend{
		name: "postgres",
		prepare: func(ctx context.Context, dir string, d *recgen.Dataset, workers int) (map[string]any, func() error, error) {
			dsn, drop, err := recgen.ScratchPostgres(ctx, adminDSN, false)
			if err != nil {
				return nil, nil, err
			}
			s, err := postgres.Open(dsn)
			if err != nil {
				return nil, nil, errors.Join(err, drop())
			}
			if err := loadAndClose(ctx, "postgres", s, d, workers); err != nil {
				return nil, nil, errors.Join(err, drop())
			}
			// Autovacuum would get there within a minute or so; the
			// benchmark does not wait for it.
			if err := recgen.Exec(ctx, dsn, "VACUUM ANALYZE"); err != nil {
				return nil, nil, errors.Join(fmt.Errorf("vacuum analyze: %w", err), drop())
			}
			return map[string]any{
				"sqlite":   map[string]any{"path": filepath.Join(dir, "postgres-live.db")},
				"postgres": map[string]any{"dsn": dsn},
			}, drop, nil
		},
	}
}

// migratingRecordings is a recordings store with a schema to create.
type migratingRecordings interface {
	store.Recordings
	store.Migrator
}

// loadAndClose creates the schema, loads the data set and closes the store:
// Caddy opens its own.
func loadAndClose(ctx context.Context, name string, s migratingRecordings, d *recgen.Dataset, workers int) (err error) {
	defer func() { err = errors.Join(err, s.Close()) }()
	if err := s.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	began := time.Now()
	if err := recgen.Load(ctx, s, d, workers, os.Stderr); err != nil {
		return fmt.Errorf("load: %w", err)
	}
	took := time.Since(began)
	fmt.Fprintf(os.Stderr, "%s: loaded %d recordings in %v (%.0f/s)\n",
		name, d.N, took.Round(time.Millisecond), float64(d.N)/took.Seconds())
	return nil
}
