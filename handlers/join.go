package handlers

import (
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/balancer"
	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

const msgJoinFailed = "Unable to join meeting."

// serveJoin redirects the user to the join URL of the meeting's server,
// signed with that server's secret (spec/scalelite.md §4.3). A cordoned
// server still takes joins: its meetings run on.
func (h *Handler) serveJoin(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := h.callContext(r)
	defer cancel()
	if err := h.requireLive(); err != nil {
		return h.fail(w, nil, "join", err, msgJoinFailed)
	}
	a, err := h.readRequest(ctx, r, "join", formBody)
	if err != nil {
		return h.fail(w, nil, "join", err, msgJoinFailed)
	}
	id, err := a.meetingID()
	if err != nil {
		return h.fail(w, a.log, "join", err, msgJoinFailed)
	}
	log := a.log.With(zap.String("meeting", id))
	_, srv, err := h.meetingServer(ctx, a, id)
	if err != nil {
		return h.fail(w, log, "join", err, msgJoinFailed)
	}
	log = log.With(zap.String("server", srv.ID))
	if !srv.Online || srv.State == store.StateDisabled {
		return bbb.WriteError(w, bbb.ErrServerUnavailable)
	}
	settings, err := h.tenantSettings(ctx, a)
	if err != nil {
		return h.fail(w, log, "join", err, msgJoinFailed)
	}
	// The user is coming whatever the load figure says; a failed update is
	// corrected by the next poll.
	if err := h.balancer.AddJoin(ctx, srv); err != nil {
		log.Warn("count join load", zap.Error(err))
	}
	params := balancer.ApplyRules(a.params, paramRules(h.settings.Join), settings)
	w.Header().Set("Location", bbb.SignedURL(srv.URL, "join", params, srv.Secret, h.outboundAlgorithm()))
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusFound)
	return nil
}

// outboundAlgorithm is the checksum algorithm of URLs the load balancer signs
// for BBB servers.
func (h *Handler) outboundAlgorithm() bbb.Algorithm {
	if h.client != nil {
		return h.client.Algorithm()
	}
	if h.settings.OutboundChecksum != "" {
		return h.settings.OutboundChecksum
	}
	return bbb.SHA256
}
