// Package pool is the management core behind the admin API: adding, changing
// and removing BBB servers, syncing the pool from a servers document, ending
// meetings, and managing tenants and their settings. It works on a live store
// and a BBB client and knows nothing of Caddy or HTTP; the admin routes are
// thin glue over it.
//
// Errors tell the caller what went wrong by kind: an *InvalidError for a
// request that is malformed or breaks a rule, store.ErrNotFound for an unknown
// id, store.ErrConflict for a write that clashes with the current state.
package pool

import (
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// DefaultEndTimeout bounds how long one operation spends sending end calls to
// a server whose meetings it ends.
const DefaultEndTimeout = 30 * time.Second

// Config configures a Pool. Zero fields take the defaults.
type Config struct {
	// ServerIDIsHostname makes a new server's id the lower-cased host of its
	// URL instead of a random UUID, when no id is given.
	ServerIDIsHostname bool
	// EndTimeout bounds the end calls of one operation (disable, panic,
	// delete, sync); default DefaultEndTimeout.
	EndTimeout time.Duration
}

// Pool manages the servers, meetings and tenants kept in a live store. It
// holds no state of its own, so it is cheap to make one per request, and it
// is safe for concurrent use.
type Pool struct {
	live   store.Live
	client *bbb.Client
	cfg    Config
	log    *zap.Logger
}

// New returns a Pool over live that ends meetings through client. A nil
// logger logs nothing.
func New(live store.Live, client *bbb.Client, cfg Config, logger *zap.Logger) *Pool {
	if cfg.EndTimeout <= 0 {
		cfg.EndTimeout = DefaultEndTimeout
	}
	if logger == nil {
		logger = zap.NewNop()
	}
	return &Pool{live: live, client: client, cfg: cfg, log: logger}
}
