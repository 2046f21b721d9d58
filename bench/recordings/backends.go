package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/postgres"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

func sqliteBackend(path string, keep bool) backend {
	return backend{
		name: "sqlite",
		open: func(ctx context.Context) (store.Recordings, func() error, error) {
			cleanup := func() error { return nil }
			if path == "" {
				dir, err := os.MkdirTemp("", "bbb-bench-*")
				if err != nil {
					return nil, nil, err
				}
				path = filepath.Join(dir, "bench.db")
				cleanup = func() error { return os.RemoveAll(dir) }
				if keep {
					cleanup = func() error {
						fmt.Fprintln(os.Stderr, "sqlite: kept", path)
						return nil
					}
				}
			} else if _, err := os.Stat(path); err == nil {
				return nil, nil, fmt.Errorf("%s exists: the benchmark wants a new file", path)
			}
			s, err := sqlite.Open(path)
			if err != nil {
				return nil, nil, errors.Join(err, cleanup())
			}
			if err := s.Migrate(ctx); err != nil {
				return nil, nil, errors.Join(err, s.Close(), cleanup())
			}
			return s, cleanup, nil
		},
	}
}

// postgresBackend works in a scratch database it creates on the server and
// drops at the end, so it never touches data of its own.
func postgresBackend(adminDSN string, keep bool) backend {
	var dsn string
	return backend{
		name: "postgres",
		open: func(ctx context.Context) (store.Recordings, func() error, error) {
			var b [6]byte
			if _, err := rand.Read(b[:]); err != nil {
				return nil, nil, err
			}
			name := "bbbbench_" + hex.EncodeToString(b[:])
			if err := adminExec(ctx, adminDSN, "CREATE DATABASE "+name+" TEMPLATE template0"); err != nil {
				return nil, nil, fmt.Errorf("create scratch database: %w", err)
			}
			cleanup := func() error {
				if keep {
					fmt.Fprintln(os.Stderr, "postgres: kept database", name)
					return nil
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				return adminExec(ctx, adminDSN, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			}
			var err error
			if dsn, err = withDatabase(adminDSN, name); err != nil {
				return nil, nil, errors.Join(err, cleanup())
			}
			s, err := postgres.Open(dsn)
			if err != nil {
				return nil, nil, errors.Join(err, cleanup())
			}
			if err := s.Migrate(ctx); err != nil {
				return nil, nil, errors.Join(err, s.Close(), cleanup())
			}
			return s, cleanup, nil
		},
		// Autovacuum would get there within a minute or so; the benchmark
		// does not wait for it.
		afterLoad: func(ctx context.Context) error { return adminExec(ctx, dsn, "VACUUM ANALYZE") },
	}
}

func adminExec(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	_, err = conn.Exec(ctx, sql)
	return errors.Join(err, conn.Close(ctx))
}

// withDatabase returns dsn pointed at another database.
func withDatabase(dsn, name string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("parse dsn: %w", err)
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return dsn + " dbname=" + name, nil
}
