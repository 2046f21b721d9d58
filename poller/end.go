package poller

import (
	"context"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// endMeetings asks a server that went offline to end the meetings whose
// bindings were removed, so a server that comes back does not keep running
// meetings nobody can reach any more. The server is most likely dead: the
// calls use the client's offline timeouts, all of them together are bounded
// by EndTimeout, and failures are only logged.
func (p *Poller) endMeetings(ctx context.Context, s store.Server, meetings []store.Meeting) {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.EndTimeout)
	defer cancel()
	target := bbb.Target{URL: s.URL, Secret: s.Secret, Offline: true}
	p.client.EndMeetings(ctx, target, store.MeetingIDs(meetings), func(id string, err error) {
		p.log.Debug("end meeting on offline server failed",
			zap.String("server", s.ID), zap.String("meeting", id), zap.Error(err))
	})
}
