package storetest

import (
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/store"
)

func testPing(t *testing.T, newStore LiveFactory) {
	s := newStore(t)
	if err := s.Ping(testContext(t)); err != nil {
		t.Fatalf("Ping: %v, want nil", err)
	}
}

func testServerAddAndGet(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	full := store.Server{
		ID: "bbb-b", URL: "https://b.example.com/bigbluebutton/api", Secret: "s3cr3t", Tag: "gpu",
		State: store.StateCordoned, Online: true, Load: 12.5, LoadMultiplier: 2.5,
		Meetings: 3, Users: 40, LargestMeeting: 25, Videos: 7, BBBVersion: "3.0.4",
		HealthyCount: 1, UnhealthyCount: 2,
	}
	plain := sampleServer("bbb-a")
	plain.State, plain.Online = store.StateDisabled, false
	for _, srv := range []store.Server{full, plain} {
		mustAddServer(ctx, t, s, srv)
	}
	for _, want := range []store.Server{full, plain} {
		got, err := s.Server(ctx, want.ID)
		if err != nil {
			t.Fatalf("Server(%q): %v", want.ID, err)
		}
		if got != want {
			t.Errorf("Server(%q) = %+v, want %+v", want.ID, got, want)
		}
	}
	all, err := s.Servers(ctx)
	if err != nil {
		t.Fatalf("Servers: %v", err)
	}
	if want := []store.Server{plain, full}; !reflect.DeepEqual(all, want) {
		t.Errorf("Servers = %+v, want %+v (ordered by id)", all, want)
	}
	if _, err := s.Server(ctx, "missing"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Server(missing) error = %v, want ErrNotFound", err)
	}
}

func testServerAddConflict(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	first := sampleServer("bbb1")
	mustAddServer(ctx, t, s, first)
	second := sampleServer("bbb1")
	second.URL = "https://other.example.com/bigbluebutton/api"
	if err := s.AddServer(ctx, second); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("AddServer of a taken id: error = %v, want ErrConflict", err)
	}
	got, err := s.Server(ctx, "bbb1")
	if err != nil {
		t.Fatalf("Server: %v", err)
	}
	if got != first {
		t.Errorf("after a conflicting add Server = %+v, want the first one %+v", got, first)
	}
}

func testServerUpdate(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	srv := sampleServer("bbb1")
	mustAddServer(ctx, t, s, srv)

	got, err := s.UpdateServer(ctx, "bbb1", func(x *store.Server) error {
		x.State = store.StateCordoned
		x.Tag = "big"
		x.Load = 33
		x.BBBVersion = "2.7"
		return nil
	})
	if err != nil {
		t.Fatalf("UpdateServer: %v", err)
	}
	want := srv
	want.State, want.Tag, want.Load, want.BBBVersion = store.StateCordoned, "big", 33, "2.7"
	if got != want {
		t.Errorf("UpdateServer returned %+v, want %+v", got, want)
	}
	if stored, err := s.Server(ctx, "bbb1"); err != nil || stored != want {
		t.Errorf("Server after update = %+v, %v; want %+v", stored, err, want)
	}

	errFn := errors.New("refused by fn")
	_, err = s.UpdateServer(ctx, "bbb1", func(x *store.Server) error {
		x.Secret = "changed"
		return errFn
	})
	if !errors.Is(err, errFn) {
		t.Errorf("UpdateServer with failing fn: error = %v, want the fn's error", err)
	}
	if stored, _ := s.Server(ctx, "bbb1"); stored != want {
		t.Errorf("a failed fn changed the server: %+v, want %+v", stored, want)
	}

	_, err = s.UpdateServer(ctx, "missing", func(*store.Server) error { return nil })
	if !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateServer(missing) error = %v, want ErrNotFound", err)
	}
}

func testServerDelete(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	mustAddServer(ctx, t, s, sampleServer("bbb2"))
	m1 := mustBind(ctx, t, s, sampleMeeting("", "m1", "bbb1", baseTime), "1001")
	m2 := mustBind(ctx, t, s, sampleMeeting("t1", "m2", "bbb1", baseTime), "1002")
	other := mustBind(ctx, t, s, sampleMeeting("", "m3", "bbb2", baseTime), "1003")

	removed, err := s.DeleteServer(ctx, "bbb1")
	if err != nil {
		t.Fatalf("DeleteServer: %v", err)
	}
	checkMeetings(t, "DeleteServer returned", sortMeetings(removed), []store.Meeting{m1, m2})
	if _, err := s.Server(ctx, "bbb1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Server after delete: error = %v, want ErrNotFound", err)
	}
	for _, m := range []store.Meeting{m1, m2} {
		if _, err := s.Meeting(ctx, m.Tenant, m.ID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Meeting(%q, %q) after its server was deleted: error = %v, want ErrNotFound", m.Tenant, m.ID, err)
		}
	}
	if got, err := s.Meeting(ctx, "", "m3"); err != nil {
		t.Errorf("another server's meeting is gone: %v", err)
	} else {
		checkMeeting(t, "other server's meeting", got, other)
	}
	// The deleted server's voice bridges are free again.
	again := mustBind(ctx, t, s, sampleMeeting("", "m4", "bbb2", baseTime), "1001")
	if again.VoiceBridge != "1001" {
		t.Errorf("voice bridge of a deleted server's meeting not freed: got %q, want 1001", again.VoiceBridge)
	}
	all, err := s.Servers(ctx)
	if err != nil || !slices.Equal(serverIDs(all), []string{"bbb2"}) {
		t.Errorf("Servers after delete = %v, %v; want [bbb2]", serverIDs(all), err)
	}
}

