package module

import (
	"context"
	"time"
)

// migrateTimeout bounds the schema migrations at start. A database that does
// not answer in time fails the start (or the reload, which then keeps the
// running config) with a clear error instead of hanging it.
const migrateTimeout = 30 * time.Second

// Start brings the stores' schemas up to date and starts the background work.
func (a *App) Start() error {
	ctx, cancel := context.WithTimeout(context.Background(), migrateTimeout)
	defer cancel()
	if err := a.migrateStores(ctx); err != nil {
		return err
	}
	return nil
}

// Stop stops the background work and waits for it.
func (a *App) Stop() error { return nil }
