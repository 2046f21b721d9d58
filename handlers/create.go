package handlers

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/balancer"
	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

const msgCreateFailed = "Unable to create meeting on server."

// serveCreate places a meeting on a server, or finds where it runs, and
// forwards the create there (spec/scalelite.md §4.2, DESIGN §6.3, §6.6).
//
// The operator's and tenant's parameter rules are applied to the request
// first; what the load balancer itself must decide (voice bridge, tenant
// metadata, server tag, duration cap, callback URLs) is set afterwards, so
// no rule can undo it.
func (h *Handler) serveCreate(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := h.callContext(r)
	defer cancel()
	if err := h.requireLive(); err != nil {
		return h.fail(w, nil, "create", err, msgCreateFailed)
	}
	a, err := h.readRequest(ctx, r, "create", createBody)
	if err != nil {
		return h.fail(w, nil, "create", err, msgCreateFailed)
	}
	id, err := a.meetingID()
	if err != nil {
		return h.fail(w, a.log, "create", err, msgCreateFailed)
	}
	log := a.log.With(zap.String("meeting", id))
	settings, err := h.tenantSettings(ctx, a)
	if err != nil {
		return h.fail(w, log, "create", err, msgCreateFailed)
	}

	rules := paramRules(h.settings.Create)
	tag := balancer.ParseTag(balancer.ResolveServerTag(a.params, rules, settings))
	params := balancer.ApplyRules(a.params, rules, settings)
	var external string
	if h.settings.UseExternalVoiceBridge {
		external = strings.TrimSpace(params.Get("voiceBridge"))
	}
	p, err := h.balancer.Place(ctx, balancer.PlaceRequest{
		Tenant:              a.tenant.ID,
		MeetingID:           id,
		Tag:                 tag,
		ModeratorPW:         params.Get("moderatorPW"),
		ExternalVoiceBridge: external,
	})
	var tagErr *balancer.TagUnavailableError
	switch {
	case errors.As(err, &tagErr):
		return bbb.WriteError(w, bbb.ServerTagUnavailable(tagErr.Tag))
	case errors.Is(err, balancer.ErrNoServer):
		log.Warn("no server available for a new meeting", zap.String("tag", tag.String()))
		return bbb.WriteError(w, bbb.InternalError("Could not find any available servers."))
	case err != nil:
		return h.fail(w, log, "create", err, msgCreateFailed)
	}
	log = log.With(zap.String("server", p.Server.ID))
	if p.Dropped != "" {
		log.Info("meeting placed anew: its server cannot run it", zap.String("previous_server", p.Dropped))
	}

	if p.Created {
		params.Set("moderatorPW", p.Meeting.ModeratorPW)
	}
	params.Set("voiceBridge", p.Meeting.VoiceBridge)
	if a.tenant.ID != "" {
		params.Set("meta_"+bbb.MetaTenantID, a.tenant.ID)
		params.Set("meta_tenant-name", a.tenant.Name)
	}
	if p.Server.Tag != "" {
		params.Set(balancer.ServerTagParam, p.Server.Tag)
	} else {
		params.Del(balancer.ServerTagParam)
	}
	balancer.CapDuration(&params, h.settings.MaxMeetingDuration)
	h.storeCallbacks(ctx, r, a, log, id, &params)

	target := balancer.Target(p.Server)
	var reply *bbb.Reply
	if len(a.xml) > 0 {
		reply, err = h.client.Post(ctx, target, "create", params, "application/xml", a.xml)
	} else {
		reply, err = h.client.Call(ctx, target, "create", params)
	}
	var ce *bbb.CallError
	if err != nil && errors.As(err, &ce) && ce.Kind == bbb.KindFailed && p.Created {
		// The server refused: the meeting does not run there, so the new
		// binding and its load must not wait for the poller to go.
		if uerr := h.balancer.Unplace(ctx, p); uerr != nil {
			log.Error("undo placement of a refused create", zap.Error(uerr))
		}
	}
	return h.passThrough(w, log, reply, err, msgCreateFailed)
}

// storeCallbacks takes the recording-ready and analytics callback URLs out of
// a create's parameters and keeps them for the load balancer to call. A
// store failure is logged, not fatal: the meeting matters more than a
// notification about it.
func (h *Handler) storeCallbacks(ctx context.Context, r *http.Request, a *apiRequest, log *zap.Logger, id string, params *bbb.Params) {
	ready := balancer.TakeRecordingReadyURL(params)
	analytics := balancer.RedirectAnalyticsCallback(params, r.Host)
	if ready == "" && analytics == "" {
		return
	}
	if h.recordings == nil {
		log.Error("cannot keep the meeting's callback URLs: the bbb app has no recordings store")
		return
	}
	err := h.recordings.PutCallback(ctx, store.CallbackData{
		Tenant:            a.tenant.ID,
		MeetingID:         id,
		RecordingReadyURL: ready,
		AnalyticsURL:      analytics,
	})
	if err != nil {
		log.Error("keep the meeting's callback URLs", zap.Error(err))
	}
}
