package handlers

import (
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/balancer"
	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

const msgMeetingUnreachable = "Unable to access meeting on server."

// serveEnd removes the meeting's binding, then asks its server to end it
// (spec/scalelite.md §4.4). The binding goes first and in every case: a
// client that ends a meeting wants it gone here even if its server does not
// answer.
func (h *Handler) serveEnd(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := h.callContext(r)
	defer cancel()
	if err := h.requireLive(); err != nil {
		return h.fail(w, nil, "end", err, msgMeetingUnreachable)
	}
	a, err := h.readRequest(ctx, r, "end", formBody)
	if err != nil {
		return h.fail(w, nil, "end", err, msgMeetingUnreachable)
	}
	id, err := a.meetingID()
	if err != nil {
		return h.fail(w, a.log, "end", err, msgMeetingUnreachable)
	}
	log := a.log.With(zap.String("meeting", id))
	_, srv, err := h.meetingServer(ctx, a, id)
	if err != nil {
		return h.fail(w, log, "end", err, msgMeetingUnreachable)
	}
	log = log.With(zap.String("server", srv.ID))
	if _, err := h.live.DeleteMeeting(ctx, a.tenant.ID, id); err != nil && !errors.Is(err, store.ErrNotFound) {
		return h.fail(w, log, "end", err, msgMeetingUnreachable)
	}
	// Only these two are forwarded: the end call takes nothing else.
	params := bbb.Params{{Key: "meetingID", Value: id}}
	if pw, ok := a.params.Lookup("password"); ok {
		params.Add("password", pw)
	}
	reply, err := h.client.Call(ctx, balancer.Target(srv), "end", params)
	return h.passThrough(w, log, reply, err, msgMeetingUnreachable)
}
