package poller

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// endParallelism is how many end calls go to one offline server at once.
const endParallelism = 8

// endMeetings asks a server that went offline to end the meetings whose
// bindings were removed, so a server that comes back does not keep running
// meetings nobody can reach any more. The server is most likely dead: the
// calls use the client's offline timeouts, all of them together are bounded
// by EndTimeout, and failures are only logged.
func (p *Poller) endMeetings(ctx context.Context, s store.Server, meetings []store.Meeting) {
	if len(meetings) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, p.cfg.EndTimeout)
	defer cancel()
	target := bbb.Target{URL: s.URL, Secret: s.Secret, Offline: true}

	work := make(chan store.Meeting)
	var wg sync.WaitGroup
	for range min(endParallelism, len(meetings)) {
		wg.Go(func() {
			for m := range work {
				if _, err := p.client.End(ctx, target, m.ID); err != nil {
					p.log.Debug("end meeting on offline server failed",
						zap.String("server", s.ID), zap.String("tenant", m.Tenant),
						zap.String("meeting", m.ID), zap.Error(err))
				}
			}
		})
	}
	defer wg.Wait()
	defer close(work)
	for _, m := range meetings {
		select {
		case work <- m:
		case <-ctx.Done():
			p.log.Debug("ending meetings on offline server stopped", zap.String("server", s.ID), zap.Error(ctx.Err()))
			return
		}
	}
}
