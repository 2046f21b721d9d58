package poller

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// errLeftAlone aborts a server update when an admin disabled the server
// while it was being polled: the poll's result no longer applies.
var errLeftAlone = errors.New("server disabled meanwhile")

// pollServer polls one server and records the result.
func (p *Poller) pollServer(ctx context.Context, s store.Server) outcome {
	target := bbb.Target{URL: s.URL, Secret: s.Secret}
	versionDue := p.versionDue(s)

	// Bindings created from here on may be missing from the answer; the
	// store keeps them.
	started := time.Now()
	callCtx, cancel := context.WithTimeout(ctx, p.cfg.callTimeout())
	meetings, err := p.getMeetings(callCtx, target)
	cancel()
	if ctx.Err() != nil {
		// The cycle ran out of time or was stopped: that says nothing
		// about the server.
		return outcome{id: s.ID, online: s.Online, skipped: true}
	}
	if err != nil {
		return p.recordFailure(ctx, s, err)
	}

	version := ""
	if versionDue {
		version = p.fetchVersion(ctx, s, target)
	}
	return p.recordSuccess(ctx, s, started, meetings, version)
}

// getMeetings asks a server for its meetings. An answer that cannot be read
// fails like any other answer that is not a BBB document.
func (p *Poller) getMeetings(ctx context.Context, target bbb.Target) ([]bbb.MeetingSummary, error) {
	answer, err := p.client.GetMeetings(ctx, target)
	if err != nil {
		return nil, err
	}
	return answer.Meetings, nil
}

// recordSuccess applies a successful poll: the meetings are synced, then the
// server's health, load and figures are updated.
func (p *Poller) recordSuccess(ctx context.Context, s store.Server, started time.Time, meetings []bbb.MeetingSummary, version string) outcome {
	o := outcome{id: s.ID, online: s.Online}
	fig := figures(meetings, time.Now(), p.cfg.LoadMinUserCount, p.cfg.LoadJoinBufferTime)

	var errs []error
	removed, err := p.live.SyncServerMeetings(ctx, s.ID, started, fig.seen)
	if err != nil {
		errs = append(errs, fmt.Errorf("poll %s: sync meetings: %w", s.ID, err))
	}
	o.removed = len(removed)
	for _, m := range removed {
		p.log.Debug("meeting ended", zap.String("server", s.ID),
			zap.String("tenant", m.Tenant), zap.String("meeting", m.ID))
	}

	var before store.Server
	after, err := p.live.UpdateServer(ctx, s.ID, func(srv *store.Server) error {
		before = *srv
		if srv.State == store.StateDisabled {
			return errLeftAlone
		}
		if version != "" {
			srv.BBBVersion = version
		}
		srv.UnhealthyCount = 0
		if !srv.Online {
			srv.HealthyCount++
			if srv.HealthyCount < p.cfg.HealthyThreshold {
				return nil
			}
			srv.Online = true
		}
		srv.HealthyCount = 0
		srv.Load = fig.rawLoad * multiplier(*srv)
		srv.Meetings = fig.meetings
		srv.Users = fig.users
		srv.LargestMeeting = fig.largestMeeting
		srv.Videos = fig.videos
		if srv.State == store.StateCordoned && fig.meetings == 0 {
			// Drained: like a new server, it must be enabled and polled
			// again before it takes meetings.
			srv.State = store.StateDisabled
			setOffline(srv)
		}
		return nil
	})
	switch {
	case errors.Is(err, errLeftAlone), errors.Is(err, store.ErrNotFound):
		o.skipped = true
		return withErr(o, errs)
	case err != nil:
		errs = append(errs, fmt.Errorf("poll %s: update server: %w", s.ID, err))
		return withErr(o, errs)
	}

	o.online = after.Online
	if after.State == store.StateDisabled {
		o.disabled = true
		p.log.Info("server disabled: cordoned and no meeting left", zap.String("server", s.ID))
	} else if after.Online && !before.Online {
		o.wentOnline = true
		p.log.Info("server online",
			zap.String("server", s.ID),
			zap.Float64("load", after.Load),
			zap.Int("meetings", after.Meetings),
			zap.String("bbb_version", after.BBBVersion))
	}
	return withErr(o, errs)
}