func testPlaceableServers(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	servers := []struct {
		id     string
		state  store.ServerState
		online bool
		load   float64
	}{
		{"a-heavy", store.StateEnabled, true, 50},
		{"b-light", store.StateEnabled, true, 5},
		{"c-tie", store.StateEnabled, true, 20},
		{"b-tie", store.StateEnabled, true, 20},
		{"d-zero", store.StateEnabled, true, 0},
		{"e-offline", store.StateEnabled, false, 0},
		{"f-cordoned", store.StateCordoned, true, 1},
		{"g-disabled", store.StateDisabled, true, 1},
		{"h-disabled-offline", store.StateDisabled, false, 0},
	}
	for _, x := range servers {
		srv := sampleServer(x.id)
		srv.State, srv.Online, srv.Load = x.state, x.online, x.load
		mustAddServer(ctx, t, s, srv)
	}
	got, err := s.PlaceableServers(ctx)
	if err != nil {
		t.Fatalf("PlaceableServers: %v", err)
	}
	want := []string{"d-zero", "b-light", "b-tie", "c-tie", "a-heavy"}
	if !slices.Equal(serverIDs(got), want) {
		t.Errorf("PlaceableServers = %v, want %v (enabled and online, by load then id)", serverIDs(got), want)
	}
	for _, srv := range got {
		if srv.URL == "" || srv.Secret == "" {
			t.Errorf("PlaceableServers returned %q without its URL or secret", srv.ID)
		}
	}
	// A change of load reorders them.
	if _, err := s.UpdateServer(ctx, "a-heavy", func(x *store.Server) error { x.Load = 1; return nil }); err != nil {
		t.Fatalf("UpdateServer: %v", err)
	}
	got, err = s.PlaceableServers(ctx)
	if err != nil {
		t.Fatalf("PlaceableServers: %v", err)
	}
	want = []string{"d-zero", "a-heavy", "b-light", "b-tie", "c-tie"}
	if !slices.Equal(serverIDs(got), want) {
		t.Errorf("PlaceableServers after a load change = %v, want %v", serverIDs(got), want)
	}
}

func testAddServerLoad(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	online := sampleServer("online")
	online.Load = 10
	offline := sampleServer("offline")
	offline.Online, offline.Load = false, 0
	mustAddServer(ctx, t, s, online)
	mustAddServer(ctx, t, s, offline)

	tests := []struct {
		id       string
		delta    float64
		wantLoad float64
	}{
		{"online", 15, 25},
		{"online", 1.5, 26.5},
		{"online", -6.5, 20},
		{"offline", 15, 0},
	}
	for _, tc := range tests {
		if err := s.AddServerLoad(ctx, tc.id, tc.delta); err != nil {
			t.Fatalf("AddServerLoad(%q, %v): %v", tc.id, tc.delta, err)
		}
		got, err := s.Server(ctx, tc.id)
		if err != nil {
			t.Fatalf("Server(%q): %v", tc.id, err)
		}
		if got.Load != tc.wantLoad {
			t.Errorf("after AddServerLoad(%q, %v) Load = %v, want %v", tc.id, tc.delta, got.Load, tc.wantLoad)
		}
	}
	if err := s.AddServerLoad(ctx, "unknown", 1); err != nil {
		t.Errorf("AddServerLoad(unknown) = %v, want nil (no-op)", err)
	}
	if _, err := s.Server(ctx, "unknown"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("AddServerLoad created an unknown server: Server error = %v, want ErrNotFound", err)
	}
}

