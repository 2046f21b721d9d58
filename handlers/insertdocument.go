package handlers

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/balancer"
	"github.com/caddy-bbb/caddy-bbb/bbb"
)

const msgInsertFailed = "Unable to insert document on server."

// serveInsertDocument forwards the XML body to the meeting's server as it
// came, with only the meetingID (spec/scalelite.md §4.7).
func (h *Handler) serveInsertDocument(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := h.callContext(r)
	defer cancel()
	if err := h.requireLive(); err != nil {
		return h.fail(w, nil, "insertDocument", err, msgInsertFailed)
	}
	a, err := h.readRequest(ctx, r, "insertDocument", xmlBody)
	if err != nil {
		return h.fail(w, nil, "insertDocument", err, msgInsertFailed)
	}
	id, err := a.meetingID()
	if err != nil {
		return h.fail(w, a.log, "insertDocument", err, msgInsertFailed)
	}
	log := a.log.With(zap.String("meeting", id))
	_, srv, err := h.meetingServer(ctx, a, id)
	if err != nil {
		return h.fail(w, log, "insertDocument", err, msgInsertFailed)
	}
	log = log.With(zap.String("server", srv.ID))
	params := bbb.Params{{Key: "meetingID", Value: id}}
	var reply *bbb.Reply
	if len(a.xml) > 0 {
		reply, err = h.client.Post(ctx, balancer.Target(srv), "insertDocument", params, "application/xml", a.xml)
	} else {
		reply, err = h.client.Call(ctx, balancer.Target(srv), "insertDocument", params)
	}
	return h.passThrough(w, log, reply, err, msgInsertFailed)
}
