package poller_test

import (
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/poller"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestComesOnlineAtHealthyThreshold(t *testing.T) {
	for _, threshold := range []int{1, 3} {
		t.Run(fmt.Sprintf("threshold %d", threshold), func(t *testing.T) {
			live := newSQLite(t)
			sim := newSim(t, "bbb1")
			addServer(t, live, "bbb1", sim, store.StateEnabled, false)
			addMeeting(t, sim, bbb.Meeting{MeetingID: "m1", CreateTime: time.Now().Add(-time.Hour).UnixMilli()}, 4, 1, 1)
			p := newPoller(t, live, poller.Config{HealthyThreshold: threshold})

			for i := 1; i < threshold; i++ {
				sum := pollOnce(t, p)
				s := server(t, live, "bbb1")
				if s.Online || len(sum.WentOnline) != 0 {
					t.Fatalf("poll %d: online before the threshold (summary %+v)", i, sum)
				}
				if s.HealthyCount != i {
					t.Fatalf("poll %d: healthy count %d, want %d", i, s.HealthyCount, i)
				}
				if s.Load != 0 || s.Meetings != 0 {
					t.Fatalf("poll %d: offline server got figures: load %v, meetings %d", i, s.Load, s.Meetings)
				}
			}
			sum := pollOnce(t, p)
			s := server(t, live, "bbb1")
			if !s.Online || !slices.Equal(sum.WentOnline, []string{"bbb1"}) {
				t.Fatalf("after %d polls: online %v, went online %v", threshold, s.Online, sum.WentOnline)
			}
			if s.HealthyCount != 0 || s.UnhealthyCount != 0 {
				t.Errorf("counters %d/%d after coming online, want 0/0", s.HealthyCount, s.UnhealthyCount)
			}
			if s.Load != 4 || s.Meetings != 1 || s.Users != 4 || s.LargestMeeting != 4 || s.Videos != 1 {
				t.Errorf("figures load %v meetings %d users %d largest %d videos %d, want 4 1 4 4 1",
					s.Load, s.Meetings, s.Users, s.LargestMeeting, s.Videos)
			}
			if s.BBBVersion != testVersion {
				t.Errorf("bbb version %q, want %q", s.BBBVersion, testVersion)
			}
			if sum.Online != 1 || sum.Offline != 0 || sum.Polled != 1 {
				t.Errorf("summary polled %d online %d offline %d, want 1 1 0", sum.Polled, sum.Online, sum.Offline)
			}
		})
	}
}

