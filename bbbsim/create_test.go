package bbbsim

import (
	"crypto/sha1"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

var createElements = []string{
	"returncode", "meetingID", "internalMeetingID", "parentMeetingID", "attendeePW", "moderatorPW",
	"createTime", "voiceBridge", "dialNumber", "createDate", "hasUserJoined", "duration",
	"hasBeenForciblyEnded", "messageKey", "message",
}

func TestCreate(t *testing.T) {
	s := startSim(t, Options{})
	before := time.Now().UnixMilli()
	root := createMeeting(t, s, "Demo Meeting", nil)
	after := time.Now().UnixMilli()

	wantNames(t, root, createElements...)
	createTime, err := strconv.ParseInt(root.text("createTime"), 10, 64)
	if err != nil || createTime < before || createTime > after {
		t.Errorf("createTime %q not within [%d, %d]", root.text("createTime"), before, after)
	}
	sum := sha1.Sum([]byte("Demo Meeting"))
	if got, want := root.text("internalMeetingID"), hex.EncodeToString(sum[:])+"-"+root.text("createTime"); got != want {
		t.Errorf("internalMeetingID %q, want %q", got, want)
	}
	if !strings.HasPrefix(root.text("internalMeetingID"), "183f0bf3a0982a127bdb8161e0c44eb696b3e75c-") {
		t.Errorf("internalMeetingID %q lacks the documented sha1 of \"Demo Meeting\"", root.text("internalMeetingID"))
	}
	password := regexp.MustCompile(`^[A-Za-z0-9]{8}$`)
	for _, p := range []string{"attendeePW", "moderatorPW"} {
		if !password.MatchString(root.text(p)) {
			t.Errorf("%s %q is not 8 alphanumerics", p, root.text(p))
		}
	}
	if root.text("attendeePW") == root.text("moderatorPW") {
		t.Error("generated passwords are equal")
	}
	if !regexp.MustCompile(`^[0-9]{5}$`).MatchString(root.text("voiceBridge")) {
		t.Errorf("voiceBridge %q is not 5 digits", root.text("voiceBridge"))
	}
	for name, want := range map[string]string{
		"returncode":           "SUCCESS",
		"meetingID":            "Demo Meeting",
		"parentMeetingID":      "bbb-none",
		"dialNumber":           "613-555-1234",
		"hasUserJoined":        "false",
		"duration":             "0",
		"hasBeenForciblyEnded": "false",
		"messageKey":           "",
		"message":              "",
	} {
		if got := root.text(name); got != want {
			t.Errorf("<%s> %q, want %q", name, got, want)
		}
	}
	date, err := time.Parse("Mon Jan 02 15:04:05 MST 2006", root.text("createDate"))
	if err != nil || date.Unix() != createTime/1000 {
		t.Errorf("createDate %q does not match createTime %d (%v)", root.text("createDate"), createTime, err)
	}
}

func TestCreateDuplicate(t *testing.T) {
	tests := []struct {
		name    string
		first   url.Values
		second  url.Values
		wantKey string // duplicateWarning or idNotUnique
	}{
		{"no passwords either time", nil, nil, "duplicateWarning"},
		{"same passwords", url.Values{"attendeePW": {"ap12"}, "moderatorPW": {"mp12"}}, url.Values{"attendeePW": {"ap12"}, "moderatorPW": {"mp12"}}, "duplicateWarning"},
		{"passwords then none", url.Values{"attendeePW": {"ap12"}, "moderatorPW": {"mp12"}}, nil, "duplicateWarning"},
		{"different passwords", url.Values{"attendeePW": {"ap12"}, "moderatorPW": {"mp12"}}, url.Values{"attendeePW": {"ap12"}, "moderatorPW": {"other"}}, "idNotUnique"},
		{"one password only", url.Values{"attendeePW": {"ap12"}, "moderatorPW": {"mp12"}}, url.Values{"attendeePW": {"ap12"}}, "idNotUnique"},
		{"passwords against generated ones", nil, url.Values{"attendeePW": {"ap12"}, "moderatorPW": {"mp12"}}, "idNotUnique"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, Options{})
			first := createMeeting(t, s, "dup", tc.first)
			q := url.Values{"meetingID": {"dup"}, "name": {"Another name"}, "duration": {"30"}}
			for k, v := range tc.second {
				q[k] = v
			}
			root := parseXML(t, call(t, s, "create", q.Encode()))
			if tc.wantKey == "idNotUnique" {
				wantError(t, root, "idNotUnique", "A meeting already exists with that meeting ID.  Please use a different meeting ID.")
				return
			}
			wantNames(t, root, createElements...)
			if got := root.text("messageKey"); got != "duplicateWarning" {
				t.Errorf("messageKey %q, want duplicateWarning", got)
			}
			if got, want := root.text("message"), "This conference was already in existence and may currently be in progress."; got != want {
				t.Errorf("message %q, want %q", got, want)
			}
			// The second create changes nothing and reports the first.
			for _, name := range []string{"internalMeetingID", "attendeePW", "moderatorPW", "createTime", "voiceBridge", "duration"} {
				if root.text(name) != first.text(name) {
					t.Errorf("<%s> %q, want the existing %q", name, root.text(name), first.text(name))
				}
			}
			if m, _ := s.Meeting("dup"); m.MeetingName != "Meeting dup" {
				t.Errorf("name changed to %q by the repeated create", m.MeetingName)
			}
		})
	}
}

