package bbbsim

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

var sessionURL = regexp.MustCompile(`^(.*)/html5client/join\?sessionToken=([a-z0-9]{16})$`)

func TestJoinRedirect(t *testing.T) {
	s := startSim(t, Options{})
	createMeeting(t, s, "join-room", url.Values{"attendeePW": {"ap12"}, "moderatorPW": {"mp12"}})

	r := call(t, s, "join", url.Values{"meetingID": {"join-room"}, "fullName": {"Ann"}, "password": {"mp12"}}.Encode())
	if r.status != http.StatusFound {
		t.Fatalf("status %d, want 302; body %s", r.status, r.body)
	}
	m := sessionURL.FindStringSubmatch(r.header.Get("Location"))
	if m == nil || m[1] != "http://"+s.Addr() {
		t.Fatalf("Location %q, want http://%s/html5client/join?sessionToken=<16 chars>", r.header.Get("Location"), s.Addr())
	}
	meeting, _ := s.Meeting("join-room")
	if len(meeting.Attendees) != 1 {
		t.Fatalf("attendees %v, want one", meeting.Attendees)
	}
	a := meeting.Attendees[0]
	if a.FullName != "Ann" || a.Role != RoleModerator || !regexp.MustCompile(`^w_[a-z0-9]{12}$`).MatchString(a.UserID) || a.ClientType != "HTML5" {
		t.Errorf("attendee %+v, want Ann, MODERATOR, w_ + 12, HTML5", a)
	}
	if !meeting.Running || !meeting.HasUserJoined || meeting.ParticipantCount != 1 || meeting.ModeratorCount != 1 {
		t.Errorf("running %v hasUserJoined %v participants %d moderators %d, want true true 1 1",
			meeting.Running, meeting.HasUserJoined, meeting.ParticipantCount, meeting.ModeratorCount)
	}
}

func TestJoinRoles(t *testing.T) {
	tests := []struct {
		name   string
		params url.Values
		want   string
	}{
		{"moderator password", url.Values{"password": {"mp12"}}, RoleModerator},
		{"attendee password", url.Values{"password": {"ap12"}}, RoleViewer},
		{"role moderator", url.Values{"role": {"MODERATOR"}}, RoleModerator},
		{"role lower case", url.Values{"role": {"viewer"}}, RoleViewer},
		{"role overrides password", url.Values{"role": {"VIEWER"}, "password": {"mp12"}}, RoleViewer},
		{"invalid role falls back to password", url.Values{"role": {"ADMIN"}, "password": {"mp12"}}, RoleModerator},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, Options{})
			createMeeting(t, s, "roles", url.Values{"attendeePW": {"ap12"}, "moderatorPW": {"mp12"}})
			q := url.Values{"meetingID": {"roles"}, "fullName": {"U"}}
			for k, v := range tc.params {
				q[k] = v
			}
			if r := call(t, s, "join", q.Encode()); r.status != http.StatusFound || sessionURL.FindString(r.header.Get("Location")) == "" {
				t.Fatalf("status %d Location %q, want a client redirect", r.status, r.header.Get("Location"))
			}
			m, _ := s.Meeting("roles")
			if len(m.Attendees) != 1 || m.Attendees[0].Role != tc.want {
				t.Errorf("attendees %+v, want one %s", m.Attendees, tc.want)
			}
		})
	}
}

func TestJoinNoRedirect(t *testing.T) {
	s := startSim(t, Options{})
	created := createMeeting(t, s, "xml-join", nil)
	root := parseXML(t, call(t, s, "join", url.Values{
		"meetingID": {"xml-join"}, "fullName": {"Stu Dent"}, "role": {"viewer"}, "redirect": {"false"},
		"userID": {"student-42"}, "userdata-bbb_custom_style_url": {"https://x/y.css"}, "userdata-a-b": {"dropped"},
	}.Encode()))
	wantNames(t, root, "returncode", "messageKey", "message", "meeting_id", "user_id", "auth_token", "session_token", "guestStatus", "url")
	for name, want := range map[string]string{
		"returncode":  "SUCCESS",
		"messageKey":  "successfullyJoined",
		"message":     "You have joined successfully.",
		"meeting_id":  created.text("internalMeetingID"),
		"user_id":     "student-42",
		"guestStatus": "ALLOW",
		"url":         "http://" + s.Addr() + "/html5client/join?sessionToken=" + root.text("session_token"),
	} {
		if got := root.text(name); got != want {
			t.Errorf("<%s> %q, want %q", name, got, want)
		}
	}
	if !regexp.MustCompile(`^[a-z0-9]{16}$`).MatchString(root.text("session_token")) || len(root.text("auth_token")) != 12 {
		t.Errorf("session_token %q auth_token %q, want 16 and 12 chars", root.text("session_token"), root.text("auth_token"))
	}

	// The custom data shows in getMeetingInfo after clientType.
	info := parseXML(t, call(t, s, "getMeetingInfo", "meetingID=xml-join"))
	atts, _ := info.child("attendees")
	wantNames(t, atts, "attendee")
	if len(atts.Nodes) == 1 {
		a := atts.Nodes[0]
		wantNames(t, a, "userID", "fullName", "role", "isPresenter", "isListeningOnly", "hasJoinedVoice", "hasVideo", "clientType", "customdata")
		cd, _ := a.child("customdata")
		wantNames(t, cd, "bbb_custom_style_url")
		if got := cd.text("bbb_custom_style_url"); got != "https://x/y.css" {
			t.Errorf("customdata %q", got)
		}
		if a.text("userID") != "student-42" || a.text("role") != "VIEWER" || a.text("fullName") != "Stu Dent" {
			t.Errorf("attendee %s %s %s", a.text("userID"), a.text("role"), a.text("fullName"))
		}
	}
}

