package module

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/postgres"
	"github.com/caddy-bbb/caddy-bbb/store/redis"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

// stores keeps open stores, and their connection pools, across config
// reloads, keyed by what defines them (backend, path or URL, prefix). A reload
// that keeps the store settings keeps the connections; one SQLite file that
// holds both live state and recordings is one entry used twice.
var stores = caddy.NewUsagePool()

// storeHandle is one open store in the pool.
type storeHandle struct {
	store interface{ Close() error }

	// migrateMu serializes Migrate; migrated records success so a reload
	// does not run the migrations again.
	migrateMu sync.Mutex
	migrated  bool
}

// Destruct closes a store no config uses any more. It does not wait: a
// reload must not block on connections that in-flight requests still hold.
func (h *storeHandle) Destruct() error {
	go h.store.Close() //nolint:errcheck // closing an unused pool; nothing to report to
	return nil
}

// migrate brings the store's schema up to date, once per open store.
func (h *storeHandle) migrate(ctx context.Context) error {
	m, ok := h.store.(store.Migrator)
	if !ok {
		return nil
	}
	h.migrateMu.Lock()
	defer h.migrateMu.Unlock()
	if h.migrated {
		return nil
	}
	if err := m.Migrate(ctx); err != nil {
		return err
	}
	h.migrated = true
	return nil
}

// openStore takes the store for key from the pool, opening it with open if no
// config holds it yet. Opening connects to nothing, so this is safe during
// `caddy validate`.
func (a *App) openStore(key string, open func() (interface{ Close() error }, error)) (*storeHandle, error) {
	v, _, err := stores.LoadOrNew(key, func() (caddy.Destructor, error) {
		s, err := open()
		if err != nil {
			return nil, err
		}
		return &storeHandle{store: s}, nil
	})
	if err != nil {
		return nil, err
	}
	a.storeKeys = append(a.storeKeys, key)
	return v.(*storeHandle), nil
}

// provisionStores opens the live and recordings stores the settings choose:
// live state in Redis when a Redis URL is set, else SQLite; recordings in
// PostgreSQL when a DSN is set, else SQLite.
func (a *App) provisionStores() error {
	s := a.settings
	var sqliteKey string
	if s.LiveInSQLite() || s.RecordingsInSQLite() {
		path, err := filepath.Abs(s.SQLitePath)
		if err != nil {
			return fmt.Errorf("store sqlite %s: %w", s.SQLitePath, err)
		}
		sqliteKey = "sqlite|" + path
		openSQLite := func() (interface{ Close() error }, error) { return sqlite.Open(path) }
		if s.LiveInSQLite() {
			h, err := a.openStore(sqliteKey, openSQLite)
			if err != nil {
				return fmt.Errorf("open sqlite store: %w", err)
			}
			a.live = h.store.(store.Live)
			a.storeHandles = append(a.storeHandles, h)
		}
		if s.RecordingsInSQLite() {
			h, err := a.openStore(sqliteKey, openSQLite)
			if err != nil {
				return fmt.Errorf("open sqlite store: %w", err)
			}
			a.recs = h.store.(store.Recordings)
			a.storeHandles = append(a.storeHandles, h)
		}
	}
	// A URL or DSN that Validate will reject is not opened here: Validate
	// reports it with the field's name, and the config load fails there.
	if !s.LiveInSQLite() && CheckRedisURL(s.RedisURL) == nil {
		routeRedisLogs()
		h, err := a.openStore("redis|"+s.RedisURL+"|"+s.RedisKeyPrefix, func() (interface{ Close() error }, error) {
			return redis.Open(s.RedisURL, s.RedisKeyPrefix)
		})
		if err != nil {
			// The URL may carry a password: name the backend, not the URL.
			return fmt.Errorf("open redis store: %w", err)
		}
		a.live = h.store.(store.Live)
		a.storeHandles = append(a.storeHandles, h)
	}
	if !s.RecordingsInSQLite() && CheckPostgresDSN(s.PostgresDSN) == nil {
		h, err := a.openStore("postgres|"+s.PostgresDSN, func() (interface{ Close() error }, error) {
			return postgres.Open(s.PostgresDSN)
		})
		if err != nil {
			return fmt.Errorf("open postgres store: %w", err)
		}
		a.recs = h.store.(store.Recordings)
		a.storeHandles = append(a.storeHandles, h)
	}
	return nil
}

// migrateStores runs the schema migrations of every store the app uses. It
// runs in Start, never in Provision, so `caddy validate` touches no database.
func (a *App) migrateStores(ctx context.Context) error {
	for _, h := range a.storeHandles {
		if err := h.migrate(ctx); err != nil {
			return fmt.Errorf("migrate store: %w", err)
		}
	}
	return nil
}

// releaseStores gives the stores back to the pool; the last config to use a
// store closes it.
func (a *App) releaseStores() error {
	var firstErr error
	for _, key := range a.storeKeys {
		if _, err := stores.Delete(key); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("release store: %w", err)
		}
	}
	a.storeKeys, a.storeHandles, a.live, a.recs = nil, nil, nil, nil
	return firstErr
}
