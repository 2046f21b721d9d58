package pool

import (
	"context"
	"errors"
	"fmt"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// MeetingInfo is a live meeting: its binding and the URL of its server ("" if
// the server is gone).
type MeetingInfo struct {
	store.Meeting
	ServerURL string
}

// MeetingQuery narrows Meetings; empty fields do not filter.
type MeetingQuery struct {
	// Tenant is a tenant id or name; empty lists every tenant's meetings.
	Tenant   string
	ServerID string
}

// Meetings lists live meetings, ordered by tenant, then id.
func (p *Pool) Meetings(ctx context.Context, q MeetingQuery) ([]MeetingInfo, error) {
	f := store.MeetingFilter{ServerID: q.ServerID, AnyTenant: true}
	if q.Tenant != "" {
		id, err := p.ResolveTenant(ctx, q.Tenant)
		if err != nil {
			return nil, err
		}
		f.Tenant, f.AnyTenant = id, false
	}
	if q.ServerID != "" {
		if _, err := p.Server(ctx, q.ServerID); err != nil {
			return nil, err
		}
	}
	meetings, err := p.live.Meetings(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	servers, err := p.Servers(ctx)
	if err != nil {
		return nil, err
	}
	urls := make(map[string]string, len(servers))
	for _, s := range servers {
		urls[s.ID] = s.URL
	}
	out := make([]MeetingInfo, len(meetings))
	for i, m := range meetings {
		out[i] = MeetingInfo{Meeting: m, ServerURL: urls[m.ServerID]}
	}
	return out, nil
}

// Meeting returns one live meeting. tenant is a tenant id or name, "" for a
// meeting without tenant.
func (p *Pool) Meeting(ctx context.Context, tenant, id string) (MeetingInfo, error) {
	m, srv, err := p.meetingServer(ctx, tenant, id)
	if err != nil {
		return MeetingInfo{}, err
	}
	return MeetingInfo{Meeting: m, ServerURL: srv.URL}, nil
}

// EndMeeting removes a meeting's binding and asks its server to end it; a
// failed end call is logged, the binding is gone either way. It returns the
// removed binding.
func (p *Pool) EndMeeting(ctx context.Context, tenant, id string) (store.Meeting, error) {
	m, srv, err := p.meetingServer(ctx, tenant, id)
	if err != nil {
		return store.Meeting{}, err
	}
	removed, err := p.live.DeleteMeeting(ctx, m.Tenant, m.ID)
	if err != nil {
		return store.Meeting{}, notFoundAs(err, noMeeting(tenant, id), "end meeting "+id)
	}
	if srv.ID != "" {
		p.endMeetings(ctx, srv, []store.Meeting{removed})
	}
	p.log.Info("meeting ended", zap.String("tenant", removed.Tenant), zap.String("meeting", removed.ID),
		zap.String("server", removed.ServerID))
	return removed, nil
}

// meetingServer returns a meeting's binding and its server; the server is
// the zero value when the binding points at a server that is gone. A tenant
// that is not known is taken as a tenant id, so the meetings of a deleted
// tenant can still be looked at and ended.
func (p *Pool) meetingServer(ctx context.Context, tenant, id string) (store.Meeting, store.Server, error) {
	tenantID, err := p.ResolveTenant(ctx, tenant)
	if errors.Is(err, store.ErrNotFound) {
		tenantID, err = tenant, nil
	}
	if err != nil {
		return store.Meeting{}, store.Server{}, err
	}
	m, srv, err := p.live.MeetingServer(ctx, tenantID, id)
	if err == nil {
		return m, srv, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return store.Meeting{}, store.Server{}, fmt.Errorf("get meeting %s: %w", id, err)
	}
	m, err = p.live.Meeting(ctx, tenantID, id)
	if err != nil {
		return store.Meeting{}, store.Server{}, notFoundAs(err, noMeeting(tenant, id), "get meeting "+id)
	}
	return m, store.Server{}, nil
}

// ResolveTenant returns the id of the tenant ref names, by id or by name; ""
// stays "", which is no tenant.
func (p *Pool) ResolveTenant(ctx context.Context, ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	t, err := p.live.Tenant(ctx, ref)
	if err == nil {
		return t.ID, nil
	}
	if !errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("get tenant %s: %w", ref, err)
	}
	t, err = p.live.TenantByName(ctx, ref)
	if err != nil {
		return "", notFoundAs(err, noTenant(ref), "get tenant "+ref)
	}
	return t.ID, nil
}

func noMeeting(tenant, id string) error {
	if tenant == "" {
		return fmt.Errorf("no meeting %q: %w", id, store.ErrNotFound)
	}
	return fmt.Errorf("no meeting %q of tenant %q: %w", id, tenant, store.ErrNotFound)
}