func TestJoinErrors(t *testing.T) {
	s := startSim(t, Options{})
	created := createMeeting(t, s, "err-room", url.Values{
		"attendeePW": {"ap12"}, "moderatorPW": {"mp12"}, "maxParticipants": {"1"}, "logoutURL": {"https://app.example.com/bye?from=bbb"},
	})
	createMeeting(t, s, "plain-room", nil)
	server := "http://" + s.Addr()
	tests := []struct {
		name   string
		url    string
		target string
		want   apiError
	}{
		{"unknown meeting", sign(s, "join", "meetingID=nope&fullName=A&role=viewer", bbb.SHA256), server, errNotFound},
		{"missing meetingID", sign(s, "join", "fullName=A&role=viewer", bbb.SHA256), server, errMissingMeetingID},
		{"missing fullName", sign(s, "join", "meetingID=plain-room&role=viewer", bbb.SHA256), server, errMissingFullName},
		{"bad checksum", s.URL() + "/join?meetingID=plain-room&fullName=A&role=viewer&checksum=" + strings.Repeat("0", 40), server, errChecksum},
		{"missing checksum", s.URL() + "/join?meetingID=plain-room&fullName=A&role=viewer", server, errChecksumMissing},
		{"wrong password", sign(s, "join", "meetingID=err-room&fullName=A&password=xx12", bbb.SHA256), "https://app.example.com/bye?from=bbb", errJoinPassword},
		{"no role nor password", sign(s, "join", "meetingID=plain-room&fullName=A", bbb.SHA256), server, errJoinPassword},
		{"createTime mismatch", sign(s, "join", "meetingID=err-room&fullName=A&role=viewer&createTime=1", bbb.SHA256), "https://app.example.com/bye?from=bbb", errCreateTime},
		{"errorRedirectUrl wins", sign(s, "join", "meetingID=nope&fullName=A&role=viewer&errorRedirectUrl="+url.QueryEscape("https://lms.example.com/err"), bbb.SHA256), "https://lms.example.com/err", errNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := do(t, http.MethodGet, tc.url, "", nil)
			if r.status != http.StatusFound {
				t.Fatalf("status %d, want 302; body %s", r.status, r.body)
			}
			target, errs := joinErrors(t, r.header.Get("Location"))
			if target != tc.target {
				t.Errorf("redirect to %q, want %q", target, tc.target)
			}
			if len(errs) != 1 || errs[0] != tc.want {
				t.Errorf("errors %v, want [%v]", errs, tc.want)
			}
		})
	}

	// maxParticipants=1: the first join fills the meeting.
	ok := call(t, s, "join", "meetingID=err-room&fullName=A&role=viewer&createTime="+created.text("createTime"))
	if sessionURL.FindString(ok.header.Get("Location")) == "" {
		t.Fatalf("first join with the right createTime: Location %q", ok.header.Get("Location"))
	}
	full := call(t, s, "join", "meetingID=err-room&fullName=B&role=viewer")
	if _, errs := joinErrors(t, full.header.Get("Location")); len(errs) != 1 || errs[0] != errMaxParticipants {
		t.Errorf("join into a full meeting: errors %v, want maxParticipantsReached", errs)
	}
	if m, _ := s.Meeting("err-room"); m.ParticipantCount != 1 {
		t.Errorf("participantCount %d after the refused join, want 1", m.ParticipantCount)
	}
}
