package integration

import (
	"encoding/json"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/caddyserver/caddy/v2"

	"github.com/caddy-bbb/caddy-bbb/bbbsim"
	"github.com/caddy-bbb/caddy-bbb/recordings"
)

// adminBase is the admin endpoint caddytest drives (testHeader).
const adminBase = "http://localhost:2999"

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// adminCall is one admin request and what it must answer.
type adminCall struct {
	method, path string
	contentType  string // default application/json when there is a body
	body         string
	wantStatus   int
	// wantError is part of the {"error": …} message of a failing answer.
	wantError string
}

// admin sends c to the admin endpoint, checks the status (and the error
// message of a failure) and returns the body.
func (l *lb) admin(c adminCall) []byte {
	l.t.Helper()
	ct := c.contentType
	if ct == "" && c.body != "" {
		ct = "application/json"
	}
	r := l.do(c.method, adminBase+c.path, ct, strings.NewReader(c.body))
	what := c.method + " " + c.path
	if r.status != c.wantStatus {
		l.t.Fatalf("%s: status %d, want %d (body %s)", what, r.status, c.wantStatus, r.body)
	}
	if c.wantStatus >= 400 {
		var doc struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(r.body, &doc); err != nil {
			l.t.Fatalf("%s: error body is not JSON: %v (%s)", what, err, r.body)
		}
		if !strings.Contains(doc.Error, c.wantError) {
			l.t.Errorf("%s: error %q, want it to contain %q", what, doc.Error, c.wantError)
		}
	} else if got := r.header.Get("Content-Type"); got != "application/json" && !strings.HasPrefix(c.path, "/bbb/servers?format=yaml") {
		l.t.Errorf("%s: Content-Type %q, want application/json", what, got)
	}
	return r.body
}

// adminJSON sends c and decodes the answer into out.
func (l *lb) adminJSON(c adminCall, out any) {
	l.t.Helper()
	body := l.admin(c)
	if err := json.Unmarshal(body, out); err != nil {
		l.t.Fatalf("%s %s: answer is not the JSON expected: %v (%s)", c.method, c.path, err, body)
	}
}

// adminErrors runs calls that must each fail as they say.
func (l *lb) adminErrors(t *testing.T, calls []adminCall) {
	t.Helper()
	for _, c := range calls {
		name := c.body
		if len(name) > 60 {
			name = name[:60] + "…"
		}
		t.Run(c.method+" "+c.path+" "+name, func(t *testing.T) {
			l.in(t).admin(c)
		})
	}
}

// adminServer is the server shape of DESIGN §5, with load kept raw so a test
// can tell null from 0.
type adminServer struct {
	ID             string          `json:"id"`
	URL            string          `json:"url"`
	Secret         string          `json:"secret"`
	Tag            string          `json:"tag"`
	State          string          `json:"state"`
	Online         bool            `json:"online"`
	Load           json.RawMessage `json:"load"`
	LoadMultiplier float64         `json:"load_multiplier"`
	Meetings       int             `json:"meetings"`
	Users          int             `json:"users"`
	LargestMeeting int             `json:"largest_meeting"`
	Videos         int             `json:"videos"`
	BBBVersion     string          `json:"bbb_version"`
}

type adminMeeting struct {
	ID           string    `json:"id"`
	Tenant       string    `json:"tenant"`
	ServerID     string    `json:"server_id"`
	ServerURL    string    `json:"server_url"`
	Created      time.Time `json:"created"`
	VoiceBridge  string    `json:"voice_bridge"`
	Participants int       `json:"participants"`
	Moderators   int       `json:"moderators"`
	Videos       int       `json:"videos"`
}

type adminTenant struct {
	ID      string   `json:"id"`
	Name    string   `json:"name"`
	Secrets []string `json:"secrets"`
}

type adminSetting struct {
	Param    string `json:"param"`
	Value    string `json:"value"`
	Override bool   `json:"override"`
}

type adminSyncReport struct {
	Mode          string   `json:"mode"`
	DryRun        bool     `json:"dry_run"`
	Added         []string `json:"added"`
	Updated       []string `json:"updated"`
	Enabled       []string `json:"enabled"`
	Cordoned      []string `json:"cordoned"`
	Removed       []string `json:"removed"`
	MeetingsEnded int      `json:"meetings_ended"`
}

func (l *lb) adminServer(id string) adminServer {
	l.t.Helper()
	var s adminServer
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/servers/" + id, wantStatus: http.StatusOK}, &s)
	return s
}

