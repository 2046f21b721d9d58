package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// load stores the data set through UpsertRecording, from several workers at
// once: the importer's own path, so the load also shows how fast imports
// go. The first error stops every worker.
func load(ctx context.Context, s store.Recordings, d *dataset, workers int) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	progress := time.NewTicker(5 * time.Second)
	defer progress.Stop()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= d.n || ctx.Err() != nil {
					return
				}
				r := d.recording(i)
				callCtx, callCancel := context.WithTimeout(ctx, queryTimeout)
				_, err := s.UpsertRecording(callCtx, r)
				callCancel()
				if err != nil {
					cancel(fmt.Errorf("recording %d: %w", i, err))
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for {
		select {
		case <-done:
			return context.Cause(ctx)
		case <-progress.C:
			fmt.Fprintf(os.Stderr, "  … %d/%d\n", min(int(next.Load()), d.n), d.n)
		}
	}
}