func TestCreateErrors(t *testing.T) {
	long := strings.Repeat("x", 257)
	tests := []struct {
		name  string
		query url.Values
		key   string
		msg   string
	}{
		{"no meetingID", url.Values{"name": {"N1"}}, "missingParamMeetingID", "You must provide a meeting ID"},
		{"blank meetingID", url.Values{"meetingID": {"  "}, "name": {"N1"}}, "missingParamMeetingID", "You must provide a meeting ID"},
		{"meetingID with space around", url.Values{"meetingID": {" room "}, "name": {"N1"}}, "validationError", "Invalid meeting ID"},
		{"meetingID with control char", url.Values{"meetingID": {"ro\x01om"}, "name": {"N1"}}, "validationError", "Invalid meeting ID"},
		{"meetingID too short", url.Values{"meetingID": {"r"}, "name": {"N1"}}, "validationError", "Meeting ID must be between 2 and 256 characters"},
		{"meetingID too long", url.Values{"meetingID": {long}, "name": {"N1"}}, "validationError", "Meeting ID must be between 2 and 256 characters"},
		{"meetingID with comma", url.Values{"meetingID": {"a,b"}, "name": {"N1"}}, "validationError", "Meeting ID cannot contain ','"},
		{"no name", url.Values{"meetingID": {"room"}}, "validationError", "You must provide a meeting name"},
		{"name too short", url.Values{"meetingID": {"room"}, "name": {"N"}}, "validationError", "Meeting name must be between 2 and 256 characters"},
		{"name too long", url.Values{"meetingID": {"room"}, "name": {long}}, "validationError", "Meeting name must be between 2 and 256 characters"},
		{"password too short", url.Values{"meetingID": {"room"}, "name": {"N1"}, "attendeePW": {"a"}}, "validationError", "Password must be between 8 and 20 characters"},
		{"voiceBridge not a number", url.Values{"meetingID": {"room"}, "name": {"N1"}, "voiceBridge": {"12a"}}, "validationError", "Parameter voiceBridge must be an integer"},
		{"record not a boolean", url.Values{"meetingID": {"room"}, "name": {"N1"}, "record": {"yes"}}, "validationError", "Parameter record must be true or false"},
		{"duration not a number", url.Values{"meetingID": {"room"}, "name": {"N1"}, "duration": {"-1"}}, "validationError", "Parameter duration must be a non-negative integer"},
		{"breakout without parent", url.Values{"meetingID": {"room"}, "name": {"N1"}, "isBreakout": {"true"}}, "parentMeetingIdMissing", "No parent meeting ID was provided for the breakout room"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := startSim(t, Options{})
			wantError(t, parseXML(t, call(t, s, "create", tc.query.Encode())), tc.key, tc.msg)
			if n := len(s.Meetings()); n != 0 {
				t.Errorf("%d meetings after a failed create", n)
			}
		})
	}
}

func TestCreateVoiceBridge(t *testing.T) {
	s := startSim(t, Options{})
	first := createMeeting(t, s, "vb-1", url.Values{"voiceBridge": {"01234"}})
	if got := first.text("voiceBridge"); got != "01234" {
		t.Errorf("voiceBridge %q, want the requested 01234", got)
	}
	root := parseXML(t, call(t, s, "create", url.Values{"meetingID": {"vb-2"}, "name": {"N2"}, "voiceBridge": {"01234"}}.Encode()))
	wantNames(t, root, "returncode", "errors")
	errs, _ := root.child("errors")
	wantNames(t, errs, "error")
	if len(errs.Nodes) == 1 {
		e := errs.Nodes[0]
		wantNames(t, e, "key", "message")
		if e.text("key") != "nonUniqueVoiceBridge" || e.text("message") != "The selected voice bridge is already in use." {
			t.Errorf("error %q %q, want nonUniqueVoiceBridge", e.text("key"), e.text("message"))
		}
	}
	if root.text("returncode") != "FAILED" {
		t.Errorf("returncode %q, want FAILED", root.text("returncode"))
	}
}