func testBindMeeting(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	mustAddServer(ctx, t, s, sampleServer("bbb2"))

	m := sampleMeeting("", "room1", "bbb1", baseTime)
	m.Participants, m.Moderators, m.Videos = 3, 1, 2
	got, created, err := s.BindMeeting(ctx, m, []string{"123456789", "223456789"})
	if err != nil || !created {
		t.Fatalf("BindMeeting = created %v, %v; want true, nil", created, err)
	}
	want := m
	want.VoiceBridge = "123456789"
	checkMeeting(t, "BindMeeting returned", got, want)
	stored, err := s.Meeting(ctx, "", "room1")
	if err != nil {
		t.Fatalf("Meeting: %v", err)
	}
	checkMeeting(t, "Meeting", stored, want)

	// A second bind, even to another server and with other bridges, returns
	// the binding in force.
	again := sampleMeeting("", "room1", "bbb2", baseTime.Add(time.Hour))
	got, created, err = s.BindMeeting(ctx, again, []string{"999999999"})
	if err != nil || created {
		t.Fatalf("second BindMeeting = created %v, %v; want false, nil", created, err)
	}
	checkMeeting(t, "second BindMeeting returned", got, want)
	// The bridge the meeting already holds counts as free for it.
	got, created, err = s.BindMeeting(ctx, again, []string{"123456789"})
	if err != nil || created {
		t.Fatalf("BindMeeting with the meeting's own bridge = created %v, %v; want false, nil", created, err)
	}
	checkMeeting(t, "BindMeeting with own bridge returned", got, want)

	if _, err := s.Meeting(ctx, "", "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Meeting(other) error = %v, want ErrNotFound", err)
	}
	if _, err := s.Meeting(ctx, "t1", "room1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Meeting(t1, room1) error = %v, want ErrNotFound (another tenant)", err)
	}
	holder, err := s.MeetingByVoiceBridge(ctx, "123456789")
	if err != nil {
		t.Fatalf("MeetingByVoiceBridge: %v", err)
	}
	checkMeeting(t, "MeetingByVoiceBridge", holder, want)
	if _, err := s.MeetingByVoiceBridge(ctx, "223456789"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MeetingByVoiceBridge(free bridge) error = %v, want ErrNotFound", err)
	}
}

func testBindMeetingTenants(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	mustAddServer(ctx, t, s, sampleServer("bbb2"))
	bridges := []string{"1001", "1002", "1003"}
	a := mustBind(ctx, t, s, sampleMeeting("tenant-a", "room1", "bbb1", baseTime), bridges...)
	b := mustBind(ctx, t, s, sampleMeeting("tenant-b", "room1", "bbb2", baseTime.Add(time.Second)), bridges...)
	none := mustBind(ctx, t, s, sampleMeeting("", "room1", "bbb1", baseTime), bridges...)
	if a.VoiceBridge != "1001" || b.VoiceBridge != "1002" || none.VoiceBridge != "1003" {
		t.Errorf("voice bridges = %q, %q, %q; want 1001, 1002, 1003", a.VoiceBridge, b.VoiceBridge, none.VoiceBridge)
	}
	for _, want := range []store.Meeting{a, b, none} {
		got, err := s.Meeting(ctx, want.Tenant, want.ID)
		if err != nil {
			t.Fatalf("Meeting(%q, %q): %v", want.Tenant, want.ID, err)
		}
		checkMeeting(t, "Meeting "+want.Tenant, got, want)
	}
}

func testBindMeetingVoiceBridge(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	mustBind(ctx, t, s, sampleMeeting("", "holder1", "bbb1", baseTime), "111")
	mustBind(ctx, t, s, sampleMeeting("t", "holder2", "bbb1", baseTime), "333")

	tests := []struct {
		id      string
		bridges []string
		want    string
	}{
		{"first-free", []string{"222", "111"}, "222"},
		{"skips-held", []string{"111", "333", "444"}, "444"},
		{"skips-just-taken", []string{"222", "555"}, "555"},
	}
	for _, tc := range tests {
		got := mustBind(ctx, t, s, sampleMeeting("", tc.id, "bbb1", baseTime), tc.bridges...)
		if got.VoiceBridge != tc.want {
			t.Errorf("BindMeeting(%q, %v) voice bridge = %q, want %q", tc.id, tc.bridges, got.VoiceBridge, tc.want)
		}
	}
}

func testBindMeetingNoVoiceBridge(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	mustBind(ctx, t, s, sampleMeeting("", "a", "bbb1", baseTime), "111")
	mustBind(ctx, t, s, sampleMeeting("", "b", "bbb1", baseTime), "222")

	_, _, err := s.BindMeeting(ctx, sampleMeeting("", "c", "bbb1", baseTime), []string{"111", "222"})
	if !errors.Is(err, store.ErrNoVoiceBridge) {
		t.Fatalf("BindMeeting with every bridge taken: error = %v, want ErrNoVoiceBridge", err)
	}
	if _, err := s.Meeting(ctx, "", "c"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a binding was left behind: Meeting error = %v, want ErrNotFound", err)
	}
	all, err := s.Meetings(ctx, store.MeetingFilter{AnyTenant: true})
	if err != nil || len(all) != 2 {
		t.Errorf("Meetings = %v, %v; want the 2 first bindings only", meetingKeys(all), err)
	}
	// The meeting binds once a bridge is free.
	got := mustBind(ctx, t, s, sampleMeeting("", "c", "bbb1", baseTime), "111", "222", "333")
	if got.VoiceBridge != "333" {
		t.Errorf("voice bridge = %q, want 333", got.VoiceBridge)
	}
}

