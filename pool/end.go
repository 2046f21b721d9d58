package pool

import (
	"context"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

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
	p.client.EndMeetings(ctx, target(s), store.MeetingIDs(meetings), func(id string, err error) {
		p.log.Warn("end meeting failed", zap.String("server", s.ID), zap.String("meeting", id), zap.Error(err))
	})
}
