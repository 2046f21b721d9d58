package pool

import (
	"slices"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestMeetings(t *testing.T) {
	e := newEnv(t, Config{})
	acme, err := e.pool.AddTenant(t.Context(), "acme", []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	sim := newSim(t)
	s1 := e.putServer(t, "bbb1", store.StateEnabled, sim)
	s2 := e.putServer(t, "bbb2", store.StateEnabled, nil)
	e.runMeeting(t, "", "room1", "bbb1", nil)
	e.runMeeting(t, acme.ID, "room1", "bbb2", nil)
	e.runMeeting(t, acme.ID, "room2", "bbb1", nil)

	type key struct{ tenant, id, url string }
	tests := []struct {
		name     string
		q        MeetingQuery
		want     []key
		wantKind string
	}{
		{name: "all", want: []key{{"", "room1", s1.URL}, {acme.ID, "room1", s2.URL}, {acme.ID, "room2", s1.URL}}},
		{name: "tenant by id", q: MeetingQuery{Tenant: acme.ID}, want: []key{{acme.ID, "room1", s2.URL}, {acme.ID, "room2", s1.URL}}},
		{name: "tenant by name", q: MeetingQuery{Tenant: "acme"}, want: []key{{acme.ID, "room1", s2.URL}, {acme.ID, "room2", s1.URL}}},
		{name: "server", q: MeetingQuery{ServerID: "bbb1"}, want: []key{{"", "room1", s1.URL}, {acme.ID, "room2", s1.URL}}},
		{name: "tenant and server", q: MeetingQuery{Tenant: "acme", ServerID: "bbb2"}, want: []key{{acme.ID, "room1", s2.URL}}},
		{name: "unknown tenant", q: MeetingQuery{Tenant: "nope"}, wantKind: "notfound"},
		{name: "unknown server", q: MeetingQuery{ServerID: "nope"}, wantKind: "notfound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := e.pool.Meetings(t.Context(), tt.q)
			if kind := errKind(err); kind != tt.wantKind {
				t.Fatalf("error kind %q (%v), want %q", kind, err, tt.wantKind)
			}
			var keys []key
			for _, m := range got {
				keys = append(keys, key{m.Tenant, m.ID, m.ServerURL})
			}
			if !slices.Equal(keys, tt.want) {
				t.Errorf("got %v, want %v", keys, tt.want)
			}
		})
	}
}

func TestMeetingAndEnd(t *testing.T) {
	tests := []struct {
		name       string
		tenant     string // "acme" is replaced by the tenant's id when byID
		byID       bool
		id         string
		wantKind   string
		wantServer string
	}{
		{name: "no tenant", id: "room1", wantServer: "bbb1"},
		{name: "tenant by name", tenant: "acme", id: "room1", wantServer: "bbb2"},
		{name: "tenant by id", tenant: "acme", byID: true, id: "room1", wantServer: "bbb2"},
		{name: "wrong tenant", tenant: "acme", id: "only-untenanted", wantKind: "notfound"},
		{name: "unknown meeting", id: "nope", wantKind: "notfound"},
		{name: "unknown tenant", tenant: "nope", id: "room1", wantKind: "notfound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, Config{})
			acme, err := e.pool.AddTenant(t.Context(), "acme", []string{"a"})
			if err != nil {
				t.Fatal(err)
			}
			sim1, sim2 := newSim(t), newSim(t)
			e.putServer(t, "bbb1", store.StateEnabled, sim1)
			e.putServer(t, "bbb2", store.StateEnabled, sim2)
			e.runMeeting(t, "", "room1", "bbb1", sim1)
			e.runMeeting(t, "", "only-untenanted", "bbb1", sim1)
			e.runMeeting(t, acme.ID, "room1", "bbb2", sim2)
			tenant := tt.tenant
			if tt.byID {
				tenant = acme.ID
			}

			info, err := e.pool.Meeting(t.Context(), tenant, tt.id)
			if kind := errKind(err); kind != tt.wantKind {
				t.Fatalf("info: error kind %q (%v), want %q", kind, err, tt.wantKind)
			}
			ended, endErr := e.pool.EndMeeting(t.Context(), tenant, tt.id)
			if kind := errKind(endErr); kind != tt.wantKind {
				t.Fatalf("end: error kind %q (%v), want %q", kind, endErr, tt.wantKind)
			}
			all := len(e.bindings(t, "bbb1")) + len(e.bindings(t, "bbb2"))
			if err != nil {
				if all != 3 || len(endedOn(sim1))+len(endedOn(sim2)) != 0 {
					t.Errorf("a failed end changed something: %d bindings, end calls %v %v", all, endedOn(sim1), endedOn(sim2))
				}
				return
			}
			if info.ServerID != tt.wantServer || ended.ServerID != tt.wantServer || ended.ID != tt.id {
				t.Errorf("info on %s, ended %+v; want server %s", info.ServerID, ended, tt.wantServer)
			}
			sim, other := sim1, sim2
			if tt.wantServer == "bbb2" {
				sim, other = sim2, sim1
			}
			if !slices.Equal(endedOn(sim), []string{tt.id}) || len(endedOn(other)) != 0 {
				t.Errorf("end calls %v and %v, want [%s] on %s only", endedOn(sim), endedOn(other), tt.id, tt.wantServer)
			}
			if all != 2 {
				t.Errorf("%d bindings left, want 2", all)
			}
			if _, err := e.pool.Meeting(t.Context(), tenant, tt.id); errKind(err) != "notfound" {
				t.Errorf("ended meeting still found: %v", err)
			}
		})
	}
}

func TestEndMeetingOfDeletedTenant(t *testing.T) {
	e := newEnv(t, Config{})
	acme, err := e.pool.AddTenant(t.Context(), "acme", []string{"a"})
	if err != nil {
		t.Fatal(err)
	}
	sim := newSim(t)
	e.putServer(t, "bbb1", store.StateEnabled, sim)
	e.runMeeting(t, acme.ID, "room1", "bbb1", sim)
	if err := e.pool.DeleteTenant(t.Context(), acme.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.EndMeeting(t.Context(), acme.ID, "room1"); err != nil {
		t.Fatalf("end a meeting of a deleted tenant by its id: %v", err)
	}
	if !slices.Equal(endedOn(sim), []string{"room1"}) {
		t.Errorf("end calls %v", endedOn(sim))
	}
}
