package pool

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/store"
	"github.com/caddy-bbb/caddy-bbb/store/sqlite"
)

// env is a pool over a fresh SQLite store, with a BBB client whose short
// timeouts keep tests of unreachable servers fast.
type env struct {
	pool    *Pool
	live    store.Live
	bridges atomic.Int32
}

func (e *env) nextBridge() int32 { return e.bridges.Add(1) }

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	s, err := sqlite.Open(filepath.Join(t.TempDir(), "bbb.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("close sqlite: %v", err)
		}
	})
	if err := s.Migrate(t.Context()); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	client := bbb.NewClient(bbb.ClientConfig{ConnectTimeout: time.Second, ResponseTimeout: 2 * time.Second})
	t.Cleanup(client.Close)
	return &env{pool: New(s, client, cfg, nil), live: s}
}

// newSim starts a simulated BBB server, closed when the test ends.
func newSim(t *testing.T) *bbbsim.Sim {
	t.Helper()
	sim := bbbsim.New(bbbsim.Options{Secret: "sim-secret"})
	if err := sim.Start(); err != nil {
		t.Fatalf("start bbbsim: %v", err)
	}
	t.Cleanup(func() {
		if err := sim.Close(); err != nil {
			t.Errorf("close bbbsim: %v", err)
		}
	})
	return sim
}

// putServer stores a server as it would be after a poll found it online.
func (e *env) putServer(t *testing.T, id string, state store.ServerState, sim *bbbsim.Sim) store.Server {
	t.Helper()
	s := store.Server{
		ID: id, URL: "https://" + id + ".example.com/bigbluebutton/api", Secret: "secret-" + id,
		State: state, Online: true, Load: 3, LoadMultiplier: 1, Meetings: 1, Users: 3, LargestMeeting: 3, Videos: 1,
		BBBVersion: "3.0.9",
	}
	if sim != nil {
		s.URL, s.Secret = sim.URL(), sim.Secret()
	}
	if err := e.live.AddServer(t.Context(), s); err != nil {
		t.Fatalf("add server %s: %v", id, err)
	}
	return s
}

// runMeeting binds a meeting to a server and, with a simulator, starts it
// there too.
func (e *env) runMeeting(t *testing.T, tenant, id, serverID string, sim *bbbsim.Sim) store.Meeting {
	t.Helper()
	m, created, err := e.live.BindMeeting(t.Context(), store.Meeting{
		Tenant: tenant, ID: id, ServerID: serverID, CreatedAt: time.Now(), Participants: 2, Moderators: 1,
	}, []string{fmt.Sprintf("7%04d", e.nextBridge())})
	if err != nil || !created {
		t.Fatalf("bind meeting %s: created %v, %v", id, created, err)
	}
	if sim != nil {
		if _, err := sim.AddMeeting(bbb.Meeting{MeetingID: id}); err != nil {
			t.Fatalf("start meeting %s on sim: %v", id, err)
		}
	}
	return m
}

// endedOn returns the meeting ids the simulator got an end call for.
func endedOn(sim *bbbsim.Sim) []string {
	var ids []string
	for _, r := range sim.RequestsFor("end") {
		q, _ := url.ParseQuery(r.RawQuery)
		ids = append(ids, q.Get("meetingID"))
	}
	slices.Sort(ids)
	return ids
}

// bindings returns the ids of the meetings bound to a server.
func (e *env) bindings(t *testing.T, serverID string) []string {
	t.Helper()
	ms, err := e.live.Meetings(t.Context(), store.MeetingFilter{ServerID: serverID, AnyTenant: true})
	if err != nil {
		t.Fatalf("list meetings: %v", err)
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	slices.Sort(ids)
	return ids
}

// errKind names the kind of a pool error for table tests.
func errKind(err error) string {
	switch {
	case err == nil:
		return ""
	case IsInvalid(err):
		return "invalid"
	case errors.Is(err, store.ErrNotFound):
		return "notfound"
	case errors.Is(err, store.ErrConflict):
		return "conflict"
	}
	return "other: " + err.Error()
}

func ptr[T any](v T) *T { return &v }
