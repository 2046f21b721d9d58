package handlers

import (
	"context"
	"fmt"
	"net/http"
	"sync"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/balancer"
	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

const msgServersUnreachable = "Unable to access server."

// serveGetMeetings asks every online, non-disabled server for its meetings
// at once and merges the caller's into one document (spec/scalelite.md §4.6,
// DESIGN §6.2). A server that fails is left out and logged: one broken server
// must not hide every other meeting.
func (h *Handler) serveGetMeetings(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := h.callContext(r)
	defer cancel()
	if err := h.requireLive(); err != nil {
		return h.fail(w, nil, "getMeetings", err, msgServersUnreachable)
	}
	a, err := h.readRequest(ctx, r, "getMeetings", formBody)
	if err != nil {
		return h.fail(w, nil, "getMeetings", err, msgServersUnreachable)
	}
	servers, err := h.live.Servers(ctx)
	if err != nil {
		return h.fail(w, a.log, "getMeetings", err, msgServersUnreachable)
	}
	var nodes [][]byte
	for _, ms := range h.fanOutGetMeetings(ctx, a.log, servers) {
		for _, m := range ms {
			// Without a tenant, meetings that carry one are not the
			// caller's.
			if m.Tenant == a.tenant.ID {
				nodes = append(nodes, m.Raw)
			}
		}
	}
	return bbb.WriteMeetings(w, nodes)
}

// fanOutGetMeetings calls getMeetings on every server that may run meetings,
// in parallel, and returns the answers in server order; a failed server's
// entry is nil.
func (h *Handler) fanOutGetMeetings(ctx context.Context, log *zap.Logger, servers []store.Server) [][]bbb.MeetingSummary {
	out := make([][]bbb.MeetingSummary, len(servers))
	var wg sync.WaitGroup
	for i, srv := range servers {
		if !srv.Online || srv.State == store.StateDisabled {
			continue
		}
		wg.Go(func() {
			defer func() {
				// A panic here would take the whole process down, not
				// just this request.
				if v := recover(); v != nil {
					log.Error("getMeetings fan-out panicked", zap.String("server", srv.ID), zap.Any("panic", v))
				}
			}()
			resp, err := h.client.GetMeetings(ctx, balancer.Target(srv))
			if err != nil {
				log.Warn("getMeetings: server left out", zap.String("server", srv.ID), zap.Error(err))
				return
			}
			if resp.ReturnCode != bbb.ReturnSuccess {
				log.Warn("getMeetings: server left out", zap.String("server", srv.ID),
					zap.Error(fmt.Errorf("returncode %s", resp.ReturnCode)))
				return
			}
			out[i] = resp.Meetings
		})
	}
	wg.Wait()
	return out
}

// serveGetMeetingsDisabled answers get_meetings_disabled: no meetings, and
// no checksum needed, so nothing about the pool leaks.
func (h *Handler) serveGetMeetingsDisabled(w http.ResponseWriter, _ *http.Request) error {
	return bbb.WriteMeetings(w, nil)
}