func (l *lb) adminServerIDs() []string {
	l.t.Helper()
	var list []adminServer
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/servers", wantStatus: http.StatusOK}, &list)
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	return ids
}

// addSimServer adds a simulator through the admin API and enables it.
func (l *lb) addSimServer(id string, sim *bbbsim.Sim) {
	l.t.Helper()
	l.admin(adminCall{method: http.MethodPost, path: "/bbb/servers", wantStatus: http.StatusCreated,
		body: `{"id": "` + id + `", "url": "` + sim.URL() + `", "secret": "` + sim.Secret() + `"}`})
	l.admin(adminCall{method: http.MethodPost, path: "/bbb/servers/" + id + "/enable", wantStatus: http.StatusOK})
}

// createMeeting creates a meeting through the BBB API and returns the index
// of the simulator it landed on.
func (l *lb) createMeeting(sims []*bbbsim.Sim, id string) int {
	l.t.Helper()
	l.get(frontEnd.url("create", "meetingID="+url.QueryEscape(id)+"&name="+url.QueryEscape(id))).wantSuccess(l.t, "create "+id)
	i := simRunning(l.t, sims, id)
	if i < 0 {
		l.t.Fatalf("meeting %s runs on no simulator", id)
	}
	return i
}

// endCalls returns the meetingIDs a simulator was sent end for.
func endCalls(sim *bbbsim.Sim) []string {
	var ids []string
	for _, r := range sim.RequestsFor("end") {
		q, _ := url.ParseQuery(r.RawQuery)
		ids = append(ids, q.Get("meetingID"))
	}
	slices.Sort(ids)
	return ids
}

