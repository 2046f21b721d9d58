package handlers

import (
	"errors"
	"net/http"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestJoin(t *testing.T) {
	e := newEnv(t, func(s *module.Settings) {
		s.Join = module.ParamRules{Defaults: map[string]string{"userdata-bbb_skip_check_audio": "true"}, Overrides: map[string]string{"guest": "false"}}
	})
	sim := e.addServer("a", func(s *store.Server) { s.LoadMultiplier = 3 })
	e.create("meetingID=room1&name=Room", "")
	before := e.server("a").Load

	rec := e.get("join", "meetingID=room1&fullName=Ann+B&role=MODERATOR&guest=true")
	if rec.Code != http.StatusFound {
		t.Fatalf("status %d: %s", rec.Code, rec.Body)
	}
	want := bbb.SignedURL(sim.URL(), "join", bbb.Params{
		{Key: "meetingID", Value: "room1"}, {Key: "fullName", Value: "Ann B"}, {Key: "role", Value: "MODERATOR"},
		{Key: "guest", Value: "false"}, {Key: "userdata-bbb_skip_check_audio", Value: "true"},
	}, "secret-a", bbb.SHA256)
	if got := rec.Header().Get("Location"); got != want {
		t.Errorf("redirect\n got %s\nwant %s", got, want)
	}
	if got := e.server("a").Load; got != before+3 {
		t.Errorf("load %v → %v, want +3", before, got)
	}
	// The URL works on the server.
	resp, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Get(want)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("server answered the join URL with %d", resp.StatusCode)
	}

	wantError(t, e.get("join", "meetingID=nope&fullName=A"), bbb.KeyNotFound, bbb.ErrMeetingNotFound.Message)

	for _, tt := range []struct {
		name   string
		change func(*store.Server)
		ok     bool
	}{
		{"cordoned", func(s *store.Server) { s.State = store.StateCordoned }, true},
		{"disabled", func(s *store.Server) { s.State = store.StateDisabled }, false},
		{"offline", func(s *store.Server) { s.State, s.Online = store.StateEnabled, false }, false},
	} {
		e.updateServer("a", tt.change)
		rec := e.get("join", "meetingID=room1&fullName=A")
		if tt.ok {
			if rec.Code != http.StatusFound {
				t.Errorf("%s: %d %s", tt.name, rec.Code, rec.Body)
			}
			continue
		}
		wantError(t, rec, bbb.KeyServerUnavailable, bbb.ErrServerUnavailable.Message)
	}
}

func TestEnd(t *testing.T) {
	t.Parallel() // waits for server timeouts
	e := newEnv(t, nil)
	sim := e.addServer("a", nil)
	e.create("meetingID=room1&name=Room", "")
	rec := e.get("end", "meetingID=room1&password=pw&extra=1")
	if d := wantSuccess(t, rec); d.MessageKey != bbb.KeySentEndMeetingRequest {
		t.Errorf("answer %s", rec.Body)
	}
	q, _ := lastQuery(t, sim, "end")
	if len(q) != 3 || q.Get("meetingID") != "room1" || q.Get("password") != "pw" || q.Get("checksum") == "" {
		t.Errorf("forwarded %v, want meetingID, password and checksum only", q)
	}
	if _, err := e.live.Meeting(ctx(t), "", "room1"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("binding after end: %v", err)
	}
	wantError(t, e.get("end", "meetingID=room1"), bbb.KeyNotFound, bbb.ErrMeetingNotFound.Message)

	// BBB no longer knows it: its notFound passes through, binding gone.
	e.create("meetingID=room2&name=Room", "")
	sim.EndMeeting("room2")
	wantError(t, e.get("end", "meetingID=room2"), bbb.KeyNotFound, "")
	if _, err := e.live.Meeting(ctx(t), "", "room2"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("binding after end: %v", err)
	}

	// The server hangs: internalError, and the binding is gone anyway.
	e.create("meetingID=room3&name=Room", "")
	if err := sim.SetFault(bbbsim.Hang); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.get("end", "meetingID=room3"), bbb.KeyInternalError, msgMeetingUnreachable)
	if _, err := e.live.Meeting(ctx(t), "", "room3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("binding after a timed-out end: %v", err)
	}
}

