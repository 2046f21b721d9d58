package integration

import (
	"slices"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/store"
)

// TestServerDies takes one of three BBB servers down mid-test: getMeetings
// keeps answering with the others; once the poller has marked the server
// offline, joins of its meeting get serverUnavailable until a create places
// the meeting anew on a live server.
func TestServerDies(t *testing.T) {
	sims := startFleet(t, 3)
	l := startLB(t, lbConfig{})
	l.addServers(sims)

	ids := []string{"dies-a", "dies-b", "dies-c"}
	on := make(map[string]int)
	for _, id := range ids {
		l.get(frontEnd.url("create", "name=Dies&meetingID="+id+"&moderatorPW=mp")).wantSuccess(t, "create "+id)
		on[id] = simRunning(t, sims, id)
	}
	victim := on["dies-a"]
	if on["dies-b"] == victim || on["dies-c"] == victim {
		t.Fatalf("meetings placed on %v; want dies-a alone on its server", on)
	}

	if err := sims[victim].SetFault(bbbsim.Down); err != nil {
		t.Fatal(err)
	}
	// Whether or not the poller has noticed yet, the live servers answer.
	listed := l.get(frontEnd.url("getMeetings", "")).wantSuccess(t, "getMeetings with a server down").meetingIDs()
	if slices.Sort(listed); !slices.Equal(listed, ids[1:]) {
		t.Errorf("getMeetings with a server down lists %v, want %v", listed, ids[1:])
	}

	l.waitOnline(serverID(victim), false)
	// Scalelite answers serverUnavailable here. Our poller removes the
	// bindings of a server that goes offline, so the meeting is unknown by
	// now; either way the user must not be sent to the dead server.
	if d := l.get(frontEnd.url("join", "fullName=U&meetingID=dies-a&password=mp")); d.ReturnCode != bbb.ReturnFailed ||
		(d.MessageKey != bbb.KeyServerUnavailable && d.MessageKey != bbb.KeyNotFound) {
		t.Errorf("join on an offline server: %s/%s, want FAILED serverUnavailable or notFound; body %s", d.ReturnCode, d.MessageKey, d.raw)
	}
	listed = l.get(frontEnd.url("getMeetings", "")).wantSuccess(t, "getMeetings with a server offline").meetingIDs()
	if slices.Sort(listed); !slices.Equal(listed, ids[1:]) {
		t.Errorf("getMeetings with a server offline lists %v, want %v", listed, ids[1:])
	}
	for _, id := range ids[1:] {
		l.get(frontEnd.url("getMeetingInfo", "meetingID="+id)).wantSuccess(t, "getMeetingInfo "+id)
	}

	// create of the meeting places it anew on a live server.
	l.get(frontEnd.url("create", "name=Dies&meetingID=dies-a&moderatorPW=mp")).wantSuccess(t, "create again")
	var moved = -1
	for i, sim := range sims {
		if _, ok := sim.Meeting("dies-a"); ok && i != victim {
			moved = i
		}
	}
	if moved < 0 {
		t.Fatal("create after the server died: dies-a runs on no live server")
	}
	if m, err := l.live.Meeting(t.Context(), "", "dies-a"); err != nil || m.ServerID != serverID(moved) {
		t.Errorf("binding of dies-a: %+v, %v; want it on %s", m, err, serverID(moved))
	}
	checkJoinLocation(t, l.join(frontEnd, "fullName=U&meetingID=dies-a&password=mp"), sims[moved])

	// A disabled server keeps its bindings but takes no joins, and is not
	// asked for its meetings; a create places its meeting anew.
	disabledID, keptID := "dies-b", "dies-c"
	if on[disabledID] == moved {
		disabledID, keptID = keptID, disabledID
	}
	disabled := on[disabledID]
	_, err := l.live.UpdateServer(t.Context(), serverID(disabled), func(s *store.Server) error {
		s.State = store.StateDisabled
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	l.get(frontEnd.url("join", "fullName=U&meetingID="+disabledID+"&password=mp")).
		wantError(t, "join on a disabled server", bbb.ErrServerUnavailable)
	listed = l.get(frontEnd.url("getMeetings", "")).wantSuccess(t, "getMeetings with a server disabled").meetingIDs()
	slices.Sort(listed)
	if want := []string{"dies-a", keptID}; !slices.Equal(listed, want) {
		t.Errorf("getMeetings with a server disabled lists %v, want %v", listed, want)
	}
	l.get(frontEnd.url("create", "name=Dies&meetingID="+disabledID+"&moderatorPW=mp")).wantSuccess(t, "create on a disabled server")
	if m, err := l.live.Meeting(t.Context(), "", disabledID); err != nil || m.ServerID != serverID(moved) {
		t.Errorf("binding of %s after create: %+v, %v; want it on %s, the one live, enabled server", disabledID, m, err, serverID(moved))
	}

	// New meetings avoid the dead server.
	for _, id := range []string{"dies-d", "dies-e", "dies-f"} {
		l.get(frontEnd.url("create", "name=Dies&meetingID="+id)).wantSuccess(t, "create "+id)
		if m, err := l.live.Meeting(t.Context(), "", id); err != nil || m.ServerID == serverID(victim) {
			t.Errorf("binding of %s: %+v, %v; want it off the dead server", id, m, err)
		}
	}
}
