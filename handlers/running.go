package handlers

import (
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/balancer"
	"github.com/caddy-bbb/caddy-bbb/bbb"
)

// serveIsMeetingRunning asks the meeting's server; a meeting the caller has
// no binding for is answered locally as not running (spec/scalelite.md §4.5).
func (h *Handler) serveIsMeetingRunning(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := h.callContext(r)
	defer cancel()
	if err := h.requireLive(); err != nil {
		return h.fail(w, nil, "isMeetingRunning", err, msgMeetingUnreachable)
	}
	a, err := h.readRequest(ctx, r, "isMeetingRunning", formBody)
	if err != nil {
		return h.fail(w, nil, "isMeetingRunning", err, msgMeetingUnreachable)
	}
	id, err := a.meetingID()
	if err != nil {
		return h.fail(w, a.log, "isMeetingRunning", err, msgMeetingUnreachable)
	}
	log := a.log.With(zap.String("meeting", id))
	_, srv, err := h.meetingServer(ctx, a, id)
	if errors.Is(err, bbb.ErrMeetingNotFound) {
		return bbb.WriteXML(w, bbb.IsMeetingRunningResponse{ReturnCode: bbb.ReturnSuccess, Running: false})
	}
	if err != nil {
		return h.fail(w, log, "isMeetingRunning", err, msgMeetingUnreachable)
	}
	log = log.With(zap.String("server", srv.ID))
	reply, err := h.client.Call(ctx, balancer.Target(srv), "isMeetingRunning", bbb.Params{{Key: "meetingID", Value: id}})
	return h.passThrough(w, log, reply, err, msgMeetingUnreachable)
}