// recordFailure applies a failed poll; an online server that failed
// UnhealthyThreshold times in a row goes offline and loses its bindings.
func (p *Poller) recordFailure(ctx context.Context, s store.Server, callErr error) outcome {
	o := outcome{id: s.ID, online: s.Online, failed: true}
	var before store.Server
	after, err := p.live.UpdateServer(ctx, s.ID, func(srv *store.Server) error {
		before = *srv
		if srv.State == store.StateDisabled {
			return errLeftAlone
		}
		srv.HealthyCount = 0
		if !srv.Online {
			srv.UnhealthyCount = 0
			return nil
		}
		srv.UnhealthyCount++
		if srv.UnhealthyCount >= p.cfg.UnhealthyThreshold {
			setOffline(srv)
		}
		return nil
	})
	switch {
	case errors.Is(err, errLeftAlone), errors.Is(err, store.ErrNotFound):
		o.skipped = true
		return o
	case err != nil:
		o.err = fmt.Errorf("poll %s: update server: %w", s.ID, err)
		return o
	}
	o.online = after.Online
	if after.Online || !before.Online {
		p.log.Debug("server poll failed", zap.String("server", s.ID),
			zap.Int("unhealthy_count", after.UnhealthyCount), zap.Error(callErr))
		return o
	}

	// Marked offline first, so no new meeting lands on it while its
	// bindings are removed.
	o.wentOffline = true
	removed, err := p.live.RemoveServerMeetings(ctx, s.ID)
	if err != nil {
		o.err = fmt.Errorf("poll %s: remove meetings: %w", s.ID, err)
	}
	o.removed = len(removed)
	p.log.Info("server offline",
		zap.String("server", s.ID),
		zap.Int("failed_polls", p.cfg.UnhealthyThreshold),
		zap.Int("meetings_removed", len(removed)),
		zap.Error(callErr))
	p.endMeetings(ctx, after, removed)
	return o
}

// setOffline marks a server offline with no figures: an offline server has
// no meaningful load.
func setOffline(srv *store.Server) {
	srv.Online = false
	srv.HealthyCount = 0
	srv.UnhealthyCount = 0
	srv.Load = 0
	srv.Meetings = 0
	srv.Users = 0
	srv.LargestMeeting = 0
	srv.Videos = 0
}

func withErr(o outcome, errs []error) outcome {
	o.err = errors.Join(errs...)
	return o
}

// versionDue reports whether the server's index document should be fetched
// this cycle: the first time this Poller sees it, while it is offline (so a
// server coming back after an upgrade is noticed), and every VersionEvery
// cycles.
func (p *Poller) versionDue(s store.Server) bool {
	p.versionMu.Lock()
	defer p.versionMu.Unlock()
	last, seen := p.versionSeen[s.ID]
	return !seen || !s.Online || p.cycle-last >= uint64(p.cfg.VersionEvery)
}

// fetchVersion returns the server's BBB version, or "" when it cannot be
// told; that says nothing about the server's health.
func (p *Poller) fetchVersion(ctx context.Context, s store.Server, target bbb.Target) string {
	p.versionMu.Lock()
	p.versionSeen[s.ID] = p.cycle
	p.versionMu.Unlock()

	callCtx, cancel := context.WithTimeout(ctx, p.cfg.callTimeout())
	defer cancel()
	v, err := p.client.Version(callCtx, target)
	if err != nil {
		p.log.Debug("server version unknown", zap.String("server", s.ID), zap.Error(err))
		return ""
	}
	return v.BBBVersion
}
