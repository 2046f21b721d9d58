// Package postgres is the PostgreSQL backend of store.Recordings, for a
// cluster of caddy-bbb nodes sharing one database. It keeps recordings, their
// metadata and playback formats, and the callback data captured at create.
package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// Store is a store.Recordings and store.Migrator on a PostgreSQL database.
// It is safe for concurrent use; every method takes its connection from a
// pool, so a database that restarts is reconnected to without reopening.
type Store struct {
	pool *pgxpool.Pool
}

var (
	_ store.Recordings = (*Store)(nil)
	_ store.Migrator   = (*Store)(nil)
)

// Open prepares a Store for dsn, a libpq key=value string or a postgres://
// URL. It does not connect: the pool dials on first use, so Open is safe
// while Caddy only validates a config. Call Migrate before the first query.
func Open(dsn string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("postgres: parse dsn: %w", err)
	}
	rp := cfg.ConnConfig.RuntimeParams
	// Prefix LIKE filters can use an index only when the planner sees the
	// pattern, which a generic plan of a cached statement does not; the
	// queries are cheap to plan, so always plan them for their parameters.
	if _, set := rp["plan_cache_mode"]; !set {
		rp["plan_cache_mode"] = "force_custom_plan"
	}
	// Parallel workers take milliseconds to start, more than these queries
	// take; a query answered in one process has the steadier latency.
	if _, set := rp["max_parallel_workers_per_gather"]; !set {
		rp["max_parallel_workers_per_gather"] = "0"
	}
	if _, set := rp["application_name"]; !set {
		rp["application_name"] = "caddy-bbb"
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: new pool: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.pool.Ping(ctx); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// Close closes every connection of the pool, waiting for those in use.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}
