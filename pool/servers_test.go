package pool

import (
	"context"
	"errors"
	"net"
	"regexp"
	"slices"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/store"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestAddServer(t *testing.T) {
	const apiURL = "https://bbb1.example.com/bigbluebutton/api"
	tests := []struct {
		name       string
		byHostname bool
		existing   string // id of a server stored first
		in         NewServer
		wantKind   string
		wantID     string // "uuid" for a random one
		wantMult   float64
		wantTag    string
	}{
		{name: "minimal", in: NewServer{URL: apiURL, Secret: "s"}, wantID: "uuid", wantMult: 1},
		{name: "every field", in: NewServer{ID: "bbb-1.x_y", URL: "http://10.0.0.1:8080/bigbluebutton/api", Secret: "s", LoadMultiplier: ptr(2.5), Tag: "gpu"},
			wantID: "bbb-1.x_y", wantMult: 2.5, wantTag: "gpu"},
		{name: "id from hostname", byHostname: true, in: NewServer{URL: "https://BBB1.Example.COM:8443/bigbluebutton/api", Secret: "s"},
			wantID: "bbb1.example.com", wantMult: 1},
		{name: "given id beats hostname", byHostname: true, in: NewServer{ID: "mine", URL: apiURL, Secret: "s"}, wantID: "mine", wantMult: 1},
		{name: "no url", in: NewServer{Secret: "s"}, wantKind: "invalid"},
		{name: "not http", in: NewServer{URL: "ftp://bbb1.example.com/", Secret: "s"}, wantKind: "invalid"},
		{name: "no scheme", in: NewServer{URL: "bbb1.example.com/bigbluebutton/api", Secret: "s"}, wantKind: "invalid"},
		{name: "no host", in: NewServer{URL: "https:///bigbluebutton/api", Secret: "s"}, wantKind: "invalid"},
		{name: "query", in: NewServer{URL: apiURL + "?x=1", Secret: "s"}, wantKind: "invalid"},
		{name: "no secret", in: NewServer{URL: apiURL}, wantKind: "invalid"},
		{name: "secret with space around", in: NewServer{URL: apiURL, Secret: " s"}, wantKind: "invalid"},
		{name: "zero multiplier", in: NewServer{URL: apiURL, Secret: "s", LoadMultiplier: ptr(0.0)}, wantKind: "invalid"},
		{name: "negative multiplier", in: NewServer{URL: apiURL, Secret: "s", LoadMultiplier: ptr(-1.0)}, wantKind: "invalid"},
		{name: "bad id", in: NewServer{ID: "a/b", URL: apiURL, Secret: "s"}, wantKind: "invalid"},
		{name: "bad tag", in: NewServer{URL: apiURL, Secret: "s", Tag: "a;b"}, wantKind: "invalid"},
		{name: "tag none", in: NewServer{URL: apiURL, Secret: "s", Tag: "none"}, wantKind: "invalid"},
		{name: "taken id", existing: "bbb1", in: NewServer{ID: "bbb1", URL: apiURL, Secret: "s"}, wantKind: "conflict"},
		{name: "taken hostname", byHostname: true, existing: "bbb1.example.com", in: NewServer{URL: apiURL, Secret: "s"}, wantKind: "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{ServerIDIsHostname: tt.byHostname})
			if tt.existing != "" {
				e.putServer(t, tt.existing, store.StateEnabled, nil)
			}
			got, err := e.pool.AddServer(t.Context(), tt.in)
			if kind := errKind(err); kind != tt.wantKind {
				t.Fatalf("error kind %q (%v), want %q", kind, err, tt.wantKind)
			}
			if err != nil {
				servers, _ := e.pool.Servers(t.Context())
				if want := min(len(tt.existing), 1); len(servers) != want {
					t.Errorf("%d servers stored after a refused add, want %d", len(servers), want)
				}
				return
			}
			if tt.wantID == "uuid" {
				if !uuidRE.MatchString(got.ID) {
					t.Errorf("id %q is not a random UUID", got.ID)
				}
			} else if got.ID != tt.wantID {
				t.Errorf("id %q, want %q", got.ID, tt.wantID)
			}
			stored, err := e.pool.Server(t.Context(), got.ID)
			if err != nil {
				t.Fatalf("get added server: %v", err)
			}
			if stored != got {
				t.Errorf("stored %+v, returned %+v", stored, got)
			}
			if stored.State != store.StateDisabled || stored.Online {
				t.Errorf("new server state %s online %v, want disabled and offline", stored.State, stored.Online)
			}
			if stored.URL != tt.in.URL || stored.Secret != tt.in.Secret || stored.LoadMultiplier != tt.wantMult || stored.Tag != tt.wantTag {
				t.Errorf("stored %+v, want url %s multiplier %v tag %q", stored, tt.in.URL, tt.wantMult, tt.wantTag)
			}
		})
	}
}