func testMeetingServer(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	srv := sampleServer("bbb1")
	srv.Tag = "x"
	mustAddServer(ctx, t, s, srv)
	m := mustBind(ctx, t, s, sampleMeeting("t1", "room", "bbb1", baseTime), "42")

	gotM, gotS, err := s.MeetingServer(ctx, "t1", "room")
	if err != nil {
		t.Fatalf("MeetingServer: %v", err)
	}
	checkMeeting(t, "MeetingServer meeting", gotM, m)
	if gotS != srv {
		t.Errorf("MeetingServer server = %+v, want %+v", gotS, srv)
	}
	for _, key := range [][2]string{{"", "room"}, {"t1", "other"}} {
		if _, _, err := s.MeetingServer(ctx, key[0], key[1]); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("MeetingServer(%q, %q) error = %v, want ErrNotFound", key[0], key[1], err)
		}
	}
}

func testMeetingsList(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	mustAddServer(ctx, t, s, sampleServer("bbb2"))
	b := map[string]store.Meeting{}
	for i, x := range []struct{ tenant, id, server string }{
		{"t2", "a", "bbb1"}, {"", "z", "bbb2"}, {"t1", "b", "bbb2"}, {"", "c", "bbb1"}, {"t1", "a", "bbb1"},
	} {
		m := mustBind(ctx, t, s, sampleMeeting(x.tenant, x.id, x.server, baseTime), fmt.Sprint(5000+i))
		b[x.tenant+"/"+x.id] = m
	}
	pick := func(keys ...string) []store.Meeting {
		out := make([]store.Meeting, len(keys))
		for i, k := range keys {
			out[i] = b[k]
		}
		return out
	}
	tests := []struct {
		name   string
		filter store.MeetingFilter
		want   []store.Meeting
	}{
		{"all", store.MeetingFilter{AnyTenant: true}, pick("/c", "/z", "t1/a", "t1/b", "t2/a")},
		{"no tenant", store.MeetingFilter{}, pick("/c", "/z")},
		{"tenant t1", store.MeetingFilter{Tenant: "t1"}, pick("t1/a", "t1/b")},
		{"unknown tenant", store.MeetingFilter{Tenant: "t9"}, nil},
		{"server any tenant", store.MeetingFilter{ServerID: "bbb1", AnyTenant: true}, pick("/c", "t1/a", "t2/a")},
		{"server and tenant", store.MeetingFilter{ServerID: "bbb2", Tenant: "t1"}, pick("t1/b")},
		{"server no tenant", store.MeetingFilter{ServerID: "bbb2"}, pick("/z")},
		{"id any tenant", store.MeetingFilter{ID: "a", AnyTenant: true}, pick("t1/a", "t2/a")},
		{"id and tenant", store.MeetingFilter{ID: "a", Tenant: "t2"}, pick("t2/a")},
		{"id and server", store.MeetingFilter{ID: "a", ServerID: "bbb1", AnyTenant: true}, pick("t1/a", "t2/a")},
		{"unknown id", store.MeetingFilter{ID: "nope", AnyTenant: true}, nil},
	}
	for _, tc := range tests {
		got, err := s.Meetings(ctx, tc.filter)
		if err != nil {
			t.Fatalf("Meetings(%s): %v", tc.name, err)
		}
		checkMeetings(t, "Meetings("+tc.name+")", got, tc.want)
	}
}

func testDeleteMeeting(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	m := mustBind(ctx, t, s, sampleMeeting("t1", "room", "bbb1", baseTime), "777")
	keep := mustBind(ctx, t, s, sampleMeeting("t2", "room", "bbb1", baseTime), "778")

	got, err := s.DeleteMeeting(ctx, "t1", "room")
	if err != nil {
		t.Fatalf("DeleteMeeting: %v", err)
	}
	checkMeeting(t, "DeleteMeeting returned", got, m)
	if _, err := s.DeleteMeeting(ctx, "t1", "room"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second DeleteMeeting error = %v, want ErrNotFound", err)
	}
	if _, err := s.Meeting(ctx, "t1", "room"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Meeting after delete error = %v, want ErrNotFound", err)
	}
	if _, err := s.MeetingByVoiceBridge(ctx, "777"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("MeetingByVoiceBridge of a freed bridge error = %v, want ErrNotFound", err)
	}
	if other, err := s.Meeting(ctx, "t2", "room"); err != nil {
		t.Errorf("the other tenant's meeting is gone: %v", err)
	} else {
		checkMeeting(t, "other tenant's meeting", other, keep)
	}
	taker := mustBind(ctx, t, s, sampleMeeting("", "next", "bbb1", baseTime), "777")
	if taker.VoiceBridge != "777" {
		t.Errorf("freed bridge not taken again: got %q, want 777", taker.VoiceBridge)
	}
	holder, err := s.MeetingByVoiceBridge(ctx, "777")
	if err != nil {
		t.Fatalf("MeetingByVoiceBridge: %v", err)
	}
	checkMeeting(t, "new holder of the bridge", holder, taker)
}