func TestAdminServers(t *testing.T) {
	sims := startFleet(t, 2)
	l := startLB(t, lbConfig{})

	if body := l.admin(adminCall{method: http.MethodGet, path: "/bbb/servers", wantStatus: http.StatusOK}); string(body) != "[]\n" {
		t.Errorf("empty pool lists %s, want []", body)
	}

	// A new server is disabled and offline, with no load.
	var added adminServer
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/servers", wantStatus: http.StatusCreated,
		body: `{"id": "bbb1", "url": "` + sims[0].URL() + `", "secret": "` + sims[0].Secret() + `", "tag": "gpu", "load_multiplier": 2}`}, &added)
	want := adminServer{ID: "bbb1", URL: sims[0].URL(), Secret: sims[0].Secret(), Tag: "gpu", State: "disabled",
		Load: json.RawMessage("null"), LoadMultiplier: 2}
	if !reflect.DeepEqual(added, want) {
		t.Errorf("added %+v\nwant %+v", added, want)
	}
	if got := l.adminServer("bbb1"); !reflect.DeepEqual(got, want) {
		t.Errorf("GET %+v\nwant %+v", got, want)
	}
	var random adminServer
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/servers", wantStatus: http.StatusCreated,
		body: `{"url": "` + sims[1].URL() + `", "secret": "` + sims[1].Secret() + `"}`}, &random)
	if !uuidPattern.MatchString(random.ID) || random.LoadMultiplier != 1 || random.Tag != "" {
		t.Errorf("server added without id: %+v, want a UUID id, multiplier 1, no tag", random)
	}

	t.Run("add errors", func(t *testing.T) {
		l.in(t).adminErrors(t, []adminCall{
			{method: http.MethodPost, path: "/bbb/servers", body: `{}`, wantStatus: 400, wantError: "needs a url"},
			{method: http.MethodPost, path: "/bbb/servers", body: `{"url": "ftp://x/", "secret": "s"}`, wantStatus: 400, wantError: "http or https"},
			{method: http.MethodPost, path: "/bbb/servers", body: `{"url": "https://x/bigbluebutton/api"}`, wantStatus: 400, wantError: "needs a secret"},
			{method: http.MethodPost, path: "/bbb/servers", body: `{"url": "https://x/bigbluebutton/api", "secret": "s", "load_multiplier": 0}`,
				wantStatus: 400, wantError: "load_multiplier"},
			{method: http.MethodPost, path: "/bbb/servers", body: `{"id": "a b", "url": "https://x/bigbluebutton/api", "secret": "s"}`,
				wantStatus: 400, wantError: "invalid server id"},
			{method: http.MethodPost, path: "/bbb/servers", body: `{"url": "https://x/bigbluebutton/api", "secret": "s", "state": "enabled"}`,
				wantStatus: 400, wantError: `unknown field "state"`},
			{method: http.MethodPost, path: "/bbb/servers", body: `{"url": `, wantStatus: 400, wantError: "invalid JSON"},
			{method: http.MethodPost, path: "/bbb/servers", body: `{} {}`, wantStatus: 400, wantError: "more than one value"},
			{method: http.MethodPost, path: "/bbb/servers", contentType: "text/plain", body: `{}`, wantStatus: 415, wantError: "content type"},
			{method: http.MethodPost, path: "/bbb/servers", body: `{"id": "bbb1", "url": "https://x/bigbluebutton/api", "secret": "s"}`,
				wantStatus: 409, wantError: "already exists"},
			{method: http.MethodPost, path: "/bbb/servers", body: `{"url": "` + strings.Repeat("x", 5<<20) + `"}`,
				wantStatus: 413, wantError: "larger than"},
		})
	})
	t.Run("unknown ids", func(t *testing.T) {
		calls := []adminCall{{method: http.MethodGet, path: "/bbb/servers/nope"}, {method: http.MethodPatch, path: "/bbb/servers/nope", body: `{"tag": "x"}`},
			{method: http.MethodDelete, path: "/bbb/servers/nope"}, {method: http.MethodDelete, path: "/bbb/servers/nope?force=true"}}
		for _, action := range []string{"enable", "cordon", "disable", "panic"} {
			calls = append(calls, adminCall{method: http.MethodPost, path: "/bbb/servers/nope/" + action})
		}
		for i := range calls {
			calls[i].wantStatus, calls[i].wantError = http.StatusNotFound, `no server with id "nope"`
		}
		calls = append(calls, adminCall{method: http.MethodPut, path: "/bbb/servers/bbb1", wantStatus: 404, wantError: "no admin route PUT /bbb/servers/bbb1"})
		l.in(t).adminErrors(t, calls)
	})

	// PATCH: a tag of "" clears, absent fields are kept.
	var patched adminServer
	l.adminJSON(adminCall{method: http.MethodPatch, path: "/bbb/servers/bbb1", body: `{"tag": "", "load_multiplier": 1.5}`, wantStatus: 200}, &patched)
	if patched.Tag != "" || patched.LoadMultiplier != 1.5 || patched.Secret != sims[0].Secret() || patched.URL != sims[0].URL() {
		t.Errorf("patched %+v", patched)
	}
	t.Run("patch errors", func(t *testing.T) {
		l.in(t).adminErrors(t, []adminCall{
			{method: http.MethodPatch, path: "/bbb/servers/bbb1", body: `{"tag": "a;b"}`, wantStatus: 400, wantError: "invalid tag"},
			{method: http.MethodPatch, path: "/bbb/servers/bbb1", body: `{"url": "x"}`, wantStatus: 400, wantError: "invalid server url"},
			{method: http.MethodPatch, path: "/bbb/servers/bbb1", body: `{"secret": ""}`, wantStatus: 400, wantError: "needs a secret"},
			{method: http.MethodPatch, path: "/bbb/servers/bbb1", body: `{"state": "enabled"}`, wantStatus: 400, wantError: "unknown field"},
			{method: http.MethodPatch, path: "/bbb/servers/bbb1", wantStatus: 400, wantError: "invalid JSON"},
		})
	})

	// enable, then a poll brings it online with load 0.
	var s adminServer
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/servers/bbb1/enable", wantStatus: 200}, &s)
	if s.State != "enabled" {
		t.Errorf("enabled server is %s", s.State)
	}
	var summary struct {
		Polled int      `json:"polled"`
		Online int      `json:"online"`
		Failed []string `json:"failed"`
	}
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/poll", wantStatus: 200}, &summary)
	if summary.Polled != 1 || summary.Online != 1 || len(summary.Failed) != 0 {
		t.Errorf("poll summary %+v, want 1 polled and online", summary)
	}
	if s = l.adminServer("bbb1"); !s.Online || string(s.Load) != "0" || s.BBBVersion != "3.0.9" {
		t.Errorf("after a poll: online %v load %s version %q, want online, 0, 3.0.9", s.Online, s.Load, s.BBBVersion)
	}

	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/servers/bbb1/cordon", wantStatus: 200}, &s)
	if s.State != "cordoned" {
		t.Errorf("cordoned server is %s", s.State)
	}
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/servers/bbb1/enable", wantStatus: 200}, &s)
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/servers/bbb1/panic", body: `{"keep_state": true}`, wantStatus: 200}, &s)
	if s.State != "enabled" {
		t.Errorf("panic keeping state left it %s", s.State)
	}
	l.admin(adminCall{method: http.MethodPost, path: "/bbb/servers/bbb1/panic", body: `{"keep": true}`, wantStatus: 400, wantError: "unknown field"})
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/servers/bbb1/panic", wantStatus: 200}, &s)
	if s.State != "disabled" || s.Online || string(s.Load) != "null" {
		t.Errorf("panicked server: state %s online %v load %s, want disabled, offline, null", s.State, s.Online, s.Load)
	}
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/servers/bbb1/disable", wantStatus: 200}, &s)
	if s.State != "disabled" {
		t.Errorf("disabled server is %s", s.State)
	}

	// The status table, ordered by hostname (both are 127.0.0.1: then id).
	var rows []struct {
		ID       string          `json:"id"`
		Hostname string          `json:"hostname"`
		State    string          `json:"state"`
		Status   string          `json:"status"`
		Load     json.RawMessage `json:"load"`
	}
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/status", wantStatus: 200}, &rows)
	wantIDs := []string{"bbb1", random.ID}
	slices.Sort(wantIDs)
	if len(rows) != 2 || rows[0].ID != wantIDs[0] || rows[1].ID != wantIDs[1] || rows[0].Hostname != "127.0.0.1" ||
		rows[0].Status != "offline" || string(rows[0].Load) != "null" {
		t.Errorf("status rows %+v", rows)
	}

	l.admin(adminCall{method: http.MethodDelete, path: "/bbb/servers/bbb1?force=maybe", wantStatus: 400, wantError: "invalid force"})
	var removed struct {
		Removed       string `json:"removed"`
		MeetingsEnded int    `json:"meetings_ended"`
	}
	l.adminJSON(adminCall{method: http.MethodDelete, path: "/bbb/servers/bbb1", wantStatus: 200}, &removed)
	if removed.Removed != "bbb1" || removed.MeetingsEnded != 0 {
		t.Errorf("delete answered %+v", removed)
	}
	l.admin(adminCall{method: http.MethodGet, path: "/bbb/servers/bbb1", wantStatus: 404, wantError: "no server"})
	if ids := l.adminServerIDs(); !slices.Equal(ids, []string{random.ID}) {
		t.Errorf("servers left %v", ids)
	}
}

