package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"time"

	"go.uber.org/zap"
)

// healthPath is where load balancers and monitors probe the node.
const healthPath = "/health_check"

// healthTimeout bounds the store checks of /health_check; a load balancer's
// probe gives up after a few seconds, and a store that slow is not healthy.
const healthTimeout = 2 * time.Second

// pinger is a store as the health check sees it.
type pinger interface {
	Ping(ctx context.Context) error
}

// serveHealth answers /health_check: 200 "success" when the live and the
// recordings store both answer within healthTimeout, else 503 naming each
// store that does not. The answer is public, so it names the store and not
// the error, which may tell host names or paths; the error is logged.
func (h *Handler) serveHealth(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()

	checks := []struct {
		name  string
		store pinger
	}{
		{"live store", h.live},
		{"recordings store", h.recordings},
	}
	failures := make([]string, len(checks))
	var wg sync.WaitGroup
	for i, c := range checks {
		wg.Go(func() {
			failures[i] = h.checkStore(ctx, c.name, c.store)
		})
	}
	wg.Wait()

	var failed []string
	for _, f := range failures {
		if f != "" {
			failed = append(failed, f)
		}
	}
	status, body := http.StatusOK, "success"
	if len(failed) > 0 {
		status, body = http.StatusServiceUnavailable, "Health Check Failure: "+strings.Join(failed, "; ")
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method == http.MethodHead {
		return nil
	}
	_, err := w.Write([]byte(body))
	return err
}

// checkStore pings one store and returns "" when it answers, else what the
// health check reports about it.
func (h *Handler) checkStore(ctx context.Context, name string, s pinger) string {
	if s == nil {
		h.logger.Error("health check: store not available", zap.String("store", name))
		return name + ": not available"
	}
	err := s.Ping(ctx)
	if err == nil {
		return ""
	}
	h.logger.Error("health check: store does not answer", zap.String("store", name), zap.Error(err))
	if errors.Is(err, context.DeadlineExceeded) {
		return name + ": no answer within " + healthTimeout.String()
	}
	return name + ": not answering"
}
