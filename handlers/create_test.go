package handlers

import (
	"errors"
	"net/http"
	"strconv"
	"testing"

	"github.com/caddy-bbb/caddy-bbb/bbb"
	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/module"
	"github.com/caddy-bbb/caddy-bbb/store"
)

func TestCreateNoServers(t *testing.T) {
	e := newEnv(t, nil)
	wantError(t, e.get("create", "meetingID=m1&name=Room"), bbb.KeyInternalError, "Could not find any available servers.")
	// Disabled, cordoned and offline servers take no new meeting.
	e.addServer("d", func(s *store.Server) { s.State = store.StateDisabled })
	e.addServer("c", func(s *store.Server) { s.State = store.StateCordoned })
	e.addServer("o", func(s *store.Server) { s.Online = false })
	wantError(t, e.get("create", "meetingID=m1&name=Room"), bbb.KeyInternalError, "Could not find any available servers.")
}

func TestCreate(t *testing.T) {
	e := newEnv(t, nil)
	sim := e.addServer("a", func(s *store.Server) { s.LoadMultiplier = 7 })
	d := e.create("meetingID=room1&name=Room+1&moderatorPW=mod-pw&meta_server-tag=", "")
	m, err := e.live.Meeting(ctx(t), "", "room1")
	if err != nil {
		t.Fatal(err)
	}
	if d.MeetingID != "room1" || d.VoiceBridge != m.VoiceBridge {
		t.Errorf("answer %+v, binding %+v", d, m)
	}
	q, req := lastQuery(t, sim, "create")
	if req.Method != http.MethodGet {
		t.Errorf("forwarded as %s", req.Method)
	}
	if q.Get("voiceBridge") != m.VoiceBridge || q.Get("moderatorPW") != "mod-pw" || m.ModeratorPW != "mod-pw" {
		t.Errorf("forwarded %v, binding %+v", q, m)
	}
	if q.Has("meta_server-tag") || q.Has("meta_tenant-id") {
		t.Errorf("forwarded %v", q)
	}
	if got := e.server("a").Load; got != 15*7 {
		t.Errorf("load = %v, want load_min_user_count × multiplier = 105", got)
	}

	// Again: the binding is reused, BBB's duplicate answer passed through,
	// no new load.
	d2 := e.create("meetingID=room1&name=Room+1", "")
	if d2.VoiceBridge != m.VoiceBridge {
		t.Errorf("second create got voice bridge %q, want %q", d2.VoiceBridge, m.VoiceBridge)
	}
	if q, _ := lastQuery(t, sim, "create"); q.Has("moderatorPW") {
		t.Errorf("moderatorPW set for an existing meeting: %v", q)
	}
	if got := e.server("a").Load; got != 105 {
		t.Errorf("load after re-create = %v", got)
	}

	// A random moderator password when the request has none.
	e.create("meetingID=room2&name=Room+2", "")
	m2, _ := e.live.Meeting(ctx(t), "", "room2")
	if q, _ := lastQuery(t, sim, "create"); len(m2.ModeratorPW) != 8 || q.Get("moderatorPW") != m2.ModeratorPW {
		t.Errorf("moderator password %q, forwarded %q", m2.ModeratorPW, q.Get("moderatorPW"))
	}
}

func TestCreateServerTags(t *testing.T) {
	e := newEnv(t, nil)
	plain := e.addServer("plain", nil)
	tagged := e.addServer("tagged", func(s *store.Server) { s.Tag = "test-tag" })
	tests := []struct {
		tag      string
		wantSim  *bbbsim.Sim
		wantTag  string
		wantFail bool
	}{
		{"other-tag!", nil, "", true},
		{"other-tag", plain, "", false},
		{"test-tag!", tagged, "test-tag", false},
		{"test-tag", tagged, "test-tag", false},
		{"none;test-tag!", plain, "", false},
		{"", plain, "", false},
	}
	for i, tt := range tests {
		id := "tag" + strconv.Itoa(i)
		rec := e.get("create", "meetingID="+id+"&name=Room&meta_server-tag="+tt.tag)
		if tt.wantFail {
			wantError(t, rec, bbb.KeyServerTagUnavailable, "There is no available server with the required tag=other-tag.")
			continue
		}
		wantSuccess(t, rec)
		if _, ok := tt.wantSim.Meeting(id); !ok {
			t.Errorf("tag %q: meeting not on the expected server", tt.tag)
			continue
		}
		q, _ := lastQuery(t, tt.wantSim, "create")
		if got, has := q.Get("meta_server-tag"), q.Has("meta_server-tag"); got != tt.wantTag || has != (tt.wantTag != "") {
			t.Errorf("tag %q: forwarded meta_server-tag %q (present %v), want %q", tt.tag, got, has, tt.wantTag)
		}
	}
}

