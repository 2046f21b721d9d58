package caddyfile

import (
	"github.com/caddyserver/caddy/v2/caddyconfig/caddyfile"

	"github.com/caddy-bbb/caddy-bbb/module"
)

// parseStore parses the embedded store line:
//
//	store sqlite [<path>]
//
// Without a path the file is bbb/bbb.db under Caddy's data directory.
func parseStore(d *caddyfile.Dispenser, a *module.App, seen once) error {
	if err := seen.check(d, "store", a.Store.SQLite != nil); err != nil {
		return err
	}
	args := d.RemainingArgs()
	if len(args) == 0 || len(args) > 2 {
		return d.ArgErr()
	}
	if args[0] != "sqlite" {
		return d.Errf("store: unknown store %q: want sqlite (use the redis and postgres options for the others)", args[0])
	}
	cfg := new(module.SQLiteConfig)
	if len(args) == 2 {
		if args[1] == "" {
			return d.Errf("store sqlite: empty path")
		}
		cfg.Path = args[1]
	}
	a.Store.SQLite = cfg
	return noBlock(d, "store")
}

// parseRedis parses the Redis live store:
//
//	redis <url> {
//		key_prefix <prefix>   # default "bbb:"
//	}
//
// The block is optional.
func parseRedis(d *caddyfile.Dispenser, a *module.App, seen once) error {
	if err := seen.check(d, "redis", a.Store.Redis != nil); err != nil {
		return err
	}
	if !d.NextArg() {
		return d.ArgErr()
	}
	cfg := &module.RedisConfig{URL: d.Val()}
	if d.NextArg() {
		return d.ArgErr()
	}
	if cfg.URL == "" {
		return d.Errf("redis: empty URL")
	}
	if !module.HasPlaceholder(cfg.URL) {
		if err := module.CheckRedisURL(cfg.URL); err != nil {
			return d.Errf("redis: %v", err)
		}
	}
	for nesting := d.Nesting(); d.NextBlock(nesting); {
		switch d.Val() {
		case "key_prefix":
			if cfg.KeyPrefix != "" {
				return d.Errf("redis key_prefix: set twice")
			}
			v, err := oneArg(d, "key_prefix")
			if err != nil {
				return err
			}
			if v == "" {
				return d.Errf("redis key_prefix: empty prefix")
			}
			cfg.KeyPrefix = v
		default:
			return d.Errf("unrecognized redis option %q", d.Val())
		}
	}
	a.Store.Redis = cfg
	return nil
}

// parsePostgres parses the PostgreSQL recordings store:
//
//	postgres <dsn>
//
// The DSN is a postgres:// URL or libpq key=value pairs; quote the latter.
func parsePostgres(d *caddyfile.Dispenser, a *module.App, seen once) error {
	if err := seen.check(d, "postgres", a.Store.Postgres != nil); err != nil {
		return err
	}
	v, err := oneArg(d, "postgres")
	if err != nil {
		return err
	}
	if err := checkLiteral(d, "postgres", v, module.CheckPostgresDSN); err != nil {
		return err
	}
	a.Store.Postgres = &module.PostgresConfig{DSN: v}
	return nil
}
