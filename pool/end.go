package pool

import (
	"context"
	"sync"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// endParallelism is how many end calls go to one server at once.
const endParallelism = 8

// target is how the pool calls a server: an offline one with the client's
// shortened timeouts, so a dead server does not hold an admin request up.
func target(s store.Server) bbb.Target {
	return bbb.Target{URL: s.URL, Secret: s.Secret, Offline: !s.Online}
}

// endMeetings sends end for each meeting to s, whose bindings the caller has
// already removed. Failures are logged, never returned: the bindings are gone
// either way, and a server that does not answer has nobody in its meetings
// we could still reach. All the calls together take at most EndTimeout.
func (p *Pool) endMeetings(ctx context.Context, s store.Server, meetings []store.Meeting) {
	if len(meetings) == 0 || p.client == nil {
		return
	}
	// The calls finish even if the admin request that asked for them is
	// cancelled: the bindings are already gone.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.EndTimeout)
	defer cancel()
	t := target(s)

	work := make(chan store.Meeting)
	var wg sync.WaitGroup
	for range min(endParallelism, len(meetings)) {
		wg.Go(func() {
			for m := range work {
				if _, err := p.client.End(ctx, t, m.ID); err != nil {
					p.log.Warn("end meeting failed",
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
			p.log.Warn("ending meetings stopped: out of time",
				zap.String("server", s.ID), zap.Duration("timeout", p.cfg.EndTimeout))
			return
		}
	}
}
