package main

import (
	"context"
	"errors"

	"github.com/caddy-bbb/caddy-bbb/bench/internal/recgen"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/postgres"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

func sqliteBackend(path string, keep bool) backend {
	return backend{
		name: "sqlite",
		open: func(ctx context.Context) (store.Recordings, func() error, error) {
			path, cleanup, err := recgen.NewSQLitePath(path, keep)
			if err != nil {
				return nil, nil, err
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
			var (
				drop func() error
				err  error
			)
			dsn, drop, err = recgen.ScratchPostgres(ctx, adminDSN, keep)
			if err != nil {
				return nil, nil, err
			}
			s, err := postgres.Open(dsn)
			if err != nil {
				return nil, nil, errors.Join(err, drop())
			}
			if err := s.Migrate(ctx); err != nil {
				return nil, nil, errors.Join(err, s.Close(), drop())
			}
			return s, drop, nil
		},
		afterLoad: func(ctx context.Context) error { return recgen.Exec(ctx, dsn, "VACUUM ANALYZE") },
	}
}