func testRemoveServerMeetings(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	mustAddServer(ctx, t, s, sampleServer("bbb2"))
	a := mustBind(ctx, t, s, sampleMeeting("", "a", "bbb1", baseTime), "1")
	b := mustBind(ctx, t, s, sampleMeeting("t", "b", "bbb1", baseTime), "2")
	c := mustBind(ctx, t, s, sampleMeeting("", "c", "bbb2", baseTime), "3")

	removed, err := s.RemoveServerMeetings(ctx, "bbb1")
	if err != nil {
		t.Fatalf("RemoveServerMeetings: %v", err)
	}
	checkMeetings(t, "RemoveServerMeetings returned", sortMeetings(removed), []store.Meeting{a, b})
	left, err := s.Meetings(ctx, store.MeetingFilter{AnyTenant: true})
	if err != nil {
		t.Fatalf("Meetings: %v", err)
	}
	checkMeetings(t, "Meetings after RemoveServerMeetings", left, []store.Meeting{c})
	if _, err := s.Server(ctx, "bbb1"); err != nil {
		t.Errorf("RemoveServerMeetings removed the server itself: %v", err)
	}
	again := mustBind(ctx, t, s, sampleMeeting("", "d", "bbb2", baseTime), "1", "2")
	if again.VoiceBridge != "1" {
		t.Errorf("bridge of a removed meeting not freed: got %q, want 1", again.VoiceBridge)
	}
	removed, err = s.RemoveServerMeetings(ctx, "bbb1")
	if err != nil || len(removed) != 0 {
		t.Errorf("RemoveServerMeetings of an empty server = %v, %v; want none, nil", meetingKeys(removed), err)
	}
}

func testSyncServerMeetings(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	mustAddServer(ctx, t, s, sampleServer("bbb1"))
	mustAddServer(ctx, t, s, sampleServer("bbb2"))
	pollStarted := baseTime.Add(time.Minute)
	seenOld := mustBind(ctx, t, s, sampleMeeting("", "seen", "bbb1", baseTime), "1")
	seenTenant := mustBind(ctx, t, s, sampleMeeting("t1", "seen", "bbb1", baseTime), "2")
	gone := mustBind(ctx, t, s, sampleMeeting("", "gone", "bbb1", baseTime), "3")
	goneTenant := mustBind(ctx, t, s, sampleMeeting("t2", "seen", "bbb1", baseTime), "4")
	justBefore := mustBind(ctx, t, s, sampleMeeting("", "just-before", "bbb1", pollStarted.Add(-time.Nanosecond)), "5")
	atStart := mustBind(ctx, t, s, sampleMeeting("", "at-start", "bbb1", pollStarted), "6")
	after := mustBind(ctx, t, s, sampleMeeting("", "after", "bbb1", pollStarted.Add(time.Second)), "7")
	otherServer := mustBind(ctx, t, s, sampleMeeting("", "elsewhere", "bbb2", baseTime), "8")

	seen := []store.MeetingStats{
		{Tenant: "", ID: "seen", Participants: 10, Moderators: 2, Videos: 4},
		{Tenant: "t1", ID: "seen", Participants: 5, Moderators: 1, Videos: 0},
		{Tenant: "", ID: "elsewhere", Participants: 99, Moderators: 9, Videos: 9},
		{Tenant: "", ID: "unbound", Participants: 3},
	}
	removed, err := s.SyncServerMeetings(ctx, "bbb1", pollStarted, seen)
	if err != nil {
		t.Fatalf("SyncServerMeetings: %v", err)
	}
	checkMeetings(t, "SyncServerMeetings removed", sortMeetings(removed), []store.Meeting{gone, justBefore, goneTenant})

	seenOld.Participants, seenOld.Moderators, seenOld.Videos = 10, 2, 4
	seenTenant.Participants, seenTenant.Moderators = 5, 1
	left, err := s.Meetings(ctx, store.MeetingFilter{AnyTenant: true})
	if err != nil {
		t.Fatalf("Meetings: %v", err)
	}
	checkMeetings(t, "Meetings after sync", left, []store.Meeting{after, atStart, otherServer, seenOld, seenTenant})
	if _, err := s.Meeting(ctx, "", "unbound"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("sync created a binding for an unbound meeting: error = %v, want ErrNotFound", err)
	}
	for _, bridge := range []string{"3", "4", "5"} {
		if _, err := s.MeetingByVoiceBridge(ctx, bridge); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("bridge %s of a removed meeting still held: error = %v, want ErrNotFound", bridge, err)
		}
	}
	// An empty poll removes what is old enough and keeps the rest.
	removed, err = s.SyncServerMeetings(ctx, "bbb1", pollStarted, nil)
	if err != nil {
		t.Fatalf("SyncServerMeetings(empty): %v", err)
	}
	checkMeetings(t, "empty SyncServerMeetings removed", sortMeetings(removed), []store.Meeting{seenOld, seenTenant})
}