func TestIsMeetingRunningAndInfo(t *testing.T) {
	t.Parallel() // waits for server timeouts
	e := newEnv(t, nil)
	sim := e.addServer("a", nil)
	e.create("meetingID=room1&name=Room", "")

	if d := wantSuccess(t, e.get("isMeetingRunning", "meetingID=room1&x=1")); d.Running {
		t.Error("running before anyone joined")
	}
	if q, _ := lastQuery(t, sim, "isMeetingRunning"); len(q) != 2 || q.Get("meetingID") != "room1" {
		t.Errorf("forwarded %v", q)
	}
	if err := sim.SetUsers("room1", 2, 1, 0); err != nil {
		t.Fatal(err)
	}
	if d := wantSuccess(t, e.get("isMeetingRunning", "meetingID=room1")); !d.Running {
		t.Error("not running with users")
	}
	sim.ClearRequests()
	if d := wantSuccess(t, e.get("isMeetingRunning", "meetingID=unknown")); d.Running {
		t.Error("unknown meeting running")
	}
	if len(sim.Requests()) != 0 {
		t.Error("an unknown meeting was asked about on a server")
	}

	if d := wantSuccess(t, e.get("getMeetingInfo", "meetingID=room1&extra=x")); d.MeetingID != "room1" {
		t.Errorf("info for %q", d.MeetingID)
	}
	if q, _ := lastQuery(t, sim, "getMeetingInfo"); len(q) != 2 || q.Get("meetingID") != "room1" {
		t.Errorf("forwarded %v", q)
	}
	wantError(t, e.get("getMeetingInfo", "meetingID=unknown"), bbb.KeyNotFound, bbb.ErrMeetingNotFound.Message)

	// BBB's own notFound passes through for a meeting it dropped.
	sim.EndMeeting("room1")
	wantError(t, e.get("getMeetingInfo", "meetingID=room1"), bbb.KeyNotFound, "")

	e.create("meetingID=room2&name=Room", "")
	if err := sim.SetFault(bbbsim.Hang); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.get("getMeetingInfo", "meetingID=room2"), bbb.KeyInternalError, msgMeetingUnreachable)
	wantError(t, e.get("isMeetingRunning", "meetingID=room2"), bbb.KeyInternalError, msgMeetingUnreachable)
}

