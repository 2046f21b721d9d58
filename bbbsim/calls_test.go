package bbbsim

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/caddy-bbb/caddy-bbb/bbb"
)

var meetingElements = []string{
	"meetingName", "meetingID", "internalMeetingID", "createTime", "createDate", "voiceBridge", "dialNumber",
	"attendeePW", "moderatorPW", "running", "duration", "hasUserJoined", "recording", "hasBeenForciblyEnded",
	"startTime", "endTime", "participantCount", "listenerCount", "voiceParticipantCount", "videoCount",
	"maxUsers", "moderatorCount", "attendees", "metadata", "isBreakout",
}

func TestEnd(t *testing.T) {
	s := startSim(t, Options{})
	createMeeting(t, s, "end-room", nil)
	root := parseXML(t, call(t, s, "end", "meetingID=end-room"))
	wantNames(t, root, "returncode", "messageKey", "message")
	if root.text("returncode") != "SUCCESS" || root.text("messageKey") != "sentEndMeetingRequest" ||
		root.text("message") != "A request to end the meeting was sent.  Please wait a few seconds, and then use the getMeetingInfo or isMeetingRunning API calls to verify that it was ended." {
		t.Errorf("end answered %s %s %q", root.text("returncode"), root.text("messageKey"), root.text("message"))
	}
	if _, ok := s.Meeting("end-room"); ok {
		t.Error("meeting still there after end")
	}
	wantError(t, parseXML(t, call(t, s, "end", "meetingID=end-room")), "notFound", "A meeting with that ID does not exist")
	wantError(t, parseXML(t, call(t, s, "end", "")), "missingParamMeetingID", "You must provide a meeting ID")

	// A create after end makes a new meeting.
	createMeeting(t, s, "end-room", url.Values{"attendeePW": {"new-pw"}, "moderatorPW": {"new-mp"}})
}

func TestIsMeetingRunning(t *testing.T) {
	s := startSim(t, Options{})
	running := func(id string) string {
		t.Helper()
		root := parseXML(t, call(t, s, "isMeetingRunning", "meetingID="+id))
		wantNames(t, root, "returncode", "running")
		if rc := root.text("returncode"); rc != "SUCCESS" {
			t.Fatalf("returncode %s", rc)
		}
		return root.text("running")
	}
	if got := running("unknown"); got != "false" {
		t.Errorf("unknown meeting: running %s, want false", got)
	}
	createMeeting(t, s, "run-room", nil)
	if got := running("run-room"); got != "false" {
		t.Errorf("created, empty: running %s, want false", got)
	}
	if err := s.SetUsers("run-room", 3, 1, 2); err != nil {
		t.Fatal(err)
	}
	if got := running("run-room"); got != "true" {
		t.Errorf("with users: running %s, want true", got)
	}
	if err := s.SetUsers("run-room", 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	if got := running("run-room"); got != "false" {
		t.Errorf("after everyone left: running %s, want false", got)
	}
	wantError(t, parseXML(t, call(t, s, "isMeetingRunning", "")), "missingParamMeetingID", "You must provide a meeting ID")
}

func TestGetMeetingInfo(t *testing.T) {
	s := startSim(t, Options{})
	created := createMeeting(t, s, "info-room", url.Values{"meta_bbb-origin": {"greenlight"}, "record": {"true"}})

	root := parseXML(t, call(t, s, "getMeetingInfo", "meetingID=info-room"))
	wantNames(t, root, append([]string{"returncode"}, meetingElements...)...)
	atts, _ := root.child("attendees")
	wantNames(t, atts)
	for _, name := range []string{"internalMeetingID", "createTime", "createDate", "voiceBridge", "attendeePW", "moderatorPW", "dialNumber"} {
		if root.text(name) != created.text(name) {
			t.Errorf("<%s> %q, create said %q", name, root.text(name), created.text(name))
		}
	}
	for name, want := range map[string]string{
		"returncode": "SUCCESS", "meetingName": "Meeting info-room", "meetingID": "info-room", "running": "false",
		"hasUserJoined": "false", "recording": "true", "participantCount": "0", "endTime": "0", "isBreakout": "false",
	} {
		if got := root.text(name); got != want {
			t.Errorf("<%s> %q, want %q", name, got, want)
		}
	}
	if st, _ := strconv.ParseInt(root.text("startTime"), 10, 64); st < mustInt(t, created.text("createTime")) {
		t.Errorf("startTime %d before createTime %s", st, created.text("createTime"))
	}

	if err := s.SetUsers("info-room", 4, 1, 2); err != nil {
		t.Fatal(err)
	}
	root = parseXML(t, call(t, s, "getMeetingInfo", "meetingID=info-room"))
	for name, want := range map[string]string{
		"running": "true", "hasUserJoined": "true", "participantCount": "4", "moderatorCount": "1", "videoCount": "2",
	} {
		if got := root.text(name); got != want {
			t.Errorf("with users: <%s> %q, want %q", name, got, want)
		}
	}
	atts, _ = root.child("attendees")
	if len(atts.Nodes) != 4 {
		t.Fatalf("%d attendees, want 4", len(atts.Nodes))
	}
	wantNames(t, atts.Nodes[0], "userID", "fullName", "role", "isPresenter", "isListeningOnly", "hasJoinedVoice", "hasVideo", "clientType")
	roles, videos := map[string]int{}, 0
	for _, a := range atts.Nodes {
		roles[a.text("role")]++
		if a.text("hasVideo") == "true" {
			videos++
		}
	}
	if roles["MODERATOR"] != 1 || roles["VIEWER"] != 3 || videos != 2 {
		t.Errorf("roles %v videos %d, want 1 MODERATOR, 3 VIEWER, 2 cameras", roles, videos)
	}

	before := time.Now().UnixMilli()
	if err := s.SetUsers("info-room", 0, 0, 0); err != nil {
		t.Fatal(err)
	}
	root = parseXML(t, call(t, s, "getMeetingInfo", "meetingID=info-room"))
	if end := mustInt(t, root.text("endTime")); end < before || root.text("hasUserJoined") != "true" || root.text("running") != "false" {
		t.Errorf("after the last user left: endTime %d (want >= %d) hasUserJoined %s running %s",
			end, before, root.text("hasUserJoined"), root.text("running"))
	}

	wantError(t, parseXML(t, call(t, s, "getMeetingInfo", "meetingID=nope")), "notFound", "A meeting with that ID does not exist")
	wantError(t, parseXML(t, call(t, s, "getMeetingInfo", "")), "missingParamMeetingID", "You must provide a meeting ID")
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatalf("not an integer: %q", s)
	}
	return n
}