func TestGoesOfflineAtUnhealthyThreshold(t *testing.T) {
	tests := []struct {
		name string
		// breaks the server; the returned secret is what the store knows.
		fault       bbbsim.Fault
		wrongSecret bool
		// whether the server can receive the end calls.
		receivesEnd bool
	}{
		{name: "refused connection", fault: bbbsim.Down},
		{name: "hanging server", fault: bbbsim.Hang, receivesEnd: true},
		{name: "garbage answer", fault: bbbsim.Garbage, receivesEnd: true},
		{name: "FAILED answer", fault: bbbsim.Healthy, wrongSecret: true, receivesEnd: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := newSQLite(t)
			sim := newSim(t, "bbb1")
			other := newSim(t, "bbb2")
			addServer(t, live, "bbb1", sim, store.StateEnabled, false)
			addServer(t, live, "bbb2", other, store.StateEnabled, false)
			for _, id := range []string{"m1", "m2"} {
				addMeeting(t, sim, bbb.Meeting{MeetingID: id, Metadata: bbb.Metadata{{Key: bbb.MetaTenantID, Value: "t1"}}}, 3, 1, 0)
			}
			addMeeting(t, other, bbb.Meeting{MeetingID: "m3"}, 2, 1, 0)
			p := newPoller(t, live, poller.Config{UnhealthyThreshold: 2, ResponseTimeout: time.Second})
			pollOnce(t, p)
			bind(t, live, "bbb1", "t1", "m1", time.Now())
			bind(t, live, "bbb1", "t1", "m2", time.Now())
			bind(t, live, "bbb2", "", "m3", time.Now())

			setFault(t, sim, tt.fault)
			if tt.wrongSecret {
				if _, err := live.UpdateServer(testContext(t), "bbb1", func(s *store.Server) error {
					s.Secret = "wrong"
					return nil
				}); err != nil {
					t.Fatal(err)
				}
			}
			sim.ClearRequests()

			sum := pollOnce(t, p)
			s := server(t, live, "bbb1")
			if !s.Online || s.UnhealthyCount != 1 || len(sum.WentOffline) != 0 {
				t.Fatalf("first failure: online %v, unhealthy %d, went offline %v; want still online with count 1",
					s.Online, s.UnhealthyCount, sum.WentOffline)
			}
			if !slices.Equal(sum.Failed, []string{"bbb1"}) {
				t.Errorf("failed = %v, want [bbb1]", sum.Failed)
			}
			if n := len(bindings(t, live, "bbb1")); n != 2 {
				t.Fatalf("bindings after first failure: %d, want 2", n)
			}

			sum = pollOnce(t, p)
			s = server(t, live, "bbb1")
			if s.Online || !slices.Equal(sum.WentOffline, []string{"bbb1"}) {
				t.Fatalf("second failure: online %v, went offline %v", s.Online, sum.WentOffline)
			}
			if s.Load != 0 || s.Meetings != 0 || s.Users != 0 || s.LargestMeeting != 0 || s.Videos != 0 ||
				s.UnhealthyCount != 0 || s.HealthyCount != 0 {
				t.Errorf("offline server keeps figures: %+v", s)
			}
			if s.State != store.StateEnabled {
				t.Errorf("state %q, want enabled (going offline keeps the state)", s.State)
			}
			if n := len(bindings(t, live, "bbb1")); n != 0 {
				t.Errorf("bindings after going offline: %d, want 0", n)
			}
			if sum.BindingsRemoved != 2 {
				t.Errorf("bindings removed = %d, want 2", sum.BindingsRemoved)
			}
			if _, ok := bindings(t, live, "bbb2")["/m3"]; !ok {
				t.Error("the healthy server's binding was removed")
			}
			if sum.Online != 1 || sum.Offline != 1 {
				t.Errorf("summary online %d offline %d, want 1 1", sum.Online, sum.Offline)
			}

			var ended []string
			for _, r := range sim.RequestsFor("end") {
				q, err := url.ParseQuery(r.RawQuery)
				if err != nil {
					t.Fatal(err)
				}
				ended = append(ended, q.Get("meetingID"))
			}
			slices.Sort(ended)
			if tt.receivesEnd && !slices.Equal(ended, []string{"m1", "m2"}) {
				t.Errorf("end sent for %v, want [m1 m2]", ended)
			}
		})
	}
}

func TestCountersResetByTheOtherKind(t *testing.T) {
	live := newSQLite(t)
	sim := newSim(t, "bbb1")
	addServer(t, live, "bbb1", sim, store.StateEnabled, true)
	p := newPoller(t, live, poller.Config{HealthyThreshold: 2, UnhealthyThreshold: 2})

	steps := []struct {
		fault         bbbsim.Fault
		wantOnline    bool
		wantHealthy   int
		wantUnhealthy int
	}{
		{bbbsim.Garbage, true, 0, 1},
		{bbbsim.Healthy, true, 0, 0}, // a success resets the failures
		{bbbsim.Garbage, true, 0, 1}, // so one more failure is not enough
		{bbbsim.Garbage, false, 0, 0},
		{bbbsim.Healthy, false, 1, 0},
		{bbbsim.Garbage, false, 0, 0}, // a failure resets the successes
		{bbbsim.Healthy, false, 1, 0},
		{bbbsim.Healthy, true, 0, 0},
	}
	for i, st := range steps {
		setFault(t, sim, st.fault)
		pollOnce(t, p)
		s := server(t, live, "bbb1")
		if s.Online != st.wantOnline || s.HealthyCount != st.wantHealthy || s.UnhealthyCount != st.wantUnhealthy {
			t.Fatalf("step %d (%s): online %v healthy %d unhealthy %d; want %v %d %d", i, st.fault,
				s.Online, s.HealthyCount, s.UnhealthyCount, st.wantOnline, st.wantHealthy, st.wantUnhealthy)
		}
	}
}

