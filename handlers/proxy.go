package handlers

import (
	"context"
	"errors"
	"net/http"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// passThrough answers with a BBB server's reply: its document as received,
// FAILED ones included, so clients see BBB's own keys and messages. Only when
// there is no BBB document (unreachable, timeout, garbage) does the client
// get internalError with msg.
func (h *Handler) passThrough(w http.ResponseWriter, log *zap.Logger, reply *bbb.Reply, err error, msg string) error {
	var ce *bbb.CallError
	switch {
	case err == nil:
		return bbb.WriteXMLBytes(w, reply.Body)
	case reply != nil && errors.As(err, &ce) && ce.Kind == bbb.KindFailed:
		log.Debug("BBB server answered FAILED", zap.String("key", ce.Key))
		return bbb.WriteXMLBytes(w, reply.Body)
	}
	log.Warn("call to BBB server failed", zap.Error(err))
	return bbb.WriteError(w, bbb.InternalError(msg))
}

// meetingServer returns a meeting of the caller's tenant and its server, or
// the notFound error: another tenant's meeting does not exist for the caller.
func (h *Handler) meetingServer(ctx context.Context, a *apiRequest, id string) (store.Meeting, store.Server, error) {
	m, srv, err := h.live.MeetingServer(ctx, a.tenant.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		return m, srv, bbb.ErrMeetingNotFound
	}
	return m, srv, err
}

// tenantSettings returns the caller's tenant settings; none without a tenant.
func (h *Handler) tenantSettings(ctx context.Context, a *apiRequest) ([]store.TenantSetting, error) {
	if a.tenant.ID == "" {
		return nil, nil
	}
	return h.live.TenantSettings(ctx, a.tenant.ID)
}