func TestAdminMeetings(t *testing.T) {
	sims := startFleet(t, 2)
	l := startLB(t, lbConfig{})
	l.addSimServer("sim0", sims[0])
	l.addSimServer("sim1", sims[1])
	l.waitOnline("sim0", true)
	l.waitOnline("sim1", true)

	// Placement spreads two meetings over the two servers.
	on := map[string]int{"room1": l.createMeeting(sims, "room1"), "room2": l.createMeeting(sims, "room2")}
	serverOf := func(id string) string { return serverID(on[id]) }

	var list []adminMeeting
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/meetings", wantStatus: 200}, &list)
	if len(list) != 2 || list[0].ID != "room1" || list[1].ID != "room2" {
		t.Fatalf("meetings %+v, want room1 and room2", list)
	}
	for _, m := range list {
		if m.ServerID != serverOf(m.ID) || m.ServerURL != sims[on[m.ID]].URL() || m.Tenant != "" || m.VoiceBridge == "" ||
			time.Since(m.Created) > time.Minute {
			t.Errorf("meeting %+v, want it on %s", m, serverOf(m.ID))
		}
	}
	var one adminMeeting
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/meetings/room1", wantStatus: 200}, &one)
	if one != list[0] {
		t.Errorf("GET room1 %+v, listed %+v", one, list[0])
	}
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/meetings?server=" + serverOf("room2"), wantStatus: 200}, &list)
	if len(list) != 1 || list[0].ID != "room2" {
		t.Errorf("meetings of %s: %+v", serverOf("room2"), list)
	}
	l.adminErrors(t, []adminCall{
		{method: http.MethodGet, path: "/bbb/meetings/nope", wantStatus: 404, wantError: `no meeting "nope"`},
		{method: http.MethodGet, path: "/bbb/meetings/room1?tenant=nope", wantStatus: 404, wantError: "no meeting"},
		{method: http.MethodGet, path: "/bbb/meetings?tenant=nope", wantStatus: 404, wantError: `no tenant "nope"`},
		{method: http.MethodGet, path: "/bbb/meetings?server=nope", wantStatus: 404, wantError: `no server with id "nope"`},
		{method: http.MethodDelete, path: "/bbb/meetings/nope", wantStatus: 404, wantError: "no meeting"},
		// A server with meetings is not removed without force.
		{method: http.MethodDelete, path: "/bbb/servers/" + serverOf("room1"), wantStatus: 409, wantError: "still has 1 meeting"},
	})

	// Ending a meeting removes it here and ends it on its server.
	l.adminJSON(adminCall{method: http.MethodDelete, path: "/bbb/meetings/room1", wantStatus: 200}, &one)
	if one.ID != "room1" || one.ServerID != serverOf("room1") {
		t.Errorf("ended %+v", one)
	}
	if got := endCalls(sims[on["room1"]]); !slices.Equal(got, []string{"room1"}) {
		t.Errorf("end calls %v, want [room1]", got)
	}
	l.admin(adminCall{method: http.MethodGet, path: "/bbb/meetings/room1", wantStatus: 404, wantError: "no meeting"})

	// Forced removal ends the meetings of the server.
	var removed struct {
		Removed       string `json:"removed"`
		MeetingsEnded int    `json:"meetings_ended"`
	}
	l.adminJSON(adminCall{method: http.MethodDelete, path: "/bbb/servers/" + serverOf("room2") + "?force=true", wantStatus: 200}, &removed)
	if removed.MeetingsEnded != 1 || !slices.Equal(endCalls(sims[on["room2"]]), []string{"room2"}) {
		t.Errorf("forced delete %+v, end calls %v", removed, endCalls(sims[on["room2"]]))
	}
	if _, ok := sims[on["room2"]].Meeting("room2"); ok {
		t.Error("room2 still runs on its server")
	}

	// Disabling the last server ends its meeting too.
	room3 := l.createMeeting(sims, "room3")
	var s adminServer
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/servers/" + serverID(room3) + "/disable", wantStatus: 200}, &s)
	if s.State != "disabled" || !slices.Contains(endCalls(sims[room3]), "room3") {
		t.Errorf("disable: state %s, end calls %v", s.State, endCalls(sims[room3]))
	}
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/meetings", wantStatus: 200}, &list)
	if len(list) != 0 {
		t.Errorf("meetings left: %+v", list)
	}
}