func TestCordonedServerDisabledWhenEmpty(t *testing.T) {
	tests := []struct {
		name      string
		state     store.ServerState
		meeting   bool
		wantState store.ServerState
	}{
		{"cordoned and empty", store.StateCordoned, false, store.StateDisabled},
		{"cordoned with a meeting", store.StateCordoned, true, store.StateCordoned},
		{"enabled and empty", store.StateEnabled, false, store.StateEnabled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			live := newSQLite(t)
			sim := newSim(t, "bbb1")
			addServer(t, live, "bbb1", sim, tt.state, true)
			if tt.meeting {
				addMeeting(t, sim, bbb.Meeting{MeetingID: "m1"}, 1, 1, 0)
			}
			p := newPoller(t, live, poller.Config{})
			sum := pollOnce(t, p)
			s := server(t, live, "bbb1")
			if s.State != tt.wantState {
				t.Fatalf("state %q, want %q", s.State, tt.wantState)
			}
			disabled := tt.wantState == store.StateDisabled
			if got := slices.Equal(sum.Disabled, []string{"bbb1"}); got != disabled {
				t.Errorf("summary disabled = %v", sum.Disabled)
			}
			if disabled && s.Online {
				t.Error("a server disabled by the poller stays online; it must be polled again once enabled")
			}
			if !disabled && !s.Online {
				t.Error("server went offline")
			}

			// A disabled server is not polled any more.
			sim.ClearRequests()
			sum = pollOnce(t, p)
			if n := len(sim.RequestsFor("getMeetings")); disabled != (n == 0) {
				t.Errorf("second poll sent %d getMeetings (disabled %v)", n, disabled)
			}
			if disabled && sum.Polled != 0 {
				t.Errorf("polled %d, want 0", sum.Polled)
			}
		})
	}
}

func TestDisabledServerNotPolled(t *testing.T) {
	live := newSQLite(t)
	disabled := newSim(t, "off")
	enabled := newSim(t, "on")
	cordoned := newSim(t, "cordoned")
	addServer(t, live, "off", disabled, store.StateDisabled, false)
	addServer(t, live, "on", enabled, store.StateEnabled, false)
	addServer(t, live, "cordoned", cordoned, store.StateCordoned, true)
	addMeeting(t, cordoned, bbb.Meeting{MeetingID: "m1"}, 1, 1, 0)

	sum := pollOnce(t, newPoller(t, live, poller.Config{}))
	if n := len(disabled.Requests()); n != 0 {
		t.Errorf("disabled server got %d requests", n)
	}
	if len(enabled.RequestsFor("getMeetings")) != 1 || len(cordoned.RequestsFor("getMeetings")) != 1 {
		t.Error("enabled and cordoned servers must get one getMeetings each")
	}
	if sum.Polled != 2 {
		t.Errorf("polled %d, want 2", sum.Polled)
	}
	if s := server(t, live, "off"); s.Online || s.HealthyCount != 0 {
		t.Errorf("disabled server changed: %+v", s)
	}
}

func TestLoadOfServers(t *testing.T) {
	live := newSQLite(t)
	now := time.Now()
	old := now.Add(-time.Hour).UnixMilli()
	type meeting struct {
		id                            string
		participants, moderators, vid int
		created                       int64
		breakoutOf                    string
	}
	tests := []struct {
		id         string
		multiplier float64
		meetings   []meeting
		// expected contributions of each meeting, before the multiplier
		wantRaw float64
	}{
		{id: "empty", multiplier: 1, wantRaw: 0},
		{
			id: "old-meetings", multiplier: 1,
			meetings: []meeting{{"a", 10, 2, 1, old, ""}, {"b", 7, 1, 0, old, ""}},
			wantRaw:  10 + 7,
		},
		{
			id: "fresh-and-breakouts", multiplier: 2,
			meetings: []meeting{
				{"parent", 12, 2, 2, old, ""},
				{"parent-room1", 4, 0, 1, 0, "parent"},
				{"fresh", 3, 1, 0, 0, ""},      // raised to 15
				{"fresh-big", 20, 1, 0, 0, ""}, // stays 20
			},
			wantRaw: 12 + 15 + 20,
		},
		{
			id: "weighted", multiplier: 0.5,
			meetings: []meeting{{"a", 30, 2, 3, old, ""}},
			wantRaw:  30,
		},
	}
	for _, tt := range tests {
		sim := newSim(t, tt.id)
		if err := live.AddServer(testContext(t), store.Server{ID: tt.id, URL: sim.URL(), Secret: sim.Secret(),
			State: store.StateEnabled, Online: true, LoadMultiplier: tt.multiplier}); err != nil {
			t.Fatal(err)
		}
		for _, m := range tt.meetings {
			bm := bbb.Meeting{MeetingID: m.id, CreateTime: m.created}
			if m.breakoutOf != "" {
				bm.IsBreakout, bm.ParentMeetingID = true, m.breakoutOf
			}
			addMeeting(t, sim, bm, m.participants, m.moderators, m.vid)
		}
	}
	pollOnce(t, newPoller(t, live, poller.Config{LoadMinUserCount: 15, LoadJoinBufferTime: 15 * time.Minute}))
	for _, tt := range tests {
		s := server(t, live, tt.id)
		if want := tt.wantRaw * tt.multiplier; s.Load != want {
			t.Errorf("%s: load %v, want %v", tt.id, s.Load, want)
		}
		users, largest, videos := 0, 0, 0
		for _, m := range tt.meetings {
			users += m.participants
			largest = max(largest, m.participants)
			videos += m.vid
		}
		if s.Meetings != len(tt.meetings) || s.Users != users || s.LargestMeeting != largest || s.Videos != videos {
			t.Errorf("%s: meetings %d users %d largest %d videos %d; want %d %d %d %d", tt.id,
				s.Meetings, s.Users, s.LargestMeeting, s.Videos, len(tt.meetings), users, largest, videos)
		}
	}
}

