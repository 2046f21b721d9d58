package recgen

import (
	"context"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// CallTimeout bounds one store call of a benchmark; a slower call is a
// failure, not a figure.
const CallTimeout = 10 * time.Second

// Load stores the data set through UpsertRecording, from several workers at
// once: the importer's own path, so the load also shows how fast imports
// go. It reports progress to progress every few seconds. The first error
// stops every worker.
func Load(ctx context.Context, s store.Recordings, d *Dataset, workers int, progress io.Writer) error {
	if workers < 1 {
		return fmt.Errorf("load: %d workers", workers)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var (
		next atomic.Int64
		wg   sync.WaitGroup
	)
	tick := time.NewTicker(5 * time.Second)
	defer tick.Stop()
	for range workers {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= d.N || ctx.Err() != nil {
					return
				}
				callCtx, callCancel := context.WithTimeout(ctx, CallTimeout)
				_, err := s.UpsertRecording(callCtx, d.Recording(i))
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
		case <-tick.C:
			fmt.Fprintf(progress, "  … %d/%d\n", min(int(next.Load()), d.N), d.N)
		}
	}
}
