package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/bench/internal/caddyrun"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// simServer is a simulated BBB server served on a listener of our own, so
// the benchmark can count the TCP connections made to it.
type simServer struct {
	sim   *bbbsim.Sim
	srv   *http.Server
	addr  string
	conns atomic.Int64
	done  chan struct{}
}

func startSim(secret string) (*simServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("listen for bbbsim: %w", err)
	}
	s := &simServer{
		sim:  bbbsim.New(bbbsim.Options{Secret: secret, Version: "3.0.9"}),
		addr: ln.Addr().String(),
		done: make(chan struct{}),
	}
	s.srv = &http.Server{
		Handler:           s.sim,
		ReadHeaderTimeout: 10 * time.Second,
		ConnState: func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				s.conns.Add(1)
			}
		},
	}
	go func() {
		defer close(s.done)
		// Serve returns ErrServerClosed after close, the only way it ends.
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// url is the API base URL, as a server is registered with.
func (s *simServer) url() string { return "http://" + s.addr + bbbsim.APIPath }

func (s *simServer) close() {
	_ = s.srv.Close()
	<-s.done
	_ = s.sim.Close()
}

// caddyConfig returns the JSON config of the Caddy under test: admin off,
// storage and the bbb app's SQLite store under dir, no poll during the run
// (the servers are registered online), and two HTTP servers on loopback:
// lbAddr with a respond route and the bbb handler, proxyAddr with a
// reverse_proxy to upstream.
func caddyConfig(dir, secret, lbAddr, proxyAddr, upstream string) ([]byte, error) {
	respond := caddyrun.Handle("static_response", map[string]any{"body": "ok"})
	respond["match"] = []any{map[string]any{"path": []string{"/respond"}}}
	respond["terminal"] = true
	return caddyrun.Config(dir, caddyrun.AdminOff, map[string]any{
		"bbb": map[string]any{
			"secrets":       []string{secret},
			"store":         map[string]any{"sqlite": map[string]any{"path": filepath.Join(dir, "bbb.db")}},
			"poll_interval": "1h",
		},
		"http": map[string]any{
			"servers": map[string]any{
				"lb": caddyrun.Server(lbAddr, respond, caddyrun.Handle("bbb", nil)),
				"proxy": caddyrun.Server(proxyAddr, caddyrun.Handle("reverse_proxy", map[string]any{
					"upstreams": []any{map[string]any{"dial": upstream}},
				})),
			},
		},
	})
}

// loadCaddy runs a config in this process and returns the bbb app's live
// store.
func loadCaddy(cfg []byte) (store.Live, error) {
	app, err := caddyrun.LoadBBB(cfg)
	if err != nil {
		return nil, err
	}
	return app.Live(), nil
}

// registerOnline adds servers as enabled and online, as the poller would
// leave them, so no poll is needed before the run.
func registerOnline(ctx context.Context, live store.Live, sims []*simServer) error {
	for i, s := range sims {
		err := live.AddServer(ctx, store.Server{
			ID:             fmt.Sprintf("sim%02d", i),
			URL:            s.url(),
			Secret:         s.sim.Secret(),
			State:          store.StateEnabled,
			Online:         true,
			LoadMultiplier: 1,
		})
		if err != nil {
			return fmt.Errorf("register sim%02d: %w", i, err)
		}
	}
	return nil
}
