package pool

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"go.uber.org/zap"

	"github.com/caddy-bbb/caddy-bbb/store"
)

// NewServer is what it takes to add a server.
type NewServer struct {
	// ID is optional: without one the server gets a random UUID, or the
	// lower-cased URL host with Config.ServerIDIsHostname.
	ID     string
	URL    string
	Secret string
	// LoadMultiplier weighs the server's load; nil means 1.
	LoadMultiplier *float64
	Tag            string
}

// ServerUpdate changes some of a server's settings; nil fields are kept. A
// Tag pointing at "" removes the tag.
type ServerUpdate struct {
	URL            *string
	Secret         *string
	LoadMultiplier *float64
	Tag            *string
}

// Servers returns every server, ordered by id.
func (p *Pool) Servers(ctx context.Context) ([]store.Server, error) {
	servers, err := p.live.Servers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list servers: %w", err)
	}
	return servers, nil
}

// Server returns one server.
func (p *Pool) Server(ctx context.Context, id string) (store.Server, error) {
	s, err := p.live.Server(ctx, id)
	if err != nil {
		return store.Server{}, notFoundAs(err, noServer(id), "get server "+id)
	}
	return s, nil
}

// AddServer adds a server. It starts disabled and offline: an operator
// enables it, and the poller brings it online once it answers.
func (p *Pool) AddServer(ctx context.Context, in NewServer) (store.Server, error) {
	u, err := checkServerURL(in.URL)
	if err != nil {
		return store.Server{}, err
	}
	if err := checkSecret("a server", in.Secret); err != nil {
		return store.Server{}, err
	}
	mult := 1.0
	if in.LoadMultiplier != nil {
		mult = *in.LoadMultiplier
	}
	if err := checkLoadMultiplier(mult); err != nil {
		return store.Server{}, err
	}
	if err := checkTag(in.Tag); err != nil {
		return store.Server{}, err
	}
	id := in.ID
	switch {
	case id != "":
	case p.cfg.ServerIDIsHostname:
		id = strings.ToLower(u.Hostname())
	default:
		id = newUUID()
	}
	if err := checkServerID(id); err != nil {
		return store.Server{}, err
	}
	s := store.Server{
		ID:             id,
		URL:            in.URL,
		Secret:         in.Secret,
		Tag:            in.Tag,
		State:          store.StateDisabled,
		LoadMultiplier: mult,
	}
	if err := p.live.AddServer(ctx, s); err != nil {
		if errors.Is(err, store.ErrConflict) {
			return store.Server{}, fmt.Errorf("server %q already exists: %w", id, store.ErrConflict)
		}
		return store.Server{}, fmt.Errorf("add server %s: %w", id, err)
	}
	p.log.Info("server added", zap.String("server", id))
	return s, nil
}

// UpdateServer changes a server's url, secret, load multiplier or tag.
func (p *Pool) UpdateServer(ctx context.Context, id string, up ServerUpdate) (store.Server, error) {
	if up.URL != nil {
		if _, err := checkServerURL(*up.URL); err != nil {
			return store.Server{}, err
		}
	}
	if up.Secret != nil {
		if err := checkSecret("a server", *up.Secret); err != nil {
			return store.Server{}, err
		}
	}
	if up.LoadMultiplier != nil {
		if err := checkLoadMultiplier(*up.LoadMultiplier); err != nil {
			return store.Server{}, err
		}
	}
	if up.Tag != nil {
		if err := checkTag(*up.Tag); err != nil {
			return store.Server{}, err
		}
	}
	s, err := p.live.UpdateServer(ctx, id, func(s *store.Server) error {
		applyUpdate(s, up)
		return nil
	})
	if err != nil {
		return store.Server{}, notFoundAs(err, noServer(id), "update server "+id)
	}
	p.log.Info("server updated", zap.String("server", id))
	return s, nil
}

// applyUpdate sets the fields up carries. A new multiplier rescales the load
// at once, so placement does not wait for the next poll to see it.
func applyUpdate(s *store.Server, up ServerUpdate) {
	if up.URL != nil {
		s.URL = *up.URL
	}
	if up.Secret != nil {
		s.Secret = *up.Secret
	}
	if up.LoadMultiplier != nil {
		if s.LoadMultiplier > 0 {
			s.Load = s.Load / s.LoadMultiplier * *up.LoadMultiplier
		}
		s.LoadMultiplier = *up.LoadMultiplier
	}
	if up.Tag != nil {
		s.Tag = *up.Tag
	}
}

// EnableServer lets a server receive new meetings once it is online.
func (p *Pool) EnableServer(ctx context.Context, id string) (store.Server, error) {
	return p.setState(ctx, id, store.StateEnabled)
}

