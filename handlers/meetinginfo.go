package handlers

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/balancer"
	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// serveGetMeetingInfo proxies getMeetingInfo to the meeting's server with
// only the meetingID (spec/scalelite.md §4.5).
func (h *Handler) serveGetMeetingInfo(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := h.callContext(r)
	defer cancel()
	if err := h.requireLive(); err != nil {
		return h.fail(w, nil, "getMeetingInfo", err, msgMeetingUnreachable)
	}
	a, err := h.readRequest(ctx, r, "getMeetingInfo", formBody)
	if err != nil {
		return h.fail(w, nil, "getMeetingInfo", err, msgMeetingUnreachable)
	}
	id, err := a.meetingID()
	if err != nil {
		return h.fail(w, a.log, "getMeetingInfo", err, msgMeetingUnreachable)
	}
	log := a.log.With(zap.String("meeting", id))
	_, srv, err := h.meetingServer(ctx, a, id)
	if err != nil {
		return h.fail(w, log, "getMeetingInfo", err, msgMeetingUnreachable)
	}
	log = log.With(zap.String("server", srv.ID))
	reply, err := h.client.Call(ctx, balancer.Target(srv), "getMeetingInfo", bbb.Params{{Key: "meetingID", Value: id}})
	return h.passThrough(w, log, reply, err, msgMeetingUnreachable)
}
