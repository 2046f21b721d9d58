package bbbsim

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

func TestRequestLog(t *testing.T) {
	s := startSim(t, Options{})
	before := time.Now()
	call(t, s, "create", "meetingID=log-room&name=Log+Room")
	body := []byte("<modules/>")
	postURL := sign(s, "insertDocument", "meetingID=log-room", bbb.SHA256)
	do(t, http.MethodPost, postURL, "application/xml", body)
	do(t, http.MethodGet, s.URL(), "", nil)

	got := s.Requests()
	if len(got) != 3 {
		t.Fatalf("%d requests logged, want 3", len(got))
	}
	postQuery, _ := url.Parse(postURL)
	want := []Request{
		{Call: "create", Method: http.MethodGet},
		{Call: "insertDocument", Method: http.MethodPost, RawQuery: postQuery.RawQuery, ContentType: "application/xml", Body: body},
		{Call: "", Method: http.MethodGet},
	}
	for i, w := range want {
		g := got[i]
		if g.Call != w.Call || g.Method != w.Method || g.ContentType != w.ContentType || string(g.Body) != string(w.Body) {
			t.Errorf("request %d = %+v, want %+v", i, g, w)
		}
		if g.Time.Before(before) || g.Time.After(time.Now()) {
			t.Errorf("request %d time %v out of range", i, g.Time)
		}
	}
	if got[1].RawQuery != postQuery.RawQuery {
		t.Errorf("raw query %q, want %q", got[1].RawQuery, postQuery.RawQuery)
	}
	if q, _ := url.ParseQuery(got[0].RawQuery); q.Get("meetingID") != "log-room" || q.Get("name") != "Log Room" {
		t.Errorf("logged create query %q", got[0].RawQuery)
	}

	// The log is a copy.
	got[1].Body[0] = 'X'
	if string(s.Requests()[1].Body) != string(body) {
		t.Error("Requests shares memory with the log")
	}
	if n := len(s.RequestsFor("insertDocument")); n != 1 {
		t.Errorf("RequestsFor(insertDocument) = %d, want 1", n)
	}
	s.ClearRequests()
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests after ClearRequests", n)
	}
	call(t, s, "getMeetings", "")
	if n := len(s.Requests()); n != 1 {
		t.Errorf("%d requests after one more call, want 1", n)
	}
}

func TestAddMeeting(t *testing.T) {
	s := startSim(t, Options{})
	past := time.Date(2024, 5, 9, 13, 35, 28, 123e6, time.UTC)
	m, err := s.AddMeeting(bbb.Meeting{
		MeetingID:  "Demo Meeting",
		CreateTime: past.UnixMilli(),
		Attendees:  []bbb.Attendee{{UserID: "u1", FullName: "A", Role: RoleModerator, HasVideo: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.InternalMeetingID != "183f0bf3a0982a127bdb8161e0c44eb696b3e75c-1715261728123" {
		t.Errorf("internalMeetingID %q", m.InternalMeetingID)
	}
	if m.CreateDate != "Thu May 09 13:35:28 UTC 2024" {
		t.Errorf("createDate %q", m.CreateDate)
	}
	if !m.Running || !m.HasUserJoined || m.ParticipantCount != 1 || m.ModeratorCount != 1 || m.DialNumber != DefaultDialNumber || len(m.AttendeePW) != 8 {
		t.Errorf("derived fields %+v", m)
	}
	if _, err := s.AddMeeting(bbb.Meeting{MeetingID: "Demo Meeting"}); err == nil {
		t.Error("second AddMeeting with the same meetingID accepted")
	}
	if _, err := s.AddMeeting(bbb.Meeting{}); err == nil {
		t.Error("AddMeeting without meetingID accepted")
	}

	// A meeting added directly answers the API like a created one.
	root := parseXML(t, call(t, s, "isMeetingRunning", url.Values{"meetingID": {"Demo Meeting"}}.Encode()))
	if root.text("running") != "true" {
		t.Errorf("running %s, want true", root.text("running"))
	}
	dup := parseXML(t, call(t, s, "create", url.Values{"meetingID": {"Demo Meeting"}, "name": {"x1"}}.Encode()))
	if dup.text("messageKey") != "duplicateWarning" || dup.text("createTime") != "1715261728123" {
		t.Errorf("create of an added meeting: %s createTime %s", dup.text("messageKey"), dup.text("createTime"))
	}
}

func TestControls(t *testing.T) {
	s := startSim(t, Options{})
	createMeeting(t, s, "ctl", nil)
	tests := []struct {
		name                       string
		id                         string
		participants, mods, videos int
		wantErr                    bool
	}{
		{"unknown meeting", "nope", 1, 0, 0, true},
		{"more moderators than users", "ctl", 1, 2, 0, true},
		{"negative", "ctl", -1, 0, 0, true},
		{"ok", "ctl", 5, 2, 7, false},
	}
	for _, tc := range tests {
		err := s.SetUsers(tc.id, tc.participants, tc.mods, tc.videos)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: error %v, want error %v", tc.name, err, tc.wantErr)
		}
	}
	if err := s.SetUsers("nope", 1, 0, 0); !errors.Is(err, ErrUnknownMeeting) {
		t.Errorf("unknown meeting: %v, want ErrUnknownMeeting", err)
	}
	m, _ := s.Meeting("ctl")
	if m.ParticipantCount != 5 || m.ModeratorCount != 2 || m.VideoCount != 7 || len(m.Attendees) != 5 {
		t.Errorf("after SetUsers(5, 2, 7): %d users %d moderators %d videos", m.ParticipantCount, m.ModeratorCount, m.VideoCount)
	}
	// Snapshots do not share memory with the simulator.
	m.Attendees[0].FullName = "changed"
	if again, _ := s.Meeting("ctl"); again.Attendees[0].FullName == "changed" {
		t.Error("Meeting shares attendees with the simulator")
	}

	if !s.EndMeeting("ctl") || s.EndMeeting("ctl") {
		t.Error("EndMeeting should report true once, then false")
	}
	if n := len(s.Meetings()); n != 0 {
		t.Errorf("%d meetings after EndMeeting", n)
	}
	wantError(t, parseXML(t, call(t, s, "getMeetingInfo", "meetingID=ctl")), "notFound", "A meeting with that ID does not exist")
}

// TestConcurrentUse hammers one meeting from many clients; run with -race.
func TestConcurrentUse(t *testing.T) {
	s := startSim(t, Options{})
	const workers, joins = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*joins)
	for w := range workers {
		wg.Go(func() {
			client := newClient(5 * time.Second)
			defer client.CloseIdleConnections()
			for i := range joins {
				for _, target := range []string{
					sign(s, "create", "meetingID=busy&name=Busy", bbb.SHA256),
					sign(s, "join", fmt.Sprintf("meetingID=busy&fullName=u%d-%d&role=viewer", w, i), bbb.SHA1),
					sign(s, "getMeetings", "", bbb.SHA512),
				} {
					if _, _, err := get(client, target); err != nil {
						errs <- err
					}
				}
				_ = s.Meetings()
				_ = s.Requests()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	m, ok := s.Meeting("busy")
	if !ok || m.ParticipantCount != workers*joins {
		t.Errorf("participants %d, want %d", m.ParticipantCount, workers*joins)
	}
	if n := len(s.Meetings()); n != 1 {
		t.Errorf("%d meetings, want 1", n)
	}
}