// CordonServer stops new meetings going to a server; its meetings go on, and
// the poller disables it once they have all ended.
func (p *Pool) CordonServer(ctx context.Context, id string) (store.Server, error) {
	return p.setState(ctx, id, store.StateCordoned)
}

func (p *Pool) setState(ctx context.Context, id string, state store.ServerState) (store.Server, error) {
	s, err := p.live.UpdateServer(ctx, id, func(s *store.Server) error {
		s.State = state
		return nil
	})
	if err != nil {
		return store.Server{}, notFoundAs(err, noServer(id), fmt.Sprintf("set server %s %s", id, state))
	}
	p.log.Info("server state set", zap.String("server", id), zap.String("state", string(state)))
	return s, nil
}

// DisableServer takes a server out of the pool: it is disabled first, so no
// new meeting lands on it, then its meetings are ended (bindings removed, end
// sent to the server). It returns the server and the meetings it ended.
func (p *Pool) DisableServer(ctx context.Context, id string) (store.Server, []store.Meeting, error) {
	s, before, err := p.disable(ctx, id)
	if err != nil {
		return store.Server{}, nil, err
	}
	ended, err := p.endServerMeetings(ctx, before)
	p.log.Info("server disabled", zap.String("server", id), zap.Int("meetings_ended", len(ended)))
	return s, ended, err
}

// PanicServer ends every meeting of a server at once, as when it misbehaves:
// bindings removed, end sent. The server is then disabled, unless keepState
// asks to leave its state as it is.
func (p *Pool) PanicServer(ctx context.Context, id string, keepState bool) (store.Server, []store.Meeting, error) {
	s, err := p.Server(ctx, id)
	if err != nil {
		return store.Server{}, nil, err
	}
	before := s
	if !keepState {
		if s, before, err = p.disable(ctx, id); err != nil {
			return store.Server{}, nil, err
		}
	}
	ended, err := p.endServerMeetings(ctx, before)
	p.log.Warn("server panicked", zap.String("server", id), zap.Bool("keep_state", keepState),
		zap.Int("meetings_ended", len(ended)))
	return s, ended, err
}

// disable disables a server and returns it as it is now and as it was
// before; the end calls use the latter, which still tells whether the server
// was online.
func (p *Pool) disable(ctx context.Context, id string) (after, before store.Server, err error) {
	after, err = p.live.UpdateServer(ctx, id, func(s *store.Server) error {
		before = *s
		setDisabled(s)
		return nil
	})
	if err != nil {
		return store.Server{}, store.Server{}, notFoundAs(err, noServer(id), "disable server "+id)
	}
	return after, before, nil
}

// setDisabled sets a server disabled. A disabled server is not polled, so what it
// last reported would go stale: like a server that went offline it loses its
// figures, and like a new one it must be polled again before it takes
// meetings after an enable.
func setDisabled(s *store.Server) {
	s.State = store.StateDisabled
	s.Online = false
	s.Load = 0
	s.Meetings, s.Users, s.LargestMeeting, s.Videos = 0, 0, 0, 0
	s.HealthyCount, s.UnhealthyCount = 0, 0
}

// DeleteServer removes a server. While it has meetings that is refused with
// store.ErrConflict, unless force, which ends them. It returns the meetings
// it ended.
func (p *Pool) DeleteServer(ctx context.Context, id string, force bool) ([]store.Meeting, error) {
	s, err := p.Server(ctx, id)
	if err != nil {
		return nil, err
	}
	if !force {
		meetings, err := p.live.Meetings(ctx, store.MeetingFilter{ServerID: id, AnyTenant: true})
		if err != nil {
			return nil, fmt.Errorf("delete server %s: list meetings: %w", id, err)
		}
		if len(meetings) > 0 {
			return nil, fmt.Errorf("server %q still has %d meeting(s): disable it first, or force the removal to end them: %w",
				id, len(meetings), store.ErrConflict)
		}
	}
	// The store removes the server and its bindings in one step; a meeting
	// placed since the check above is ended rather than left running
	// unreachable.
	removed, err := p.live.DeleteServer(ctx, id)
	if err != nil {
		return nil, notFoundAs(err, noServer(id), "delete server "+id)
	}
	p.endMeetings(ctx, s, removed)
	p.log.Info("server removed", zap.String("server", id), zap.Int("meetings_ended", len(removed)))
	return removed, nil
}

// endServerMeetings removes every binding on s and ends those meetings on it.
func (p *Pool) endServerMeetings(ctx context.Context, s store.Server) ([]store.Meeting, error) {
	removed, err := p.live.RemoveServerMeetings(ctx, s.ID)
	if err != nil {
		return nil, fmt.Errorf("remove meetings of server %s: %w", s.ID, err)
	}
	p.endMeetings(ctx, s, removed)
	return removed, nil
}
