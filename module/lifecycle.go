package module

import (
	"context"
	"fmt"
	"runtime/debug"
	"slices"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/poller"
	"github.com/caddy-bbb/caddy-bbb/recordings"
)

const (
	// migrateTimeout bounds the schema migrations at start. A database that
	// does not answer in time fails the start (or the reload, which then
	// keeps the running config) with a clear error instead of hanging it.
	migrateTimeout = 30 * time.Second
	// stopTimeout bounds how long Stop waits for the background work. A
	// reload holds Caddy's config lock while it waits; the work of a loop
	// that overstays is taken over through its lease anyway.
	stopTimeout = 10 * time.Second
)

// background is the app's long-running work: started in Start, stopped and
// waited for in Stop.
type background struct {
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// provisionWork builds the background workers from the settings. It starts
// nothing and touches no file: that is Start's job.
func (a *App) provisionWork() error {
	s := a.settings
	if a.live != nil {
		a.poller = poller.New(a.live, a.client, poller.Config{
			Interval:           s.PollInterval,
			ConnectTimeout:     s.ConnectTimeout,
			ResponseTimeout:    s.ResponseTimeout,
			HealthyThreshold:   s.HealthyThreshold,
			UnhealthyThreshold: s.UnhealthyThreshold,
			LoadMinUserCount:   s.LoadMinUserCount,
			LoadJoinBufferTime: s.LoadJoinBufferTime,
			OnCycle:            observePoll,
		}, a.logger.Named("poller"))
	}
	if a.live != nil && a.recs != nil && !s.Recordings.Disabled {
		r := s.Recordings
		im, err := recordings.NewImporter(recordings.ImporterConfig{
			SpoolDir:          r.SpoolDir,
			WorkDir:           r.WorkDir,
			PublishDir:        r.PublishDir,
			UnpublishDir:      r.UnpublishDir,
			ImportUnpublished: r.ImportUnpublished,
			Protected:         r.Protected,
			Secrets:           s.Secrets,
			// Scalelite signs recording-ready callbacks with HS512 only
			// when front-ends may not use sha256.
			CallbackHS512: !slices.Contains(s.ChecksumAlgorithms, bbb.SHA256),
			OnPass:        observeImport,
			OnCallback:    observeCallback,
		}, a.recs, a.live, a.logger.Named("importer"))
		if err != nil {
			return err
		}
		a.importer = im
	}
	return nil
}

// Start brings the stores' schemas up to date and starts the background
// work. Under a reload the new config starts before the old one stops; the
// leases in the live store keep their loops from working at the same time.
func (a *App) Start() error {
	ctx, cancel := context.WithTimeout(context.Background(), migrateTimeout)
	defer cancel()
	if err := a.migrateStores(ctx); err != nil {
		return err
	}
	bgCtx, bgCancel := context.WithCancel(context.Background())
	a.bg = &background{cancel: bgCancel}
	if a.poller != nil {
		a.goBackground(bgCtx, "poller", a.poller.Run)
	}
	if a.importer != nil {
		a.goBackground(bgCtx, "importer", func(ctx context.Context) {
			if err := a.importer.Run(ctx); err != nil && ctx.Err() == nil {
				a.logger.Error("recording importer stopped", zap.Error(err))
			}
		})
	}
	return nil
}

// goBackground runs fn until ctx is cancelled, logging a panic instead of
// letting it take the server down.
func (a *App) goBackground(ctx context.Context, name string, fn func(context.Context)) {
	a.bg.wg.Add(1)
	go func() {
		defer a.bg.wg.Done()
		defer func() {
			if v := recover(); v != nil {
				a.logger.Error("background work panicked and stopped",
					zap.String("worker", name), zap.String("panic", fmt.Sprint(v)), zap.ByteString("stack", debug.Stack()))
			}
		}()
		fn(ctx)
	}()
}

// Stop stops the background work and waits for it, at most stopTimeout.
func (a *App) Stop() error {
	if a.bg == nil {
		return nil
	}
	a.bg.cancel()
	done := make(chan struct{})
	go func() {
		a.bg.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stopTimeout):
		a.logger.Warn("background work still running after stop; leaving it to finish", zap.Duration("waited", stopTimeout))
	}
	a.bg = nil
	return nil
}

// Poller returns the app's poller, nil when the app has no live store.
func (a *App) Poller() *poller.Poller { return a.poller }

// Importer returns the app's recording importer, nil when recordings are
// disabled or the stores are missing.
func (a *App) Importer() *recordings.Importer { return a.importer }
