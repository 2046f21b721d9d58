package balancer

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// Config holds the settings placement depends on.
type Config struct {
	// LoadMinUserCount is the number of users a new meeting is expected to
	// bring (load_min_user_count).
	LoadMinUserCount int
	// VoiceBridgeLength is the number of digits of generated voice bridges.
	VoiceBridgeLength int
	// Multitenancy makes placement keep one meeting ID of different tenants
	// on different servers (DESIGN §6.9).
	Multitenancy bool
}

// Balancer binds meetings to servers. It is safe for concurrent use.
type Balancer struct {
	live   store.Live
	client *bbb.Client
	cfg    Config

	// reserve serialises choosing a server and adding the new meeting's
	// load to it, so that concurrent creates on this node each see the load
	// the previous one added. Without it a burst would read the same loads
	// and pile onto one server.
	reserve sync.Mutex
}

// New returns a Balancer over the live store; client is used to ask a
// cordoned server whether a meeting still runs there.
func New(live store.Live, client *bbb.Client, cfg Config) *Balancer {
	if cfg.VoiceBridgeLength <= 0 {
		cfg.VoiceBridgeLength = 9
	}
	return &Balancer{live: live, client: client, cfg: cfg}
}

// PlaceRequest is a create as placement sees it.
type PlaceRequest struct {
	Tenant    string
	MeetingID string
	Tag       TagRequest
	// ModeratorPW is stored with a new binding; empty means a random one.
	ModeratorPW string
	// ExternalVoiceBridge is tried first for a new binding; empty for none.
	ExternalVoiceBridge string
}

// Placement is the binding a create goes to.
type Placement struct {
	Meeting store.Meeting
	Server  store.Server
	// Created is set when this call made the binding (a new meeting).
	Created bool
	// Dropped is the server id of a previous binding that was given up
	// because its server could no longer run the meeting; "" if none.
	Dropped string
}

// Place returns the server a create for the meeting goes to. An existing
// binding is kept while its server is enabled and online, or cordoned and
// still running the meeting; otherwise it is dropped and the meeting placed
// anew (DESIGN §6.3). A new meeting goes to the server ChooseServer picks,
// which at once carries the meeting's expected load. Errors: ErrNoServer,
// *TagUnavailableError, store.ErrNoVoiceBridge, or a store failure.
func (b *Balancer) Place(ctx context.Context, req PlaceRequest) (Placement, error) {
	var dropped string
	m, srv, err := b.live.MeetingServer(ctx, req.Tenant, req.MeetingID)
	switch {
	case err == nil:
		if b.keep(ctx, m, srv) {
			return Placement{Meeting: m, Server: srv}, nil
		}
		if err := b.drop(ctx, m); err != nil {
			return Placement{}, err
		}
		dropped = srv.ID
	case errors.Is(err, store.ErrNotFound):
		// Either no binding, or one whose server was removed; the latter
		// must go, or it would block the meeting forever (Scalelite #1037).
		m, err := b.live.Meeting(ctx, req.Tenant, req.MeetingID)
		if err == nil {
			if err := b.drop(ctx, m); err != nil {
				return Placement{}, err
			}
			dropped = m.ServerID
		} else if !errors.Is(err, store.ErrNotFound) {
			return Placement{}, fmt.Errorf("look up meeting %q: %w", req.MeetingID, err)
		}
	default:
		return Placement{}, fmt.Errorf("look up meeting %q: %w", req.MeetingID, err)
	}
	p, err := b.placeNew(ctx, req)
	p.Dropped = dropped
	return p, err
}

// keep reports whether an existing binding stays on its server.
func (b *Balancer) keep(ctx context.Context, m store.Meeting, srv store.Server) bool {
	switch {
	case !srv.Online || srv.State == store.StateDisabled:
		return false
	case srv.State == store.StateCordoned:
		// A cordoned server keeps the meetings it runs, but one that ended
		// there must start elsewhere (Scalelite PR #1260). Any failure to
		// get a clear "running" counts as not running.
		if b.client == nil {
			return false
		}
		running, err := b.client.IsMeetingRunning(ctx, Target(srv), m.ID)
		return err == nil && running
	}
	return true
}

// drop removes a binding that is being replaced; one already gone is fine.
func (b *Balancer) drop(ctx context.Context, m store.Meeting) error {
	if _, err := b.live.DeleteMeeting(ctx, m.Tenant, m.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("drop binding of meeting %q on %s: %w", m.ID, m.ServerID, err)
	}
	return nil
}