func TestAddServerRandomIDsDiffer(t *testing.T) {
	e := newEnv(t, Config{})
	a, err := e.pool.AddServer(t.Context(), NewServer{URL: "https://a.example.com/bigbluebutton/api", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := e.pool.AddServer(t.Context(), NewServer{URL: "https://a.example.com/bigbluebutton/api", Secret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if a.ID == b.ID {
		t.Errorf("two added servers share the id %s", a.ID)
	}
}

func TestUpdateServer(t *testing.T) {
	tests := []struct {
		name     string
		id       string
		up       ServerUpdate
		wantKind string
		check    func(t *testing.T, before, after store.Server)
	}{
		{name: "nothing keeps all", id: "bbb1", check: func(t *testing.T, before, after store.Server) {
			if after != before {
				t.Errorf("got %+v, want unchanged %+v", after, before)
			}
		}},
		{name: "url and secret", id: "bbb1", up: ServerUpdate{URL: ptr("http://new.example.com/bigbluebutton/api"), Secret: ptr("new")},
			check: func(t *testing.T, before, after store.Server) {
				if after.URL != "http://new.example.com/bigbluebutton/api" || after.Secret != "new" || after.Tag != before.Tag {
					t.Errorf("got %+v", after)
				}
			}},
		{name: "multiplier rescales load", id: "bbb1", up: ServerUpdate{LoadMultiplier: ptr(2.0)},
			check: func(t *testing.T, before, after store.Server) {
				if after.LoadMultiplier != 2 || after.Load != before.Load*2 {
					t.Errorf("multiplier %v load %v, want 2 and %v", after.LoadMultiplier, after.Load, before.Load*2)
				}
			}},
		{name: "tag set", id: "bbb1", up: ServerUpdate{Tag: ptr("gpu")}, check: func(t *testing.T, _, after store.Server) {
			if after.Tag != "gpu" {
				t.Errorf("tag %q", after.Tag)
			}
		}},
		{name: "empty tag clears", id: "tagged", up: ServerUpdate{Tag: ptr("")}, check: func(t *testing.T, _, after store.Server) {
			if after.Tag != "" {
				t.Errorf("tag %q, want none", after.Tag)
			}
		}},
		{name: "absent tag keeps", id: "tagged", up: ServerUpdate{Secret: ptr("x")}, check: func(t *testing.T, _, after store.Server) {
			if after.Tag != "old" {
				t.Errorf("tag %q, want old", after.Tag)
			}
		}},
		{name: "bad url", id: "bbb1", up: ServerUpdate{URL: ptr("nope")}, wantKind: "invalid"},
		{name: "empty secret", id: "bbb1", up: ServerUpdate{Secret: ptr("")}, wantKind: "invalid"},
		{name: "zero multiplier", id: "bbb1", up: ServerUpdate{LoadMultiplier: ptr(0.0)}, wantKind: "invalid"},
		{name: "bad tag", id: "bbb1", up: ServerUpdate{Tag: ptr("x!")}, wantKind: "invalid"},
		{name: "unknown", id: "nope", up: ServerUpdate{Secret: ptr("x")}, wantKind: "notfound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			e.putServer(t, "bbb1", store.StateEnabled, nil)
			tagged := e.putServer(t, "tagged", store.StateEnabled, nil)
			if _, err := e.live.UpdateServer(t.Context(), tagged.ID, func(s *store.Server) error { s.Tag = "old"; return nil }); err != nil {
				t.Fatal(err)
			}
			before, _ := e.live.Server(t.Context(), tt.id)
			after, err := e.pool.UpdateServer(t.Context(), tt.id, tt.up)
			if kind := errKind(err); kind != tt.wantKind {
				t.Fatalf("error kind %q (%v), want %q", kind, err, tt.wantKind)
			}
			stored, _ := e.live.Server(t.Context(), tt.id)
			if err != nil {
				if stored != before {
					t.Errorf("refused update changed the server: %+v, was %+v", stored, before)
				}
				return
			}
			if stored != after {
				t.Errorf("stored %+v, returned %+v", stored, after)
			}
			tt.check(t, before, after)
		})
	}
}

func TestSetState(t *testing.T) {
	tests := []struct {
		name     string
		from     store.ServerState
		op       func(p *Pool, ctx context.Context, id string) (store.Server, error)
		want     store.ServerState
		wantKind string
	}{
		{"enable disabled", store.StateDisabled, (*Pool).EnableServer, store.StateEnabled, ""},
		{"enable cordoned", store.StateCordoned, (*Pool).EnableServer, store.StateEnabled, ""},
		{"cordon enabled", store.StateEnabled, (*Pool).CordonServer, store.StateCordoned, ""},
		{"cordon disabled", store.StateDisabled, (*Pool).CordonServer, store.StateCordoned, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			before := e.putServer(t, "bbb1", tt.from, nil)
			got, err := tt.op(e.pool, t.Context(), "bbb1")
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tt.want {
				t.Errorf("state %s, want %s", got.State, tt.want)
			}
			// Only the state changes: the poller owns the rest.
			got.State = before.State
			if got != before {
				t.Errorf("other fields changed: %+v, was %+v", got, before)
			}
		})
	}
	e := newEnv(t, Config{})
	for name, op := range map[string]func(p *Pool, ctx context.Context, id string) (store.Server, error){
		"enable": (*Pool).EnableServer, "cordon": (*Pool).CordonServer,
	} {
		if _, err := op(e.pool, t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s unknown server: %v, want not found", name, err)
		}
	}
}

func TestDisableAndPanic(t *testing.T) {
	tests := []struct {
		name          string
		op            string // disable, panic, panic-keep
		meetings      []string
		unreachable   bool // the server does not answer end calls
		wantState     store.ServerState
		wantOffline   bool
		wantEndCalled []string
	}{
		{name: "disable with meetings", op: "disable", meetings: []string{"m1", "m2"},
			wantState: store.StateDisabled, wantOffline: true, wantEndCalled: []string{"m1", "m2"}},
		{name: "disable without meetings", op: "disable", wantState: store.StateDisabled, wantOffline: true},
		{name: "disable unreachable server", op: "disable", meetings: []string{"m1"}, unreachable: true,
			wantState: store.StateDisabled, wantOffline: true},
		{name: "panic", op: "panic", meetings: []string{"m1", "m2", "m3"},
			wantState: store.StateDisabled, wantOffline: true, wantEndCalled: []string{"m1", "m2", "m3"}},
		{name: "panic keeping state", op: "panic-keep", meetings: []string{"m1"},
			wantState: store.StateEnabled, wantEndCalled: []string{"m1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			sim, other := newSim(t), newSim(t)
			srv := e.putServer(t, "bbb1", store.StateEnabled, sim)
			if tt.unreachable {
				srv = e.putServer(t, "dead", store.StateEnabled, nil)
				srv.URL = "http://" + closedAddr(t) + "/bigbluebutton/api"
				if _, err := e.pool.UpdateServer(t.Context(), srv.ID, ServerUpdate{URL: &srv.URL}); err != nil {
					t.Fatal(err)
				}
			}
			e.putServer(t, "bbb2", store.StateEnabled, other)
			for _, id := range tt.meetings {
				s := sim
				if tt.unreachable {
					s = nil
				}
				e.runMeeting(t, "", id, srv.ID, s)
			}
			e.runMeeting(t, "", "elsewhere", "bbb2", other)

			var got store.Server
			var ended []store.Meeting
			var err error
			switch tt.op {
			case "disable":
				got, ended, err = e.pool.DisableServer(t.Context(), srv.ID)
			case "panic":
				got, ended, err = e.pool.PanicServer(t.Context(), srv.ID, false)
			case "panic-keep":
				got, ended, err = e.pool.PanicServer(t.Context(), srv.ID, true)
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.State != tt.wantState || got.Online == tt.wantOffline {
				t.Errorf("state %s online %v, want %s online %v", got.State, got.Online, tt.wantState, !tt.wantOffline)
			}
			if tt.wantOffline && (got.Load != 0 || got.Meetings != 0 || got.Users != 0 || got.Videos != 0 || got.LargestMeeting != 0) {
				t.Errorf("disabled server keeps figures: %+v", got)
			}
			if stored, _ := e.live.Server(t.Context(), srv.ID); stored != got {
				t.Errorf("stored %+v, returned %+v", stored, got)
			}
			if len(ended) != len(tt.meetings) {
				t.Errorf("%d meetings ended, want %d", len(ended), len(tt.meetings))
			}
			if b := e.bindings(t, srv.ID); len(b) != 0 {
				t.Errorf("bindings left on the server: %v", b)
			}
			if !slices.Equal(endedOn(sim), tt.wantEndCalled) {
				t.Errorf("end sent for %v, want %v", endedOn(sim), tt.wantEndCalled)
			}
			if len(sim.Meetings()) != 0 && !tt.unreachable {
				t.Errorf("meetings still running on the server: %d", len(sim.Meetings()))
			}
			if b := e.bindings(t, "bbb2"); !slices.Equal(b, []string{"elsewhere"}) || len(endedOn(other)) != 0 {
				t.Errorf("other server touched: bindings %v, end calls %v", b, endedOn(other))
			}
		})
	}
	e := newEnv(t, Config{})
	if _, _, err := e.pool.DisableServer(t.Context(), "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("disable unknown server: %v, want not found", err)
	}
	if _, _, err := e.pool.PanicServer(t.Context(), "nope", true); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("panic unknown server: %v, want not found", err)
	}
}

func TestDeleteServer(t *testing.T) {
	tests := []struct {
		name        string
		id          string
		meetings    []string
		force       bool
		wantKind    string
		wantRemoved bool
		wantEnded   []string
	}{
		{name: "no meetings", id: "bbb1", wantRemoved: true},
		{name: "no meetings forced", id: "bbb1", force: true, wantRemoved: true},
		{name: "meetings refused", id: "bbb1", meetings: []string{"m1"}, wantKind: "conflict"},
		{name: "meetings forced", id: "bbb1", meetings: []string{"m1", "m2"}, force: true, wantRemoved: true, wantEnded: []string{"m1", "m2"}},
		{name: "unknown", id: "nope", wantKind: "notfound"},
		{name: "unknown forced", id: "nope", force: true, wantKind: "notfound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			sim := newSim(t)
			e.putServer(t, "bbb1", store.StateEnabled, sim)
			for _, id := range tt.meetings {
				e.runMeeting(t, "", id, "bbb1", sim)
			}
			ended, err := e.pool.DeleteServer(t.Context(), tt.id, tt.force)
			if kind := errKind(err); kind != tt.wantKind {
				t.Fatalf("error kind %q (%v), want %q", kind, err, tt.wantKind)
			}
			_, getErr := e.live.Server(t.Context(), "bbb1")
			if removed := errors.Is(getErr, store.ErrNotFound); removed != tt.wantRemoved {
				t.Errorf("server removed %v, want %v", removed, tt.wantRemoved)
			}
			if len(ended) != len(tt.wantEnded) || !slices.Equal(endedOn(sim), tt.wantEnded) {
				t.Errorf("ended %d, end sent for %v; want %v", len(ended), endedOn(sim), tt.wantEnded)
			}
			if !tt.wantRemoved && !slices.Equal(e.bindings(t, "bbb1"), tt.meetings) {
				t.Errorf("bindings %v after a refused delete, want %v", e.bindings(t, "bbb1"), tt.meetings)
			}
			if tt.wantRemoved && len(e.bindings(t, "bbb1")) != 0 {
				t.Errorf("bindings left: %v", e.bindings(t, "bbb1"))
			}
		})
	}
}

// closedAddr returns a loopback address nothing listens on.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	if err := ln.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}