func TestCreateDuration(t *testing.T) {
	e := newEnv(t, func(s *module.Settings) { s.MaxMeetingDuration = 60 })
	sim := e.addServer("a", nil)
	for i, tt := range []struct{ dur, want string }{
		{"", "60"}, {"&duration=0", "60"}, {"&duration=x", "60"}, {"&duration=120", "60"}, {"&duration=30", "30"},
	} {
		id := "d" + strconv.Itoa(i)
		e.create("meetingID="+id+"&name=Room"+tt.dur, "")
		if q, _ := lastQuery(t, sim, "create"); q.Get("duration") != tt.want {
			t.Errorf("duration %q: forwarded %q, want %s", tt.dur, q.Get("duration"), tt.want)
		}
	}
}

func TestCreateParamRules(t *testing.T) {
	e := newEnv(t, func(s *module.Settings) {
		s.Create = module.ParamRules{
			Defaults:  map[string]string{"record": "true", "welcome": "Hi"},
			Overrides: map[string]string{"allowStartStopRecording": "false", "logo": "https://lb/logo.png"},
			Exclude:   []string{"logo", "bannerText"},
		}
	})
	sim := e.addServer("a", nil)
	e.create("meetingID=rr&name=Room&welcome=Own&bannerText=b&logo=x&allowStartStopRecording=true", "")
	q, _ := lastQuery(t, sim, "create")
	want := map[string]string{"record": "true", "welcome": "Own", "allowStartStopRecording": "false", "logo": "https://lb/logo.png"}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if q.Has("bannerText") {
		t.Errorf("excluded bannerText forwarded")
	}
}

func TestCreateCallbacks(t *testing.T) {
	e := newEnv(t, nil)
	sim := e.addServer("a", nil)
	e.do(request{call: "create", host: "lb.example.org", query: sign("create",
		"meetingID=cb&name=Room&meta_bbb-recording-ready-url=https%3A%2F%2Ffe%2Fready&meta_canvas-recording-ready-url=https%3A%2F%2Fcanvas"+
			"&meta_analytics-callback-url=https%3A%2F%2Ffe%2Fanalytics&meta_bbb-origin=Greenlight", lbSecret)})
	q, _ := lastQuery(t, sim, "create")
	for _, k := range []string{"meta_bbb-recording-ready-url", "meta_canvas-recording-ready-url", "meta_bn-recording-ready-url"} {
		if q.Has(k) {
			t.Errorf("%s forwarded", k)
		}
	}
	if got := q.Get("meta_analytics-callback-url"); got != "https://lb.example.org/bigbluebutton/api/analytics_callback" {
		t.Errorf("analytics URL forwarded as %q", got)
	}
	if q.Get("meta_bbb-origin") != "Greenlight" {
		t.Errorf("other meta dropped: %v", q)
	}
	cb, err := e.live.Callback(ctx(t), "", "cb")
	if err != nil || cb.RecordingReadyURL != "https://fe/ready" || cb.AnalyticsURL != "https://fe/analytics" {
		t.Errorf("stored callback %+v, %v", cb, err)
	}

	// Canvas alone is the fallback.
	e.create("meetingID=cb2&name=Room&meta_canvas-recording-ready-url=https%3A%2F%2Fcanvas", "")
	if cb, err := e.live.Callback(ctx(t), "", "cb2"); err != nil || cb.RecordingReadyURL != "https://canvas" {
		t.Errorf("canvas callback %+v, %v", cb, err)
	}
	// No callback parameters, nothing stored.
	e.create("meetingID=cb3&name=Room", "")
	if _, err := e.live.Callback(ctx(t), "", "cb3"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("callback stored without callback parameters: %v", err)
	}
}

func TestCreateXMLBody(t *testing.T) {
	e := newEnv(t, nil)
	sim := e.addServer("a", nil)
	slides := "<?xml version=\"1.0\"?>\n<modules>\n  <module name=\"presentation\"><document url=\"https://x/a.pdf\" filename=\"a é.pdf\"/></module>\n</modules>\n"
	wantSuccess(t, e.do(request{method: http.MethodPost, call: "create", query: sign("create", "meetingID=xx&name=Room", lbSecret),
		body: slides, contentType: "text/xml"}))
	_, req := lastQuery(t, sim, "create")
	if req.Method != http.MethodPost || req.ContentType != "application/xml" || string(req.Body) != slides {
		t.Errorf("forwarded %s %q body %q", req.Method, req.ContentType, req.Body)
	}

	// A form POST becomes a GET with every parameter in the query.
	wantSuccess(t, e.do(request{method: http.MethodPost, call: "create", query: sign("create", "", lbSecret),
		body: "meetingID=yy&name=Form+Room", contentType: bbb.ContentTypeForm}))
	q, req := lastQuery(t, sim, "create")
	if req.Method != http.MethodGet || q.Get("name") != "Form Room" || q.Get("meetingID") != "yy" {
		t.Errorf("form create forwarded as %s %v", req.Method, q)
	}
}