func TestMeetingFiguresSynced(t *testing.T) {
	live := newSQLite(t)
	sim := newSim(t, "bbb1")
	addServer(t, live, "bbb1", sim, store.StateEnabled, true)
	// Two tenants run "room1" on one server in this test; the poller must
	// keep them apart by the tenant-id metadata.
	addMeeting(t, sim, bbb.Meeting{MeetingID: "room1", Metadata: bbb.Metadata{{Key: bbb.MetaTenantID, Value: "t1"}}}, 6, 2, 3)
	addMeeting(t, sim, bbb.Meeting{MeetingID: "room2"}, 2, 1, 0)
	bind(t, live, "bbb1", "t1", "room1", time.Now())
	bind(t, live, "bbb1", "t2", "room1", time.Now().Add(-time.Minute))
	bind(t, live, "bbb1", "", "room2", time.Now())

	sum := pollOnce(t, newPoller(t, live, poller.Config{}))
	got := bindings(t, live, "bbb1")
	if m, ok := got["t1/room1"]; !ok || m.Participants != 6 || m.Moderators != 2 || m.Videos != 3 {
		t.Errorf("t1/room1 = %+v (bound %v), want participants 6 moderators 2 videos 3", m, ok)
	}
	if m, ok := got["/room2"]; !ok || m.Participants != 2 || m.Moderators != 1 {
		t.Errorf("/room2 = %+v (bound %v), want participants 2 moderators 1", m, ok)
	}
	if _, ok := got["t2/room1"]; ok {
		t.Error("t2/room1 is not on the server but is still bound")
	}
	if sum.BindingsRemoved != 1 {
		t.Errorf("bindings removed %d, want 1", sum.BindingsRemoved)
	}
}

func TestEndedMeetingRemovedWhileNewBindingSurvives(t *testing.T) {
	live := newSQLite(t)
	sim := newSim(t, "bbb1")
	addServer(t, live, "bbb1", sim, store.StateEnabled, true)
	addMeeting(t, sim, bbb.Meeting{MeetingID: "running"}, 5, 1, 0)
	bind(t, live, "bbb1", "", "running", time.Now())
	bind(t, live, "bbb1", "", "ended", time.Now())
	sim.SetSlow(300 * time.Millisecond)

	p := newPoller(t, live, poller.Config{})
	type result struct {
		sum poller.Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		sum, err := p.PollOnce(testContext(t))
		done <- result{sum, err}
	}()
	// The getMeetings call has reached the server and waits on the slow
	// answer: a meeting created now cannot be in it.
	eventually(t, 5*time.Second, "the poll's getMeetings", func() bool {
		return len(sim.RequestsFor("getMeetings")) > 0
	})
	bind(t, live, "bbb1", "", "new", time.Now())
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	got := bindings(t, live, "bbb1")
	if _, ok := got["/ended"]; ok {
		t.Error("binding of the ended meeting survived")
	}
	if _, ok := got["/running"]; !ok {
		t.Error("binding of the running meeting was removed")
	}
	if _, ok := got["/new"]; !ok {
		t.Error("binding created during the poll was removed")
	}
	if r.sum.BindingsRemoved != 1 {
		t.Errorf("bindings removed %d, want 1", r.sum.BindingsRemoved)
	}

	// The next poll does not know "new" either, and it is older than that
	// poll: now it goes.
	sim.SetSlow(0)
	pollOnce(t, p)
	if _, ok := bindings(t, live, "bbb1")["/new"]; ok {
		t.Error("binding of a meeting missing from a later poll survived")
	}
}