func TestAdminSync(t *testing.T) {
	sims := startFleet(t, 2)
	l := startLB(t, lbConfig{})
	doc := "servers:\n" +
		"  a:\n    url: " + sims[0].URL() + "\n    secret: " + sims[0].Secret() + "\n    tag: gpu\n" +
		"  b:\n    url: " + sims[1].URL() + "\n    secret: " + sims[1].Secret() + "\n    enabled: false\n    load_multiplier: 2\n"
	put := func(t *testing.T, query, contentType, body string) adminSyncReport {
		t.Helper()
		var r adminSyncReport
		l.in(t).adminJSON(adminCall{method: http.MethodPut, path: "/bbb/servers" + query, contentType: contentType, body: body, wantStatus: 200}, &r)
		return r
	}
	report := func(mode string, dryRun bool, added, updated, enabled, cordoned, removed []string, ended int) adminSyncReport {
		return adminSyncReport{Mode: mode, DryRun: dryRun, Added: added, Updated: updated, Enabled: enabled, Cordoned: cordoned,
			Removed: removed, MeetingsEnded: ended}
	}
	none := []string{}

	t.Run("dry run adds nothing", func(t *testing.T) {
		got := put(t, "?dry_run=true", "application/yaml", doc)
		if want := report("cordon", true, []string{"a", "b"}, none, []string{"a"}, none, none, 0); !reflect.DeepEqual(got, want) {
			t.Errorf("report %+v\nwant %+v", got, want)
		}
		if ids := l.in(t).adminServerIDs(); len(ids) != 0 {
			t.Errorf("dry run added %v", ids)
		}
	})
	t.Run("sync adds", func(t *testing.T) {
		got := put(t, "", "application/yaml", doc)
		if want := report("cordon", false, []string{"a", "b"}, none, []string{"a"}, none, none, 0); !reflect.DeepEqual(got, want) {
			t.Errorf("report %+v\nwant %+v", got, want)
		}
		a, b := l.in(t).adminServer("a"), l.in(t).adminServer("b")
		if a.State != "enabled" || a.Tag != "gpu" || a.URL != sims[0].URL() || b.State != "disabled" || b.LoadMultiplier != 2 {
			t.Errorf("after sync: %+v, %+v", a, b)
		}
	})
	t.Run("export then sync is a no-op", func(t *testing.T) {
		r := l.in(t).do(http.MethodGet, adminBase+"/bbb/servers?format=yaml", "", nil)
		if r.status != 200 || r.header.Get("Content-Type") != "application/yaml" || !strings.HasPrefix(string(r.body), "servers:\n") {
			t.Fatalf("export: %d %q %s", r.status, r.header.Get("Content-Type"), r.body)
		}
		for _, mode := range []string{"keep", "cordon", "force"} {
			got := put(t, "?mode="+mode, "application/yaml", string(r.body))
			if want := report(mode, false, none, none, none, none, none, 0); !reflect.DeepEqual(got, want) {
				t.Errorf("mode %s: report %+v, want nothing done", mode, got)
			}
		}
	})

	// b, now running a meeting, drops out of a JSON document.
	l.admin(adminCall{method: http.MethodPost, path: "/bbb/servers/b/enable", wantStatus: 200})
	l.admin(adminCall{method: http.MethodPost, path: "/bbb/servers/a/cordon", wantStatus: 200})
	l.waitOnline("b", true)
	l.createMeeting(sims, "busy")
	onlyA := `{"servers": {"a": {"url": "` + sims[0].URL() + `", "secret": "` + sims[0].Secret() + `", "tag": "gpu", "enabled": false}}}`
	tests := []struct {
		query string
		want  adminSyncReport
	}{
		{"?mode=keep&dry_run=true", report("keep", true, none, none, none, none, none, 0)},
		{"?mode=cordon&dry_run=true", report("cordon", true, none, none, none, []string{"b"}, none, 0)},
		{"?mode=force&dry_run=true", report("force", true, none, none, none, none, []string{"b"}, 1)},
		{"?mode=cordon", report("cordon", false, none, none, none, []string{"b"}, none, 0)},
		{"?mode=force", report("force", false, none, none, none, none, []string{"b"}, 1)},
	}
	for _, tt := range tests {
		t.Run("json "+tt.query, func(t *testing.T) {
			if got := put(t, tt.query, "application/json", onlyA); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("report %+v\nwant %+v", got, tt.want)
			}
		})
	}
	if ids := l.adminServerIDs(); !slices.Equal(ids, []string{"a"}) || !slices.Equal(endCalls(sims[1]), []string{"busy"}) {
		t.Errorf("after forced sync: servers %v, end calls %v", ids, endCalls(sims[1]))
	}

	l.adminErrors(t, []adminCall{
		{method: http.MethodPut, path: "/bbb/servers?mode=delete", contentType: "application/yaml", body: doc, wantStatus: 400, wantError: "invalid sync mode"},
		{method: http.MethodPut, path: "/bbb/servers?dry_run=perhaps", contentType: "application/yaml", body: doc, wantStatus: 400, wantError: "invalid dry_run"},
		{method: http.MethodPut, path: "/bbb/servers", contentType: "application/yaml", body: "servers:\n  a:\n    secret: s\n    colour: red\n",
			wantStatus: 400, wantError: `unknown key "colour"`},
		{method: http.MethodPut, path: "/bbb/servers", contentType: "application/yaml", body: "servers:\n  a:\n    url: https://a/\n", wantStatus: 400, wantError: "needs a secret"},
		{method: http.MethodPut, path: "/bbb/servers", contentType: "application/yaml", body: "servers: [", wantStatus: 400, wantError: "servers document"},
		{method: http.MethodPut, path: "/bbb/servers", contentType: "application/json", body: doc, wantStatus: 400, wantError: "not valid JSON"},
		{method: http.MethodPut, path: "/bbb/servers", contentType: "text/csv", body: doc, wantStatus: 415, wantError: "content type"},
		{method: http.MethodGet, path: "/bbb/servers?format=xml", wantStatus: 400, wantError: "invalid format"},
	})
	if ids := l.adminServerIDs(); !slices.Equal(ids, []string{"a"}) {
		t.Errorf("failed syncs changed the pool: %v", ids)
	}
}