func testTenantAddAndGet(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	zeta := store.Tenant{ID: "id-1", Name: "zeta", Secrets: []string{"s2", "s1", "s3"}}
	alpha := store.Tenant{ID: "id-2", Name: "alpha", Secrets: []string{"only"}}
	for _, tn := range []store.Tenant{zeta, alpha} {
		if err := s.AddTenant(ctx, tn); err != nil {
			t.Fatalf("AddTenant(%q): %v", tn.Name, err)
		}
	}
	for _, want := range []store.Tenant{zeta, alpha} {
		got, err := s.Tenant(ctx, want.ID)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Tenant(%q) = %+v, %v; want %+v", want.ID, got, err, want)
		}
		got, err = s.TenantByName(ctx, want.Name)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("TenantByName(%q) = %+v, %v; want %+v", want.Name, got, err, want)
		}
	}
	all, err := s.Tenants(ctx)
	if err != nil || !reflect.DeepEqual(all, []store.Tenant{alpha, zeta}) {
		t.Errorf("Tenants = %+v, %v; want [alpha zeta] ordered by name", all, err)
	}
	if _, err := s.Tenant(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Tenant(nope) error = %v, want ErrNotFound", err)
	}
	if _, err := s.TenantByName(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TenantByName(nope) error = %v, want ErrNotFound", err)
	}
}

func testTenantAddConflict(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	first := store.Tenant{ID: "id-1", Name: "acme", Secrets: []string{"s"}}
	if err := s.AddTenant(ctx, first); err != nil {
		t.Fatalf("AddTenant: %v", err)
	}
	tests := []struct {
		name string
		t    store.Tenant
	}{
		{"same id", store.Tenant{ID: "id-1", Name: "other", Secrets: []string{"x"}}},
		{"same name", store.Tenant{ID: "id-2", Name: "acme", Secrets: []string{"x"}}},
	}
	for _, tc := range tests {
		if err := s.AddTenant(ctx, tc.t); !errors.Is(err, store.ErrConflict) {
			t.Errorf("AddTenant with %s: error = %v, want ErrConflict", tc.name, err)
		}
	}
	all, err := s.Tenants(ctx)
	if err != nil || !reflect.DeepEqual(all, []store.Tenant{first}) {
		t.Errorf("Tenants after conflicts = %+v, %v; want only %+v", all, err, first)
	}
	if _, err := s.TenantByName(ctx, "other"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("a conflicting add left name %q behind: error = %v, want ErrNotFound", "other", err)
	}
}

func testTenantUpdate(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	a := store.Tenant{ID: "id-a", Name: "a", Secrets: []string{"sa"}}
	b := store.Tenant{ID: "id-b", Name: "b", Secrets: []string{"sb"}}
	for _, tn := range []store.Tenant{a, b} {
		if err := s.AddTenant(ctx, tn); err != nil {
			t.Fatalf("AddTenant: %v", err)
		}
	}
	renamed := store.Tenant{ID: "id-a", Name: "a2", Secrets: []string{"new2", "new1"}}
	if err := s.UpdateTenant(ctx, renamed); err != nil {
		t.Fatalf("UpdateTenant: %v", err)
	}
	if got, err := s.TenantByName(ctx, "a2"); err != nil || !reflect.DeepEqual(got, renamed) {
		t.Errorf("TenantByName(a2) = %+v, %v; want %+v", got, err, renamed)
	}
	if _, err := s.TenantByName(ctx, "a"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("old name still found after rename: error = %v, want ErrNotFound", err)
	}
	// The freed name can be taken by another tenant.
	if err := s.AddTenant(ctx, store.Tenant{ID: "id-c", Name: "a", Secrets: []string{"sc"}}); err != nil {
		t.Errorf("AddTenant with a freed name: %v", err)
	}
	// Keeping one's own name is no conflict.
	sameName := store.Tenant{ID: "id-b", Name: "b", Secrets: []string{"rotated"}}
	if err := s.UpdateTenant(ctx, sameName); err != nil {
		t.Errorf("UpdateTenant keeping its name: %v", err)
	}
	if err := s.UpdateTenant(ctx, store.Tenant{ID: "id-b", Name: "a2", Secrets: []string{"x"}}); !errors.Is(err, store.ErrConflict) {
		t.Errorf("UpdateTenant to a taken name: error = %v, want ErrConflict", err)
	}
	if got, err := s.Tenant(ctx, "id-b"); err != nil || !reflect.DeepEqual(got, sameName) {
		t.Errorf("Tenant(id-b) after a conflicting update = %+v, %v; want %+v", got, err, sameName)
	}
	if err := s.UpdateTenant(ctx, store.Tenant{ID: "missing", Name: "m", Secrets: []string{"x"}}); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTenant(missing) error = %v, want ErrNotFound", err)
	}
	if _, err := s.TenantByName(ctx, "m"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("UpdateTenant(missing) created a tenant: error = %v, want ErrNotFound", err)
	}
}