func TestCreateFailures(t *testing.T) {
	t.Parallel() // waits for server timeouts
	e := newEnv(t, nil)
	sim := e.addServer("a", nil)

	// BBB refuses (no name): its answer passes through and the new binding
	// and load are undone.
	rec := e.get("create", "meetingID=bad")
	if d := parse(t, rec); d.ReturnCode != bbb.ReturnFailed || d.MessageKey == "" {
		t.Fatalf("answer %s", rec.Body)
	}
	if _, err := e.live.Meeting(ctx(t), "", "bad"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("binding of a refused create kept: %v", err)
	}
	if got := e.server("a").Load; got != 0 {
		t.Errorf("load after a refused create = %v", got)
	}

	// The server hangs: internalError, as Scalelite answers.
	if err := sim.SetFault(bbbsim.Hang); err != nil {
		t.Fatal(err)
	}
	wantError(t, e.get("create", "meetingID=m1&name=Room"), bbb.KeyInternalError, "Unable to create meeting on server.")
}

// TestCreateReplacesOnDeadServer: a meeting whose server went down is placed
// anew once the server is marked offline (DESIGN §6.3).
func TestCreateReplacesOnDeadServer(t *testing.T) {
	e := newEnv(t, nil)
	a := e.addServer("a", nil)
	e.create("meetingID=m1&name=Room", "")
	b := e.addServer("b", func(s *store.Server) { s.Load = 1000 })
	if err := a.SetFault(bbbsim.Down); err != nil {
		t.Fatal(err)
	}
	// Still marked online: create goes to its server and fails.
	wantError(t, e.get("create", "meetingID=m1&name=Room"), bbb.KeyInternalError, "Unable to create meeting on server.")
	e.updateServer("a", func(s *store.Server) { s.Online = false })
	e.create("meetingID=m1&name=Room", "")
	if _, ok := b.Meeting("m1"); !ok {
		t.Fatal("meeting not re-created on b")
	}
	if m, _ := e.live.Meeting(ctx(t), "", "m1"); m.ServerID != "b" {
		t.Errorf("binding on %q, want b", m.ServerID)
	}

	// Cordoned, running there: stays; not running: moves.
	c := e.addServer("c", func(s *store.Server) { s.Online = false })
	e.create("meetingID=run&name=Room", "")
	e.create("meetingID=idle&name=Room", "")
	for _, id := range []string{"run", "idle"} {
		if m, _ := e.live.Meeting(ctx(t), "", id); m.ServerID != "b" {
			t.Fatalf("%s placed on %s, want b", id, m.ServerID)
		}
	}
	if err := e.sims["b"].SetUsers("run", 3, 1, 0); err != nil {
		t.Fatal(err)
	}
	e.updateServer("b", func(s *store.Server) { s.State = store.StateCordoned })
	e.updateServer("c", func(s *store.Server) { s.Online = true })
	e.create("meetingID=run&name=Room", "")
	e.create("meetingID=idle&name=Room", "")
	if m, _ := e.live.Meeting(ctx(t), "", "run"); m.ServerID != "b" {
		t.Errorf("running meeting moved off its cordoned server to %s", m.ServerID)
	}
	if m, _ := e.live.Meeting(ctx(t), "", "idle"); m.ServerID != "c" {
		t.Errorf("idle meeting on %s, want c", m.ServerID)
	}
	if _, ok := c.Meeting("idle"); !ok {
		t.Error("idle meeting not created on c")
	}
}

func TestCreateVoiceBridge(t *testing.T) {
	for _, external := range []bool{false, true} {
		e := newEnv(t, func(s *module.Settings) { s.UseExternalVoiceBridge = external; s.VoiceBridgeLength = 5 })
		sim := e.addServer("a", nil)
		e.create("meetingID=vb1&name=Room&voiceBridge=71234", "")
		m, err := e.live.Meeting(ctx(t), "", "vb1")
		if err != nil {
			t.Fatal(err)
		}
		q, _ := lastQuery(t, sim, "create")
		if (m.VoiceBridge == "71234") != external || q.Get("voiceBridge") != m.VoiceBridge || len(m.VoiceBridge) != 5 {
			t.Errorf("external=%v: bound %q, forwarded %q", external, m.VoiceBridge, q.Get("voiceBridge"))
		}
	}
}

func TestCreateMultipartForm(t *testing.T) {
	e := newEnv(t, nil)
	sim := e.addServer("a", nil)
	body := "--XyZ\r\nContent-Disposition: form-data; name=\"meetingID\"\r\n\r\nmp1\r\n" +
		"--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nMulti Part\r\n--XyZ--\r\n"
	wantSuccess(t, e.do(request{method: http.MethodPost, call: "create", query: sign("create", "", lbSecret),
		body: body, contentType: "multipart/form-data; boundary=XyZ"}))
	if q, req := lastQuery(t, sim, "create"); req.Method != http.MethodGet || q.Get("name") != "Multi Part" {
		t.Errorf("forwarded %s %v", req.Method, q)
	}
}
