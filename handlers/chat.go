package handlers

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/balancer"
)

const msgChatFailed = "Unable to send chat message on server."

// serveSendChatMessage proxies BBB 3.0's sendChatMessage to the meeting's
// server with the request's parameters (DESIGN §6.11).
func (h *Handler) serveSendChatMessage(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := h.callContext(r)
	defer cancel()
	if err := h.requireLive(); err != nil {
		return h.fail(w, nil, "sendChatMessage", err, msgChatFailed)
	}
	a, err := h.readRequest(ctx, r, "sendChatMessage", formBody)
	if err != nil {
		return h.fail(w, nil, "sendChatMessage", err, msgChatFailed)
	}
	id, err := a.meetingID()
	if err != nil {
		return h.fail(w, a.log, "sendChatMessage", err, msgChatFailed)
	}
	log := a.log.With(zap.String("meeting", id))
	_, srv, err := h.meetingServer(ctx, a, id)
	if err != nil {
		return h.fail(w, log, "sendChatMessage", err, msgChatFailed)
	}
	log = log.With(zap.String("server", srv.ID))
	params := a.params.Clone()
	params.Del("checksum")
	reply, err := h.client.Call(ctx, balancer.Target(srv), "sendChatMessage", params)
	return h.passThrough(w, log, reply, err, msgChatFailed)
}