func testTenantDelete(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	gone := store.Tenant{ID: "id-1", Name: "gone", Secrets: []string{"s"}}
	kept := store.Tenant{ID: "id-2", Name: "kept", Secrets: []string{"s"}}
	settings := []store.TenantSetting{{Param: "record", Value: "false", Override: true}}
	for _, tn := range []store.Tenant{gone, kept} {
		if err := s.AddTenant(ctx, tn); err != nil {
			t.Fatalf("AddTenant: %v", err)
		}
		if err := s.SetTenantSettings(ctx, tn.ID, settings); err != nil {
			t.Fatalf("SetTenantSettings: %v", err)
		}
	}
	if err := s.DeleteTenant(ctx, "id-1"); err != nil {
		t.Fatalf("DeleteTenant: %v", err)
	}
	if _, err := s.Tenant(ctx, "id-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Tenant after delete: error = %v, want ErrNotFound", err)
	}
	if _, err := s.TenantByName(ctx, "gone"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("TenantByName after delete: error = %v, want ErrNotFound", err)
	}
	if got, err := s.TenantSettings(ctx, "id-2"); err != nil || !reflect.DeepEqual(got, settings) {
		t.Errorf("another tenant's settings = %+v, %v; want %+v", got, err, settings)
	}
	// A tenant added again under the same id starts without settings.
	if err := s.AddTenant(ctx, gone); err != nil {
		t.Fatalf("AddTenant again: %v", err)
	}
	if got, err := s.TenantSettings(ctx, "id-1"); err != nil || len(got) != 0 {
		t.Errorf("settings of a deleted tenant survived: %+v, %v; want none", got, err)
	}
}