func TestGetMeetings(t *testing.T) {
	t.Parallel() // waits for server timeouts
	e := newEnv(t, nil)
	wantNoMeetings := func(rec interface{ String() string }, d doc) {
		t.Helper()
		if d.MessageKey != bbb.KeyNoMeetings || len(d.Meetings) != 0 {
			t.Errorf("answer %s, want noMeetings", rec)
		}
	}
	rec := e.get("getMeetings", "")
	wantNoMeetings(rec.Body, wantSuccess(t, rec))

	a := e.addServer("a", nil)
	b := e.addServer("b", nil)
	c := e.addServer("c", nil)
	for _, id := range []string{"a1", "a2"} {
		if _, err := a.AddMeeting(bbb.Meeting{MeetingID: id}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.AddMeeting(bbb.Meeting{MeetingID: "b1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddMeeting(bbb.Meeting{MeetingID: "tenanted", Metadata: bbb.Metadata{{Key: "tenant-id", Value: "t1"}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddMeeting(bbb.Meeting{MeetingID: "c1"}); err != nil {
		t.Fatal(err)
	}
	ids := func() []string {
		t.Helper()
		var out []string
		for _, m := range wantSuccess(t, e.get("getMeetings", "")).Meetings {
			out = append(out, m.MeetingID)
		}
		return out
	}
	if got := ids(); !equal(got, "a1", "a2", "b1", "c1") {
		t.Errorf("meetings %v", got)
	}

	// Cordoned servers are asked, disabled and offline ones are not.
	e.updateServer("a", func(s *store.Server) { s.State = store.StateCordoned })
	e.updateServer("b", func(s *store.Server) { s.State = store.StateDisabled })
	e.updateServer("c", func(s *store.Server) { s.Online = false })
	if got := ids(); !equal(got, "a1", "a2") {
		t.Errorf("meetings %v, want a's only", got)
	}

	// A server that is down or hangs is left out; the others still answer.
	e.updateServer("b", func(s *store.Server) { s.State = store.StateEnabled })
	e.updateServer("c", func(s *store.Server) { s.Online = true })
	if err := a.SetFault(bbbsim.Down); err != nil {
		t.Fatal(err)
	}
	if err := c.SetFault(bbbsim.Hang); err != nil {
		t.Fatal(err)
	}
	if got := ids(); !equal(got, "b1") {
		t.Errorf("meetings %v, want b1", got)
	}
	if err := b.SetFault(bbbsim.Garbage); err != nil {
		t.Fatal(err)
	}
	rec = e.get("getMeetings", "")
	wantNoMeetings(rec.Body, wantSuccess(t, rec))
}

func TestGetMeetingsDisabled(t *testing.T) {
	e := newEnv(t, func(s *module.Settings) { s.GetMeetingsDisabled = true })
	sim := e.addServer("a", nil)
	if _, err := sim.AddMeeting(bbb.Meeting{MeetingID: "secret-room"}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"", "checksum=bad", sign("getMeetings", "", lbSecret)} {
		d := wantSuccess(t, e.do(request{call: "getMeetings", query: q}))
		if d.MessageKey != bbb.KeyNoMeetings || len(d.Meetings) != 0 {
			t.Errorf("query %q: %+v", q, d)
		}
	}
	if len(sim.Requests()) != 0 {
		t.Error("a server was asked")
	}
}

func TestInsertDocument(t *testing.T) {
	t.Parallel() // waits for server timeouts
	e := newEnv(t, nil)
	sim := e.addServer("a", nil)
	e.create("meetingID=room1&name=Room", "")
	body := `<modules><module name="presentation"><document url="https://x/b.pdf" filename="b.pdf"/></module></modules>`
	post := func(query, body, ct string) doc {
		return parse(t, e.do(request{method: http.MethodPost, call: "insertDocument", query: sign("insertDocument", query, lbSecret), body: body, contentType: ct}))
	}
	if d := post("meetingID=room1&other=1", body, "application/xml"); d.ReturnCode != bbb.ReturnSuccess {
		t.Fatalf("%+v", d)
	}
	q, req := lastQuery(t, sim, "insertDocument")
	if req.Method != http.MethodPost || req.ContentType != "application/xml" || string(req.Body) != body || len(q) != 2 {
		t.Errorf("forwarded %s %s %v %q", req.Method, req.ContentType, q, req.Body)
	}
	if docs := sim.Documents("room1"); len(docs) != 1 || string(docs[0]) != body {
		t.Errorf("documents on the server: %q", docs)
	}
	if d := post("meetingID=nope", body, "application/xml"); d.MessageKey != bbb.KeyNotFound {
		t.Errorf("unknown meeting: %+v", d)
	}
	if err := sim.SetFault(bbbsim.Down); err != nil {
		t.Fatal(err)
	}
	if d := post("meetingID=room1", body, "application/xml"); d.MessageKey != bbb.KeyInternalError || d.Message != msgInsertFailed {
		t.Errorf("down server: %+v", d)
	}
}

func TestSendChatMessage(t *testing.T) {
	e := newEnv(t, nil)
	sim := e.addServer("a", nil)
	e.create("meetingID=room1&name=Room", "")
	wantSuccess(t, e.get("sendChatMessage", "meetingID=room1&message=Hello+all&userName=Bot"))
	msgs := sim.ChatMessages("room1")
	if len(msgs) != 1 || msgs[0].Message != "Hello all" || msgs[0].UserName != "Bot" {
		t.Errorf("chat %+v", msgs)
	}
	// BBB's validation passes through.
	if d := parse(t, e.get("sendChatMessage", "meetingID=room1")); d.ReturnCode != bbb.ReturnFailed {
		t.Errorf("empty message accepted: %+v", d)
	}
	wantError(t, e.get("sendChatMessage", "meetingID=nope&message=x"), bbb.KeyNotFound, "")
}

func equal(got []string, want ...string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i] != want[i] {
			return false
		}
	}
	return true
}