func TestGetMeetingInfoBreakout(t *testing.T) {
	s := startSim(t, Options{})
	parent, err := s.AddMeeting(bbb.Meeting{MeetingID: "lecture", CreateTime: time.Now().Add(-time.Hour).UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	free := true
	room, err := s.AddMeeting(bbb.Meeting{
		MeetingID: "lecture-room-2", MeetingName: "Lecture (Room 2)", IsBreakout: true,
		ParentMeetingID: parent.InternalMeetingID, Sequence: 2, FreeJoin: &free,
	})
	if err != nil {
		t.Fatal(err)
	}

	root := parseXML(t, call(t, s, "getMeetingInfo", "meetingID=lecture-room-2"))
	wantNames(t, root, append(append([]string{"returncode"}, meetingElements...), "parentMeetingID", "sequence", "freeJoin")...)
	if root.text("isBreakout") != "true" || root.text("parentMeetingID") != parent.InternalMeetingID ||
		root.text("sequence") != "2" || root.text("freeJoin") != "true" {
		t.Errorf("breakout fields %s %s %s %s", root.text("isBreakout"), root.text("parentMeetingID"), root.text("sequence"), root.text("freeJoin"))
	}

	root = parseXML(t, call(t, s, "getMeetingInfo", "meetingID=lecture"))
	wantNames(t, root, append(append([]string{"returncode"}, meetingElements...), "breakoutRooms")...)
	rooms, _ := root.child("breakoutRooms")
	wantNames(t, rooms, "breakout")
	if rooms.text("breakout") != room.InternalMeetingID {
		t.Errorf("breakoutRooms %q, want %q", rooms.text("breakout"), room.InternalMeetingID)
	}
	if !strings.HasSuffix(root.text("internalMeetingID"), "-"+root.text("createTime")) {
		t.Errorf("internalMeetingID %q does not end in createTime %s", root.text("internalMeetingID"), root.text("createTime"))
	}

	if !s.EndMeeting("lecture-room-2") {
		t.Fatal("EndMeeting of the breakout room reported no meeting")
	}
	if p, _ := s.Meeting("lecture"); len(p.BreakoutRooms) != 0 {
		t.Errorf("parent still lists %v after its room ended", p.BreakoutRooms)
	}
}

func TestGetMeetings(t *testing.T) {
	s := startSim(t, Options{})
	root := parseXML(t, call(t, s, "getMeetings", ""))
	wantNames(t, root, "returncode", "meetings", "messageKey", "message")
	ms, _ := root.child("meetings")
	wantNames(t, ms)
	if root.text("returncode") != "SUCCESS" || root.text("messageKey") != "noMeetings" || root.text("message") != "no meetings were found on this server" {
		t.Errorf("empty getMeetings: %s %s %q", root.text("returncode"), root.text("messageKey"), root.text("message"))
	}

	old, err := s.AddMeeting(bbb.Meeting{MeetingID: "older", CreateTime: time.Now().Add(-2 * time.Hour).UnixMilli()})
	if err != nil {
		t.Fatal(err)
	}
	createMeeting(t, s, "newer", url.Values{"meta_bbb-origin": {"moodle"}})
	if err := s.SetUsers("newer", 2, 1, 0); err != nil {
		t.Fatal(err)
	}

	root = parseXML(t, call(t, s, "getMeetings", ""))
	wantNames(t, root, "returncode", "meetings")
	ms, _ = root.child("meetings")
	wantNames(t, ms, "meeting", "meeting")
	if len(ms.Nodes) != 2 {
		t.FailNow()
	}
	for _, m := range ms.Nodes {
		wantNames(t, m, meetingElements...)
	}
	first, second := ms.Nodes[0], ms.Nodes[1]
	if first.text("meetingID") != "older" || first.text("internalMeetingID") != old.InternalMeetingID {
		t.Errorf("first meeting %s %s, want the older one", first.text("meetingID"), first.text("internalMeetingID"))
	}
	if second.text("participantCount") != "2" || second.text("running") != "true" {
		t.Errorf("second meeting participantCount %s running %s, want 2 true", second.text("participantCount"), second.text("running"))
	}
	md, _ := second.child("metadata")
	if md.text("bbb-origin") != "moodle" {
		t.Errorf("metadata bbb-origin %q, want moodle", md.text("bbb-origin"))
	}
}

func TestInsertDocument(t *testing.T) {
	s := startSim(t, Options{})
	createMeeting(t, s, "doc-room", nil)
	doc := []byte(`<modules><module name="presentation"><document url="https://x/b.pdf" filename="b.pdf" current="true"/></module></modules>`)

	root := parseXML(t, do(t, http.MethodPost, sign(s, "insertDocument", "meetingID=doc-room", bbb.SHA256), "application/xml", doc))
	wantNames(t, root, "returncode", "messageKey", "message")
	if root.text("returncode") != "SUCCESS" || root.text("message") != "Presentation is being uploaded" {
		t.Errorf("insertDocument: %s %q", root.text("returncode"), root.text("message"))
	}
	// An empty body is accepted and ignored.
	root = parseXML(t, do(t, http.MethodPost, sign(s, "insertDocument", "meetingID=doc-room", bbb.SHA256), "", nil))
	if root.text("returncode") != "SUCCESS" {
		t.Errorf("empty insertDocument: %s", root.text("message"))
	}
	if got := s.Documents("doc-room"); len(got) != 1 || string(got[0]) != string(doc) {
		t.Errorf("Documents = %q, want the one body", got)
	}

	root = parseXML(t, do(t, http.MethodPost, sign(s, "insertDocument", "meetingID=nope", bbb.SHA256), "application/xml", doc))
	wantError(t, root, "notFound", "Meeting with id [nope] not found.")
	root = parseXML(t, do(t, http.MethodPost, sign(s, "insertDocument", "", bbb.SHA256), "application/xml", doc))
	wantError(t, root, "missingParamMeetingID", "You must provide a meeting ID")
}

func TestSendChatMessage(t *testing.T) {
	s := startSim(t, Options{})
	createMeeting(t, s, "chat-room", nil)

	root := parseXML(t, call(t, s, "sendChatMessage", url.Values{"meetingID": {"chat-room"}, "message": {"Hello & welcome"}}.Encode()))
	wantNames(t, root, "returncode", "messageKey", "message")
	if root.text("returncode") != "SUCCESS" || root.text("messageKey") != "" || root.text("message") != "" {
		t.Errorf("sendChatMessage: %s %q %q", root.text("returncode"), root.text("messageKey"), root.text("message"))
	}
	call(t, s, "sendChatMessage", url.Values{"meetingID": {"chat-room"}, "message": {"second"}, "userName": {"Bot"}}.Encode())
	got := s.ChatMessages("chat-room")
	if len(got) != 2 || got[0].UserName != "System" || got[0].Message != "Hello & welcome" || got[1].UserName != "Bot" {
		t.Errorf("ChatMessages = %+v", got)
	}

	tests := []struct {
		name  string
		query url.Values
		want  apiError
	}{
		{"no message", url.Values{"meetingID": {"chat-room"}}, errMissingMessage},
		{"message too long", url.Values{"meetingID": {"chat-room"}, "message": {strings.Repeat("m", 501)}}, errMessageLength},
		{"userName too long", url.Values{"meetingID": {"chat-room"}, "message": {"m"}, "userName": {strings.Repeat("u", 256)}}, errUserNameLength},
		{"unknown meeting", url.Values{"meetingID": {"nope"}, "message": {"m"}}, errNotFound},
		{"no meetingID", url.Values{"message": {"m"}}, errMissingMeetingID},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, parseXML(t, call(t, s, "sendChatMessage", tc.query.Encode())), tc.want.Key, tc.want.Message)
		})
	}
	if n := len(s.ChatMessages("chat-room")); n != 2 {
		t.Errorf("%d chat messages after the failures, want 2", n)
	}
}