func TestAdminTenants(t *testing.T) {
	l := startLB(t, lbConfig{})
	if body := l.admin(adminCall{method: http.MethodGet, path: "/bbb/tenants", wantStatus: 200}); string(body) != "[]\n" {
		t.Errorf("no tenants lists %s", body)
	}
	var acme, other adminTenant
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/tenants", body: `{"name": "acme", "secrets": ["s1"]}`, wantStatus: 201}, &acme)
	if !uuidPattern.MatchString(acme.ID) || acme.Name != "acme" || !slices.Equal(acme.Secrets, []string{"s1"}) {
		t.Errorf("added %+v", acme)
	}
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/tenants", body: `{"name": "other", "secrets": ["o1", "o2"]}`, wantStatus: 201}, &other)
	var got adminTenant
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/tenants/" + acme.ID, wantStatus: 200}, &got)
	if !reflect.DeepEqual(got, acme) {
		t.Errorf("GET %+v, want %+v", got, acme)
	}
	l.adminJSON(adminCall{method: http.MethodPatch, path: "/bbb/tenants/" + acme.ID, body: `{"name": "acme2"}`, wantStatus: 200}, &got)
	if got.Name != "acme2" || !slices.Equal(got.Secrets, []string{"s1"}) {
		t.Errorf("renamed %+v", got)
	}
	l.adminJSON(adminCall{method: http.MethodPatch, path: "/bbb/tenants/" + acme.ID, body: `{"secrets": ["x", "y"]}`, wantStatus: 200}, &got)
	if got.Name != "acme2" || !slices.Equal(got.Secrets, []string{"x", "y"}) {
		t.Errorf("new secrets %+v", got)
	}
	var list []adminTenant
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/tenants", wantStatus: 200}, &list)
	if len(list) != 2 || list[0].Name != "acme2" || list[1].Name != "other" {
		t.Errorf("tenants %+v", list)
	}

	settings := "/bbb/tenants/" + acme.ID + "/settings"
	var ss []adminSetting
	l.adminJSON(adminCall{method: http.MethodGet, path: settings, wantStatus: 200}, &ss)
	if ss == nil || len(ss) != 0 {
		t.Errorf("new tenant's settings %#v, want []", ss)
	}
	l.adminJSON(adminCall{method: http.MethodPut, path: settings, wantStatus: 200,
		body: `[{"param": "record", "value": "false", "override": true}, {"param": "duration", "value": "60"}]`}, &ss)
	wantSettings := []adminSetting{{Param: "duration", Value: "60"}, {Param: "record", Value: "false", Override: true}}
	if !reflect.DeepEqual(ss, wantSettings) {
		t.Errorf("settings %+v, want %+v", ss, wantSettings)
	}
	l.adminJSON(adminCall{method: http.MethodGet, path: settings, wantStatus: 200}, &ss)
	if !reflect.DeepEqual(ss, wantSettings) {
		t.Errorf("stored settings %+v, want %+v", ss, wantSettings)
	}

	l.adminErrors(t, []adminCall{
		{method: http.MethodPost, path: "/bbb/tenants", body: `{"name": "other", "secrets": ["s"]}`, wantStatus: 409, wantError: "already exists"},
		{method: http.MethodPost, path: "/bbb/tenants", body: `{"name": "Acme", "secrets": ["s"]}`, wantStatus: 400, wantError: "lower-case DNS label"},
		{method: http.MethodPost, path: "/bbb/tenants", body: `{"name": "x", "secrets": []}`, wantStatus: 400, wantError: "at least one secret"},
		{method: http.MethodPost, path: "/bbb/tenants", body: `{"name": "x"}`, wantStatus: 400, wantError: "at least one secret"},
		{method: http.MethodPost, path: "/bbb/tenants", body: `{"name": "x", "secrets": ["s"], "id": "mine"}`, wantStatus: 400, wantError: "unknown field"},
		{method: http.MethodPatch, path: "/bbb/tenants/" + acme.ID, body: `{"name": "other"}`, wantStatus: 409, wantError: "already exists"},
		{method: http.MethodPatch, path: "/bbb/tenants/" + acme.ID, body: `{"name": "a.b"}`, wantStatus: 400, wantError: "DNS label"},
		{method: http.MethodGet, path: "/bbb/tenants/nope", wantStatus: 404, wantError: `no tenant "nope"`},
		{method: http.MethodPatch, path: "/bbb/tenants/nope", body: `{"name": "x"}`, wantStatus: 404, wantError: `no tenant "nope"`},
		{method: http.MethodDelete, path: "/bbb/tenants/nope", wantStatus: 404, wantError: `no tenant "nope"`},
		{method: http.MethodGet, path: "/bbb/tenants/nope/settings", wantStatus: 404, wantError: `no tenant "nope"`},
		{method: http.MethodPut, path: "/bbb/tenants/nope/settings", body: `[]`, wantStatus: 404, wantError: `no tenant "nope"`},
		{method: http.MethodDelete, path: "/bbb/tenants/nope/settings", wantStatus: 404, wantError: `no tenant "nope"`},
		{method: http.MethodPut, path: settings, body: `[{"param": "checksum", "value": "x"}]`, wantStatus: 400, wantError: "checksum"},
		{method: http.MethodPut, path: settings, body: `[{"param": "a b", "value": "x"}]`, wantStatus: 400, wantError: "invalid parameter name"},
		{method: http.MethodPut, path: settings, body: `[{"param": "record", "value": "x"}, {"param": "record", "value": "y"}]`, wantStatus: 400, wantError: "twice"},
		{method: http.MethodPut, path: settings, body: `null`, wantStatus: 400, wantError: "JSON array"},
		{method: http.MethodPut, path: settings, body: `{"record": "x"}`, wantStatus: 400, wantError: "invalid JSON"},
		{method: http.MethodPost, path: "/bbb/recordings/assign-tenant", body: `{"tenant": "nope"}`, wantStatus: 404, wantError: `no tenant "nope"`},
		{method: http.MethodPost, path: "/bbb/recordings/assign-tenant", body: `{}`, wantStatus: 400, wantError: "tenant is required"},
	})
	l.adminJSON(adminCall{method: http.MethodGet, path: settings, wantStatus: 200}, &ss)
	if !reflect.DeepEqual(ss, wantSettings) {
		t.Errorf("refused changes changed the settings: %+v", ss)
	}

	var assigned struct {
		TenantID string `json:"tenant_id"`
		Assigned int    `json:"assigned"`
	}
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/recordings/assign-tenant", body: `{"tenant": "acme2"}`, wantStatus: 200}, &assigned)
	if assigned.TenantID != acme.ID || assigned.Assigned != 0 {
		t.Errorf("assign-tenant by name answered %+v", assigned)
	}

	l.adminJSON(adminCall{method: http.MethodDelete, path: settings, wantStatus: 200}, &ss)
	if ss == nil || len(ss) != 0 {
		t.Errorf("settings after delete %#v", ss)
	}
	l.admin(adminCall{method: http.MethodDelete, path: "/bbb/tenants/" + acme.ID, wantStatus: 200})
	l.admin(adminCall{method: http.MethodGet, path: "/bbb/tenants/" + acme.ID, wantStatus: 404, wantError: "no tenant"})
	l.adminJSON(adminCall{method: http.MethodGet, path: "/bbb/tenants", wantStatus: 200}, &list)
	if len(list) != 1 || list[0].ID != other.ID {
		t.Errorf("tenants after delete %+v", list)
	}
}