func (b *Balancer) placeNew(ctx context.Context, req PlaceRequest) (Placement, error) {
	skip, err := b.otherTenantServers(ctx, req.Tenant, req.MeetingID)
	if err != nil {
		return Placement{}, err
	}
	srv, load, err := b.chooseAndReserve(ctx, req.Tag, skip)
	if err != nil {
		return Placement{}, err
	}
	pw := req.ModeratorPW
	if pw == "" {
		pw = RandomPassword()
	}
	bridges := VoiceBridges(req.Tenant, req.MeetingID, b.cfg.VoiceBridgeLength, DefaultVoiceBridgeCandidates, req.ExternalVoiceBridge)
	bound, created, err := b.live.BindMeeting(ctx, store.Meeting{
		Tenant:       req.Tenant,
		ID:           req.MeetingID,
		ServerID:     srv.ID,
		ModeratorPW:  pw,
		CreatedAt:    time.Now(),
		ExpectedLoad: load,
	}, bridges)
	if err != nil || !created {
		// The reserved load was for a meeting that will not run there.
		if uerr := b.live.AddServerLoad(ctx, srv.ID, -load); uerr != nil {
			err = errors.Join(err, fmt.Errorf("release load on %s: %w", srv.ID, uerr))
		}
	}
	if err != nil {
		return Placement{}, fmt.Errorf("bind meeting %q to %s: %w", req.MeetingID, srv.ID, err)
	}
	if !created {
		// A concurrent create won; go where it went.
		srv, err = b.live.Server(ctx, bound.ServerID)
		if err != nil {
			return Placement{}, fmt.Errorf("server %s of meeting %q: %w", bound.ServerID, req.MeetingID, err)
		}
		return Placement{Meeting: bound, Server: srv}, nil
	}
	srv.Load += load
	return Placement{Meeting: bound, Server: srv, Created: true}, nil
}

// chooseAndReserve picks a server and adds the new meeting's expected load
// to it in one critical section.
func (b *Balancer) chooseAndReserve(ctx context.Context, tag TagRequest, skip map[string]bool) (store.Server, float64, error) {
	b.reserve.Lock()
	defer b.reserve.Unlock()
	servers, err := b.live.PlaceableServers(ctx)
	if err != nil {
		return store.Server{}, 0, fmt.Errorf("list placeable servers: %w", err)
	}
	srv, err := ChooseServer(servers, tag, func(s store.Server) bool { return skip[s.ID] })
	if err != nil {
		return store.Server{}, 0, err
	}
	load := MeetingLoad(b.cfg.LoadMinUserCount, srv.LoadMultiplier)
	if err := b.live.AddServerLoad(ctx, srv.ID, load); err != nil {
		return store.Server{}, 0, fmt.Errorf("reserve load on %s: %w", srv.ID, err)
	}
	return srv, load, nil
}

// otherTenantServers returns the servers on which another tenant runs a
// meeting with this id: BBB knows a meeting by its id alone, so two tenants'
// meetings of one id must not share a server (DESIGN §6.9).
func (b *Balancer) otherTenantServers(ctx context.Context, tenant, id string) (map[string]bool, error) {
	if !b.cfg.Multitenancy && tenant == "" {
		return nil, nil
	}
	all, err := b.live.Meetings(ctx, store.MeetingFilter{ID: id, AnyTenant: true})
	if err != nil {
		return nil, fmt.Errorf("list meetings: %w", err)
	}
	var skip map[string]bool
	for _, m := range all {
		if m.Tenant != tenant {
			if skip == nil {
				skip = map[string]bool{}
			}
			skip[m.ServerID] = true
		}
	}
	return skip, nil
}

// Unplace undoes a placement this call created, when the server refused the
// create: the meeting does not run there, so neither the binding nor its
// load should stay until the next poll. A reused binding is left alone.
func (b *Balancer) Unplace(ctx context.Context, p Placement) error {
	if !p.Created {
		return nil
	}
	var errs []error
	if _, err := b.live.DeleteMeeting(ctx, p.Meeting.Tenant, p.Meeting.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		errs = append(errs, fmt.Errorf("remove binding of meeting %q: %w", p.Meeting.ID, err))
	}
	if err := b.live.AddServerLoad(ctx, p.Server.ID, -p.Meeting.ExpectedLoad); err != nil {
		errs = append(errs, fmt.Errorf("release load on %s: %w", p.Server.ID, err))
	}
	return errors.Join(errs...)
}

// AddJoin adds one user's load to the server a join goes to.
func (b *Balancer) AddJoin(ctx context.Context, srv store.Server) error {
	if err := b.live.AddServerLoad(ctx, srv.ID, JoinLoad(srv.LoadMultiplier)); err != nil {
		return fmt.Errorf("add join load to %s: %w", srv.ID, err)
	}
	return nil
}

// Target returns how to call a server; an offline one gets short timeouts.
func Target(s store.Server) bbb.Target {
	return bbb.Target{URL: s.URL, Secret: s.Secret, Offline: !s.Online}
}

const passwordAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// RandomPassword returns 8 random alphanumerics, the moderator password BBB
// itself would make up.
func RandomPassword() string {
	return randomFrom(passwordAlphabet, 8)
}

func randomFrom(alphabet string, n int) string {
	// 62 does not divide 256: bytes from 248 up are rejected to keep the
	// characters uniform.
	limit := 256 - 256%len(alphabet)
	out := make([]byte, 0, n)
	var buf [16]byte
	for len(out) < n {
		rand.Read(buf[:])
		for _, c := range buf {
			if int(c) < limit && len(out) < n {
				out = append(out, alphabet[int(c)%len(alphabet)])
			}
		}
	}
	return string(out)
}