func TestCreateMetadataAndParams(t *testing.T) {
	s := startSim(t, Options{})
	createMeeting(t, s, "meta-room", url.Values{
		"meta_endCallbackUrl":          {"https://app.example.com/end?x=1&y=2"},
		"meta_bbb-recording-ready-url": {"https://app.example.com/ready"},
		"meta_BBB-Origin":              {"Greenlight"},
		"meta_with_underscore":         {"ignored"},
		"meta_1digit":                  {"ignored"},
		"record":                       {"TRUE"},
		"duration":                     {"45"},
		"maxParticipants":              {"10"},
		"dialNumber":                   {"+1-555-0100"},
		"logoutURL":                    {"https://app.example.com/bye"},
		"someFutureParam":              {"kept"},
	})
	m, ok := s.Meeting("meta-room")
	if !ok {
		t.Fatal("meeting missing")
	}
	want := bbb.Metadata{
		{Key: "bbb-origin", Value: "Greenlight"},
		{Key: "bbb-recording-ready-url", Value: "https://app.example.com/ready"},
		{Key: "endcallbackurl", Value: "https://app.example.com/end?x=1&y=2"},
	}
	if len(m.Metadata) != len(want) {
		t.Fatalf("metadata %v, want %v", m.Metadata, want)
	}
	for i := range want {
		if m.Metadata[i] != want[i] {
			t.Errorf("metadata[%d] = %v, want %v", i, m.Metadata[i], want[i])
		}
	}
	if !m.Recording || m.Duration != 45 || m.MaxUsers != 10 || m.DialNumber != "+1-555-0100" {
		t.Errorf("recording %v duration %d maxUsers %d dialNumber %q, want true 45 10 +1-555-0100",
			m.Recording, m.Duration, m.MaxUsers, m.DialNumber)
	}
	if got := s.CreateParams("meta-room").Get("someFutureParam"); got != "kept" {
		t.Errorf("CreateParams someFutureParam = %q, want kept", got)
	}

	// The metadata is in getMeetingInfo, keys as elements.
	root := parseXML(t, call(t, s, "getMeetingInfo", "meetingID=meta-room"))
	md, _ := root.child("metadata")
	wantNames(t, md, "bbb-origin", "bbb-recording-ready-url", "endcallbackurl")
	if got := md.text("endcallbackurl"); got != "https://app.example.com/end?x=1&y=2" {
		t.Errorf("endcallbackurl %q", got)
	}
}

func TestCreatePostXMLBody(t *testing.T) {
	s := startSim(t, Options{})
	body := []byte(`<modules><module name="presentation"><document url="https://x/a.pdf" filename="a.pdf"/></module></modules>`)
	root := parseXML(t, do(t, http.MethodPost, sign(s, "create", "meetingID=slides&name=Slides", bbb.SHA512), "application/xml", body))
	if rc := root.text("returncode"); rc != "SUCCESS" {
		t.Fatalf("create: %s", root.text("message"))
	}
	if got := s.CreateBody("slides"); string(got) != string(body) {
		t.Errorf("CreateBody = %q, want %q", got, body)
	}
	createMeeting(t, s, "no-slides", nil)
	if got := s.CreateBody("no-slides"); got != nil {
		t.Errorf("CreateBody of a GET create = %q, want nil", got)
	}
}

func TestCreateBreakout(t *testing.T) {
	s := startSim(t, Options{})
	parent := createMeeting(t, s, "parent", nil)
	child := createMeeting(t, s, "parent-breakout-1", url.Values{
		"isBreakout": {"true"}, "parentMeetingID": {parent.text("internalMeetingID")}, "sequence": {"1"}, "freeJoin": {"true"},
	})
	if got := child.text("parentMeetingID"); got != parent.text("internalMeetingID") {
		t.Errorf("breakout parentMeetingID %q, want %q", got, parent.text("internalMeetingID"))
	}
	p, _ := s.Meeting("parent")
	if len(p.BreakoutRooms) != 1 || p.BreakoutRooms[0] != child.text("internalMeetingID") {
		t.Errorf("parent breakoutRooms %v, want [%s]", p.BreakoutRooms, child.text("internalMeetingID"))
	}
}