// TestAdminImport checks POST /bbb/recordings/import: the summary of a scan
// of an empty spool, or 503 while the app has no importer.
func TestAdminImport(t *testing.T) {
	spool := t.TempDir()
	l := startLB(t, lbConfig{Extra: []string{"recordings {\n\t\t\tspool_dir " + spool + "\n\t\t\twork_dir " + t.TempDir() +
		"\n\t\t\tpublish_dir " + t.TempDir() + "\n\t\t\tunpublish_dir " + t.TempDir() + "\n\t\t}"}})
	v, err := caddy.ActiveContext().App("bbb")
	if err != nil {
		t.Fatal(err)
	}
	src, ok := v.(interface{ Importer() *recordings.Importer })
	if !ok || src.Importer() == nil {
		l.admin(adminCall{method: http.MethodPost, path: "/bbb/recordings/import", wantStatus: 503, wantError: "no recordings importer"})
		return
	}
	var summary struct {
		Imported []string `json:"imported"`
		Failed   []any    `json:"failed"`
	}
	l.adminJSON(adminCall{method: http.MethodPost, path: "/bbb/recordings/import", wantStatus: 200}, &summary)
	if len(summary.Imported) != 0 || len(summary.Failed) != 0 {
		t.Errorf("import of an empty spool: %+v", summary)
	}
}