func TestHungServerDelaysNoOther(t *testing.T) {
	live := newSQLite(t)
	const responseTimeout = 2 * time.Second
	hung := newSim(t, "hung")
	setFault(t, hung, bbbsim.Hang)
	addServer(t, live, "hung", hung, store.StateEnabled, true)
	var healthy []string
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		sim := newSim(t, id)
		addMeeting(t, sim, bbb.Meeting{MeetingID: "m-" + id, CreateTime: time.Now().Add(-time.Hour).UnixMilli()}, 2, 1, 0)
		addServer(t, live, id, sim, store.StateEnabled, false)
		healthy = append(healthy, id)
	}
	// Fewer workers than servers: the hung server holds one worker, the
	// others carry on.
	p := newPoller(t, live, poller.Config{ResponseTimeout: responseTimeout, Concurrency: 2})
	started := time.Now()
	sum := pollOnce(t, p)
	elapsed := time.Since(started)
	if elapsed > responseTimeout+time.Second {
		t.Errorf("cycle took %s with one hung server and response timeout %s", elapsed, responseTimeout)
	}
	if !slices.Equal(sum.Failed, []string{"hung"}) {
		t.Errorf("failed = %v, want [hung]", sum.Failed)
	}
	if !slices.Equal(sum.WentOnline, healthy) {
		t.Errorf("went online = %v, want %v", sum.WentOnline, healthy)
	}
	for _, id := range healthy {
		if s := server(t, live, id); !s.Online || s.Load != 2 {
			t.Errorf("%s: online %v load %v, want online with load 2", id, s.Online, s.Load)
		}
	}
	if s := server(t, live, "hung"); s.UnhealthyCount != 1 {
		t.Errorf("hung server's unhealthy count %d, want 1", s.UnhealthyCount)
	}
}

func TestCycleTimeoutSkipsUnfinishedServers(t *testing.T) {
	live := newSQLite(t)
	hung := newSim(t, "hung")
	setFault(t, hung, bbbsim.Hang)
	addServer(t, live, "hung", hung, store.StateEnabled, true)
	fine := newSim(t, "fine")
	addServer(t, live, "fine", fine, store.StateEnabled, true)

	p := newPoller(t, live, poller.Config{ResponseTimeout: 5 * time.Second, CycleTimeout: 300 * time.Millisecond})
	started := time.Now()
	sum := pollOnce(t, p)
	if elapsed := time.Since(started); elapsed > 2*time.Second {
		t.Errorf("cycle took %s with a cycle timeout of 300ms", elapsed)
	}
	if !slices.Equal(sum.Skipped, []string{"hung"}) || len(sum.Failed) != 0 {
		t.Errorf("skipped %v failed %v; want the hung server skipped, not failed", sum.Skipped, sum.Failed)
	}
	if s := server(t, live, "hung"); !s.Online || s.UnhealthyCount != 0 {
		t.Errorf("a server the cycle did not finish was changed: %+v", s)
	}
}

func TestVersionFetchedOnce(t *testing.T) {
	live := newSQLite(t)
	sim := newSim(t, "bbb1")
	addServer(t, live, "bbb1", sim, store.StateEnabled, false)
	p := newPoller(t, live, poller.Config{VersionEvery: 3})
	for range 4 {
		pollOnce(t, p)
	}
	if s := server(t, live, "bbb1"); s.BBBVersion != testVersion {
		t.Errorf("bbb version %q, want %q", s.BBBVersion, testVersion)
	}
	// Cycle 1 (new to this Poller, and offline) and cycle 4 (3 later).
	if n := len(sim.RequestsFor("")); n != 2 {
		t.Errorf("index fetched %d times in 4 cycles, want 2", n)
	}
	if n := len(sim.RequestsFor("getMeetings")); n != 4 {
		t.Errorf("getMeetings sent %d times in 4 cycles, want 4", n)
	}
}