func testTenantSettings(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	if err := s.AddTenant(ctx, store.Tenant{ID: "id-1", Name: "t", Secrets: []string{"s"}}); err != nil {
		t.Fatalf("AddTenant: %v", err)
	}
	if got, err := s.TenantSettings(ctx, "id-1"); err != nil || len(got) != 0 {
		t.Errorf("TenantSettings of a new tenant = %+v, %v; want none", got, err)
	}
	tests := []struct {
		name string
		set  []store.TenantSetting
		want []store.TenantSetting
	}{
		{
			"ordered by param",
			[]store.TenantSetting{
				{Param: "welcome", Value: "hi", Override: false},
				{Param: "allowStartStopRecording", Value: "true", Override: true},
				{Param: "record", Value: "", Override: true},
			},
			[]store.TenantSetting{
				{Param: "allowStartStopRecording", Value: "true", Override: true},
				{Param: "record", Value: "", Override: true},
				{Param: "welcome", Value: "hi", Override: false},
			},
		},
		{
			"replaced as a whole",
			[]store.TenantSetting{{Param: "muteOnStart", Value: "true"}},
			[]store.TenantSetting{{Param: "muteOnStart", Value: "true"}},
		},
		{"cleared", nil, nil},
	}
	for _, tc := range tests {
		if err := s.SetTenantSettings(ctx, "id-1", tc.set); err != nil {
			t.Fatalf("SetTenantSettings(%s): %v", tc.name, err)
		}
		got, err := s.TenantSettings(ctx, "id-1")
		if err != nil {
			t.Fatalf("TenantSettings(%s): %v", tc.name, err)
		}
		if len(got) != len(tc.want) || (len(got) > 0 && !reflect.DeepEqual(got, tc.want)) {
			t.Errorf("TenantSettings after %s = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func testTokenConsume(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	want := store.Token{RecordID: "rec-1", Format: "presentation"}
	if err := s.PutToken(ctx, "tok-1", want, time.Minute); err != nil {
		t.Fatalf("PutToken: %v", err)
	}
	if err := s.PutToken(ctx, "tok-2", store.Token{RecordID: "rec-2", Format: "video"}, time.Minute); err != nil {
		t.Fatalf("PutToken: %v", err)
	}
	got, err := s.ConsumeToken(ctx, "tok-1")
	if err != nil || got != want {
		t.Fatalf("ConsumeToken = %+v, %v; want %+v", got, err, want)
	}
	if _, err := s.ConsumeToken(ctx, "tok-1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("second ConsumeToken error = %v, want ErrNotFound", err)
	}
	if _, err := s.ConsumeToken(ctx, "never-put"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ConsumeToken(unknown) error = %v, want ErrNotFound", err)
	}
	if got, err := s.ConsumeToken(ctx, "tok-2"); err != nil || got.RecordID != "rec-2" {
		t.Errorf("ConsumeToken(tok-2) = %+v, %v; want rec-2 (tokens are independent)", got, err)
	}
}

func testTokenExpiry(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	const ttl = 50 * time.Millisecond
	if err := s.PutToken(ctx, "short", store.Token{RecordID: "r", Format: "f"}, ttl); err != nil {
		t.Fatalf("PutToken: %v", err)
	}
	if err := s.PutToken(ctx, "long", store.Token{RecordID: "r", Format: "f"}, time.Minute); err != nil {
		t.Fatalf("PutToken: %v", err)
	}
	time.Sleep(3 * ttl)
	if _, err := s.ConsumeToken(ctx, "short"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("ConsumeToken after expiry: error = %v, want ErrNotFound", err)
	}
	if _, err := s.ConsumeToken(ctx, "long"); err != nil {
		t.Errorf("ConsumeToken of an unexpired token: %v", err)
	}
}

func testLeaseAcquireRelease(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	steps := []struct {
		op     string // acquire or release
		lease  string
		holder string
		want   bool
	}{
		{"acquire", "poller", "node-a", true},
		{"acquire", "poller", "node-b", false},
		{"acquire", "importer", "node-b", true},
		{"acquire", "poller", "node-a", true},
		{"release", "poller", "node-b", false},
		{"acquire", "poller", "node-b", false},
		{"release", "poller", "node-a", false},
		{"acquire", "poller", "node-b", true},
		{"acquire", "poller", "node-a", false},
		{"acquire", "importer", "node-a", false},
	}
	for i, st := range steps {
		switch st.op {
		case "acquire":
			got, err := s.AcquireLease(ctx, st.lease, st.holder, time.Minute)
			if err != nil {
				t.Fatalf("step %d AcquireLease(%s, %s): %v", i, st.lease, st.holder, err)
			}
			if got != st.want {
				t.Errorf("step %d AcquireLease(%s, %s) = %v, want %v", i, st.lease, st.holder, got, st.want)
			}
		case "release":
			if err := s.ReleaseLease(ctx, st.lease, st.holder); err != nil {
				t.Fatalf("step %d ReleaseLease(%s, %s): %v", i, st.lease, st.holder, err)
			}
		}
	}
	if err := s.ReleaseLease(ctx, "never-taken", "node-a"); err != nil {
		t.Errorf("ReleaseLease of a free lease: %v, want nil", err)
	}
}

func testLeaseExpiry(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	// Long enough that the second call surely comes before expiry, short
	// enough to wait out.
	const ttl = 150 * time.Millisecond
	if ok, err := s.AcquireLease(ctx, "poller", "node-a", ttl); err != nil || !ok {
		t.Fatalf("AcquireLease = %v, %v; want true", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "poller", "node-b", time.Minute); err != nil || ok {
		t.Fatalf("AcquireLease by another holder before expiry = %v, %v; want false", ok, err)
	}
	time.Sleep(ttl + 100*time.Millisecond)
	if ok, err := s.AcquireLease(ctx, "poller", "node-b", time.Minute); err != nil || !ok {
		t.Fatalf("AcquireLease after expiry = %v, %v; want true", ok, err)
	}
	if ok, err := s.AcquireLease(ctx, "poller", "node-a", ttl); err != nil || ok {
		t.Errorf("the former holder took the lease back: %v, %v; want false", ok, err)
	}
}

func testLeaseRenew(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	const ttl = 600 * time.Millisecond
	if ok, err := s.AcquireLease(ctx, "poller", "node-a", ttl); err != nil || !ok {
		t.Fatalf("AcquireLease = %v, %v; want true", ok, err)
	}
	time.Sleep(ttl / 2)
	if ok, err := s.AcquireLease(ctx, "poller", "node-a", ttl); err != nil || !ok {
		t.Fatalf("renewal = %v, %v; want true", ok, err)
	}
	// Past the first term by ttl/6, within the renewed one by ttl/3.
	time.Sleep(ttl/2 + ttl/6)
	if ok, err := s.AcquireLease(ctx, "poller", "node-b", ttl); err != nil || ok {
		t.Errorf("AcquireLease by another holder within a renewed term = %v, %v; want false", ok, err)
	}
}

func testLoadOrStoreValue(t *testing.T, newStore LiveFactory) {
	ctx := testContext(t)
	s := newStore(t)
	tests := []struct {
		key, value, want string
	}{
		{"cookie-secret", "first", "first"},
		{"cookie-secret", "second", "first"},
		{"other", "x", "x"},
		{"cookie-secret", "", "first"},
	}
	for _, tc := range tests {
		got, err := s.LoadOrStoreValue(ctx, tc.key, tc.value)
		if err != nil || got != tc.want {
			t.Errorf("LoadOrStoreValue(%q, %q) = %q, %v; want %q", tc.key, tc.value, got, err, tc.want)
		}
	}
}
