package module

import (
	"fmt"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// clients keeps the BBB clients, and with them their pools of keep-alive
// connections to the BBB servers, across config reloads. The key is the
// client's configuration: an unchanged reload reuses the warm pool.
var clients = caddy.NewUsagePool()

type clientHandle struct{ *bbb.Client }

// Destruct closes the idle connections of a client no config uses any more.
func (c clientHandle) Destruct() error {
	c.Close()
	return nil
}

// provisionClient takes the BBB client for the effective settings from the
// pool. Creating one opens no connection, so it is safe during validate.
func (a *App) provisionClient() error {
	cfg := bbb.ClientConfig{
		ConnectTimeout:  a.settings.ConnectTimeout,
		ResponseTimeout: a.settings.ResponseTimeout,
		Algorithm:       a.settings.OutboundChecksum,
	}
	key := fmt.Sprintf("bbb-client|%s|%s|%s", cfg.ConnectTimeout, cfg.ResponseTimeout, cfg.Algorithm)
	v, _, err := clients.LoadOrNew(key, func() (caddy.Destructor, error) {
		return clientHandle{bbb.NewClient(cfg)}, nil
	})
	if err != nil {
		return fmt.Errorf("bbb client: %w", err)
	}
	a.client, a.clientKey = v.(clientHandle).Client, key
	return nil
}

// Client returns the client the app uses to call BBB servers.
func (a *App) Client() *bbb.Client { return a.client }

// releaseClient gives the client back to the pool.
func (a *App) releaseClient() error {
	if a.clientKey == "" {
		return nil
	}
	_, err := clients.Delete(a.clientKey)
	a.clientKey, a.client = "", nil
	if err != nil {
		return fmt.Errorf("release bbb client: %w", err)
	}
	return nil
}
